package encoder

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// BenchmarkShort encodes batches of 64 sentences of exactly 32 tokens (encbench's short case)
// with the bundled model and, when fetched, all-minilm-l6-v2, in the precision auto picks, on
// 1 and 2 threads: the per-token overheads short sequences expose (allocation, goroutine
// fan-out, elementwise passes) show in its CPU profile.
func BenchmarkShort(b *testing.B) {
	type mdl struct {
		name string
		load func() (*Model, error)
	}
	mdls := []mdl{{"default", func() (*Model, error) { return LoadDefault(Options{}) }}}
	if _, err := os.Stat("../../models/all-minilm-l6-v2/model.safetensors"); err == nil {
		mdls = append(mdls, mdl{"all-minilm-l6-v2", func() (*Model, error) { return Load("../../models/all-minilm-l6-v2", Options{}) }})
	}
	const L, batch = 32, 64
	for _, md := range mdls {
		base, err := md.load()
		if err != nil {
			b.Fatal(err)
		}
		texts := shortTexts(base, batch, L)
		for _, th := range []int{1, 2} {
			m, err := base.WithOptions(Options{MaxLength: L, Threads: th, BatchSize: batch})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(md.name+"/"+string(m.Precision())+"/threads"+string(rune('0'+th)), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Encode(context.Background(), texts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "sent/s")
			})
		}
	}
}

// shortTexts makes n texts of whole-word tokens that truncate to exactly L tokens.
func shortTexts(m *Model, n, L int) []string {
	tok := m.Tokenizer()
	var words []string
	for id := 0; id < tok.VocabSize(); id++ {
		w := tok.Token(int32(id))
		if w == "" || strings.HasPrefix(w, "##") || strings.HasPrefix(w, "[") || len(tok.Tokenize(w, 8)) != 3 {
			continue
		}
		words = append(words, w)
	}
	r := rand.New(rand.NewPCG(uint64(L), 7))
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for j := 0; j < L; j++ {
			sb.WriteString(words[r.IntN(len(words))])
			sb.WriteByte(' ')
		}
		out[i] = sb.String()
	}
	return out
}
