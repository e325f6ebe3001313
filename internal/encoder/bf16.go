package encoder

import (
	"math"
	"sync"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// The bfloat16 path: a Linear layer's weights are rounded to bfloat16 once, at first use, and
// packed for the AVX512-BF16 micro-kernel; its input rows are rounded to bfloat16 at run time;
// VDPBF16PS sums the products in float32, and the bias is added in the kernel's store. As on
// the int8 path, everything but the Linear layers' products stays float32.

// blinear is a Linear layer rounded to bfloat16 for the bf16 kernel.
type blinear struct {
	n, k, kp int      // outputs, inputs, inputs padded to a multiple of 16
	panels   int      // ceil(n / 32)
	w        []uint16 // panels x (kp/2) groups x 64 values
	bias     []float32
}

// toBF16 rounds v to bfloat16, to nearest even (NaN stays NaN).
func toBF16(v float32) uint16 {
	b := math.Float32bits(v)
	if v != v {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

func bf16Linear(W, b []float32, n, k int) *blinear {
	kp := (k + 15) &^ 15
	q := &blinear{n: n, k: k, kp: kp, panels: (n + i8NR - 1) / i8NR}
	groups := kp / 2
	q.w = make([]uint16, q.panels*groups*64)
	q.bias = make([]float32, q.panels*i8NR)
	copy(q.bias, b)
	for j := 0; j < n; j++ {
		panel := q.w[(j/i8NR)*groups*64:]
		c := j % i8NR
		for p, v := range W[j*k : (j+1)*k] {
			panel[(p/2)*64+c*2+p%2] = toBF16(v)
		}
	}
	return q
}

type bf16Scratch struct {
	a    []uint16
	pad  []float32
	tile [i8MR * i8NR]float32
}

var bf16Pool = sync.Pool{New: func() any { return new(bf16Scratch) }}

// linearBF16 computes out = in W^T + b for M rows (in rows q.k floats apart, out rows ldc
// apart) on the bf16 kernel, spread over threads goroutines by row blocks of 12, and runs epi
// on each finished block of rows.
func linearBF16(q *blinear, in []float32, M int, out []float32, ldc int, threads int, epi epilogue) {
	tiles := (M + i8MR - 1) / i8MR
	chunks := max(1, min(threads, tiles))
	if chunks == 1 {
		linearBF16Rows(q, in, 0, M, out, ldc, epi)
		return
	}
	var wg sync.WaitGroup
	for c := 0; c < chunks; c++ {
		r0, r1 := c*tiles/chunks*i8MR, min(M, (c+1)*tiles/chunks*i8MR)
		wg.Add(1)
		go func() {
			defer wg.Done()
			linearBF16Rows(q, in, r0, r1, out, ldc, epi)
		}()
	}
	wg.Wait()
}

func linearBF16Rows(q *blinear, in []float32, r0, r1 int, out []float32, ldc int, epi epilogue) {
	const rowBlock = 4 * i8MR
	s := bf16Pool.Get().(*bf16Scratch)
	defer bf16Pool.Put(s)
	kp, k, groups := q.kp, q.k, q.kp/2
	if cap(s.a) < rowBlock*kp {
		s.a = make([]uint16, rowBlock*kp)
	}
	if kp != k && cap(s.pad) < kp {
		s.pad = make([]float32, kp)
	}
	a := s.a[:rowBlock*kp]
	for b0 := r0; b0 < r1; b0 += rowBlock {
		b1 := min(r1, b0+rowBlock)
		rows := b1 - b0
		for r := 0; r < rows; r++ {
			x := in[(b0+r)*k : (b0+r+1)*k]
			if kp != k {
				copy(s.pad, x)
				clear(s.pad[k:kp])
				x = s.pad[:kp]
			}
			simd.ToBF16(x, a[r*kp:(r+1)*kp])
		}
		tiles := (rows + i8MR - 1) / i8MR
		if pad := tiles*i8MR - rows; pad > 0 {
			clear(a[rows*kp : (rows+pad)*kp])
		}
		for p := 0; p < q.panels; p++ {
			bp := q.w[p*groups*64 : (p+1)*groups*64]
			bias := q.bias[p*i8NR : (p+1)*i8NR]
			j0 := p * i8NR
			w := min(i8NR, q.n-j0)
			for t := 0; t < tiles; t++ {
				i := b0 + t*i8MR
				at := a[t*i8MR*kp:]
				n := min(i8MR, b1-i)
				if n == i8MR && w == i8NR {
					simd.KernelBF16(groups, at, kp, bp, out[i*ldc+j0:], ldc, bias)
					continue
				}
				simd.KernelBF16(groups, at, kp, bp, s.tile[:], i8NR, bias)
				for r := 0; r < n; r++ {
					copy(out[(i+r)*ldc+j0:(i+r)*ldc+j0+w], s.tile[r*i8NR:r*i8NR+w])
				}
			}
		}
		if epi != nil {
			epi(b0, b1)
		}
	}
}
