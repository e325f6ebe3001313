//go:build !amd64

package online

// dot4 returns x's dot products with a, b, c and d (each at least as long as x), reading x once.
func dot4(x, a, b, c, d []float32) (float32, float32, float32, float32) {
	return dot4go(x, a, b, c, d)
}
