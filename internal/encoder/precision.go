package encoder

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// ErrUnsupportedPrecision is returned for an Options.Precision this CPU cannot run.
var ErrUnsupportedPrecision = errors.New("encoder: precision not supported on this CPU")

// Precision is the number format of the Linear layers' matrix products (the bulk of the
// work). Attention, softmax, layer norm, GELU and pooling are float32 in every precision.
type Precision string

const (
	// PrecisionAuto (the zero value) is the fastest precision this CPU runs whose agreement
	// with float32 holds for the loaded model: pooled-embedding cosine >= AgreementMin on
	// every agreement text, measured when the model is loaded (see Model.Precision).
	PrecisionAuto Precision = ""
	// PrecisionFP32 is float32 throughout: the reference.
	PrecisionFP32 Precision = "fp32"
	// PrecisionInt8 quantizes weights per output channel (at load) and inputs per row (at run
	// time) to int8 and multiplies with AVX512-VNNI, accumulating in int32.
	PrecisionInt8 Precision = "int8"
	// PrecisionBF16 rounds weights (at load) and inputs (at run time) to bfloat16 and
	// multiplies with AVX512-BF16, summing in float32.
	PrecisionBF16 Precision = "bf16"
)

// autoOrder is the order in which PrecisionAuto tries precisions: fastest first.
var autoOrder = []Precision{PrecisionInt8, PrecisionBF16}

// AgreementMin is the minimum cosine to float32, on every agreement text (AgreementTexts), that
// a precision needs for PrecisionAuto to choose it.
const AgreementMin = 0.99

// autoPrecision is what PrecisionAuto means for this model on this CPU: the first precision of
// autoOrder that the CPU runs and whose pooled vectors of the agreement texts all have cosine
// >= AgreementMin to float32's, else float32. The measurement is made once per loaded weights
// (WithOptions shares it). m must compute in float32.
func (m *Model) autoPrecision() Precision {
	for _, p := range autoOrder {
		if !p.Supported() {
			continue
		}
		if lo, _, err := m.net.agreement(m, p); err == nil && lo >= AgreementMin {
			return p
		}
	}
	return PrecisionFP32
}

// agreementResult is a measured agreement of one precision with float32.
type agreementResult struct {
	min, mean float64
	err       error
}

// agreement returns (and remembers) the min and mean cosine between p's and float32's pooled
// vectors of AgreementTexts, computed with ref's options (which must be float32).
func (b *bert) agreement(ref *Model, p Precision) (float64, float64, error) {
	b.agreeMu.Lock()
	defer b.agreeMu.Unlock()
	if r, ok := b.agree[p]; ok {
		return r.min, r.mean, r.err
	}
	r := measureAgreement(ref, p)
	if b.agree == nil {
		b.agree = map[Precision]agreementResult{}
	}
	b.agree[p] = r
	return r.min, r.mean, r.err
}

func measureAgreement(ref *Model, p Precision) agreementResult {
	texts := AgreementTexts()
	low := &Model{tok: ref.tok, net: ref.net, cfg: ref.cfg, dim: ref.dim, opts: ref.opts, maxLen: ref.maxLen,
		pl: plan{isa: ref.pl.isa, prec: p}}
	low.wsPool.New = func() any { return new(workspace) }
	ctx := context.Background()
	want, err := ref.Encode(ctx, texts)
	if err != nil {
		return agreementResult{err: err}
	}
	got, err := low.Encode(ctx, texts)
	if err != nil {
		return agreementResult{err: err}
	}
	r := agreementResult{min: 1}
	for i := range got {
		c := cosine(got[i], want[i])
		r.min = math.Min(r.min, c)
		r.mean += c / float64(len(got))
	}
	return r
}

// cosine of two vectors (0 when either is zero).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// Precision is the precision the model computes in (PrecisionAuto resolved).
func (m *Model) Precision() Precision { return m.pl.prec }

// Supported reports whether this CPU runs p.
func (p Precision) Supported() bool {
	switch p {
	case PrecisionAuto, PrecisionFP32:
		return true
	case PrecisionInt8:
		return simd.HaveVNNI
	case PrecisionBF16:
		return simd.HaveBF16
	}
	return false
}

// parsePrecision resolves Options.Precision ("auto" is PrecisionAuto).
func parsePrecision(p Precision) (Precision, error) {
	if p == "auto" || p == PrecisionAuto {
		return PrecisionAuto, nil
	}
	switch p {
	case PrecisionFP32, PrecisionInt8, PrecisionBF16:
	default:
		return "", fmt.Errorf("%w: unknown precision %q (auto, fp32, bf16, int8)", ErrUnsupportedPrecision, string(p))
	}
	if !p.Supported() {
		return "", fmt.Errorf("%w: %q", ErrUnsupportedPrecision, string(p))
	}
	return p, nil
}
