package encoder

import "github.com/profilestream/profilestream/internal/encoder/internal/simd"

// packedGemm512 computes C = A B (overwriting C) with the AVX-512 12x32 micro-kernel, for A
// m x k (rows lda apart, read in place) and B given by strides: element (p, j) of B is
// b[p*bsP + j*bsJ]. B is packed into panels of 32 columns per block of kBlock rows
// (zero-padded), so that the kernel reads it with unit stride while 12 rows of A pass over it.
// Partial tiles (fewer than 12 rows or 32 columns) go through scratch tiles.
func packedGemm512(m, n, k int, a []float32, lda int, b []float32, bsP, bsJ int, c []float32, ldc int) {
	const nr = nr512
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	panels := (n + nr - 1) / nr
	bufp := packPool.Get().(*[]float32)
	defer packPool.Put(bufp)
	bSize := panels * k * nr
	if cap(*bufp) < bSize {
		*bufp = make([]float32, bSize)
	}
	packed := (*bufp)[:bSize]
	packB(packed, n, k, b, bsP, bsJ, kBlock512, nr512)
	gemmPacked512(m, n, k, a, lda, packed, c, ldc)
}

const (
	kBlock512 = 256 // rows of B per packed block
	nr512     = 32  // columns of a packed panel
)

// packB512 returns the packed layout of B^T for W in PyTorch layout (n x k), as
// gemmPacked512 reads it: a Linear layer's weights packed once.
func packB512(w []float32, n, k int) []float32 {
	packed := make([]float32, (n+nr512-1)/nr512*k*nr512)
	packB(packed, n, k, w, 1, k, kBlock512, nr512)
	return packed
}

// gemmPacked512 computes C = A B (overwriting C) for A m x k (rows lda apart) and B packed by
// packB with kBlock512 and nr512.
func gemmPacked512(m, n, k int, a []float32, lda int, packed []float32, c []float32, ldc int) {
	const (
		kBlock   = kBlock512
		rowBlock = 96
		mr, nr   = 12, nr512
	)
	panels := (n + nr - 1) / nr
	var tile [mr * nr]float32
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
				bp := packed[k0*panels*nr+jp*kc*nr:][:kc*nr]
				j0 := jp * nr
				w := min(nr, n-j0)
				for i := i0; i < i1; i += mr {
					rows := min(mr, i1-i)
					ap, la := a[i*lda+k0:], lda
					if rows < mr && (i+mr-1)*lda+k0+kc > len(a) {
						// A partial tile at the end of a's backing: copy its rows. Elsewhere
						// the kernel reads the rows past m in place (every output row depends
						// on its own A row only, and rows past m go to the scratch tile).
						if apad == nil {
							apad = make([]float32, mr*kBlock)
						}
						clear(apad)
						for r := 0; r < rows; r++ {
							copy(apad[r*kc:(r+1)*kc], a[(i+r)*lda+k0:(i+r)*lda+k0+kc])
						}
						ap, la = apad, kc
					}
					if rows == mr && w == nr {
						simd.Kernel12x32(kc, ap, la, bp, c[i*ldc+j0:], ldc, acc)
						continue
					}
					if acc != 0 {
						clear(tile[:])
						for r := 0; r < rows; r++ {
							copy(tile[r*nr:r*nr+w], c[(i+r)*ldc+j0:(i+r)*ldc+j0+w])
						}
					}
					simd.Kernel12x32(kc, ap, la, bp, tile[:], nr, acc)
					for r := 0; r < rows; r++ {
						copy(c[(i+r)*ldc+j0:(i+r)*ldc+j0+w], tile[r*nr:r*nr+w])
					}
				}
			}
		}
	}
}

// packB lays B (k x n, element (p, j) at b[p*bsP + j*bsJ]) out for the micro-kernels: for each
// block of kBlock rows, the panels of nr columns one after another, each kc rows of nr values,
// columns past n zero.
func packB(dst []float32, n, k int, b []float32, bsP, bsJ, kBlock, nr int) {
	panels := (n + nr - 1) / nr
	for k0 := 0; k0 < k; k0 += kBlock {
		kc := min(kBlock, k-k0)
		for jp := 0; jp < panels; jp++ {
			d := dst[k0*panels*nr+jp*kc*nr:][:kc*nr]
			j0 := jp * nr
			w := min(nr, n-j0)
			if bsJ == 1 {
				for p := 0; p < kc; p++ {
					base := (k0+p)*bsP + j0
					row := d[p*nr : p*nr+nr]
					copy(row[:w], b[base:base+w])
					clear(row[w:])
				}
				continue
			}
			if w < nr {
				clear(d)
			}
			// Column-major source (B^T rows): walk each column once, contiguously.
			for jj := 0; jj < w; jj++ {
				src := b[(j0+jj)*bsJ+k0*bsP:]
				for p := 0; p < kc; p++ {
					d[p*nr+jj] = src[p*bsP]
				}
			}
		}
	}
}
