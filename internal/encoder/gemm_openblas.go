//go:build openblas && cgo

package encoder

/*
#cgo CFLAGS: -O3 -I/usr/include/x86_64-linux-gnu
#cgo LDFLAGS: -lopenblas -lm
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
void openblas_set_num_threads(int num_threads);

// Let GCC vectorize clamps and reductions (cgo refuses these as command-line flags).
#pragma GCC optimize("O3", "no-trapping-math", "no-signed-zeros", "associative-math")

// Element-wise kernels, compiled for AVX2+FMA with a portable fallback chosen at load time.
// They compute the same functions as the pure-Go versions in bert.go.

#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

// erf rational approximation on [-4, 4] (see erff in bert.go).
static inline float erf_approx(float x) {
	x = x > 4.f ? 4.f : (x < -4.f ? -4.f : x);
	float x2 = x * x;
	float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
	p = x2 * p + -2.10102402082508e-06f;
	p = x2 * p + -5.69250639462346e-05f;
	p = x2 * p + -7.34990630326855e-04f;
	p = x2 * p + -2.95459980854025e-03f;
	p = x2 * p + -1.60960333262415e-02f;
	p = x * p;
	float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
	q = x2 * q + -1.68282697438203e-03f;
	q = x2 * q + -7.37332916720468e-03f;
	q = x2 * q + -1.42647390514189e-02f;
	return p / q;
}

CLONES void ps_gelu_erf(float *x, long n) {
	for (long i = 0; i < n; i++) {
		float v = x[i];
		x[i] = 0.5f * v * (1.f + erf_approx(v * 0.70710678118654752f));
	}
}

// exp for x <= 0 (softmax after subtracting the max): 2^n * p(r), r in [-ln2/2, ln2/2],
// relative error ~1e-7; inputs below -87 give 0.
static inline float exp_neg(float x) {
	x = x < -87.f ? -87.f : x;
	float n = __builtin_roundf(x * 1.44269504088896341f);
	float r = x - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	float p = 1.9875691500E-4f;
	p = p * r + 1.3981999507E-3f;
	p = p * r + 8.3334519073E-3f;
	p = p * r + 4.1665795894E-2f;
	p = p * r + 1.6666665459E-1f;
	p = p * r + 5.0000001201E-1f;
	p = p * r * r + r + 1.f;
	union { float f; int32_t i; } u;
	u.i = ((int32_t)n + 127) << 23;
	return p * u.f;
}

CLONES void ps_softmax_rows(float *s, long rows, long n, float scale) {
	for (long r = 0; r < rows; r++) {
		float *row = s + r * n;
		float mx = -INFINITY;
		for (long i = 0; i < n; i++) {
			row[i] *= scale;
			mx = row[i] > mx ? row[i] : mx;
		}
		float sum = 0.f;
		for (long i = 0; i < n; i++) {
			float e = exp_neg(row[i] - mx);
			row[i] = e;
			sum += e;
		}
		float inv = 1.f / sum;
		for (long i = 0; i < n; i++) row[i] *= inv;
	}
}

CLONES void ps_bias_rows(float *y, const float *b, long rows, long n) {
	for (long r = 0; r < rows; r++) {
		float *row = y + r * n;
		for (long i = 0; i < n; i++) row[i] += b[i];
	}
}

// x = LayerNorm(x + y) per row (y may be NULL).
CLONES void ps_add_norm_rows(float *x, const float *y, const float *g, const float *b, long rows, long n, float eps) {
	for (long r = 0; r < rows; r++) {
		float *row = x + r * n;
		if (y) {
			const float *add = y + r * n;
			for (long i = 0; i < n; i++) row[i] += add[i];
		}
		float s = 0.f;
		for (long i = 0; i < n; i++) s += row[i];
		float mean = s / (float)n;
		float v = 0.f;
		for (long i = 0; i < n; i++) { float d = row[i] - mean; v += d * d; }
		float inv = 1.f / sqrtf(v / (float)n + eps);
		for (long i = 0; i < n; i++) row[i] = (row[i] - mean) * inv * g[i] + b[i];
	}
}
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

func fp(s []float32) *C.float { return (*C.float)(unsafe.Pointer(&s[0])) }

func serialNT(_ isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, fp(a), C.blasint(lda), fp(b), C.blasint(ldb), 0, fp(c), C.blasint(ldc))
}

func sgemmNNSmall(_ isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasNoTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, fp(a), C.blasint(lda), fp(b), C.blasint(ldb), 0, fp(c), C.blasint(ldc))
}

func attnNT(_ isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	serialNT(isaGeneric, m, n, k, a, lda, b, ldb, c, ldc)
}

func geluErfRows(_ isa, xs []float32) {
	if len(xs) > 0 {
		C.ps_gelu_erf(fp(xs), C.long(len(xs)))
	}
}

func softmaxRows(_ isa, s []float32, rows, n int, scale float32) {
	if rows > 0 && n > 0 {
		C.ps_softmax_rows(fp(s), C.long(rows), C.long(n), C.float(scale))
	}
}

func biasRows(y, b []float32, rows, n int) {
	if rows > 0 && n > 0 {
		C.ps_bias_rows(fp(y), fp(b), C.long(rows), C.long(n))
	}
}

func addNormRows(_ isa, x, y, g, b []float32, rows, n int, eps float32) {
	if rows == 0 || n == 0 {
		return
	}
	var yp *C.float
	if y != nil {
		yp = fp(y)
	}
	C.ps_add_norm_rows(fp(x), yp, fp(g), fp(b), C.long(rows), C.long(n), C.float(eps))
}
