package reader_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// denseOnly scores with the dense part alone, uncalibrated: the plain cosine.
func denseOnly() *reader.Scorer {
	s := reader.NewScorer(nil)
	s.Weights = reader.Weights{reader.PartDense: 1}
	s.Calib = reader.Calibration{Std: reader.Parts{1, 1, 1, 1, 1}}
	return s
}

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
		if got := denseOnly().Similarity(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Similarity = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSimilarityHybrid(t *testing.T) {
	terms := func(ts ...string) []schema.TermWeight {
		var out []schema.TermWeight
		for _, x := range ts {
			out = append(out, schema.TermWeight{Term: x, Weight: 1})
		}
		return out
	}
	cats := func(cs ...string) []schema.CategoryCount {
		var out []schema.CategoryCount
		for _, c := range cs {
			out = append(out, schema.CategoryCount{Category: c, Count: 1})
		}
		return out
	}
	q := &schema.Profile{Terms: terms("guitar", "strings"), Categories: cats("music")}
	same := &schema.Profile{Terms: terms("guitar", "strings", "amp"), Categories: cats("music")}
	other := &schema.Profile{Terms: terms("lipstick"), Categories: cats("beauty")}
	clicksOnly := &schema.Profile{Categories: cats("music")}
	if a, b := reader.Similarity(q, same), reader.Similarity(q, other); !(a > b) {
		t.Errorf("shared words and category %v <= nothing shared %v", a, b)
	}
	// a profile without words is compared on the parts it has
	if a, b := reader.Similarity(q, clicksOnly), reader.Similarity(q, other); !(a > b) {
		t.Errorf("same category without text %v <= other category %v", a, b)
	}
	parts := reader.NewScorer(nil).Parts(q, clicksOnly)
	if !math.IsNaN(parts[reader.PartLexical]) || parts[reader.PartCategory] != 1 || !math.IsNaN(parts[reader.PartDense]) {
		t.Errorf("parts %v", parts)
	}
	// IDF: a word every user has counts for less than a rare one
	df := map[string]string{"users": "100", "t:guitar": "99", "t:strings": "1"}
	sc := reader.NewScorer(df)
	a := &schema.Profile{Terms: terms("guitar", "strings")}
	common := &schema.Profile{Terms: terms("guitar")}
	rare := &schema.Profile{Terms: terms("strings")}
	if x, y := sc.Parts(a, rare)[reader.PartLexical], sc.Parts(a, common)[reader.PartLexical]; !(x > y) {
		t.Errorf("rare shared word %v <= common shared word %v", x, y)
	}
}

func TestInterestsRankTermsByTFIDF(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	p := &schema.Profile{DecayedAt: now, HalfLife: 24 * time.Hour,
		Terms:       []schema.TermWeight{{Term: "good", Weight: 3}, {Term: "telecaster", Weight: 1}},
		Categories:  []schema.CategoryCount{{Category: "electronics.audio", Count: 4}},
		ItemSketch:  []schema.ItemWeight{{ItemID: "i1", Weight: 2}},
		RecentItems: []schema.RecentItem{{ItemID: "i1", Kind: "view", TS: now}}}
	sc := reader.NewScorer(map[string]string{"users": "1000", "t:good": "900", "t:telecaster": "2"})
	in := sc.Interests(p, now.Add(24*time.Hour), 10)
	if len(in.Terms) != 2 || in.Terms[0].Term != "telecaster" || math.Abs(in.Terms[1].Weight-1.5) > 1e-9 {
		t.Fatalf("terms %+v: want telecaster first (rarer), weights halved after one half-life", in.Terms)
	}
	if in.Categories[0].Category != "electronics.audio" || in.Categories[0].Count != 2 || in.Items[0].Weight != 1 || len(in.Recent) != 1 {
		t.Fatalf("interests %+v", in)
	}
	if s := in.String(); !strings.Contains(s, "telecaster (") || !strings.Contains(s, "electronics.audio (2.0)") {
		t.Fatalf("String:\n%s", s)
	}
}

// TestPerLanguageWeights: two mostly-Chinese profiles are fused with CJKWeights, any other pair
// with Weights.
func TestPerLanguageWeights(t *testing.T) {
	prof := func(vec []float32, terms ...string) *schema.Profile {
		p := &schema.Profile{ModelID: "m", Vector: vec}
		for _, x := range terms {
			p.Terms = append(p.Terms, schema.TermWeight{Term: x, Weight: 1})
		}
		return p
	}
	s := reader.NewScorer(nil)
	s.Calib = reader.Calibration{Std: reader.Parts{1, 1, 1, 1, 1}}
	s.Weights = reader.Weights{reader.PartDense: 1}
	s.CJKWeights = reader.Weights{reader.PartLexical: 1}
	// dense vectors orthogonal, words shared: the dense part says 0, the lexical part 1
	tests := []struct {
		name string
		a, b *schema.Profile
		lang schema.Language
		want float64
	}{
		{"chinese pair: lexical", prof([]float32{1, 0}, "质量", "不错"), prof([]float32{0, 1}, "质量", "不错"), schema.LangCJK, 1},
		{"english pair: dense", prof([]float32{1, 0}, "guitar"), prof([]float32{0, 1}, "guitar"), schema.LangOther, 0},
		{"mixed pair: dense", prof([]float32{1, 0}, "质量"), prof([]float32{0, 1}, "guitar", "质量"), schema.LangOther, 0},
		{"chinese and no words: dense", prof([]float32{1, 0}, "质量"), prof([]float32{1, 0}), schema.LangOther, 1},
	}
	for _, tc := range tests {
		if got := reader.PairLanguage(tc.a, tc.b); got != tc.lang {
			t.Errorf("%s: PairLanguage = %v, want %v", tc.name, got, tc.lang)
		}
		if got := s.Similarity(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Similarity = %v, want %v", tc.name, got, tc.want)
		}
	}
}
