package reader_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// indexFixture writes users profiles with clustered unit vectors of dimension d (only the fields
// Nearest reads: vec, model, dim, seg), a segment model of k centroids (the cluster means) and
// the member sets, every user in the set of its nearest centroid, as internal/online keeps them.
type indexFixture struct {
	vecs  map[string][]float32
	cents [][]float32
}

func unit(v []float32) []float32 { return schema.Normalize(v) }

func writeIndexFixture(t *testing.T, rdb redis.UniversalClient, seed int64, users, k, d int) *indexFixture {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(seed))
	f := &indexFixture{vecs: map[string][]float32{}}
	for range k {
		c := make([]float32, d)
		for j := range c {
			c[j] = float32(rng.NormFloat64())
		}
		f.cents = append(f.cents, unit(c))
	}
	members := make([][]any, k)
	pipe := rdb.Pipeline()
	for i := range users {
		c := f.cents[rng.Intn(k)]
		v := make([]float32, d)
		for j := range v {
			v[j] = c[j] + float32(rng.NormFloat64()*0.8/math.Sqrt(float64(d)))
		}
		v = unit(v)
		ps := fmt.Sprintf("k1.u%05d", i)
		f.vecs[ps] = v
		seg, best := 0, -2.0
		for s, c := range f.cents {
			if x := dot(v, c); x > best {
				seg, best = s, x
			}
		}
		members[seg] = append(members[seg], ps)
		pipe.HSet(ctx, schema.ProfileKey("ps", ps), schema.FieldVector, schema.EncodeVector(v),
			schema.FieldModel, "m", schema.FieldDim, d, schema.FieldSegment, seg)
	}
	cfields := []any{"version", 1, "k", k, "dim", d}
	for s, c := range f.cents {
		cfields = append(cfields, "centroid:"+strconv.Itoa(s), schema.EncodeVector(c))
	}
	pipe.HSet(ctx, schema.SegmentCentroidsKey("ps"), cfields...)
	for s, m := range members {
		if len(m) > 0 {
			pipe.SAdd(ctx, schema.SegmentMembersKey("ps", s), m...)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func names(ns []reader.Neighbor) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Pseudonym
	}
	return out
}

// TestNearestIndex checks the segment index path of Nearest against the exact scan: the same
// scores for the users both return, recall@10 of at least 0.9 with 4 of 40 segments probed,
// the exact result when every segment is probed or there are no centroids, and more segments
// probed when the probed ones hold fewer than k users.
func TestNearestIndex(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cluster bool
	}{{"single", false}, {"cluster", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var rdb redis.UniversalClient
			if tc.cluster {
				rdb = redistest.StartCluster(t).Client()
			} else {
				rdb = redistest.Start(t).Client()
			}
			testNearestIndex(t, rdb)
		})
	}
}

