//go:build !(openblas && cgo)

package encoder

// Backend names the matrix-product kernel this binary was built with.
const Backend = "purego"

func serialNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	goSgemmNT(m, n, k, a, lda, b, ldb, c, ldc)
}

func sgemmNNSmall(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	goSgemmNN(m, n, k, a, lda, b, ldb, c, ldc)
}

func attnNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	goSgemmNT(m, n, k, a, lda, b, ldb, c, ldc)
}
