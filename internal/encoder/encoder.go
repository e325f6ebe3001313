package encoder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/profilestream/profilestream/models"
)

// Encoder turns texts into L2-normalized sentence vectors, one per text. An empty text gives a
// defined vector, never an error; errors come only from a cancelled context.
type Encoder interface {
	Encode(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
	ModelID() string
}

// Pooling selects how token vectors become one sentence vector.
type Pooling int

const (
	// PoolAuto (the zero value) is what the model folder's sentence-transformers
	// 1_Pooling/config.json asks for, and PoolMean when it has none.
	PoolAuto Pooling = iota
	// PoolMean averages the last hidden states over the real tokens ([CLS] and [SEP]
	// included, padding excluded), as most sentence-transformers models do.
	PoolMean
	// PoolCLS takes the hidden state of the [CLS] token (BGE models).
	PoolCLS
)

// Options tunes a loaded model. The zero value is a good default.
type Options struct {
	// MaxLength caps the tokens per text, [CLS] and [SEP] included. 0 means the folder's
	// sentence_bert_config.json max_seq_length (what sentence-transformers uses), or
	// max_position_embeddings when it has none; anything above max_position_embeddings means
	// max_position_embeddings. Shorter is faster
	// (attention is quadratic in it) but reads less of long reviews.
	MaxLength int
	// Pooling is PoolAuto (default), PoolMean or PoolCLS.
	Pooling Pooling
	// Threads is how many goroutines one Encode call uses for matrix products and
	// attention. 0 means runtime.NumCPU(). Lower it when several encoders share the machine.
	Threads int
	// BatchSize is how many sequences go through the layers together. 0 means 32. Texts of a
	// call are sorted by token length and cut into batches of this size, so that padding is
	// small; larger batches give bigger matrix products (faster per text) but more memory
	// (about BatchSize * MaxLength * intermediate_size * 4 bytes of activations).
	BatchSize int
	// Kernel forces the matrix kernels' instruction set: "avx512", "avx2" or "generic"; ""
	// or "auto" (the default) is the best this CPU has (CPUID). A set the CPU lacks is
	// ErrUnsupportedKernel. For tests and benchmarks; every set gives the same vectors to
	// float32 rounding.
	Kernel string
	// Precision is the number format of the matrix products: PrecisionAuto (default),
	// PrecisionFP32 or PrecisionInt8. A precision other than float32 gives different
	// vectors (within the measured cosine), so ModelID names it.
	Precision Precision
}

// Model is a loaded BERT-family encoder. It implements Encoder and is safe for concurrent use.
type Model struct {
	tok    *Tokenizer
	net    *bert
	opts   Options
	pl     plan
	maxLen int
	id     string // base id plus the precision suffix
	base   string // "<name>@<8 hex>"
	wsPool sync.Pool
	cfg    Config
	dim    int
	// folder holds the defaults the model folder declares (sentence-transformers files),
	// applied to every Options the model is given.
	folder Options
}

var _ Encoder = (*Model)(nil)

// Load loads a Hugging Face BERT folder from disk (offline): config.json, vocab.txt or
// tokenizer.json (tokenizer_config.json's do_lower_case is honoured), and model.safetensors or
// pytorch_model.bin. The model id is "<folder name>@<8 hex of sha256(weights)>".
func Load(dir string, opts Options) (*Model, error) {
	name := filepath.Base(filepath.Clean(dir))
	return load(os.DirFS(dir), name, opts)
}

// LoadFS is Load from any file system, with the folder's files at its root. The model name in
// the id is config.json's _name_or_path when set, "model" otherwise.
func LoadFS(fsys fs.FS, opts Options) (*Model, error) {
	return load(fsys, "", opts)
}

// LoadDefault loads the model bundled with the binary (package models, folder models/default).
func LoadDefault(opts Options) (*Model, error) {
	sub, err := fs.Sub(models.FS, "default")
	if err != nil {
		return nil, fmt.Errorf("encoder: bundled model: %w", err)
	}
	return load(sub, "default", opts)
}

func readFile(fsys fs.FS, name string) ([]byte, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrMissingFile, name)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
	}
	return b, nil
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

