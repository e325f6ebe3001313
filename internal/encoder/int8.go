package encoder

import (
	"math"
	"sync"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// The int8 path. A Linear layer's weights are quantized once, at first use, per output channel
// (symmetric: scale_j = max_p |W[j][p]| / 127) and stored offset by +128 as unsigned bytes,
// packed for the VNNI micro-kernel; its input rows are quantized at run time per row (symmetric,
// signed). VPDPBUSD multiplies unsigned by signed bytes, so the product sums carry 128 times
// the row's sum of quantized inputs, which the kernel subtracts (the row compensation) before it
// converts to float32 and applies both scales and the bias. Attention, softmax, layer norm,
// GELU and pooling stay float32. The float32 parameters stay what they are (spago params): the
// quantized copy is derived data of the layer.

const (
	i8MR = 12 // rows of the int8 micro-kernel tile
	i8NR = 32 // columns of the int8 micro-kernel tile
)

// qlinear is a Linear layer quantized for the int8 kernel.
type qlinear struct {
	n, k, kp int     // outputs, inputs, inputs padded to a multiple of 16
	panels   int     // ceil(n / 32)
	w        []uint8 // panels x (kp/4) groups x 128 bytes
	colScale []float32
	bias     []float32 // panels*32 (zero past n)
	wf, bf   []float32 // the float32 weights and bias, for outlier rows

	packOnce sync.Once
	wpack    []float32 // wf packed for gemmPacked512, made at the first outlier row
}

// outlierRMS flags an input row whose quantized values have a root mean square below
// 127/outlierRMS, i.e. whose largest magnitude is more than outlierRMS times its RMS: a few
// huge values (the outlier channels of [CLS]/[SEP] rows in many BERTs) leave the rest of such
// a row only a few int8 steps, so its product is recomputed in float32. Ordinary rows sit
// near 3-5. 16 was chosen on all-minilm-l6-v2 and the agreement texts (the texts auto's check
// uses): 0.7% of its rows at length 128 go to float32 and the minimum cosine to float32 rises
// from 0.986 to 0.996 (8 gives 0.999 but 23% of the rows; 20 gave 0.981).
const outlierRMS = 16

// quantizeLinear quantizes W (n x k, PyTorch layout) and copies b (nil for none).
func quantizeLinear(W, b []float32, n, k int) *qlinear {
	kp := (k + 15) &^ 15
	q := &qlinear{n: n, k: k, kp: kp, panels: (n + i8NR - 1) / i8NR}
	groups := kp / 4
	q.w = make([]uint8, q.panels*groups*128)
	for i := range q.w {
		q.w[i] = 128 // quantized zero: padding columns and inputs contribute nothing
	}
	q.colScale = make([]float32, q.panels*i8NR)
	q.bias = make([]float32, q.panels*i8NR)
	copy(q.bias, b)
	q.wf, q.bf = W, b
	for j := 0; j < n; j++ {
		row := W[j*k : (j+1)*k]
		var m float32
		for _, v := range row {
			m = max(m, float32(math.Abs(float64(v))))
		}
		if m == 0 {
			continue
		}
		s := m / 127
		q.colScale[j] = s
		panel := q.w[(j/i8NR)*groups*128:]
		c := j % i8NR
		for p, v := range row {
			qv := int(math.RoundToEven(float64(v / s)))
			qv = max(-127, min(127, qv))
			panel[(p/4)*128+c*4+p%4] = uint8(qv + 128)
		}
	}
	return q
}

// i8Scratch is one goroutine's buffers for quantized input rows and partial tiles.
type i8Scratch struct {
	a    []int8
	pad  []float32
	rs   []float32
	rc   []int32
	tile [i8MR * i8NR]float32

	flagged []int     // a block's rows with outliers
	fp      []float32 // recomputeFP32's scratch
}

var i8Pool = sync.Pool{New: func() any { return new(i8Scratch) }}

// epilogue finishes output rows [r0, r1) of a Linear product while they are still in cache
// (the activation, or the residual add and layer norm that follow the layer); nil for none.
type epilogue func(r0, r1 int)

// linearI8 computes out = in W^T + b for M rows (in rows q.k floats apart, out rows ldc apart)
// on the int8 kernel, spread over threads goroutines by row blocks of 12, and runs epi on each
// finished block of rows. Rows with outliers (see outlierRMS) are recomputed in float32 in
// their block, before its epilogue.
func linearI8(q *qlinear, in []float32, M int, out []float32, ldc int, threads int, epi epilogue) {
	tiles := (M + i8MR - 1) / i8MR
	chunks := max(1, min(threads, tiles))
	if chunks == 1 {
		linearI8Rows(q, in, 0, M, out, ldc, epi)
		return
	}
	var wg sync.WaitGroup
	for c := 0; c < chunks; c++ {
		r0, r1 := c*tiles/chunks*i8MR, min(M, (c+1)*tiles/chunks*i8MR)
		wg.Add(1)
		go func() {
			defer wg.Done()
			linearI8Rows(q, in, r0, r1, out, ldc, epi)
		}()
	}
	wg.Wait()
}

// recomputeFP32 sets the given output rows to in W^T + b in float32, with the weights packed
// for the AVX-512 kernel once, at the layer's first outlier row (so that a few rows per batch
// do not pay for packing the whole matrix; the packed copy is as large as the float32 weights).
// buf is scratch, returned grown.
func (q *qlinear) recomputeFP32(rows []int, in, out []float32, ldc int, buf []float32) []float32 {
	q.packOnce.Do(func() { q.wpack = packB512(q.wf, q.n, q.k) })
	k, n := q.k, q.n
	// attnSlack spare rows: the kernel reads a partial row tile in place.
	buf = grow(buf, (len(rows)+attnSlack)*k+len(rows)*n)
	x, y := buf[:(len(rows)+attnSlack)*k], buf[(len(rows)+attnSlack)*k:]
	for i, r := range rows {
		copy(x[i*k:(i+1)*k], in[r*k:(r+1)*k])
	}
	gemmPacked512(len(rows), n, k, x, k, q.wpack, y, n)
	if q.bf != nil {
		biasRows(y, q.bf, len(rows), n)
	}
	for i, r := range rows {
		copy(out[r*ldc:r*ldc+n], y[i*n:(i+1)*n])
	}
	return buf
}

// linearI8Rows computes rows [r0, r1), block by block: int8 products, float32 for the rows
// with outliers, then epi.
func linearI8Rows(q *qlinear, in []float32, r0, r1 int, out []float32, ldc int, epi epilogue) {
	const rowBlock = 4 * i8MR
	s := i8Pool.Get().(*i8Scratch)
	defer i8Pool.Put(s)
	kp, k, groups := q.kp, q.k, q.kp/4
	if cap(s.a) < rowBlock*kp {
		s.a = make([]int8, rowBlock*kp)
	}
	if cap(s.rs) < rowBlock {
		s.rs, s.rc = make([]float32, rowBlock), make([]int32, rowBlock)
	}
	if kp != k && cap(s.pad) < kp {
		s.pad = make([]float32, kp)
	}
	a, rs, rc := s.a[:rowBlock*kp], s.rs[:rowBlock], s.rc[:rowBlock]
	for b0 := r0; b0 < r1; b0 += rowBlock {
		b1 := min(r1, b0+rowBlock)
		rows := b1 - b0
		flagged := s.flagged[:0]
		for r := 0; r < rows; r++ {
			x := in[(b0+r)*k : (b0+r+1)*k]
			if kp != k {
				copy(s.pad, x)
				clear(s.pad[k:kp])
				x = s.pad[:kp]
			}
			scale, sum, sumsq := simd.QuantizeRowI8(x, a[r*kp:(r+1)*kp])
			rs[r], rc[r] = scale, 128*sum
			if scale != 0 && float64(sumsq)*outlierRMS*outlierRMS < 127*127*float64(k) {
				flagged = append(flagged, b0+r)
			}
		}
		tiles := (rows + i8MR - 1) / i8MR
		if pad := tiles*i8MR - rows; pad > 0 {
			clear(a[rows*kp : (rows+pad)*kp])
			clear(rs[rows : rows+pad])
			clear(rc[rows : rows+pad])
		}
		for p := 0; p < q.panels; p++ {
			bp := q.w[p*groups*128 : (p+1)*groups*128]
			cs, bias := q.colScale[p*i8NR:(p+1)*i8NR], q.bias[p*i8NR:(p+1)*i8NR]
			j0 := p * i8NR
			w := min(i8NR, q.n-j0)
			for t := 0; t < tiles; t++ {
				i := b0 + t*i8MR
				at := a[t*i8MR*kp:]
				n := min(i8MR, b1-i)
				if n == i8MR && w == i8NR {
					simd.KernelI8(groups, at, kp, bp, out[i*ldc+j0:], ldc, rs[t*i8MR:], rc[t*i8MR:], cs, bias)
					continue
				}
				simd.KernelI8(groups, at, kp, bp, s.tile[:], i8NR, rs[t*i8MR:], rc[t*i8MR:], cs, bias)
				for r := 0; r < n; r++ {
					copy(out[(i+r)*ldc+j0:(i+r)*ldc+j0+w], s.tile[r*i8NR:r*i8NR+w])
				}
			}
		}
		if len(flagged) > 0 {
			s.fp = q.recomputeFP32(flagged, in, out, ldc, s.fp)
		}
		s.flagged = flagged
		if epi != nil {
			epi(b0, b1)
		}
	}
}
