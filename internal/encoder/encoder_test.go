package encoder

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/profilestream/profilestream/models"
)

const fixtureDir = "testdata/tiny-bert"

type refCase struct {
	Text   string      `json:"text"`
	IDs    []int32     `json:"ids"`
	Hidden [][]float32 `json:"hidden"`
	Pooled []float32   `json:"pooled"`
}

type reference struct {
	MaxLength    int       `json:"max_length"`
	DtypesValues []float32 `json:"dtypes_values"`
	Cases        []refCase `json:"cases"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	f, err := os.Open(fixtureDir + "/reference.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.NewDecoder(zr).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Cases) < 20 {
		t.Fatalf("fixture has %d cases, want >= 20", len(r.Cases))
	}
	return r
}

// fixtureFS returns the fixture folder as a MapFS without the named files.
func fixtureFS(t *testing.T, without ...string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
next:
	for _, e := range entries {
		for _, w := range without {
			if e.Name() == w {
				continue next
			}
		}
		b, err := os.ReadFile(fixtureDir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = &fstest.MapFile{Data: b}
	}
	return m
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestMatchesPyTorch is the acceptance check against tools/torch_reference: identical token
// ids, and hidden states and pooled vectors within 1e-4, for every weight format and key
// layout the fixture ships.
func TestMatchesPyTorch(t *testing.T) {
	ref := loadReference(t)
	texts := make([]string, len(ref.Cases))
	for i, c := range ref.Cases {
		texts[i] = c.Text
	}
	loaders := []struct {
		name string
		load func() (*Model, error)
	}{
		{"safetensors-f32-dir", func() (*Model, error) {
			return Load(fixtureDir, Options{BatchSize: 5, Threads: 2, Precision: PrecisionFP32})
		}},
		{"pytorch-bin-f16-bert-prefix", func() (*Model, error) {
			return LoadFS(fixtureFS(t, "model.safetensors"), Options{BatchSize: 64, Threads: 1, Precision: PrecisionFP32})
		}},
		{"pytorch-bin-dir", func() (*Model, error) {
			dir := t.TempDir()
			for _, n := range []string{"config.json", "vocab.txt", "tokenizer_config.json", "pytorch_model.bin"} {
				b, err := os.ReadFile(fixtureDir + "/" + n)
				if err != nil {
					return nil, err
				}
				if err := os.WriteFile(dir+"/"+n, b, 0o644); err != nil {
					return nil, err
				}
			}
			return Load(dir, Options{BatchSize: 3, Precision: PrecisionFP32})
		}},
		{"tokenizer-json-only", func() (*Model, error) {
			return LoadFS(fixtureFS(t, "vocab.txt", "tokenizer_config.json"), Options{BatchSize: 7, Threads: 3, Precision: PrecisionFP32})
		}},
	}
	for _, l := range loaders {
		t.Run(l.name, func(t *testing.T) {
			m, err := l.load()
			if err != nil {
				t.Fatal(err)
			}
			if m.MaxLength() != ref.MaxLength {
				t.Fatalf("MaxLength %d, want %d", m.MaxLength(), ref.MaxLength)
			}
			hidden, err := m.Hidden(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			vecs, err := m.Encode(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			var worstH, worstP float64
			for i, c := range ref.Cases {
				ids := m.Tokenizer().Tokenize(c.Text, m.MaxLength())
				if !equalIDs(ids, c.IDs) {
					t.Errorf("case %d %q: ids %v, want %v", i, c.Text, ids, c.IDs)
					continue
				}
				var want []float32
				for _, row := range c.Hidden {
					want = append(want, row...)
				}
				worstH = math.Max(worstH, maxAbsDiff(hidden[i], want))
				worstP = math.Max(worstP, maxAbsDiff(vecs[i], c.Pooled))
			}
			t.Logf("max abs diff: hidden %.2e, pooled %.2e", worstH, worstP)
			if worstH > 1e-4 || worstP > 1e-4 {
				t.Errorf("max abs diff hidden %.3e pooled %.3e, want <= 1e-4", worstH, worstP)
			}
		})
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCLSPoolingAndOptions(t *testing.T) {
	ref := loadReference(t)
	m, err := Load(fixtureDir, Options{Pooling: PoolCLS, MaxLength: 10, Precision: PrecisionFP32})
	if err != nil {
		t.Fatal(err)
	}
	if m.MaxLength() != 10 {
		t.Fatalf("MaxLength %d, want 10", m.MaxLength())
	}
	// Case 0 is short enough that MaxLength 10 does not truncate it.
	c := ref.Cases[0]
	if len(c.IDs) > 10 {
		t.Fatal("case 0 too long for this test")
	}
	v, err := m.Encode(context.Background(), []string{c.Text})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]float32(nil), c.Hidden[0]...)
	normalize(want)
	if d := maxAbsDiff(v[0], want); d > 1e-4 {
		t.Errorf("CLS pooling differs by %.2e", d)
	}
	long, err := m.Encode(context.Background(), []string{strings.Repeat("good ", 100)})
	if err != nil {
		t.Fatal(err)
	}
	if ids := m.Tokenizer().Tokenize(strings.Repeat("good ", 100), m.MaxLength()); len(ids) != 10 {
		t.Errorf("truncated to %d ids, want 10", len(ids))
	}
	if len(long[0]) != m.Dim() {
		t.Errorf("dim %d", len(long[0]))
	}
}

func TestDtypes(t *testing.T) {
	ref := loadReference(t)
	b, err := os.ReadFile(fixtureDir + "/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	m, err := readSafetensors("dtypes.safetensors", b)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"f32", "f16", "bf16"} {
		if d := maxAbsDiff(m[k].data, ref.DtypesValues); d != 0 {
			t.Errorf("%s: differs from F32 values by %g", k, d)
		}
		if !equalShape(m[k].shape, []int{3, 5}) {
			t.Errorf("%s: shape %v", k, m[k].shape)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	// A safetensors file without the first layer's query weight.
	b, err := os.ReadFile(fixtureDir + "/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	dropped := strings.Replace(string(b), `"encoder.layer.0.attention.self.query.weight"`, `"encoder.layer.0.attention.self.quer_.weight"`, 1)
	badCfg := strings.Replace(string(fixtureFS(t)["config.json"].Data), `"intermediate_size": 64`, `"intermediate_size": 65`, 1)
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    error
		mention []string
	}{
		{"no config", fixtureFS(t, "config.json"), ErrMissingFile, []string{"config.json"}},
		{"no vocab", fixtureFS(t, "vocab.txt", "tokenizer.json"), ErrMissingFile, []string{"vocab.txt"}},
		{"no weights", fixtureFS(t, "model.safetensors", "pytorch_model.bin"), ErrMissingFile, []string{"model.safetensors"}},
		{"missing tensor", with(fixtureFS(t), "model.safetensors", dropped), ErrMissingTensor, []string{"model.safetensors", "encoder.layer.0.attention.self.query.weight"}},
		{"shape mismatch", with(fixtureFS(t), "config.json", badCfg), ErrShapeMismatch, []string{"model.safetensors", "encoder.layer.0.intermediate.dense.weight"}},
		{"truncated weights", with(fixtureFS(t), "model.safetensors", string(b[:1000])), ErrBadWeights, []string{"model.safetensors"}},
		{"bad bin", with(fixtureFS(t, "model.safetensors"), "pytorch_model.bin", "not a zip"), ErrBadWeights, []string{"pytorch_model.bin"}},
		{"bad act", with(fixtureFS(t), "config.json", strings.Replace(string(fixtureFS(t)["config.json"].Data), `"gelu"`, `"swish"`, 1)), ErrUnsupportedAct, []string{"config.json", "swish"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFS(tc.fsys, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			for _, s := range tc.mention {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
		})
	}
}

func with(m fstest.MapFS, name, data string) fstest.MapFS {
	m[name] = &fstest.MapFile{Data: []byte(data)}
	return m
}

func TestBadInputNeverFails(t *testing.T) {
	m, err := Load(fixtureDir, Options{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("good phone ", 100_000) // ~1.1 MB
	texts := []string{"", "😀", "🤖🦄🦄", huge, "good\xff\xfeproduct\xc3", "a\x00\x00b", "\u202e\u200f\u200b\u2066\u2069", "\u200b", strings.Repeat("\x00", 1000)}
	vecs, err := m.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		if len(v) != m.Dim() {
			t.Fatalf("text %d: dim %d", i, len(v))
		}
		var n float64
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("text %d: non-finite vector", i)
			}
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-4 {
			t.Errorf("text %d: norm^2 %v, want 1", i, n)
		}
	}
	tok := m.Tokenizer()
	if got, want := tok.Tokenize("good\xffproduct", 48), tok.Tokenize("goodproduct", 48); !equalIDs(got, want) {
		t.Errorf("invalid UTF-8 not dropped: %v vs %v", got, want)
	}
	if got := tok.Tokenize(huge, 48); len(got) != 48 {
		t.Errorf("1 MB text: %d ids, want 48", len(got))
	}
	// Empty, zero-width only and NUL only all mean "no words": the same vector.
	if maxAbsDiff(vecs[0], vecs[7]) != 0 || maxAbsDiff(vecs[0], vecs[8]) != 0 {
		t.Error("empty, zero-width-only and NUL-only texts should encode identically")
	}
}

func TestTokenizerCases(t *testing.T) {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##want", "##ed", "runn", "##ing", ",", "好", "cafe", "Cafe"}
	ids := func(s ...string) []int32 {
		out := []int32{2}
		for _, x := range s {
			for i, v := range vocab {
				if v == x {
					out = append(out, int32(i))
				}
			}
		}
		return append(out, 3)
	}
	f := false
	tests := []struct {
		name string
		opts TokenizerOptions
		text string
		max  int
		want []int32
	}{
		{"wordpiece", TokenizerOptions{Lowercase: true}, "UNwant\u00E9d,running", 64, ids("un", "##want", "##ed", ",", "runn", "##ing")},
		{"greedy longest", TokenizerOptions{Lowercase: true}, "unaffable", 64, ids("un", "##aff", "##able")},
		{"cjk split", TokenizerOptions{Lowercase: true}, "好好", 64, ids("好", "好")},
		{"accents stripped", TokenizerOptions{Lowercase: true}, "CAFÉ", 64, ids("cafe")},
		{"cased keeps accents", TokenizerOptions{Lowercase: false}, "Café", 64, ids("[UNK]")},
		{"cased", TokenizerOptions{Lowercase: false}, "Cafe", 64, ids("Cafe")},
		{"lower no strip", TokenizerOptions{Lowercase: true, StripAccents: &f}, "CAFÉ", 64, ids("[UNK]")},
		{"truncate", TokenizerOptions{Lowercase: true}, "好好好好", 4, ids("好", "好")},
		{"truncate inside word", TokenizerOptions{Lowercase: true}, "unaffable", 4, ids("un", "##aff")},
		{"max 1 acts as 2", TokenizerOptions{Lowercase: true}, "好", 1, ids()},
		{"long word unk", TokenizerOptions{Lowercase: true}, strings.Repeat("好", 3) + strings.Repeat("x", 101), 64, ids("好", "好", "好", "[UNK]")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := NewTokenizer(vocab, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.Tokenize(tc.text, tc.max); !equalIDs(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := NewTokenizer([]string{"[PAD]", "a"}, TokenizerOptions{}); !errors.Is(err, ErrVocab) {
		t.Errorf("missing specials: err %v", err)
	}
	tok, _ := NewTokenizer(vocab, TokenizerOptions{Lowercase: true})
	b := tok.TokenizeBatch([]string{"好", "unaffable", ""}, 64)
	if b.Len != 5 || b.Lengths[0] != 3 || b.Lengths[2] != 2 || b.Mask[0][3] != 0 || b.Mask[1][4] != 1 || b.IDs[2][4] != 0 {
		t.Errorf("batch %+v", b)
	}
}

func TestErfGELU(t *testing.T) {
	var worst float64
	for x := -8.0; x <= 8.0; x += 0.001 {
		worst = math.Max(worst, math.Abs(float64(erff(float32(x)))-math.Erf(x)))
	}
	if worst > 1e-6 {
		t.Errorf("erff max abs error %.3g, want <= 1e-6", worst)
	}
	xs := []float32{-3, -1, 0, 0.5, 2}
	geluErf(xs)
	for i, x := range []float64{-3, -1, 0, 0.5, 2} {
		want := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
		if math.Abs(float64(xs[i])-want) > 1e-6 {
			t.Errorf("gelu(%v) = %v, want %v", x, xs[i], want)
		}
	}
}

func TestGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32()*2 - 1
		}
		return s
	}
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 4, 4}, {17, 33, 65}, {64, 96, 40}, {130, 7, 3}, {13, 37, 600}, {100, 48, 520}, {12, 32, 1}, {25, 70, 300}, {200, 100, 600}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, b := fill(m*k), fill(n*k)
		want := make([]float32, m*n)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for p := 0; p < k; p++ {
					s += float64(a[i*k+p]) * float64(b[j*k+p])
				}
				want[i*n+j] = float32(s)
			}
		}
		for _, th := range []int{1, 3} {
			for is := isaGeneric; is <= bestISA(); is++ {
				c := fill(m * n) // garbage: the kernel must overwrite
				sgemmNT(is, m, n, k, a, k, b, k, c, n, nil, th, nil)
				if d := maxAbsDiff(c, want); d > 1e-4 {
					t.Errorf("sgemmNT %s %v threads %d: diff %g", is, sz, th, d)
				}
			}
			// A inside a larger buffer, followed by rows of NaN: kernels may read rows past m
			// in place but must not let them reach C.
			const extra = 20
			big := make([]float32, (m+extra)*(k+3))
			for i := range big {
				big[i] = float32(math.NaN())
			}
			for i := 0; i < m; i++ {
				copy(big[i*(k+3):], a[i*k:(i+1)*k])
			}
			for is := isaGeneric; is <= bestISA(); is++ {
				c := fill(m * n)
				sgemmNT(is, m, n, k, big, k+3, b, k, c, n, nil, th, nil)
				if d := maxAbsDiff(c, want); !(d <= 1e-4) {
					t.Errorf("sgemmNT %s %v threads %d, A in a larger buffer: diff %g", is, sz, th, d)
				}
			}
			c := fill(m * n)
			goSgemmNT(m, n, k, a, k, b, k, c, n)
			if d := maxAbsDiff(c, want); d > 1e-4 {
				t.Errorf("goSgemmNT %v: diff %g", sz, d)
			}
		}
		// NN: C = A Bt where Bt is b transposed (k x n).
		bt := make([]float32, k*n)
		for j := 0; j < n; j++ {
			for p := 0; p < k; p++ {
				bt[p*n+j] = b[j*k+p]
			}
		}
		c := fill(m * n)
		goSgemmNN(m, n, k, a, k, bt, n, c, n)
		if d := maxAbsDiff(c, want); d > 1e-4 {
			t.Errorf("NN go %v: diff %g", sz, d)
		}
		for is := isaGeneric; is <= bestISA(); is++ {
			c := fill(m * n)
			sgemmNNSmall(is, m, n, k, a, k, bt, n, c, n)
			if d := maxAbsDiff(c, want); d > 1e-4 {
				t.Errorf("NN %s %s %v: diff %g", Backend, is, sz, d)
			}
		}
	}
}

func TestConcurrentEncode(t *testing.T) {
	m, err := Load(fixtureDir, Options{Threads: 2, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"good phone", "这个手机质量很好", "", "the battery is bad", "very very very good"}
	want, err := m.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := 0; it < 5; it++ {
				got, err := m.Encode(context.Background(), texts)
				if err != nil {
					t.Error(err)
					return
				}
				for i := range got {
					if maxAbsDiff(got[i], want[i]) > 1e-6 {
						t.Errorf("concurrent result differs for %q", texts[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Encode(ctx, texts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err %v", err)
	}
}

func TestLoadDefault(t *testing.T) {
	m, err := LoadDefault(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// "default@<8 hex>", plus "+<precision>" when auto chose one below float32.
	id, prec, _ := strings.Cut(m.ModelID(), "+")
	if !strings.HasPrefix(id, "default@") || len(id) != len("default@")+8 || prec != map[bool]string{true: "", false: string(m.Precision())}[m.Precision() == PrecisionFP32] {
		t.Errorf("ModelID %q", m.ModelID())
	}
	v, err := m.Encode(context.Background(), []string{"great phone", "很好"})
	if err != nil || len(v) != 2 || len(v[0]) != m.Dim() {
		t.Fatalf("Encode: %v %v", v, err)
	}
	m2, err := Load(fixtureDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m2.ModelID(), "tiny-bert@") {
		t.Errorf("ModelID %q", m2.ModelID())
	}
	_ = fs.ValidPath
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "hello, world", "这个手机质量很好", "😀", "good\xffproduct", "a\x00b", "\u202e\u200b", "CAFÉ naïve", strings.Repeat("x", 120)} {
		f.Add(s, 16)
	}
	b, err := os.ReadFile(fixtureDir + "/vocab.txt")
	if err != nil {
		f.Fatal(err)
	}
	vocab, err := ReadVocabTxt(strings.NewReader(string(b)))
	if err != nil {
		f.Fatal(err)
	}
	tok, err := NewTokenizer(vocab, TokenizerOptions{Lowercase: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, maxLen int) {
		maxLen = maxLen%600 - 50 // include negative and tiny limits
		ids := tok.Tokenize(s, maxLen)
		limit := max(maxLen, 2)
		if len(ids) < 2 || len(ids) > limit {
			t.Fatalf("%d ids for limit %d", len(ids), limit)
		}
		if ids[0] != tok.cls || ids[len(ids)-1] != tok.sep {
			t.Fatalf("not framed by [CLS]/[SEP]: %v", ids)
		}
		for _, id := range ids[1 : len(ids)-1] {
			if id < 0 || int(id) >= tok.VocabSize() || id == tok.cls || id == tok.sep || id == tok.pad {
				t.Fatalf("bad inner id %d", id)
			}
		}
		// Truncation keeps a prefix of the untruncated tokenization.
		full := tok.Tokenize(s, 1<<20)
		if !equalIDs(ids[:len(ids)-1], full[:len(ids)-1]) {
			t.Fatalf("truncated ids %v are not a prefix of %v", ids, full)
		}
	})
}

// TestF16 checks the half-precision decoder on all 65536 bit patterns against the definition
// (gopickle's converter, used before, got subnormals wrong: real F16 checkpoints have them).
func TestF16(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		e, m := int(h>>10)&0x1f, float64(h&0x3ff)
		var want float64
		switch {
		case e == 0:
			want = m * math.Pow(2, -24)
		case e == 31 && m == 0:
			want = math.Inf(1)
		case e == 31:
			want = math.NaN()
		default:
			want = (1 + m/1024) * math.Pow(2, float64(e-15))
		}
		if h>>15 == 1 {
			want = -want
		}
		got := f16to32(h)
		if math.IsNaN(want) != math.IsNaN(float64(got)) || (!math.IsNaN(want) && float64(got) != want) {
			t.Fatalf("f16to32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

// TestDefaultModelMatchesPyTorch checks the bundled model against the PyTorch reference written
// by tools/torch_reference/make_default_reference.py for the same weights. It fails (never
// skips) when the bundled weights are not the ones the reference was made for.
func TestDefaultModelMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/default-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Sha   string    `json:"weights_sha256"`
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	w, err := fs.ReadFile(models.FS, "default/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(w); hex.EncodeToString(sum[:]) != ref.Sha {
		t.Fatalf("testdata/default-reference.json is for weights sha256 %s, the bundled model.safetensors is %x: "+
			"new weights need a new reference: /usr/bin/python3 tools/torch_reference/make_default_reference.py", ref.Sha, sum)
	}
	if len(ref.Cases) < 10 {
		t.Fatalf("reference has %d cases, want >= 10", len(ref.Cases))
	}
	texts := make([]string, len(ref.Cases))
	for i, c := range ref.Cases {
		texts[i] = c.Text
	}
	// Every kernel level this CPU runs, forced in turn, matches the reference.
	for is := isaGeneric; is <= bestISA(); is++ {
		m, err := LoadDefault(Options{Kernel: is.String(), Precision: PrecisionFP32})
		if err != nil {
			t.Fatal(err)
		}
		vecs, err := m.Encode(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range ref.Cases {
			if ids := m.Tokenizer().Tokenize(c.Text, m.MaxLength()); !equalIDs(ids, c.IDs) {
				t.Errorf("case %d: ids %v, want %v", i, ids, c.IDs)
			}
			if d := maxAbsDiff(vecs[i], c.Pooled); d > 1e-4 {
				t.Errorf("%s: case %d %.30q: pooled vector differs by %.2e", is, i, c.Text, d)
			}
		}
	}
	if _, err := LoadDefault(Options{Kernel: "avx1024"}); !errors.Is(err, ErrUnsupportedKernel) {
		t.Errorf("Kernel avx1024: err %v, want ErrUnsupportedKernel", err)
	}
}