func load(fsys fs.FS, name string, opts Options) (*Model, error) {
	cb, err := readFile(fsys, "config.json")
	if err != nil {
		return nil, err
	}
	cfg, err := parseConfig(cb)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "model"
		if cfg.NameOrPath != "" {
			name = filepath.Base(cfg.NameOrPath)
		}
	}
	tok, err := loadTokenizer(fsys)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() != cfg.VocabSize {
		return nil, fmt.Errorf("%w: vocabulary has %d tokens, config.json vocab_size is %d", ErrShapeMismatch, tok.VocabSize(), cfg.VocabSize)
	}
	var ws weightSet
	h := sha256.New()
	switch {
	case exists(fsys, "model.safetensors"):
		b, err := readFile(fsys, "model.safetensors")
		if err != nil {
			return nil, err
		}
		h.Write(b)
		m, err := readSafetensors("model.safetensors", b)
		if err != nil {
			return nil, err
		}
		ws = weightSet{file: "model.safetensors", m: m}
	case exists(fsys, "pytorch_model.bin"):
		b, err := readFile(fsys, "pytorch_model.bin")
		if err != nil {
			return nil, err
		}
		h.Write(b)
		m, err := readPytorchBin("pytorch_model.bin", b)
		if err != nil {
			return nil, err
		}
		ws = weightSet{file: "pytorch_model.bin", m: m}
	default:
		return nil, fmt.Errorf("%w: model.safetensors (nor pytorch_model.bin)", ErrMissingFile)
	}
	net, err := newBert(cfg, ws)
	if err != nil {
		return nil, err
	}
	folder, err := sentenceTransformersDefaults(fsys)
	if err != nil {
		return nil, err
	}
	m, err := newModel(name+"@"+hex.EncodeToString(h.Sum(nil))[:8], cfg, tok, net, folder.apply(opts))
	if err != nil {
		return nil, err
	}
	m.folder = folder
	return m, nil
}

// sentenceTransformersDefaults reads the sequence length and pooling a sentence-transformers
// folder declares (sentence_bert_config.json, 1_Pooling/config.json). Pooling modes the encoder
// does not implement (max, mean_sqrt_len) are an error rather than a silent mean.
func sentenceTransformersDefaults(fsys fs.FS) (Options, error) {
	var o Options
	if b, err := fs.ReadFile(fsys, "sentence_bert_config.json"); err == nil {
		var sc struct {
			MaxSeqLength int `json:"max_seq_length"`
		}
		if err := json.Unmarshal(b, &sc); err != nil {
			return o, fmt.Errorf("%w: sentence_bert_config.json: %w", ErrBadConfig, err)
		}
		o.MaxLength = sc.MaxSeqLength
	}
	if b, err := fs.ReadFile(fsys, "1_Pooling/config.json"); err == nil {
		var pc map[string]any
		if err := json.Unmarshal(b, &pc); err != nil {
			return o, fmt.Errorf("%w: 1_Pooling/config.json: %w", ErrBadConfig, err)
		}
		var modes []string
		for k, v := range pc {
			if on, _ := v.(bool); on && strings.HasPrefix(k, "pooling_mode_") {
				modes = append(modes, k)
			}
		}
		sort.Strings(modes)
		switch strings.Join(modes, ",") {
		case "pooling_mode_mean_tokens":
			o.Pooling = PoolMean
		case "pooling_mode_cls_token":
			o.Pooling = PoolCLS
		default:
			return o, fmt.Errorf("%w: 1_Pooling/config.json asks for %v; the encoder pools by mean or [CLS] only", ErrBadConfig, modes)
		}
	}
	return o, nil
}

// apply fills opts' zero fields with the folder's defaults d.
func (d Options) apply(opts Options) Options {
	if opts.MaxLength == 0 {
		opts.MaxLength = d.MaxLength
	}
	if opts.Pooling == PoolAuto {
		opts.Pooling = d.Pooling
	}
	return opts
}

func loadTokenizer(fsys fs.FS) (*Tokenizer, error) {
	var opts TokenizerOptions
	var vocab []string
	switch {
	case exists(fsys, "vocab.txt"):
		f, err := fsys.Open("vocab.txt")
		if err != nil {
			return nil, fmt.Errorf("%w: vocab.txt: %w", ErrMissingFile, err)
		}
		vocab, err = ReadVocabTxt(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("vocab.txt: %w", err)
		}
		// BERT's default is uncased; a tokenizer_config.json or tokenizer.json says otherwise.
		opts.Lowercase = true
		if b, err := fs.ReadFile(fsys, "tokenizer.json"); err == nil {
			if _, o, err := ParseTokenizerJSON(b); err == nil {
				opts = o
			}
		}
	case exists(fsys, "tokenizer.json"):
		b, err := readFile(fsys, "tokenizer.json")
		if err != nil {
			return nil, err
		}
		vocab, opts, err = ParseTokenizerJSON(b)
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: vocab.txt (nor tokenizer.json)", ErrMissingFile)
	}
	if b, err := fs.ReadFile(fsys, "tokenizer_config.json"); err == nil {
		var tc struct {
			DoLowerCase  *bool `json:"do_lower_case"`
			StripAccents *bool `json:"strip_accents"`
		}
		if err := json.Unmarshal(b, &tc); err != nil {
			return nil, fmt.Errorf("%w: tokenizer_config.json: %w", ErrVocab, err)
		}
		if tc.DoLowerCase != nil {
			opts.Lowercase = *tc.DoLowerCase
		}
		if tc.StripAccents != nil {
			opts.StripAccents = tc.StripAccents
		}
	}
	return NewTokenizer(vocab, opts)
}

