package encoder

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
)

// NewRandom builds a model with cfg's shapes and random weights (normal, std 1/sqrt(fan-in) for
// matrices, 1 for embeddings, LayerNorm at identity), for benchmarks and as the "untrained
// transformer" baseline of evaluations. The same seed gives the same weights. Its ModelID is
// "random-<seed>@00000000".
func NewRandom(cfg Config, tok *Tokenizer, seed uint64, opts Options) (*Model, error) {
	if cfg.HiddenAct == "" {
		cfg.HiddenAct = "gelu"
	}
	if cfg.LayerNormEps == 0 {
		cfg.LayerNormEps = 1e-12
	}
	if cfg.TypeVocabSize == 0 {
		cfg.TypeVocabSize = 2
	}
	if tok == nil {
		return nil, fmt.Errorf("%w: NewRandom needs a tokenizer", ErrVocab)
	}
	cfg.VocabSize = tok.VocabSize()
	if _, err := parseConfigValues(cfg); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	m := map[string]tensor{}
	add := func(name string, std, mean float64, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(mean + std*r.NormFloat64())
		}
		m[name] = tensor{shape: shape, data: v}
	}
	H, I := cfg.HiddenSize, cfg.IntermediateSize
	add("embeddings.word_embeddings.weight", 1, 0, cfg.VocabSize, H)
	add("embeddings.position_embeddings.weight", 1, 0, cfg.MaxPositionEmbeddings, H)
	add("embeddings.token_type_embeddings.weight", 1, 0, cfg.TypeVocabSize, H)
	ln := func(p string) {
		add(p+".weight", 0, 1, H)
		add(p+".bias", 0, 0, H)
	}
	lin := func(p string, in, out int) {
		add(p+".weight", 1/math.Sqrt(float64(in)), 0, out, in)
		add(p+".bias", 0.02, 0, out)
	}
	ln("embeddings.LayerNorm")
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		for _, s := range []string{"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"} {
			lin(p+s, H, H)
		}
		lin(p+"intermediate.dense", H, I)
		lin(p+"output.dense", I, H)
		ln(p + "attention.output.LayerNorm")
		ln(p + "output.LayerNorm")
	}
	net, err := newBert(cfg, weightSet{file: "random", m: m})
	if err != nil {
		return nil, err
	}
	return newModel(fmt.Sprintf("random-%d@00000000", seed), cfg, tok, net, opts)
}

func newModel(id string, cfg Config, tok *Tokenizer, net *bert, opts Options) (*Model, error) {
	is, err := parseISA(opts.Kernel)
	if err != nil {
		return nil, err
	}
	prec, err := parsePrecision(opts.Precision)
	if err != nil {
		return nil, err
	}
	m := &Model{tok: tok, net: net, cfg: cfg, dim: cfg.HiddenSize, base: id, opts: opts, pl: plan{isa: is, prec: PrecisionFP32}}
	if m.opts.Threads <= 0 {
		m.opts.Threads = runtime.NumCPU()
	}
	if m.opts.BatchSize <= 0 {
		m.opts.BatchSize = 32
	}
	m.maxLen = cfg.MaxPositionEmbeddings
	if opts.MaxLength > 0 && opts.MaxLength < m.maxLen {
		m.maxLen = max(opts.MaxLength, 2)
	}
	m.wsPool.New = func() any { return new(workspace) }
	if prec == PrecisionAuto {
		prec = m.autoPrecision()
	}
	m.pl.prec = prec
	m.id = id
	if prec != PrecisionFP32 {
		m.id += "+" + string(prec)
	}
	return m, nil
}
