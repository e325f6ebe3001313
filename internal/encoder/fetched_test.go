package encoder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// TestFetchedModelsMatchSentenceTransformers checks every model with a reference in
// testdata/st-reference-<name>.json (written by tools/st_reference/make_st_fixture.py with
// sentence-transformers on the same weights): identical token ids, and pooled, normalized vectors
// within 1e-4, with the folder's own pooling and sequence length. The weights are not in the
// repository: a model is checked when `streamer model fetch <name>` has put it in models/<name>
// (or in $STREAMER_MODELS_DIR/<name>), and skipped with the command to run otherwise.
func TestFetchedModelsMatchSentenceTransformers(t *testing.T) {
	refs, err := filepath.Glob("testdata/st-reference-*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) == 0 {
		t.Fatal("no testdata/st-reference-*.json")
	}
	root := os.Getenv("STREAMER_MODELS_DIR")
	if root == "" {
		root = "../../models"
	}
	for _, path := range refs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var ref struct {
			Model      string    `json:"model"`
			Sha        string    `json:"weights_sha256"`
			MaxSeqLen  int       `json:"max_seq_length"`
			Pooling    string    `json:"pooling"`
			Normalized bool      `json:"normalized"`
			Cases      []refCase `json:"cases"`
		}
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Run(ref.Model, func(t *testing.T) {
			dir := filepath.Join(root, ref.Model)
			sum, err := fileSHA256(filepath.Join(dir, "model.safetensors"))
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("%s not fetched: run `streamer model fetch %s` (or `make model MODELS=%s`) to check it", dir, ref.Model, ref.Model)
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum != ref.Sha {
				t.Fatalf("%s/model.safetensors has sha256 %s, the reference is for %s: rerun tools/st_reference/make_st_fixture.py", dir, sum, ref.Sha)
			}
			if len(ref.Cases) < 10 || !ref.Normalized {
				t.Fatalf("reference has %d cases (want >= 10), normalized %v (want true)", len(ref.Cases), ref.Normalized)
			}
			m, err := Load(dir, Options{BatchSize: 4, Precision: PrecisionFP32})
			if err != nil {
				t.Fatal(err)
			}
			if m.MaxLength() != ref.MaxSeqLen {
				t.Errorf("MaxLength %d, sentence-transformers uses %d", m.MaxLength(), ref.MaxSeqLen)
			}
			wantPool := map[string]Pooling{"mean": PoolMean, "cls": PoolCLS}[ref.Pooling]
			if m.Pooling() != wantPool {
				t.Errorf("pooling %v, sentence-transformers uses %q", m.Pooling(), ref.Pooling)
			}
			texts := make([]string, len(ref.Cases))
			for i, c := range ref.Cases {
				texts[i] = c.Text
			}
			vecs, err := m.Encode(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			var worst float64
			for i, c := range ref.Cases {
				if ids := m.Tokenizer().Tokenize(c.Text, m.MaxLength()); !equalIDs(ids, c.IDs) {
					t.Errorf("case %d %.40q: ids\n got %v\nwant %v", i, c.Text, ids, c.IDs)
					continue
				}
				d := maxAbsDiff(vecs[i], c.Pooled)
				if d > worst {
					worst = d
				}
				if d > 1e-4 {
					t.Errorf("case %d %.40q: pooled vector differs by %.2e", i, c.Text, d)
				}
			}
			t.Logf("%s: %d cases, max abs diff of pooled vectors %.2e", m.ModelID(), len(ref.Cases), worst)
		})
	}
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// TestSentenceTransformersFolder: a folder's sentence_bert_config.json and 1_Pooling/config.json
// set the defaults (explicit options win, WithOptions keeps them); an unsupported pooling mode is
// an error, not a silent mean.
func TestSentenceTransformersFolder(t *testing.T) {
	pool := func(mode string) []byte {
		return []byte(`{"word_embedding_dimension": 32, "pooling_mode_cls_token": ` + boolJSON(mode == "cls") +
			`, "pooling_mode_mean_tokens": ` + boolJSON(mode == "mean") + `, "pooling_mode_max_tokens": ` + boolJSON(mode == "max") + `}`)
	}
	tests := []struct {
		name     string
		pool     []byte
		stConfig string
		opts     Options
		wantPool Pooling
		wantLen  int
		wantErr  error
	}{
		{"no st files", nil, "", Options{}, PoolMean, 48, nil},
		{"cls and length", pool("cls"), `{"max_seq_length": 20}`, Options{}, PoolCLS, 20, nil},
		{"mean", pool("mean"), `{"max_seq_length": 100}`, Options{}, PoolMean, 48, nil},
		{"explicit options win", pool("cls"), `{"max_seq_length": 20}`, Options{Pooling: PoolMean, MaxLength: 30}, PoolMean, 30, nil},
		{"max pooling refused", pool("max"), "", Options{}, PoolMean, 0, ErrBadConfig},
		{"bad json", []byte("{"), "", Options{}, PoolMean, 0, ErrBadConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fixtureFS(t)
			if tc.pool != nil {
				fsys["1_Pooling/config.json"] = &fstest.MapFile{Data: tc.pool}
			}
			if tc.stConfig != "" {
				fsys["sentence_bert_config.json"] = &fstest.MapFile{Data: []byte(tc.stConfig)}
			}
			m, err := LoadFS(fsys, tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Pooling() != tc.wantPool || m.MaxLength() != tc.wantLen {
				t.Errorf("pooling %v max length %d, want %v %d", m.Pooling(), m.MaxLength(), tc.wantPool, tc.wantLen)
			}
			m2, _ := m.WithOptions(Options{Threads: 1})
			if tc.opts == (Options{}) && (m2.Pooling() != tc.wantPool || m2.MaxLength() != tc.wantLen) {
				t.Errorf("WithOptions lost the folder's defaults: %v %d", m2.Pooling(), m2.MaxLength())
			}
		})
	}
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