// Dim is the length of every vector (the model's hidden size).
func (m *Model) Dim() int { return m.dim }

// ModelID names the model, its weights and the precision of its vectors:
// "<name>@<first 8 hex of sha256 of the weights file>" for float32, followed by "+int8" (or
// another precision's name) otherwise, so that vectors of different precisions are never
// mixed under one id.
func (m *Model) ModelID() string { return m.id }

// MaxLength is the effective token limit per text.
func (m *Model) MaxLength() int { return m.maxLen }

// Tokenizer returns the model's tokenizer.
func (m *Model) Tokenizer() *Tokenizer { return m.tok }

// Config returns the parsed config.json.
func (m *Model) Config() Config { return m.cfg }

// Encode embeds texts: tokenize, sort by length, run buckets of Options.BatchSize through the
// transformer, pool and normalize. It checks ctx between buckets.
func (m *Model) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	err := m.run(ctx, texts, func(i int, hidden []float32, n int) {
		out[i] = m.pool(hidden, n)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Hidden returns the last hidden states of each text (n tokens x Dim values), for tests and
// tools.
func (m *Model) Hidden(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	err := m.run(ctx, texts, func(i int, hidden []float32, n int) {
		out[i] = append([]float32(nil), hidden[:n*m.dim]...)
	})
	return out, err
}

func (m *Model) run(ctx context.Context, texts []string, emit func(i int, hidden []float32, n int)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ids := make([][]int32, len(texts))
	order := make([]int, len(texts))
	for i, t := range texts {
		ids[i] = m.tok.Tokenize(t, m.maxLen)
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(ids[order[a]]) < len(ids[order[b]]) })
	ws := m.wsPool.Get().(*workspace)
	defer m.wsPool.Put(ws)
	H := m.dim
	for s := 0; s < len(order); s += m.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		bucket := order[s:min(len(order), s+m.opts.BatchSize)]
		T := len(ids[bucket[len(bucket)-1]])
		bids := make([][]int32, len(bucket))
		lens := make([]int, len(bucket))
		for j, i := range bucket {
			lens[j] = len(ids[i])
			row := make([]int32, T)
			copy(row, ids[i])
			for p := lens[j]; p < T; p++ {
				row[p] = m.tok.pad
			}
			bids[j] = row
		}
		hidden := m.net.forward(m.pl, bids, lens, T, m.opts.Threads, ws)
		for j, i := range bucket {
			emit(i, hidden[j*T*H:(j+1)*T*H], lens[j])
		}
	}
	return nil
}

// pool turns the n real token rows of one sequence into a normalized sentence vector.
func (m *Model) pool(hidden []float32, n int) []float32 {
	H := m.dim
	v := make([]float32, H)
	if m.opts.Pooling == PoolCLS { // PoolAuto without a folder setting is mean pooling
		copy(v, hidden[:H])
	} else {
		acc := make([]float64, H)
		for t := 0; t < n; t++ {
			for j, x := range hidden[t*H : (t+1)*H] {
				acc[j] += float64(x)
			}
		}
		for j := range v {
			v[j] = float32(acc[j] / float64(n))
		}
	}
	normalize(v)
	return v
}

// normalize scales v to unit length (a zero vector stays zero).
func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Max(math.Sqrt(ss), 1e-12))
	for i := range v {
		v[i] *= inv
	}
}

// WithOptions returns a model sharing m's weights and tokenizer with other options (for
// example another thread count or token limit). It fails for options the CPU cannot run
// (Options.Kernel).
func (m *Model) WithOptions(opts Options) (*Model, error) {
	n, err := newModel(m.base, m.cfg, m.tok, m.net, m.folder.apply(opts))
	if err != nil {
		return nil, err
	}
	n.folder = m.folder
	return n, nil
}

// Pooling is the pooling the model applies (PoolMean or PoolCLS).
func (m *Model) Pooling() Pooling {
	if m.opts.Pooling == PoolCLS {
		return PoolCLS
	}
	return PoolMean
}
