package reader_test

import (
	"math"
	"testing"

	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

func TestSimilarityDense(t *testing.T) {
	p := func(model string, v ...float32) *schema.Profile { return &schema.Profile{ModelID: model, Vector: v} }
	tests := []struct {
		name string
		a, b *schema.Profile
		want float64
	}{
		{"same direction", p("m", 1, 0), p("m", 3, 0), 1},
		{"orthogonal", p("m", 1, 0), p("m", 0, 2), 0},
		{"opposite", p("m", 1, 1), p("m", -1, -1), -1},
		{"other model", p("m", 1, 0), p("n", 1, 0), 0},
		{"no vector", p("m"), p("m", 1, 0), 0},
		{"nil", nil, p("m", 1, 0), 0},
	}
	for _, tc := range tests {
		if got := reader.Similarity(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Similarity = %v, want %v", tc.name, got, tc.want)
		}
	}
}
