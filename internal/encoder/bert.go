package encoder

import (
	"fmt"
	"math"
	"sync"

	"github.com/nlpodyssey/spago/mat"
	"github.com/nlpodyssey/spago/nn"
)

// newParam wraps values (row-major, rows x cols) as a spago parameter without gradients.
func newParam(values []float32, rows, cols int) *nn.Param {
	return &nn.Param{Matrix: mat.NewDense[float32](mat.WithShape(rows, cols), mat.WithBacking(values))}
}

// raw returns the float32 backing slice of a parameter (no copy): inference reads the spago
// matrices in place.
func raw(p *nn.Param) []float32 { return p.Value().Data().F32() }

// linear is y = x W^T + b with W in PyTorch layout (out x in).
type linear struct {
	nn.Module
	W, B    *nn.Param
	in, out int
}

type layerNorm struct {
	nn.Module
	Gamma, Beta *nn.Param
}

type bertLayer struct {
	nn.Module
	Query, Key, Value, AttnOut *linear
	AttnNorm                   *layerNorm
	Intermediate, Output       *linear
	OutNorm                    *layerNorm
}

// bert is the transformer: embeddings, embedding LayerNorm and the encoder layers. Its parameters
// are spago params; forward computes on their values directly (inference only).
type bert struct {
	nn.Module
	Cfg                  Config
	Word, Pos, TokType   *nn.Param
	EmbNorm              *layerNorm
	Layers               []*bertLayer
	act                  func(isa, []float32)
	eps                  float32
	headDim, numHeads    int
	hidden, intermediate int

	// The int8 and bf16 copies of the Linear layers, each made at the first forward pass in
	// its precision.
	int8Layers, bf16Layers lowLayers

	// agree remembers the measured agreement of each lower precision with float32.
	agreeMu sync.Mutex
	agree   map[Precision]agreementResult
}

// lowLinear is a Linear layer in a precision below float32: out = in W^T + b for M rows, then
// epi (nil for none) on each finished block of rows.
type lowLinear interface {
	apply(in []float32, M int, out []float32, ldc, threads int, epi epilogue)
}

func (q *qlinear) apply(in []float32, M int, out []float32, ldc, threads int, epi epilogue) {
	linearI8(q, in, M, out, ldc, threads, epi)
}

func (q *blinear) apply(in []float32, M int, out []float32, ldc, threads int, epi epilogue) {
	linearBF16(q, in, M, out, ldc, threads, epi)
}

// qlayer is one encoder layer's Linear layers in a lower precision; Query, Key and Value are
// one product (their weights stacked), so their shared input is converted once.
type qlayer struct {
	qkv, attnOut, inter, out lowLinear
}

type lowLayers struct {
	once   sync.Once
	layers []qlayer
}

// lowPrecision returns the layers for prec (int8 or bf16), converting them on first use.
func (m *bert) lowPrecision(prec Precision) []qlayer {
	ll, conv := &m.int8Layers, func(w, b []float32, n, k int) lowLinear { return quantizeLinear(w, b, n, k) }
	if prec == PrecisionBF16 {
		ll, conv = &m.bf16Layers, func(w, b []float32, n, k int) lowLinear { return bf16Linear(w, b, n, k) }
	}
	ll.once.Do(func() {
		H := m.hidden
		for _, L := range m.Layers {
			w := make([]float32, 0, 3*H*H)
			b := make([]float32, 0, 3*H)
			for _, l := range []*linear{L.Query, L.Key, L.Value} {
				w = append(w, raw(l.W)...)
				b = append(b, raw(l.B)...)
			}
			ll.layers = append(ll.layers, qlayer{
				qkv:     conv(w, b, 3*H, H),
				attnOut: conv(raw(L.AttnOut.W), raw(L.AttnOut.B), H, H),
				inter:   conv(raw(L.Intermediate.W), raw(L.Intermediate.B), m.intermediate, H),
				out:     conv(raw(L.Output.W), raw(L.Output.B), H, m.intermediate),
			})
		}
	})
	return ll.layers
}

// plan is how one forward pass computes: the kernels' instruction set and the precision of
// the Linear layers' products.
type plan struct {
	isa  isa
	prec Precision
}

func activation(name string) (func(isa, []float32), error) {
	switch name {
	case "gelu":
		return geluErfRows, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return func(_ isa, xs []float32) { geluTanh(xs) }, nil
	case "relu":
		return func(_ isa, xs []float32) { relu(xs) }, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAct, name)
}

