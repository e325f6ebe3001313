package simd

import (
	"math"
	"testing"
)

func TestKernel6x16(t *testing.T) {
	if !HaveAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU")
	}
	for _, k := range []int{0, 1, 7, 64} {
		for _, acc := range []int{0, 1} {
			lda, ldc := k+3, 20
			a := make([]float32, 6*lda+1)
			bp := make([]float32, k*16+1)
			for i := range a {
				a[i] = float32(i%11) - 5
			}
			for i := range bp {
				bp[i] = float32(i%7) * 0.5
			}
			c := make([]float32, 6*ldc)
			for i := range c {
				c[i] = 99
			}
			Kernel6x16(k, &a[0], lda, &bp[0], &c[0], ldc, acc)
			for r := 0; r < 6; r++ {
				for j := 0; j < ldc; j++ {
					want := float32(99) // outside the tile: untouched
					if j < 16 {
						var s float64
						if acc != 0 {
							s = 99
						}
						for p := 0; p < k; p++ {
							s += float64(a[r*lda+p]) * float64(bp[p*16+j])
						}
						want = float32(s)
					}
					if math.Abs(float64(c[r*ldc+j]-want)) > 1e-3 {
						t.Fatalf("k=%d acc=%d C[%d][%d] = %v, want %v", k, acc, r, j, c[r*ldc+j], want)
					}
				}
			}
		}
	}
}

func TestGeluErf(t *testing.T) {
	for _, c := range []struct {
		name  string
		ok    bool
		f     func([]float32) int
		block int
	}{
		{"GeluErf", HaveAVX2FMA, GeluErf, 8},
		{"GeluErf16", HaveAVX512, GeluErf16, 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Skip("not on this CPU")
			}
			testGelu(t, c.f, c.block)
		})
	}
}

func testGelu(t *testing.T, gelu func([]float32) int, block int) {
	var xs []float32
	for x := -10.0; x <= 10; x += 0.0137 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 30, -30, 4*math.Sqrt2, -4*math.Sqrt2)
	ys := append([]float32(nil), xs...)
	n := gelu(ys)
	if n != len(xs)/block*block {
		t.Fatalf("did %d of %d", n, len(xs))
	}
	for i := 0; i < n; i++ {
		x := float64(xs[i])
		want := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
		if d := math.Abs(float64(ys[i]) - want); d > 2e-6*math.Max(1, math.Abs(x)) {
			t.Fatalf("gelu(%v) = %v, want %v", x, ys[i], want)
		}
	}
	for i := n; i < len(xs); i++ {
		if ys[i] != xs[i] {
			t.Fatal("tail touched")
		}
	}
}

func TestExpSub(t *testing.T) {
	if !HaveAVX2FMA {
		t.Skip("no AVX2/FMA on this CPU")
	}
	var xs []float32
	for x := -100.0; x <= 3; x += 0.0173 {
		xs = append(xs, float32(x))
	}
	const mx = 3
	ys := append([]float32(nil), xs...)
	n := ExpSub(ys, mx)
	if n != len(xs)&^7 {
		t.Fatalf("did %d of %d", n, len(xs))
	}
	for i := 0; i < n; i++ {
		want := math.Exp(float64(xs[i] - mx)) // the subtraction rounds in float32, as in the kernel
		if d := math.Abs(float64(ys[i]) - want); d > 3e-7*want+1e-37 {
			t.Fatalf("exp(%v) = %v, want %v", float64(xs[i])-mx, ys[i], want)
		}
	}
}

