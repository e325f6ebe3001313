package encoder

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestInt8MatchesFP32 encodes the default model's reference texts in int8 (each kernel level
// forced in turn for attention and the element-wise parts) and checks every pooled vector's
// cosine to the float32 one, and the model id's precision suffix.
func TestLowPrecisionsMatchFP32(t *testing.T) {
	for _, p := range []Precision{PrecisionInt8, PrecisionBF16} {
		t.Run(string(p), func(t *testing.T) { testPrecisionMatchesFP32(t, p) })
	}
}

func testPrecisionMatchesFP32(t *testing.T, prec Precision) {
	if !prec.Supported() {
		t.Skipf("this CPU does not run %s", prec)
	}
	texts := AgreementTexts()
	ref, err := LoadDefault(Options{Precision: PrecisionFP32})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range []int{1, 3} {
		m, err := ref.WithOptions(Options{Precision: prec, Threads: th, BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(m.ModelID(), "+"+string(prec)) || strings.Count(m.ModelID(), "+") != 1 || ref.ModelID() == m.ModelID() {
			t.Errorf("%s model id %q (fp32 %q): want one +%s suffix", prec, m.ModelID(), ref.ModelID(), prec)
		}
		got, err := m.Encode(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		worst, mean := 1.0, 0.0
		for i := range got {
			c := cosine(got[i], want[i])
			worst = math.Min(worst, c)
			mean += c / float64(len(got))
		}
		t.Logf("%s threads %d: cosine to fp32 min %.5f mean %.5f over %d texts", prec, th, worst, mean, len(got))
		if worst < 0.99 {
			t.Errorf("%s threads %d: min cosine to fp32 %.5f < 0.99", prec, th, worst)
		}
	}
	if _, err := LoadDefault(Options{Precision: "fp8"}); !errors.Is(err, ErrUnsupportedPrecision) {
		t.Errorf("precision fp8: err %v, want ErrUnsupportedPrecision", err)
	}
}

// TestAutoPrecision: auto picks the fastest precision this CPU runs whose agreement holds on
// the bundled model, names it in the model id, and remembers the measurement across
// WithOptions.
func TestAutoPrecision(t *testing.T) {
	m, err := LoadDefault(Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := PrecisionFP32
	for _, p := range autoOrder {
		if p.Supported() {
			want = p
			break
		}
	}
	if m.Precision() != want {
		t.Errorf("auto chose %s, want %s on this CPU", m.Precision(), want)
	}
	if want != PrecisionFP32 && !strings.HasSuffix(m.ModelID(), "+"+string(want)) {
		t.Errorf("model id %q lacks +%s", m.ModelID(), want)
	}
	if want != PrecisionFP32 {
		lo, mean, err := m.net.agreement(nil, want) // remembered: ref is not used again
		if err != nil || lo < AgreementMin || mean < lo {
			t.Errorf("remembered agreement of %s: min %v mean %v err %v", want, lo, mean, err)
		}
	}
	f, err := m.WithOptions(Options{Precision: PrecisionFP32})
	if err != nil {
		t.Fatal(err)
	}
	if f.Precision() != PrecisionFP32 || strings.Contains(f.ModelID(), "+") {
		t.Errorf("fp32: precision %s id %q", f.Precision(), f.ModelID())
	}
}

// TestInt8OutlierRows: a row whose largest value dwarfs the rest (see outlierRMS) is computed
// in float32; ordinary rows stay int8 (close, but not equal, to float32).
func TestInt8OutlierRows(t *testing.T) {
	if !PrecisionInt8.Supported() {
		t.Skip("no AVX512-VNNI on this CPU")
	}
	const M, n, k = 80, 40, 512 // k large enough that one outlier makes max/RMS > outlierRMS
	w, b, x := make([]float32, n*k), make([]float32, n), make([]float32, M*k)
	for i := range w {
		w[i] = float32(math.Sin(float64(i)*0.7)) * 0.1
	}
	for i := range b {
		b[i] = float32(i) * 0.01
	}
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 1.3))
	}
	outlier := map[int]bool{7: true} // row 7 and enough others that 2 threads share them
	for r := 30; r < M; r += 2 {
		outlier[r] = true
	}
	for r := range outlier {
		x[r*k+3+r%5] = 500 // one huge value
	}
	want := make([]float32, M*n)
	goSgemmNT(M, n, k, x, k, w, k, want, n)
	biasRows(want, b, M, n)
	q := quantizeLinear(w, b, n, k)
	for _, th := range []int{1, 2} {
		got := make([]float32, M*n)
		linearI8(q, x, M, got, n, th, nil)
		for r := 0; r < M; r++ {
			d := maxAbsDiff(got[r*n:(r+1)*n], want[r*n:(r+1)*n])
			if outlier[r] && d > 1e-3 {
				t.Errorf("threads %d: outlier row %d differs from float32 by %g", th, r, d)
			}
			if !outlier[r] && (d == 0 || d > 0.05) {
				t.Errorf("threads %d: row %d differs from float32 by %g (want int8 rounding: > 0, < 0.05)", th, r, d)
			}
		}
	}
}