// newBert builds the model from a weight set, checking every tensor against the config.
func newBert(cfg Config, w weightSet) (*bert, error) {
	act, err := activation(cfg.HiddenAct)
	if err != nil {
		return nil, err
	}
	H, I := cfg.HiddenSize, cfg.IntermediateSize
	m := &bert{Cfg: cfg, act: act, eps: float32(cfg.LayerNormEps), numHeads: cfg.NumAttentionHeads,
		headDim: H / cfg.NumAttentionHeads, hidden: H, intermediate: I}
	param := func(name string, rows, cols int) (*nn.Param, error) {
		shape := []int{rows, cols}
		if cols == 0 {
			shape = []int{rows}
			cols = 1
		}
		v, err := w.get(name, shape...)
		if err != nil {
			return nil, err
		}
		return newParam(v, rows, cols), nil
	}
	lin := func(prefix string, in, out int) (*linear, error) {
		W, err := param(prefix+".weight", out, in)
		if err != nil {
			return nil, err
		}
		B, err := param(prefix+".bias", out, 0)
		if err != nil {
			return nil, err
		}
		return &linear{W: W, B: B, in: in, out: out}, nil
	}
	ln := func(prefix string) (*layerNorm, error) {
		g, err := param(prefix+".weight", H, 0)
		if err != nil {
			return nil, err
		}
		b, err := param(prefix+".bias", H, 0)
		if err != nil {
			return nil, err
		}
		return &layerNorm{Gamma: g, Beta: b}, nil
	}
	if m.Word, err = param("embeddings.word_embeddings.weight", cfg.VocabSize, H); err != nil {
		return nil, err
	}
	if m.Pos, err = param("embeddings.position_embeddings.weight", cfg.MaxPositionEmbeddings, H); err != nil {
		return nil, err
	}
	if m.TokType, err = param("embeddings.token_type_embeddings.weight", cfg.TypeVocabSize, H); err != nil {
		return nil, err
	}
	if m.EmbNorm, err = ln("embeddings.LayerNorm"); err != nil {
		return nil, err
	}
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		L := &bertLayer{}
		for _, s := range []struct {
			dst     **linear
			name    string
			in, out int
		}{
			{&L.Query, "attention.self.query", H, H},
			{&L.Key, "attention.self.key", H, H},
			{&L.Value, "attention.self.value", H, H},
			{&L.AttnOut, "attention.output.dense", H, H},
			{&L.Intermediate, "intermediate.dense", H, I},
			{&L.Output, "output.dense", I, H},
		} {
			if *s.dst, err = lin(p+s.name, s.in, s.out); err != nil {
				return nil, err
			}
		}
		if L.AttnNorm, err = ln(p + "attention.output.LayerNorm"); err != nil {
			return nil, err
		}
		if L.OutNorm, err = ln(p + "output.LayerNorm"); err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, L)
	}
	return m, nil
}

