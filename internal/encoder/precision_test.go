package encoder

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
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

// TestInt8OutlierRows: a row whose largest values dwarf the rest (see outlierRMS) has those
// channels taken out of the int8 product and added in float32, so it is as close to float32 as
// an ordinary row (plain int8 would leave the rest of the row a few steps); a row that needs
// more than maxOutlierChannels is computed in float32.
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
	few := map[int]bool{7: true, 9: true}
	x[7*k+3] = 500 // row 7: one huge value
	x[9*k+1], x[9*k+100], x[9*k+511] = 500, -300, 200
	many := map[int]bool{} // enough rows that 2 threads share them
	for r := 30; r < M; r += 2 {
		many[r] = true
		for i := 0; i < maxOutlierChannels+2; i++ { // each dwarfs the ones after it
			x[r*k+(r+37*i)%k] = float32(1e4 * math.Pow(3, -float64(i)/2))
		}
	}
	want := make([]float32, M*n)
	goSgemmNT(M, n, k, x, k, w, k, want, n)
	biasRows(want, b, M, n)
	q := quantizeLinear(w, b, n, k)
	var split7 float64
	for _, th := range []int{1, 2} {
		got := make([]float32, M*n)
		linearI8(q, x, M, got, n, th, nil)
		split7 = maxAbsDiff(got[7*n:8*n], want[7*n:8*n])
		for r := 0; r < M; r++ {
			wr := want[r*n : (r+1)*n]
			d := maxAbsDiff(got[r*n:(r+1)*n], wr)
			switch {
			case many[r]:
				var big float64
				for _, v := range wr {
					big = math.Max(big, math.Abs(float64(v)))
				}
				if d > 1e-5*big+1e-4 {
					t.Errorf("threads %d: row %d (float32) differs from float32 by %g", th, r, d)
				}
			case d == 0 || d > 0.05:
				t.Errorf("threads %d: row %d (few outliers %v) differs from float32 by %g (want int8 rounding: > 0, < 0.05)", th, r, few[r], d)
			}
		}
	}
	// Without taking the outlier channels out, row 7's int8 error is far larger.
	var plain float64
	xs, a := x[7*k:8*k], make([]int8, k)
	scale, _, _ := simd.QuantizeRowI8(xs, a)
	for j := 0; j < n; j++ {
		var s float64
		for p := range a {
			s += float64(a[p]) * float64(scale) * float64(w[j*k+p])
		}
		plain = math.Max(plain, math.Abs(s+float64(b[j])-float64(want[7*n+j])))
	}
	t.Logf("row 7: int8 with its outlier taken out differs from float32 by %.4f, plain int8 by %.4f", split7, plain)
	if plain < 4*split7 {
		t.Errorf("row 7: plain int8 differs from float32 by %g, not much more than with the outlier taken out (%g)", plain, split7)
	}
}
