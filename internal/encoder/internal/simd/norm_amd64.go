//go:build amd64

package simd

// AddNorm sets x = LayerNorm(x + y) * g + b (y nil: LayerNorm(x) * g + b), with float32 sums.
// len(x) must be a positive multiple of 16 and y (if not nil), g and b at least as long. Use it
// only when HaveAVX512 is true.
func AddNorm(x, y, g, b []float32, eps float32) {
	n := len(x)
	if n == 0 || n%16 != 0 || len(g) < n || len(b) < n || (y != nil && len(y) < n) {
		panic("simd: AddNorm needs a length that is a positive multiple of 16")
	}
	var yp *float32
	if y != nil {
		yp = &y[0]
	}
	addNorm16(&x[0], yp, &g[0], &b[0], n, 1/float32(n), eps)
}

//go:noescape
func addNorm16(x *float32, y *float32, gamma *float32, beta *float32, n int, invn float32, eps float32)
