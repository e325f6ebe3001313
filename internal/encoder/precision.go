package encoder

import (
	"errors"
	"fmt"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// ErrUnsupportedPrecision is returned for an Options.Precision this CPU cannot run.
var ErrUnsupportedPrecision = errors.New("encoder: precision not supported on this CPU")

// Precision is the number format of the Linear layers' matrix products (the bulk of the
// work). Attention, softmax, layer norm, GELU and pooling are float32 in every precision.
type Precision string

const (
	// PrecisionAuto (the zero value) is the fastest precision whose agreement with float32
	// has been measured to hold (pooled-embedding cosine >= 0.99 on the test texts) and that
	// this CPU runs: see AutoPrecision.
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

// AutoPrecision is what PrecisionAuto resolves to on this CPU.
func AutoPrecision() Precision {
	return PrecisionFP32
}

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
		return AutoPrecision(), nil
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
