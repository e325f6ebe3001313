package schema

import (
	"math"
	"testing"
)

func cosine32(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// TestBehaviorTableProfileVector: a known id contributes its learned vector, an unknown one its
// hashed projection (the floor); categories and items are each a unit part; a nil table hashes
// every id; the table survives its Redis encoding.
func TestBehaviorTableProfileVector(t *testing.T) {
	learned := make([]float32, BehaviorDim)
	learned[0] = 1
	if tab := NewBehaviorTable(BehaviorMeta{Version: 7}, map[string][]float32{"c:shoes": learned}); tab.Len() != 1 {
		t.Fatal("NewBehaviorTable dropped a vector")
	}
	h := map[string]string{BehaviorMetaField: `{"version":7,"dim":64}`, "c:shoes": string(EncodeVectorF16(learned))}
	dec, err := DecodeBehaviorTable(h)
	if err != nil || dec.Version() != 7 || dec.Len() != 1 {
		t.Fatalf("decoded table: version %d, %d ids, err %v", dec.Version(), dec.Len(), err)
	}
	if _, err := DecodeBehaviorTable(map[string]string{BehaviorMetaField: `{"version":1,"dim":32}`}); err == nil {
		t.Fatal("a table of another dimension decoded")
	}
	hashed := make([]float32, BehaviorDim)
	AddBehavior(hashed, "i", "42", 1)
	tests := []struct {
		name string
		tab  *BehaviorTable
		p    Profile
		want []float32
	}{
		{"known category", dec, Profile{Categories: []CategoryCount{{"shoes", 3}}}, learned},
		{"unknown item hashes", dec, Profile{ItemSketch: []ItemWeight{{"42", 2}}}, hashed},
		{"nil table hashes", nil, Profile{ItemSketch: []ItemWeight{{"42", 2}}}, hashed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := cosine32(tc.tab.ProfileVector(&tc.p, nil), tc.want); c < 0.999 {
				t.Fatalf("cosine to the expected vector %.4f", c)
			}
		})
	}
	both := dec.ProfileVector(&Profile{Categories: []CategoryCount{{"shoes", 100}}, ItemSketch: []ItemWeight{{"42", 0.01}}}, nil)
	if c1, c2 := cosine32(both, learned), cosine32(both, hashed); math.Abs(c1-c2) > 0.05 {
		t.Fatalf("categories and items are not equal unit parts: cos %.3f to the category, %.3f to the item", c1, c2)
	}
	if dec.ProfileVector(&Profile{}, nil) != nil {
		t.Fatal("a profile without categories or items has a behavioural vector")
	}
}
