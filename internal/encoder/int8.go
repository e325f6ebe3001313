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
// converts to float32 and applies both scales and the bias. Rows with outliers: see
// outlierRMS. Attention, softmax, layer norm,
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
	wpack    []float32 // wf packed for gemmPacked512, made at the first float32 row

	transOnce sync.Once
	wt        []float32 // wf transposed (k x n), made at the first outlier channel
}

// outlierRMS flags an input row whose quantized values have a root mean square below
// 127/outlierRMS, i.e. whose largest magnitude is more than outlierRMS times its RMS: a few
// huge values (the outlier channels of [CLS]/[SEP] rows in many BERTs) leave the rest of such
// a row only a few int8 steps. Such a row's largest channels are taken out of the int8 product,
// one at a time until the rest is within outlierRMS of its RMS, and their terms added in float32
// from the transposed float32 weights (splitOutliers, addOutliers; the LLM.int8() idea, per
// row); a row that would need more than maxOutlierChannels is computed in float32. Ordinary
// rows sit near 3-5. 16 was chosen on all-minilm-l6-v2 and the agreement texts (the texts
// auto's check uses), when flagged rows were computed wholly in float32: the minimum cosine to
// float32 rose from 0.986 to 0.996 (8 gave 0.999 but 23% of the rows; 20 gave 0.981). With
// the channels taken out instead it is 0.995 (mean 0.9989); on encbench's texts 2.6% of the
// rows at length 32 (0.8% at 128) have outliers, 1.1 channels each on average, and 0.002% go
// to float32 — at length 32 the float32 rows had cost a third of the int8 time.
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

	flagged []int     // a block's rows computed in float32
	fp      []float32 // recomputeFP32's scratch
	sparse  []outlier // a block's outlier channels, taken out of the int8 product
	rest    []float32 // a row without its outlier channels
}

// outlier is one input value taken out of the int8 product: row r, channel ch, value v.
type outlier struct {
	r, ch int
	v     float32
}

// maxOutlierChannels is how many channels of a row may be taken out of the int8 product as
// outliers; a row that needs more is computed in float32.
const maxOutlierChannels = 8

// splitOutliers appends to dst (returned) the largest-magnitude channels of row r of x, one at
// a time, until the rest has max <= outlierRMS x its RMS; it appends nothing when that takes
// more than maxOutlierChannels.
func splitOutliers(x []float32, dst []outlier, r int) []outlier {
	n0 := len(dst)
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	for len(dst)-n0 <= maxOutlierChannels {
		best, bestAbs := -1, float32(-1)
		for p, v := range x {
			av := max(v, -v)
			if av > bestAbs && !taken(dst[n0:], p) {
				best, bestAbs = p, av
			}
		}
		if best < 0 || float64(bestAbs)*float64(bestAbs)*float64(len(x)) <= outlierRMS*outlierRMS*ss {
			return dst
		}
		if len(dst)-n0 == maxOutlierChannels {
			break
		}
		dst = append(dst, outlier{r: r, ch: best, v: x[best]})
		ss -= float64(bestAbs) * float64(bestAbs)
	}
	return dst[:n0]
}

func taken(os []outlier, ch int) bool {
	for _, o := range os {
		if o.ch == ch {
			return true
		}
	}
	return false
}

// addOutliers adds each outlier's float32 term v * W[:, ch] to its output row, from the
// transposed float32 weights (made once, at the layer's first outlier).
func (q *qlinear) addOutliers(os []outlier, out []float32, ldc int) {
	q.transOnce.Do(func() {
		q.wt = make([]float32, q.k*q.n)
		for j := 0; j < q.n; j++ {
			for p, v := range q.wf[j*q.k : (j+1)*q.k] {
				q.wt[p*q.n+j] = v
			}
		}
	})
	n := q.n
	for _, o := range os {
		y := out[o.r*ldc : o.r*ldc+n]
		w := q.wt[o.ch*n : (o.ch+1)*n]
		for j := range y {
			y[j] += o.v * w[j]
		}
	}
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
			if scale != 0 && float64(sumsq)*outlierRMS*outlierRMS < 127*127*float64(k) {
				// Outliers: take the few largest channels out of the int8 product (their
				// terms are added in float32 below) and quantize the rest, or, when that
				// takes more than maxOutlierChannels, compute the whole row in float32.
				n0 := len(s.sparse)
				if s.sparse = splitOutliers(x[:k], s.sparse, b0+r); len(s.sparse) > n0 {
					s.rest = grow(s.rest, kp)
					copy(s.rest, x)
					for _, o := range s.sparse[n0:] {
						s.rest[o.ch] = 0
					}
					scale, sum, _ = simd.QuantizeRowI8(s.rest, a[r*kp:(r+1)*kp])
				} else {
					flagged = append(flagged, b0+r)
				}
			}
			rs[r], rc[r] = scale, 128*sum
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
		if len(s.sparse) > 0 {
			q.addOutliers(s.sparse, out, ldc)
			s.sparse = s.sparse[:0]
		}
		s.flagged = flagged
		if epi != nil {
			epi(b0, b1)
		}
	}
}