// workspace holds the activations of one bucket; reused across layers.
type workspace struct {
	x, qkv, ctx, tmp, inter []float32
	scores                  [][]float32 // one T x T scratch per worker
	attn                    []attnScratch
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// perSequence reports whether attention runs one sequence per task (attentionSeq512): on
// AVX-512, for lengths and head sizes within one packed block, when there are enough sequences
// to share among the threads.
func (m *bert) perSequence(is isa, B, T, threads int) bool {
	return is >= isaAVX512 && T <= kBlock512 && m.headDim <= kBlock512 && (threads <= 1 || B >= 2*threads)
}

// seqGroup is how many sequences of T tokens one fused Q/K/V + attention task takes: enough rows
// for the int8/bf16 kernels' row blocks (48 rows, whole tiles of 12 where it can) while their
// Q, K and V (rows of 3H floats) stay within 512 KiB, half an L2 cache, but no fewer tasks
// than 2 per thread.
func seqGroup(B, T, H, threads int) int {
	G := 1
	for G < 12 && (G*T < 48 || G*T%12 != 0) && (G+1)*T*3*H*4 <= 512<<10 {
		G++
	}
	if threads > 1 {
		G = min(G, max(1, B/(2*threads)))
	}
	return G
}

// forward runs the bucket of sequences ids (each padded to length T, lens[i] real tokens) and
// returns the last hidden states, B*T rows of H values (rows past a sequence's length are
// unspecified).
func (m *bert) forward(pl plan, ids [][]int32, lens []int, T int, threads int, ws *workspace) []float32 {
	B, H, I := len(ids), m.hidden, m.intermediate
	M := B * T
	is := pl.isa
	var low []qlayer
	if pl.prec == PrecisionInt8 || pl.prec == PrecisionBF16 {
		low = m.lowPrecision(pl.prec)
	}
	ws.x = grow(ws.x, M*H)
	ws.qkv = grow(ws.qkv, M*3*H)
	ws.ctx = grow(ws.ctx, M*H)
	ws.tmp = grow(ws.tmp, M*H)
	ws.inter = grow(ws.inter, M*I)
	x := ws.x

	word, pos, typ := raw(m.Word), raw(m.Pos), raw(m.TokType)
	g, be := raw(m.EmbNorm.Gamma), raw(m.EmbNorm.Beta)
	parallelRows(M, threads, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			b, t := r/T, r%T
			id := int(ids[b][t])
			row := x[r*H : (r+1)*H]
			wv, pv, tv := word[id*H:(id+1)*H], pos[t*H:(t+1)*H], typ[:H]
			for j := range row {
				row[j] = wv[j] + pv[j] + tv[j]
			}
		}
		addNormRows(is, x[r0*H:r1*H], nil, g, be, r1-r0, H, m.eps)
	})

	// The epilogues of the layers' products: the activation right after the intermediate
	// product's bias, and x = LayerNorm(x + y) right after the products that feed the two
	// residual connections, each on a block of rows while it is in cache (no separate passes).
	act := func(r0, r1 int) { m.act(is, ws.inter[r0*I:r1*I]) }
	addNormEpi := func(ln *layerNorm) epilogue {
		g, b := raw(ln.Gamma), raw(ln.Beta)
		return func(r0, r1 int) { addNormRows(is, x[r0*H:r1*H], ws.tmp[r0*H:r1*H], g, b, r1-r0, H, m.eps) }
	}
	for li, L := range m.Layers {
		// ws.qkv holds Q, K and V side by side: rows of 3H values.
		if low != nil {
			Q := low[li]
			if m.perSequence(is, B, T, threads) {
				// Fused: each attention task computes its own sequences' Q, K and V first.
				m.attention(is, ws, B, T, lens, threads, func(r0, r1 int) {
					Q.qkv.apply(x[r0*H:r1*H], r1-r0, ws.qkv[r0*3*H:], 3*H, 1, nil)
				})
			} else {
				Q.qkv.apply(x, M, ws.qkv, 3*H, threads, nil)
				m.attention(is, ws, B, T, lens, threads, nil)
			}
			Q.attnOut.apply(ws.ctx, M, ws.tmp, H, threads, addNormEpi(L.AttnNorm))
			Q.inter.apply(x, M, ws.inter, I, threads, act)
			Q.out.apply(ws.inter, M, ws.tmp, H, threads, addNormEpi(L.OutNorm))
			continue
		}
		m.linearInto(is, L.Query, x, ws.qkv, 3*H, M, threads, nil)
		m.linearInto(is, L.Key, x, ws.qkv[H:], 3*H, M, threads, nil)
		m.linearInto(is, L.Value, x, ws.qkv[2*H:], 3*H, M, threads, nil)
		m.attention(is, ws, B, T, lens, threads, nil)
		m.linearInto(is, L.AttnOut, ws.ctx, ws.tmp, H, M, threads, addNormEpi(L.AttnNorm))
		m.linearInto(is, L.Intermediate, x, ws.inter, I, M, threads, act)
		m.linearInto(is, L.Output, ws.inter, ws.tmp, H, M, threads, addNormEpi(L.OutNorm))
	}
	return x
}

// linearInto computes out = in W^T + b for M rows (out rows ldc apart), then epi.
func (m *bert) linearInto(is isa, l *linear, in, out []float32, ldc, M, threads int, epi epilogue) {
	sgemmNT(is, M, l.out, l.in, in, l.in, raw(l.W), l.in, out, ldc, raw(l.B), threads, epi)
}