func TestKernel12x32(t *testing.T) {
	if !HaveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	for _, k := range []int{0, 1, 2, 3, 7, 64} {
		for _, acc := range []int{0, 1} {
			lda, ldc := k+5, 37
			a := make([]float32, 12*lda)
			bp := make([]float32, k*32+1)
			for i := range a {
				a[i] = float32(i%11) - 5
			}
			for i := range bp {
				bp[i] = float32(i%7) * 0.5
			}
			c := make([]float32, 12*ldc)
			for i := range c {
				c[i] = 99
			}
			Kernel12x32(k, a, lda, bp, c, ldc, acc)
			for r := 0; r < 12; r++ {
				for j := 0; j < ldc; j++ {
					want := float32(99)
					if j < 32 {
						var s float64
						if acc != 0 {
							s = 99
						}
						for p := 0; p < k; p++ {
							s += float64(a[r*lda+p]) * float64(bp[p*32+j])
						}
						want = float32(s)
					}
					if math.Abs(float64(c[r*ldc+j]-want)) > 1e-3 {
						t.Fatalf("k=%d acc=%d C[%d][%d] = %v, want %v", k, acc, r, j, c[r*ldc+j], want)
					}
				}
			}
		}
	}
}

func TestQuantizeRowI8(t *testing.T) {
	if !HaveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	x := make([]float32, 48)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.7)) * 3
	}
	x[5] = -4.5 // the largest magnitude, negative
	q := make([]int8, 48)
	scale, sum, sumsq := QuantizeRowI8(x, q)
	if math.Abs(float64(scale)-4.5/127) > 1e-7 {
		t.Fatalf("scale %v, want %v", scale, 4.5/127)
	}
	var want, wantSq int32
	for i, v := range x {
		w := int8(math.RoundToEven(float64(v / scale)))
		if d := int(q[i]) - int(w); d < -1 || d > 1 {
			t.Fatalf("q[%d] = %d, want %d", i, q[i], w)
		}
		want += int32(q[i])
		wantSq += int32(q[i]) * int32(q[i])
	}
	if sumsq != wantSq {
		t.Fatalf("sumsq %d, want %d", sumsq, wantSq)
	}
	if q[5] != -127 || sum != want {
		t.Fatalf("q[5] %d (want -127), sum %d (want %d)", q[5], sum, want)
	}
	if s, n, _ := QuantizeRowI8(make([]float32, 16), q); s != 0 || n != 0 {
		t.Fatalf("zero row: scale %v sum %d", s, n)
	}
}

func TestKernelI8(t *testing.T) {
	if !HaveVNNI {
		t.Skip("no AVX512-VNNI on this CPU")
	}
	for _, groups := range []int{0, 1, 5, 96} {
		lda, ldc := 4*groups+3, 35
		a := make([]int8, 12*lda)
		for i := range a {
			a[i] = int8(i*37%255 - 127)
		}
		bp := make([]uint8, 128*groups+1)
		for i := range bp {
			bp[i] = uint8(i * 53 % 256)
		}
		rs, rc := make([]float32, 12), make([]int32, 12)
		for r := range rs {
			rs[r] = 0.01 * float32(r+1)
			rc[r] = int32(r*1000 - 3000)
		}
		cs, bias := make([]float32, 32), make([]float32, 32)
		for j := range cs {
			cs[j] = 0.5 + float32(j)*0.03
			bias[j] = float32(j) - 7
		}
		c := make([]float32, 12*ldc)
		for i := range c {
			c[i] = 99
		}
		KernelI8(groups, a, lda, bp, c, ldc, rs, rc, cs, bias)
		for r := 0; r < 12; r++ {
			for j := 0; j < ldc; j++ {
				want := 99.0
				if j < 32 {
					var s int64
					for p := 0; p < 4*groups; p++ {
						s += int64(a[r*lda+p]) * int64(bp[(p/4)*128+j*4+p%4])
					}
					want = float64(float32(s-int64(rc[r]))*cs[j])*float64(rs[r]) + float64(bias[j])
				}
				if got := float64(c[r*ldc+j]); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
					t.Fatalf("groups=%d C[%d][%d] = %v, want %v", groups, r, j, got, want)
				}
			}
		}
	}
}

func bf16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

