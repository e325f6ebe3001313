package encoder

import (
	"sync"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// Matrix products. Every product the model needs has the form C = A B^T (a Linear layer with
// PyTorch's out x in weight layout, or Q K^T) or C = A B (attention probabilities times V),
// on row-major float32 data with leading dimensions, so that a head's columns can be addressed
// inside a wider matrix without copying. The pure-Go kernels below are always compiled; the
// build with `-tags openblas` routes sgemmNT and the serial kernels to OpenBLAS instead.

// sgemmNT computes C = A B^T + bias (overwriting C; bias of length n added to every row, nil
// for none) for A m x k, B n x k, spread over threads goroutines by row blocks, and runs epi
// (nil for none) on each goroutine's rows after their bias.
func sgemmNT(is isa, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, bias []float32, threads int, epi epilogue) {
	if threads <= 1 || m < 8 {
		serialNT(is, m, n, k, a, lda, b, ldb, c, ldc)
		if bias != nil {
			biasRowsStrided(c, bias, m, n, ldc)
		}
		if epi != nil {
			epi(0, m)
		}
		return
	}
	chunks := min(threads, m/4)
	// Row blocks are multiples of 4 so that the 4-row kernel stays busy.
	per := (m/chunks + 3) &^ 3
	var wg sync.WaitGroup
	for r0 := 0; r0 < m; r0 += per {
		r1 := min(m, r0+per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			serialNT(is, r1-r0, n, k, a[r0*lda:], lda, b, ldb, c[r0*ldc:], ldc)
			if bias != nil {
				biasRowsStrided(c[r0*ldc:], bias, r1-r0, n, ldc)
			}
			if epi != nil {
				epi(r0, r1)
			}
		}()
	}
	wg.Wait()
}

// goSgemmNT is the pure-Go C = A B^T: 4x4 register blocks of dot products, with B walked in
// column blocks small enough to stay in cache while a panel of A rows passes over them.
func goSgemmNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	jb := max(4, (128*1024/(4*k))&^3) // B block of ~128 KiB
	for j0 := 0; j0 < n; j0 += jb {
		j1 := min(n, j0+jb)
		i := 0
		for ; i+4 <= m; i += 4 {
			a0 := a[i*lda : i*lda+k]
			a1 := a[(i+1)*lda : (i+1)*lda+k]
			a2 := a[(i+2)*lda : (i+2)*lda+k]
			a3 := a[(i+3)*lda : (i+3)*lda+k]
			j := j0
			for ; j+4 <= j1; j += 4 {
				b0 := b[j*ldb : j*ldb+k]
				b1 := b[(j+1)*ldb : (j+1)*ldb+k]
				b2 := b[(j+2)*ldb : (j+2)*ldb+k]
				b3 := b[(j+3)*ldb : (j+3)*ldb+k]
				var c00, c01, c02, c03, c10, c11, c12, c13 float32
				var c20, c21, c22, c23, c30, c31, c32, c33 float32
				for p := range a0 {
					x0, x1, x2, x3 := a0[p], a1[p], a2[p], a3[p]
					y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
					c00 += x0 * y0
					c01 += x0 * y1
					c02 += x0 * y2
					c03 += x0 * y3
					c10 += x1 * y0
					c11 += x1 * y1
					c12 += x1 * y2
					c13 += x1 * y3
					c20 += x2 * y0
					c21 += x2 * y1
					c22 += x2 * y2
					c23 += x2 * y3
					c30 += x3 * y0
					c31 += x3 * y1
					c32 += x3 * y2
					c33 += x3 * y3
				}
				r0, r1, r2, r3 := c[i*ldc+j:i*ldc+j+4], c[(i+1)*ldc+j:(i+1)*ldc+j+4], c[(i+2)*ldc+j:(i+2)*ldc+j+4], c[(i+3)*ldc+j:(i+3)*ldc+j+4]
				r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
				r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
				r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
				r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
			}
			for ; j < j1; j++ {
				bj := b[j*ldb : j*ldb+k]
				c[i*ldc+j] = dot(a0, bj)
				c[(i+1)*ldc+j] = dot(a1, bj)
				c[(i+2)*ldc+j] = dot(a2, bj)
				c[(i+3)*ldc+j] = dot(a3, bj)
			}
		}
		for ; i < m; i++ {
			ai := a[i*lda : i*lda+k]
			for j := j0; j < j1; j++ {
				c[i*ldc+j] = dot(ai, b[j*ldb:j*ldb+k])
			}
		}
	}
}

