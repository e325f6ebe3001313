package encoder

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

const benchLen = 128

// BenchmarkMiniLM6 encodes 64 sentences of benchLen tokens with a MiniLM-L6-shaped random model on
// one thread (b.N batches). cmd/encbench is the full benchmark with the PyTorch comparison.
func BenchmarkMiniLM6(b *testing.B) {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]"}
	for i := len(vocab); i < 30522; i++ {
		vocab = append(vocab, "w"+strconv.Itoa(i))
	}
	tok, err := NewTokenizer(vocab, TokenizerOptions{Lowercase: true})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{HiddenSize: 384, NumHiddenLayers: 6, NumAttentionHeads: 12, IntermediateSize: 1536, MaxPositionEmbeddings: 512}
	m, err := NewRandom(cfg, tok, 1, Options{Threads: 1, BatchSize: 64, MaxLength: benchLen})
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, 64)
	for i := range texts {
		var sb strings.Builder
		for j := 0; j < benchLen+8; j++ {
			sb.WriteString("w" + strconv.Itoa(5+(i*131+j*17)%30000) + " ")
		}
		texts[i] = sb.String()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Encode(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "sent/s")
}
