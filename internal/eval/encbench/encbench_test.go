package encbench

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/profilestream/profilestream/internal/encoder"
)

// TestRunWithoutPeers: the encoder alone prints its speed in every precision and the agreement
// figures, and no ratio (there is no reference to divide by).
func TestRunWithoutPeers(t *testing.T) {
	o := DefaultOptions()
	o.Models, o.Lens, o.Threads, o.Rounds, o.MinSeconds, o.Batch = "default", "16", "1", 1, 0.01, 4
	o.NoPeers = true
	o.DefaultDir = "../../../models/default"
	var out bytes.Buffer
	if err := Run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	want := []string{"FIGURE encoder.default.len16.threads1.sent_per_s ", "FIGURE encoder.default.default_min_cosine "}
	for _, p := range precisions() {
		want = append(want, "FIGURE encoder.default.len16.threads1."+string(p)+".sent_per_s ",
			"FIGURE encoder.default."+string(p)+".min_cosine ")
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "ratio_vs") || strings.Contains(s, "best_peer") {
		t.Errorf("ratio or best peer printed without peers:\n%s", s)
	}
	if precisions()[0] != encoder.PrecisionFP32 {
		t.Errorf("precisions %v: fp32 must come first (the reference)", precisions())
	}
}

func TestIntsAndMedian(t *testing.T) {
	if v, err := ints("1, 2,8", "-threads"); err != nil || len(v) != 3 || v[2] != 8 {
		t.Errorf("ints: %v %v", v, err)
	}
	if _, err := ints("1,x", "-threads"); err == nil {
		t.Error("ints accepted x")
	}
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median %v", m)
	}
}
