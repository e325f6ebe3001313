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