// attention computes the masked multi-head self-attention context of every real token,
// one (sequence, head) pair per task.
//
// qkv, when not nil, computes Q, K and V for rows [r0, r1) on one goroutine; attention calls it
// before it reads those rows.
func (m *bert) attention(is isa, ws *workspace, B, T int, lens []int, threads int, qkv func(r0, r1 int)) {
	H, d, nh := m.hidden, m.headDim, m.numHeads
	scale := float32(1 / math.Sqrt(float64(d)))
	var wg sync.WaitGroup
	var next int64
	var mu sync.Mutex
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := int(next)
		next++
		return n
	}
	if m.perSequence(is, B, T, threads) {
		// One group of sequences per task (attentionSeq512); with qkv, the task first computes
		// the group's rows of Q, K and V, so that attention reads them from cache.
		G := 1
		if qkv != nil {
			G = seqGroup(B, T, H, threads)
		}
		groups := (B + G - 1) / G
		workers := min(threads, groups)
		if len(ws.attn) < workers {
			ws.attn = make([]attnScratch, workers)
		}
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(sc *attnScratch) {
				defer wg.Done()
				for g := take(); g < groups; g = take() {
					b0, b1 := g*G, min(B, (g+1)*G)
					if qkv != nil {
						qkv(b0*T, b1*T)
					}
					for b := b0; b < b1; b++ {
						m.attentionSeq512(ws, sc, b, T, lens[b], scale)
					}
				}
			}(&ws.attn[w])
		}
		wg.Wait()
		return
	}
	if qkv != nil {
		qkv(0, B*T)
	}
	tasks := B * nh
	workers := min(threads, tasks)
	if len(ws.scores) < workers {
		ws.scores = make([][]float32, workers)
	}
	for w := 0; w < workers; w++ {
		ws.scores[w] = grow(ws.scores[w], T*T)
		wg.Add(1)
		go func(sc []float32) {
			defer wg.Done()
			for task := take(); task < tasks; task = take() {
				b, h := task/nh, task%nh
				n := lens[b]
				base := b*T*3*H + h*d
				q, k, v, ctx := ws.qkv[base:], ws.qkv[base+H:], ws.qkv[base+2*H:], ws.ctx[b*T*H+h*d:]
				s := sc[:n*n]
				// scores = Q K^T over real tokens only: padded keys get probability 0 and
				// padded queries are never read.
				attnNT(is, n, n, d, q, 3*H, k, 3*H, s, n)
				softmaxRows(is, s, n, n, scale)
				sgemmNNSmall(is, n, d, n, s, n, v, 3*H, ctx, H)
			}
		}(ws.scores[w])
	}
	wg.Wait()
}

func layerNormRow(row, g, b []float32, eps float32) {
	var mean float64
	for _, v := range row {
		mean += float64(v)
	}
	mean /= float64(len(row))
	var variance float64
	for _, v := range row {
		dv := float64(v) - mean
		variance += dv * dv
	}
	variance /= float64(len(row))
	inv := 1 / math.Sqrt(variance+float64(eps))
	mf, invf := float32(mean), float32(inv)
	g, b = g[:len(row)], b[:len(row)]
	for j, v := range row {
		row[j] = (v-mf)*invf*g[j] + b[j]
	}
}

func softmaxScaled(s []float32, scale float32) {
	mx := float32(math.Inf(-1))
	for i := range s {
		s[i] *= scale
		if s[i] > mx {
			mx = s[i]
		}
	}
	var sum float32
	for i, v := range s {
		e := expf(v - mx)
		s[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range s {
		s[i] *= inv
	}
}

// parallelRows splits [0, n) into at most threads contiguous chunks and runs fn on each.
func parallelRows(n, threads int, fn func(r0, r1 int)) {
	if threads <= 1 || n < 2 {
		fn(0, n)
		return
	}
	chunks := min(threads, n)
	var wg sync.WaitGroup
	for c := 0; c < chunks; c++ {
		r0, r1 := c*n/chunks, (c+1)*n/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(r0, r1)
		}()
	}
	wg.Wait()
}

// ---------------------------------------------------------------- activations

// geluErf is BERT's exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).
func geluErf(xs []float32) {
	for i, x := range xs {
		xs[i] = 0.5 * x * (1 + erff(x*0.70710678118654752))
	}
}

// geluTanh is the tanh approximation ("gelu_new").
func geluTanh(xs []float32) {
	for i, x := range xs {
		x64 := float64(x)
		xs[i] = float32(0.5 * x64 * (1 + math.Tanh(0.7978845608028654*(x64+0.044715*x64*x64*x64))))
	}
}

func relu(xs []float32) {
	for i, x := range xs {
		if x < 0 {
			xs[i] = 0
		}
	}
}

// erff is a float32 erf: a rational approximation x P(x^2) / Q(x^2) on [-4, 4] (the form Eigen
// and XLA use), saturating to +-1 outside. Its absolute error is below 1e-6 (see the test against
// math.Erf), far inside float32 noise of the layers around it, and it is ~10x cheaper than
// math.Erf in float64.
func erff(x float32) float32 {
	if x > 4 {
		return 1
	}
	if x < -4 {
		return -1
	}
	x2 := x * x
	p := x2*-2.72614225801306e-10 + 2.77068142495902e-08
	p = x2*p + -2.10102402082508e-06
	p = x2*p + -5.69250639462346e-05
	p = x2*p + -7.34990630326855e-04
	p = x2*p + -2.95459980854025e-03
	p = x2*p + -1.60960333262415e-02
	p = x * p
	q := x2*-1.45660718464996e-05 + -2.13374055278905e-04
	q = x2*q + -1.68282697438203e-03
	q = x2*q + -7.37332916720468e-03
	q = x2*q + -1.42647390514189e-02
	return p / q
}

// expf is exp in float32 via float64 (accurate; the softmax is a small part of the cost).
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
