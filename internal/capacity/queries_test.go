package capacity

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestPlanQueries(t *testing.T) {
	figs := map[string]float64{
		"store.lookalike.profiles": 1e6, "store.lookalike.segments": 1000, "store.lookalike.probes": 16,
		"store.lookalike.candidates_per_query": 16000, "store.lookalike.recall_at10": 0.97,
		"store.lookalike.query_ms_p50": 160, "store.lookalike.exact_query_ms_p50": 10000,
	}
	q, ok := QueriesFrom(figs)
	if !ok {
		t.Fatal("figures not found")
	}
	delete(figs, "store.lookalike.recall_at10")
	if _, ok := QueriesFrom(figs); ok {
		t.Fatal("a missing figure accepted")
	}
	rows := PlanQueries(q, []float64{1e6, 1e8})
	for _, tc := range []struct {
		got, want float64
	}{
		{rows[0].ExactMS, 10000}, {rows[0].IndexMS, 160}, {rows[0].Segments, 1000},
		{rows[1].ExactMS, 1e6}, {rows[1].Segments, 10000}, {rows[1].Candidates, 160000}, {rows[1].IndexMS, 1600},
	} {
		if math.Abs(tc.got-tc.want) > 1e-6*tc.want {
			t.Errorf("got %v, want %v (%+v)", tc.got, tc.want, rows)
		}
	}
	var b bytes.Buffer
	if err := RenderQueries(&b, q, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 100M | 1000 s | 10000 | 160000 | 1.6 s |") {
		t.Fatalf("rendered:\n%s", b.String())
	}
}
