//go:build amd64

package online

import "golang.org/x/sys/cpu"

// haveAVX2FMA reports whether dot4 may use the assembly kernel.
var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dot4x8(x, a, b, c, d *float32, n int, out *[4]float32)

// dot4 returns x's dot products with a, b, c and d (each at least as long as x), reading x once:
// AVX2/FMA for the first len(x)&^7 floats when the CPU has them, Go for the rest.
func dot4(x, a, b, c, d []float32) (float32, float32, float32, float32) {
	n := len(x)
	a, b, c, d = a[:n], b[:n], c[:n], d[:n]
	var s [4]float32
	done := 0
	if haveAVX2FMA && n >= 8 {
		done = n &^ 7
		dot4x8(&x[0], &a[0], &b[0], &c[0], &d[0], done, &s)
	}
	for j := done; j < n; j++ {
		v := x[j]
		s[0] += v * a[j]
		s[1] += v * b[j]
		s[2] += v * c[j]
		s[3] += v * d[j]
	}
	return s[0], s[1], s[2], s[3]
}
