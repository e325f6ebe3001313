package main

import (
	"context"
	"fmt"
	"time"

	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/online"
)

// vectorizer turns every user's reviews into the user's profile vector.
type vectorizer struct {
	id      string // cache key part
	label   string // printed
	vectors func(ctx context.Context, users []*user) error
}

// pickVectorizer chooses between the transformer encoder and the TF-IDF fallback.
func pickVectorizer(mode, modelDir string, maxLen int) (vectorizer, error) {
	tfidf := vectorizer{
		id: fmt.Sprintf("tfidf-%d-rp%d", vocabSize, projDim),
		label: fmt.Sprintf("FALLBACK TF-IDF (%d terms, sublinear tf, idf) + sparse random projection to %d dims; NOT the transformer encoder",
			vocabSize, projDim),
		vectors: func(_ context.Context, us []*user) error { tfidfVectors(us); return nil },
	}
	if mode == "tfidf" {
		return tfidf, nil
	}
	if mode != "auto" && mode != "encoder" {
		return vectorizer{}, fmt.Errorf("-vectors %q: want auto, encoder or tfidf", mode)
	}
	opts := encoder.Options{MaxLength: maxLen, BatchSize: 32}
	var m *encoder.Model
	var err error
	if modelDir != "" {
		m, err = encoder.Load(modelDir, opts)
	} else {
		m, err = encoder.LoadDefault(opts)
	}
	if err != nil {
		if mode == "encoder" {
			return vectorizer{}, fmt.Errorf("load encoder: %w", err)
		}
		tfidf.label += fmt.Sprintf(" (encoder did not load: %v)", err)
		return tfidf, nil
	}
	if mode == "auto" && modelDir == "" && m.Dim() < 128 {
		tfidf.label += fmt.Sprintf(" (the bundled model %s has %d dims: the placeholder, not a sentence model; pass -model DIR or -vectors encoder)", m.ModelID(), m.Dim())
		return tfidf, nil
	}
	return vectorizer{
		id:    fmt.Sprintf("encoder-%s-len%d", m.ModelID(), maxLen),
		label: fmt.Sprintf("transformer encoder %s (dim %d, max %d tokens per review)", m.ModelID(), m.Dim(), maxLen),
		vectors: func(ctx context.Context, us []*user) error {
			var texts []string
			for _, u := range us {
				texts = append(texts, u.Texts...)
			}
			t := time.Now()
			var vecs [][]float32
			for s := 0; s < len(texts); s += 512 {
				v, err := m.Encode(ctx, texts[s:min(s+512, len(texts))])
				if err != nil {
					return fmt.Errorf("encode: %w", err)
				}
				vecs = append(vecs, v...)
				if len(vecs)%4096 < 512 || len(vecs) == len(texts) {
					fmt.Printf("encoded %d/%d reviews (%.0f/s)\n", len(vecs), len(texts), float64(len(vecs))/time.Since(t).Seconds())
				}
			}
			i := 0
			for _, u := range us {
				mean := make([]float32, m.Dim())
				for range u.Texts {
					for j, x := range vecs[i] {
						mean[j] += x
					}
					i++
				}
				u.Vector = online.Normalize(mean)
			}
			return nil
		},
	}, nil
}