func testNearestIndex(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	const users, k, d = 3000, 40, 16
	r, err := reader.New(rdb, reader.Options{ScanCount: 50, NearestProbes: 4})
	if err != nil {
		t.Fatal(err)
	}
	// No centroids yet: the index falls back to the scan.
	if err := rdb.HSet(ctx, schema.ProfileKey("ps", "k1.a"), schema.FieldVector, schema.EncodeVector(unit([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})),
		schema.FieldModel, "m", schema.FieldDim, d).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := r.Nearest(ctx, unit([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}), "m", 3, nil)
	if err != nil || len(got) != 1 || got[0].Pseudonym != "k1.a" {
		t.Fatalf("without centroids: %v %v, want k1.a by the scan", got, err)
	}
	if err := rdb.Del(ctx, schema.ProfileKey("ps", "k1.a")).Err(); err != nil {
		t.Fatal(err)
	}

	f := writeIndexFixture(t, rdb, 3, users, k, d)
	rng := rand.New(rand.NewSource(9))
	var hits, phits, total int
	for qi := range 40 {
		q := make([]float32, d)
		for j := range q {
			q[j] = float32(rng.NormFloat64())
		}
		if qi%2 == 0 { // half the queries near a cluster, half anywhere
			c := f.cents[rng.Intn(k)]
			for j := range q {
				q[j] = c[j] + q[j]*0.5/float32(math.Sqrt(d))
			}
		}
		q = unit(q)
		exact, err := r.Nearest(ctx, q, "m", 10, nil, reader.Exact())
		if err != nil {
			t.Fatal(err)
		}
		idx, err := r.Nearest(ctx, q, "m", 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(exact) != 10 || len(idx) != 10 {
			t.Fatalf("query %d: %d exact, %d indexed results, want 10", qi, len(exact), len(idx))
		}
		want := map[string]bool{}
		for _, n := range exact {
			want[n.Pseudonym] = true
		}
		for i, n := range idx {
			if s := dot(q, f.vecs[n.Pseudonym]); math.Abs(s-n.Similarity) > 1e-5 {
				t.Fatalf("query %d: %s scored %v by the index, cosine %v", qi, n.Pseudonym, n.Similarity, s)
			}
			if i > 0 && n.Similarity > idx[i-1].Similarity {
				t.Fatalf("query %d: not sorted: %v", qi, idx)
			}
			if want[n.Pseudonym] {
				hits++
			}
		}
		total += 10
		// NearestProfile (the hybrid; these profiles have only the dense part) through the
		// index finds what its scan finds.
		qp := &reader.Profile{Vector: q, ModelID: "m", Dim: d, Segment: -1}
		pex, err := r.NearestProfile(ctx, qp, 10, nil, reader.Exact())
		if err != nil {
			t.Fatal(err)
		}
		pix, err := r.NearestProfile(ctx, qp, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(pex) != 10 || len(pix) != 10 {
			t.Fatalf("query %d: NearestProfile %d exact, %d indexed", qi, len(pex), len(pix))
		}
		// (Scores are not compared across calls: each call's Scorer calibrates on the first
		// profiles a scan returns, which on a cluster differ from call to call.)
		pwant := map[string]bool{}
		for _, n := range pex {
			pwant[n.Pseudonym] = true
		}
		for _, n := range pix {
			if pwant[n.Pseudonym] {
				phits++
			}
		}
		all, err := r.Nearest(ctx, q, "m", 10, nil, reader.Probes(k))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(names(all)) != fmt.Sprint(names(exact)) {
			t.Fatalf("query %d: every segment probed %v, exact %v", qi, names(all), names(exact))
		}
	}
	recall := float64(hits) / float64(total)
	t.Logf("recall@10 with 4 of %d segments: %.3f", k, recall)
	if recall < 0.9 {
		t.Fatalf("recall@10 %.3f < 0.9", recall)
	}
	if precall := float64(phits) / float64(total); precall < 0.9 {
		t.Fatalf("NearestProfile recall@10 %.3f < 0.9", precall)
	}

	// More users asked for than the probed segment holds: the next segments are probed.
	q := f.cents[0]
	one, err := r.Nearest(ctx, q, "m", 200, nil, reader.Probes(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 200 {
		t.Fatalf("Probes(1), k=200: %d results, want 200 (segments hold ~%d users)", len(one), users/k)
	}

	// A user in no segment (seg absent, no member set) is found by the scan, not by the index;
	// a member set naming an erased profile is harmless.
	if err := rdb.HSet(ctx, schema.ProfileKey("ps", "k1.new"), schema.FieldVector, schema.EncodeVector(q),
		schema.FieldModel, "m", schema.FieldDim, d).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.SAdd(ctx, schema.SegmentMembersKey("ps", 0), "k1.erased").Err(); err != nil {
		t.Fatal(err)
	}
	ex, err := r.Nearest(ctx, q, "m", 1, nil, reader.Exact())
	if err != nil || len(ex) != 1 || ex[0].Pseudonym != "k1.new" {
		t.Fatalf("exact: %v %v, want k1.new", ex, err)
	}
	ix, err := r.Nearest(ctx, q, "m", 1, nil)
	if err != nil || len(ix) != 1 || ix[0].Pseudonym == "k1.new" {
		t.Fatalf("index: %v %v, want a segment member", ix, err)
	}

	// Centroids of another dimension (another model): the scan answers.
	if err := rdb.HSet(ctx, schema.SegmentCentroidsKey("ps"), "version", 2, "dim", d+1).Err(); err != nil {
		t.Fatal(err)
	}
	ix, err = r.Nearest(ctx, q, "m", 1, nil)
	if err != nil || len(ix) != 1 || ix[0].Pseudonym != "k1.new" {
		t.Fatalf("centroids of another dimension: %v %v, want the scan's k1.new", ix, err)
	}
}