func TestKernelBF16(t *testing.T) {
	if !HaveBF16 {
		t.Skip("no AVX512-BF16 on this CPU")
	}
	x := make([]float32, 32)
	for i := range x {
		x[i] = float32(math.Sin(float64(i))) * 100
	}
	h := make([]uint16, 32)
	ToBF16(x, h)
	for i, v := range x {
		if d := math.Abs(float64(bf16ToF32(h[i]) - v)); d > math.Abs(float64(v))/256 {
			t.Fatalf("bf16(%v) = %v", v, bf16ToF32(h[i]))
		}
	}
	for _, groups := range []int{0, 1, 5, 96} {
		lda, ldc := 2*groups+3, 35
		a := make([]uint16, 12*lda)
		for i := range a {
			a[i] = 0x3f80 + uint16(i%37) // 1 .. ~1.3
		}
		bp := make([]uint16, 64*groups+1)
		for i := range bp {
			bp[i] = 0xbf00 + uint16(i%29) // -0.5 .. ~-0.6
		}
		bias := make([]float32, 32)
		for j := range bias {
			bias[j] = float32(j) - 7
		}
		c := make([]float32, 12*ldc)
		for i := range c {
			c[i] = 99
		}
		KernelBF16(groups, a, lda, bp, c, ldc, bias)
		for r := 0; r < 12; r++ {
			for j := 0; j < ldc; j++ {
				want := 99.0
				if j < 32 {
					want = float64(bias[j])
					for p := 0; p < 2*groups; p++ {
						want += float64(bf16ToF32(a[r*lda+p])) * float64(bf16ToF32(bp[(p/2)*64+j*2+p%2]))
					}
				}
				if got := float64(c[r*ldc+j]); math.Abs(got-want) > 1e-3*math.Max(1, math.Abs(want)) {
					t.Fatalf("groups=%d C[%d][%d] = %v, want %v", groups, r, j, got, want)
				}
			}
		}
	}
}

func TestSoftmax(t *testing.T) {
	if !HaveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	for _, n := range []int{1, 5, 16, 17, 31, 32, 100, 128} {
		x := make([]float32, n+3)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*1.3)) * 40
		}
		want := make([]float64, n)
		mx := math.Inf(-1)
		for i := 0; i < n; i++ {
			mx = math.Max(mx, float64(x[i])*0.125)
		}
		var sum float64
		for i := 0; i < n; i++ {
			want[i] = math.Exp(float64(x[i])*0.125 - mx)
			sum += want[i]
		}
		guard := x[n:]
		g0 := append([]float32(nil), guard...)
		Softmax(x[:n], 0.125)
		for i := 0; i < n; i++ {
			if d := math.Abs(float64(x[i]) - want[i]/sum); d > 1e-6 {
				t.Fatalf("n=%d softmax[%d] = %v, want %v", n, i, x[i], want[i]/sum)
			}
		}
		for i := range guard {
			if guard[i] != g0[i] {
				t.Fatalf("n=%d: wrote past the end", n)
			}
		}
	}
}

func TestAddNorm(t *testing.T) {
	if !HaveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	for _, withY := range []bool{false, true} {
		n := 384
		x, y, g, b := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)*0.37))*3 + 5
			y[i] = float32(math.Cos(float64(i) * 0.11))
			g[i] = 1 + float32(i%5)*0.1
			b[i] = float32(i%3) * 0.2
		}
		in := make([]float64, n)
		var mean float64
		for i := range x {
			in[i] = float64(x[i])
			if withY {
				in[i] += float64(y[i])
			}
			mean += in[i] / float64(n)
		}
		var v float64
		for _, u := range in {
			v += (u - mean) * (u - mean) / float64(n)
		}
		yy := y
		if !withY {
			yy = nil
		}
		AddNorm(x, yy, g, b, 1e-12)
		for i := range x {
			want := (in[i]-mean)/math.Sqrt(v+1e-12)*float64(g[i]) + float64(b[i])
			if d := math.Abs(float64(x[i]) - want); d > 2e-5 {
				t.Fatalf("withY %v: x[%d] = %v, want %v", withY, i, x[i], want)
			}
		}
	}
}
