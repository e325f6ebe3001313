package reader

import (
	"math"

	"github.com/profilestream/profilestream/schema"
)

// Similarity returns how alike two profiles are, in [-1, 1] (higher is more alike): the one
// similarity that owner retrieval, look-alikes, the recommender's profile term, Similar and
// Nearest use. Today it is the cosine of the lifetime mean embeddings (0 when either profile has
// no vector, or the two come from different encoder models or dimensions).
func Similarity(a, b *schema.Profile) float64 {
	if a == nil || b == nil {
		return 0
	}
	return denseCosine(a, b)
}

// denseCosine is the cosine of the two lifetime mean embeddings, 0 when they are not comparable.
func denseCosine(a, b *schema.Profile) float64 {
	if a.ModelID != b.ModelID || len(a.Vector) == 0 || len(a.Vector) != len(b.Vector) {
		return 0
	}
	var dot, na, nb float64
	for i, x := range a.Vector {
		y := float64(b.Vector[i])
		dot += float64(x) * y
		na += float64(x) * float64(x)
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
