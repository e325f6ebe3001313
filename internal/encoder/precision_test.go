package encoder

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// cosine of two vectors (the encoder's are unit length, but do not rely on it).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

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
