package lookalikebench

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/profilestream/profilestream/reader"
)

// TestSmall runs the bench on 20,000 profiles (141 segments): the index path at the default
// probes finds at least 90% of the exact top 10, the exact scan agrees with the brute force, and
// every figure `make bench` documents is printed.
func TestSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 20,000 profiles")
	}
	o := DefaultOptions()
	o.Profiles, o.Segments, o.Sample, o.Iterations = 20000, 0, 5000, 4
	o.Queries, o.ExactQueries, o.Probes = 100, 2, []int{reader.DefaultNearestProbes}
	var log strings.Builder
	res, err := Run(context.Background(), o, io.MultiWriter(&log))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(log.String())
	if res.Default.Recall < 0.9 {
		t.Errorf("recall@10 %.3f at %d probes, want >= 0.9", res.Default.Recall, res.Default.Probes)
	}
	if res.ExactMismatches != 0 {
		t.Errorf("%d exact-scan queries differ from the brute force", res.ExactMismatches)
	}
	if res.AssignMismatches > 20 {
		t.Errorf("assignNear: %d of 2000 profiles not in their nearest segment", res.AssignMismatches)
	}
	for _, f := range []string{"recall_at10", "query_ms_p50", "exact_query_ms_p50", "profiles"} {
		if !strings.Contains(log.String(), "FIGURE store.lookalike."+f+" ") {
			t.Errorf("no FIGURE store.lookalike.%s", f)
		}
	}
}
