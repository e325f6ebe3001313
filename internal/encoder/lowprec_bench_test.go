package encoder

import (
	"fmt"
	"testing"
)

// BenchmarkLowPrecisionLinear measures one Linear product of MiniLM-L6's feed-forward shapes
// (1024 token rows) on one thread in each precision this CPU runs, in GFLOP/s (2 m n k per
// product, whatever the number format).
func BenchmarkLowPrecisionLinear(b *testing.B) {
	for _, sz := range [][3]int{{1024, 1536, 384}, {1024, 384, 1536}} {
		m, n, k := sz[0], sz[1], sz[2]
		x, w, bias, c := make([]float32, m*k), make([]float32, n*k), make([]float32, n), make([]float32, m*n)
		for i := range x {
			x[i] = float32(i%13)*0.1 - 0.6
		}
		for i := range w {
			w[i] = float32(i%7)*0.1 - 0.3
		}
		lins := map[Precision]lowLinear{}
		if PrecisionInt8.Supported() {
			lins[PrecisionInt8] = quantizeLinear(w, bias, n, k)
		}
		if PrecisionBF16.Supported() {
			lins[PrecisionBF16] = bf16Linear(w, bias, n, k)
		}
		for _, p := range []Precision{PrecisionBF16, PrecisionInt8} {
			l, ok := lins[p]
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("%dx%dx%d/%s", m, n, k, p), func(b *testing.B) {
				for b.Loop() {
					l.apply(x, m, c, n, 1, nil)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
