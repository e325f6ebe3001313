package encoder

import (
	"errors"
	"fmt"

	"github.com/profilestream/profilestream/internal/encoder/internal/simd"
)

// ErrUnsupportedKernel is returned for an Options.Kernel this CPU (or build) cannot run.
var ErrUnsupportedKernel = errors.New("encoder: kernel not supported on this CPU")

// isa is an instruction-set level of the matrix kernels. Every level is a complete path: the
// model's forward pass runs on any of them and they agree to float32 rounding, so tests force
// each one and compare it with the generic Go loops.
type isa uint8

const (
	isaGeneric isa = iota // portable Go loops
	isaAVX2               // AVX2 + FMA assembly (6x16 micro-kernel)
	isaAVX512             // AVX-512 F/BW/VL assembly (12x32 micro-kernel)
)

var isaNames = [...]string{isaGeneric: "generic", isaAVX2: "avx2", isaAVX512: "avx512"}

func (i isa) String() string { return isaNames[i] }

// bestISA is the highest level this CPU runs, from CPUID (golang.org/x/sys/cpu).
func bestISA() isa {
	switch {
	case simd.HaveAVX512:
		return isaAVX512
	case simd.HaveAVX2FMA:
		return isaAVX2
	}
	return isaGeneric
}

// parseISA maps Options.Kernel to a level: "" or "auto" is the best the CPU has; a named level
// the CPU lacks is an error.
func parseISA(s string) (isa, error) {
	best := bestISA()
	if s == "" || s == "auto" {
		return best, nil
	}
	for i, n := range isaNames {
		if n == s {
			if isa(i) > best {
				return 0, fmt.Errorf("%w: %q (this CPU runs up to %q)", ErrUnsupportedKernel, s, best)
			}
			return isa(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown kernel %q (auto, avx512, avx2, generic)", ErrUnsupportedKernel, s)
}
