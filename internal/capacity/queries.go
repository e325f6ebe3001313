package capacity

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Queries are the measured costs of the nearest-profile queries (similar users, look-alikes) of
// reader.Nearest, from `make bench` (internal/eval/lookalikebench, FIGURE store.lookalike.*).
type Queries struct {
	Profiles   float64 // profiles in the measured store
	Segments   float64 // segments of its index
	Probes     float64 // segments probed per query
	Candidates float64 // profiles read per indexed query
	Recall     float64 // recall@10 of the index against the exact scan
	IndexMS    float64 // median indexed query
	ExactMS    float64 // median exact scan
}

// QueriesFrom picks the query figures out of parsed figures; false when any is missing (the
// plan does not need them).
func QueriesFrom(figs map[string]float64) (Queries, bool) {
	q := Queries{}
	for _, f := range []struct {
		name string
		dst  *float64
	}{
		{"store.lookalike.profiles", &q.Profiles},
		{"store.lookalike.segments", &q.Segments},
		{"store.lookalike.probes", &q.Probes},
		{"store.lookalike.candidates_per_query", &q.Candidates},
		{"store.lookalike.recall_at10", &q.Recall},
		{"store.lookalike.query_ms_p50", &q.IndexMS},
		{"store.lookalike.exact_query_ms_p50", &q.ExactMS},
	} {
		v, ok := figs[f.name]
		if !ok || v <= 0 {
			return Queries{}, false
		}
		*f.dst = v
	}
	return q, true
}

// QueryRow is the estimated median time of one query at a number of users.
type QueryRow struct {
	Users      float64
	ExactMS    float64 // a scan of every profile
	Segments   float64 // index with sqrt(users) segments
	Candidates float64 // profiles it reads: probes x users / segments
	IndexMS    float64
}

// PlanQueries extrapolates the measured query times to other store sizes, linearly in the
// profiles a query reads (both paths are bound by reading and scoring profiles): the exact scan
// reads every profile; the index with sqrt(users) segments and the measured probes reads
// probes x sqrt(users).
func PlanQueries(q Queries, users []float64) []QueryRow {
	perExact := q.ExactMS / q.Profiles
	perIndex := q.IndexMS / q.Candidates
	out := make([]QueryRow, len(users))
	for i, u := range users {
		seg := math.Round(math.Sqrt(u))
		c := q.Probes * u / seg
		out[i] = QueryRow{Users: u, ExactMS: perExact * u, Segments: seg, Candidates: c, IndexMS: perIndex * c}
	}
	return out
}

// RenderQueries writes the query inputs and the estimates as Markdown.
func RenderQueries(w io.Writer, q Queries, rows []QueryRow) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nQueries (similar users, look-alikes; `reader.Nearest`), measured on %s profiles with %.0f segments: "+
		"the index at %.0f probes reads %.0f profiles per query, recall@10 %.3f against the exact scan, median %s "+
		"(`store.lookalike.query_ms_p50`); the exact scan median %s (`store.lookalike.exact_query_ms_p50`). "+
		"Estimated medians, linear in the profiles read, with sqrt(users) segments (`--k`) and the same probes:\n\n",
		human(q.Profiles), q.Segments, q.Probes, q.Candidates, q.Recall, duration(q.IndexMS), duration(q.ExactMS))
	fmt.Fprintf(&b, "| users | exact scan | segments | profiles read by the index | index |\n|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %s |\n", human(r.Users), duration(r.ExactMS), r.Segments, r.Candidates, duration(r.IndexMS))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func duration(ms float64) string {
	if ms >= 100_000 {
		return fmt.Sprintf("%.0f s", ms/1000)
	}
	if ms >= 1000 {
		return fmt.Sprintf("%.3g s", ms/1000)
	}
	return fmt.Sprintf("%.3g ms", ms)
}
