//go:build openblas && cgo

package encoder

/*
#cgo CFLAGS: -I/usr/include/x86_64-linux-gnu
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
*/
import "C"

import "unsafe"

// Backend names the matrix-product kernel this binary was built with.
const Backend = "openblas"

func init() {
	// Parallelism comes from our own goroutines (Options.Threads); OpenBLAS itself runs each
	// call on the calling thread, so concurrent calls from several goroutines do not oversubscribe.
	C.openblas_set_num_threads(1)
}

func serialNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		0, (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

func sgemmNNSmall(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasNoTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		0, (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

func attnNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	serialNT(m, n, k, a, lda, b, ldb, c, ldc)
}
