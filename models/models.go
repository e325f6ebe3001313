// Package models bundles the default sentence-embedding model with the binary.
//
// The folder models/default holds a Hugging Face style BERT checkpoint (config.json, vocab.txt,
// model.safetensors, and a model card describing how it was trained). It is compiled into the
// binary with go:embed, so a worker needs no model download and no files next to it:
// encoder.LoadDefault reads it from FS. The folder must stay small (at most 16 MB).
package models

import "embed"

// FS holds the folder "default" with the bundled model's files.
//
//go:embed default
var FS embed.FS
