package encoder

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// tokRefCase is one case of testdata/tokenizer-reference.json, written by
// tools/st_reference/make_tokenizer_fixture.py: the text as (string, repeat count) parts.
type tokRefCase struct {
	Parts  [][2]json.RawMessage `json:"parts"`
	MaxLen int                  `json:"max_len"`
	IDs    []int32              `json:"ids"`
}

func (c tokRefCase) text(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range c.Parts {
		var s string
		var n int
		if err := json.Unmarshal(p[0], &s); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(p[1], &n); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.Repeat(s, n))
	}
	return b.String()
}

func readGzipVocab(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ReadVocabTxt(zr)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTokenizerReference compares token ids with the Python references on the edge cases an
// outside check found: a word-final capital sigma (ς under Python's str.lower, σ under the
// tokenizers library's per-character lowercasing), İ, text after 200,000 spaces, words that
// straddle 64 KiB, long runs of control and zero-width characters, long words and truncation.
func TestTokenizerReference(t *testing.T) {
	b, err := os.ReadFile("testdata/tokenizer-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string][]tokRefCase
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../../models/default/vocab.txt")
	if err != nil {
		t.Fatal(err)
	}
	defaultVocab, err := ReadVocabTxt(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	minilm := readGzipVocab(t, "testdata/minilm-vocab.txt.gz")
	tests := []struct {
		set   string
		vocab []string
		opts  TokenizerOptions
	}{
		{"default", defaultVocab, TokenizerOptions{Lowercase: true}},
		{"minilm", minilm, TokenizerOptions{Lowercase: true, PerRuneLowercase: true}},
		{"minilm_basic", minilm, TokenizerOptions{Lowercase: true}},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			cases := ref[tc.set]
			if len(cases) < 10 {
				t.Fatalf("%d cases for %s, want >= 10", len(cases), tc.set)
			}
			tok, err := NewTokenizer(tc.vocab, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cases {
				text := c.text(t)
				if got := tok.Tokenize(text, c.MaxLen); !equalIDs(got, c.IDs) {
					t.Errorf("case %d %.40q (%d bytes, max %d):\n got %v\nwant %v", i, strings.TrimLeft(text, " \x00"), len(text), c.MaxLen, got, c.IDs)
				}
			}
		})
	}
}

// TestLoadPicksLowercaseMode: a folder with tokenizer.json is tokenized as the tokenizers
// library does (per-character lowercasing), a vocab.txt-only folder as BERT's Python tokenizer.
func TestLoadPicksLowercaseMode(t *testing.T) {
	withJSON, err := loadTokenizer(fixtureFS(t))
	if err != nil {
		t.Fatal(err)
	}
	if !withJSON.perRuneLower {
		t.Error("folder with tokenizer.json: want per-character lowercasing")
	}
	vocabOnly, err := loadTokenizer(fixtureFS(t, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if vocabOnly.perRuneLower {
		t.Error("vocab.txt-only folder: want Python str.lower semantics")
	}
}
