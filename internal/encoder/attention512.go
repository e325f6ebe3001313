package encoder

// Attention on the AVX-512 kernel, one sequence per task. A head's Q, K and V are columns of
// the rows of ws.qkv, 3H floats apart; read per head, every row segment is a separate cache
// line fetch that the hardware prefetcher does not predict, and at short lengths those misses,
// not the arithmetic, were the attention's cost. So one pass walks the sequence's rows in
// order and lays out every head at once: Q rows contiguous per head, K transposed into the
// kernel's packed panels (32 keys wide) and V in packed panels (32 dimensions wide); the
// per-head products then run on L1/L2-resident data with no packing of their own.

// attnScratch is one worker's buffers for attentionSeq512.
type attnScratch struct {
	q, kt, v, s []float32
}

// attnSlack is how many rows past the end of the scratch matrices the kernel may read in place
// (a partial row tile reads 12 rows; rows past the real ones are never written out).
const attnSlack = 12

// attentionSeq512 computes the context of the n real tokens of sequence b (rows of T tokens):
// for every head, softmax(Q K^T * scale) V over the real tokens only. n and the head size must
// be at most kBlock512 (one packed block).
func (m *bert) attentionSeq512(ws *workspace, sc *attnScratch, b, T, n int, scale float32) {
	H, d, nh := m.hidden, m.headDim, m.numHeads
	panelsK, panelsV := (n+nr512-1)/nr512, (d+nr512-1)/nr512
	ktSize, vSize := panelsK*nr512*d, panelsV*nr512*n
	sc.q = grow(sc.q, (nh*n+attnSlack)*d)
	sc.kt = grow(sc.kt, nh*ktSize)
	sc.v = grow(sc.v, nh*vSize)
	sc.s = grow(sc.s, (n+attnSlack)*n)
	for t := 0; t < n; t++ {
		row := ws.qkv[(b*T+t)*3*H : (b*T+t+1)*3*H]
		kcol := (t/nr512)*d*nr512 + t%nr512
		for h := 0; h < nh; h++ {
			copy(sc.q[(h*n+t)*d:(h*n+t+1)*d], row[h*d:(h+1)*d])
			kt := sc.kt[h*ktSize+kcol : (h+1)*ktSize]
			for p, v := range row[H+h*d : H+(h+1)*d] {
				kt[p*nr512] = v
			}
			vs := row[2*H+h*d : 2*H+(h+1)*d]
			for q := 0; q < panelsV; q++ {
				w := min(nr512, d-q*nr512)
				copy(sc.v[h*vSize+q*n*nr512+t*nr512:][:w], vs[q*nr512:q*nr512+w])
			}
		}
	}
	s := sc.s[:n*n]
	for h := 0; h < nh; h++ {
		gemmPacked512(n, n, d, sc.q[h*n*d:], d, sc.kt[h*ktSize:], s, n)
		softmaxRows(isaAVX512, s, n, n, scale)
		gemmPacked512(n, d, n, sc.s, n, sc.v[h*vSize:], ws.ctx[b*T*H+h*d:], H)
	}
}
