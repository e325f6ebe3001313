package evalsegments

import (
	"context"
	"fmt"
	"time"

	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/schema"
)

// Vectorizer turns every review of a set into its vector.
type Vectorizer struct {
	id      string // cache key part
	Label   string // printed
	vectors func(ctx context.Context, set *Set) error
}

// PickVectorizer chooses between the transformer encoder and the TF-IDF fallback.
func PickVectorizer(mode, modelDir string, maxLen int) (Vectorizer, error) {
	tfidf := Vectorizer{
		id: fmt.Sprintf("tfidf-%d-rp%d", vocabSize, projDim),
		Label: fmt.Sprintf("FALLBACK TF-IDF (%d terms, sublinear tf, idf) + sparse random projection to %d dims; NOT the transformer encoder",
			vocabSize, projDim),
		vectors: func(_ context.Context, set *Set) error { tfidfVectors(set); return nil },
	}
	if mode == "tfidf" {
		return tfidf, nil
	}
	if mode != "auto" && mode != "encoder" {
		return Vectorizer{}, fmt.Errorf("-vectors %q: want auto, encoder or tfidf", mode)
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
			return Vectorizer{}, fmt.Errorf("load encoder: %w", err)
		}
		tfidf.Label += fmt.Sprintf(" (encoder did not load: %v)", err)
		return tfidf, nil
	}
	if mode == "auto" && modelDir == "" && m.Dim() < 128 {
		tfidf.Label += fmt.Sprintf(" (the bundled model %s has %d dims: the placeholder, not a sentence model; pass -model DIR or -vectors encoder)", m.ModelID(), m.Dim())
		return tfidf, nil
	}
	return Vectorizer{
		id:    fmt.Sprintf("encoder-%s-len%d", m.ModelID(), maxLen),
		Label: fmt.Sprintf("transformer encoder %s (dim %d, max %d tokens per review)", m.ModelID(), m.Dim(), maxLen),
		vectors: func(ctx context.Context, set *Set) error {
			t := time.Now()
			for s := 0; s < len(set.Events); s += 512 {
				e := set.Events[s:min(s+512, len(set.Events))]
				texts := make([]string, len(e))
				for i := range e {
					texts[i] = e[i].Text
				}
				v, err := m.Encode(ctx, texts)
				if err != nil {
					return fmt.Errorf("encode: %w", err)
				}
				for i := range e {
					e[i].Vector = schema.Normalize(v[i])
				}
				done := s + len(e)
				if done%4096 < 512 || done == len(set.Events) {
					fmt.Printf("encoded %d/%d reviews (%.0f/s)\n", done, len(set.Events), float64(done)/time.Since(t).Seconds())
				}
			}
			return nil
		},
	}, nil
}
