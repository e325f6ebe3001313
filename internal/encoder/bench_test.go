package encoder

import (
	"context"
	"fmt"
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
	base, err := NewRandom(cfg, tok, 1, Options{Threads: 1, BatchSize: 64, MaxLength: benchLen, Precision: PrecisionFP32})
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
	for _, prec := range []Precision{PrecisionFP32, PrecisionBF16, PrecisionInt8} {
		for is := isaAVX2; is <= bestISA(); is++ {
			m, err := base.WithOptions(Options{Threads: 1, BatchSize: 64, MaxLength: benchLen, Precision: prec, Kernel: is.String()})
			if err != nil {
				continue // a precision this CPU lacks
			}
			b.Run(string(prec)+"/"+is.String(), func(b *testing.B) {
				for b.Loop() {
					if _, err := m.Encode(context.Background(), texts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "sent/s")
			})
		}
	}
}

// BenchmarkGemm measures the matrix product C = A B^T of the two feed-forward shapes of
// MiniLM-L6 (1024 token rows) on one thread, for every kernel level this CPU runs, in GFLOP/s.
func BenchmarkGemm(b *testing.B) {
	for _, sz := range [][3]int{{1024, 1536, 384}, {1024, 384, 1536}} {
		m, n, k := sz[0], sz[1], sz[2]
		x, w, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
		for i := range x {
			x[i] = float32(i%13) * 0.1
		}
		for i := range w {
			w[i] = float32(i%7) * 0.1
		}
		for is := isaGeneric; is <= bestISA(); is++ {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", m, n, k, is), func(b *testing.B) {
				for b.Loop() {
					sgemmNT(is, m, n, k, x, k, w, k, c, n, nil, 1, nil)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