func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	p := 0
	for ; p+4 <= len(x); p += 4 {
		s0 += x[p] * y[p]
		s1 += x[p+1] * y[p+1]
		s2 += x[p+2] * y[p+2]
		s3 += x[p+3] * y[p+3]
	}
	for ; p < len(x); p++ {
		s0 += x[p] * y[p]
	}
	return (s0 + s1) + (s2 + s3)
}

// goSgemmNN is the pure-Go C = A B (overwriting C) for A m x k, B k x n: each row of C is a sum
// of rows of B scaled by A's entries.
func goSgemmNN(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		clear(ci)
		ai := a[i*lda : i*lda+k]
		for p, s := range ai {
			if s == 0 {
				continue
			}
			bp := b[p*ldb : p*ldb+n]
			for j, v := range bp {
				ci[j] += s * v
			}
		}
	}
}

func biasRowsStrided(c, bias []float32, rows, n, ldc int) {
	if ldc == n {
		biasRows(c, bias, rows, n)
		return
	}
	for r := 0; r < rows; r++ {
		biasRows(c[r*ldc:], bias, 1, n)
	}
}

// packPool recycles the packed copies of B between products.
var packPool = sync.Pool{New: func() any { return new([]float32) }}

// packedGemm computes C = A B (overwriting C) with the AVX2 micro-kernel, for A m x k and B given
// by strides: element (p, j) of B is b[p*bsP + j*bsJ]. B is first packed into panels of 16
// columns (zero-padded) for blocks of kBlock rows, so that a panel stays in L1 while a block of
// A rows passes over it 6 rows at a time; the products of later k blocks are added to C. Edge
// tiles go through a small scratch tile.
func packedGemm(m, n, k int, a []float32, lda int, b []float32, bsP, bsJ int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	const (
		kBlock   = 256
		rowBlock = 96
		mr       = 6
	)
	panels := (n + 15) / 16
	bufp := packPool.Get().(*[]float32)
	defer packPool.Put(bufp)
	if cap(*bufp) < panels*k*16 {
		*bufp = make([]float32, panels*k*16)
	}
	packed := (*bufp)[:panels*k*16]
	clear(packed) // padding columns of edge panels must be zero
	// Layout: for each k block [k0, k1): panels one after another, each (k1-k0) rows of 16.
	for k0 := 0; k0 < k; k0 += kBlock {
		kc := min(kBlock, k-k0)
		for jp := 0; jp < panels; jp++ {
			dst := packed[k0*panels*16+jp*kc*16:][:kc*16]
			j0 := jp * 16
			w := min(16, n-j0)
			for p := 0; p < kc; p++ {
				row := dst[p*16 : p*16+16]
				base := (k0+p)*bsP + j0*bsJ
				if bsJ == 1 {
					copy(row[:w], b[base:base+w])
					continue
				}
				for jj := 0; jj < w; jj++ {
					row[jj] = b[base+jj*bsJ]
				}
			}
		}
	}
	var tile [mr * 16]float32
	var apad []float32
	for i0 := 0; i0 < m; i0 += rowBlock {
		i1 := min(m, i0+rowBlock)
		for k0 := 0; k0 < k; k0 += kBlock {
			kc := min(kBlock, k-k0)
			acc := 0
			if k0 > 0 {
				acc = 1
			}
			for jp := 0; jp < panels; jp++ {
				bp := &packed[k0*panels*16+jp*kc*16]
				j0 := jp * 16
				w := min(16, n-j0)
				for i := i0; i < i1; i += mr {
					rows := min(mr, i1-i)
					ap, la := &a[i*lda+k0], lda
					if rows < mr && (i+mr-1)*lda+k0+kc > len(a) { // else read in place, as packedGemm512 does
						if apad == nil {
							apad = make([]float32, mr*kBlock)
						}
						clear(apad)
						for r := 0; r < rows; r++ {
							copy(apad[r*kc:(r+1)*kc], a[(i+r)*lda+k0:(i+r)*lda+k0+kc])
						}
						ap, la = &apad[0], kc
					}
					if rows == mr && w == 16 {
						simd.Kernel6x16(kc, ap, la, bp, &c[i*ldc+j0], ldc, acc)
						continue
					}
					if acc != 0 {
						clear(tile[:])
						for r := 0; r < rows; r++ {
							copy(tile[r*16:r*16+w], c[(i+r)*ldc+j0:(i+r)*ldc+j0+w])
						}
					}
					simd.Kernel6x16(kc, ap, la, bp, &tile[0], 16, acc)
					for r := 0; r < rows; r++ {
						copy(c[(i+r)*ldc+j0:(i+r)*ldc+j0+w], tile[r*16:r*16+w])
					}
				}
			}
		}
	}
}
