package behavior

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// groupDocs: users of group g click only categories and items of group g (ids never shared
// between groups), each user a few of them.
func groupDocs(groups, users, perUser int) []Doc {
	var docs []Doc
	for g := 0; g < groups; g++ {
		for u := 0; u < users; u++ {
			var d Doc
			for k := 0; k < perUser; k++ {
				d = append(d, fmt.Sprintf("c:g%d-%d", g, (u+k)%5), fmt.Sprintf("i:g%d-%d", g, (u*3+k)%20))
			}
			docs = append(docs, d)
		}
	}
	return docs
}

// TestFitSeparatesGroups: ids clicked by the same users end up closer to each other than to
// ids of other users, and the fit is deterministic.
func TestFitSeparatesGroups(t *testing.T) {
	docs := groupDocs(6, 30, 3)
	vecs, err := Fit(docs, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Fit(docs, FitOptions{})
	for id, v := range vecs {
		if len(v) != schema.BehaviorDim {
			t.Fatalf("%s: dim %d", id, len(v))
		}
		for i := range v {
			if v[i] != again[id][i] {
				t.Fatalf("%s: not deterministic", id)
			}
		}
	}
	var within, across, nw, na float64
	for a := 0; a < 6; a++ {
		for b := 0; b < 6; b++ {
			for i := 0; i < 5; i++ {
				x := vecs[fmt.Sprintf("c:g%d-%d", a, i)]
				y := vecs[fmt.Sprintf("c:g%d-%d", b, (i+1)%5)]
				if x == nil || y == nil {
					t.Fatalf("missing category vectors")
				}
				if a == b {
					within += cos(x, y)
					nw++
				} else {
					across += cos(x, y)
					na++
				}
			}
		}
	}
	within, across = within/nw, across/na
	if within < across+0.5 {
		t.Fatalf("mean cosine within groups %.3f, across %.3f: groups not separated", within, across)
	}
}

func TestFitTooFew(t *testing.T) {
	if _, err := Fit([]Doc{{"c:a"}}, FitOptions{}); err != ErrTooFew {
		t.Fatalf("err %v, want ErrTooFew", err)
	}
	if _, err := Fit([]Doc{{"c:a", "c:b"}, {"c:c"}}, FitOptions{MinProfiles: 2}); err != ErrTooFew {
		t.Fatalf("err %v, want ErrTooFew", err)
	}
}

// seedProfiles stores the sketches of groupDocs(3, 10, 3) as 30 profiles.
func seedProfiles(ctx context.Context, t *testing.T, rdb redis.UniversalClient, prefix string) {
	t.Helper()
	for i, d := range groupDocs(3, 10, 3) {
		var cats, items string
		for _, id := range d {
			if id[0] == 'c' {
				cats += fmt.Sprintf(`,{"c":%q,"n":1}`, id[2:])
			} else {
				items += fmt.Sprintf(`,{"i":%q,"n":1}`, id[2:])
			}
		}
		if err := rdb.HSet(ctx, schema.ProfileKey(prefix, fmt.Sprint("u", i)), schema.FieldCategories, "["+cats[1:]+"]",
			schema.FieldItemSketch, "["+items[1:]+"]").Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefitOnCluster: the profiles spread over the nodes are all read, and the table is
// published (staging key and table in one slot).
func TestRefitOnCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rdb := redistest.StartCluster(t).Client()
	seedProfiles(ctx, t, rdb, "bt")
	res, err := Refit(ctx, rdb, Options{Prefix: "bt"})
	if err != nil || res.Profiles != 30 || res.Meta.Version != 1 {
		t.Fatalf("refit on the cluster: %+v, err %v", res, err)
	}
	if tab, err := Load(ctx, rdb, "bt"); err != nil || tab.Len() != res.Meta.IDs {
		t.Fatalf("load: %d ids, err %v", tab.Len(), err)
	}
}

// TestRefitPublishesVersionsAndOneWorkerRefits: Refit reads the stored profiles' sketches and
// publishes version 1, then 2; Load returns the whole table; of two runners only the one that
// takes the lock refits within an interval.
func TestRefitPublishesVersionsAndOneWorkerRefits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb := redistest.Start(t).Client()
	const prefix = "bt"
	if tab, err := Load(ctx, rdb, prefix); err != nil || tab != nil {
		t.Fatalf("empty store: table %v, err %v", tab, err)
	}
	seedProfiles(ctx, t, rdb, prefix)
	for want := int64(1); want <= 2; want++ {
		res, err := Refit(ctx, rdb, Options{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		if res.Meta.Version != want || res.Profiles != 30 || res.Meta.IDs == 0 {
			t.Fatalf("refit %d: %+v", want, res)
		}
		tab, err := Load(ctx, rdb, prefix)
		if err != nil || tab.Version() != want || tab.Len() != res.Meta.IDs {
			t.Fatalf("load after refit %d: version %d, %d ids (want %d), err %v", want, tab.Version(), tab.Len(), res.Meta.IDs, err)
		}
	}
	if n, _ := rdb.Exists(ctx, schema.BehaviorTableStagingKey(prefix)).Result(); n != 0 {
		t.Fatal("staging key left behind")
	}
	a := NewRunner(rdb, Options{Prefix: prefix, Interval: time.Minute}, "a")
	b := NewRunner(rdb, Options{Prefix: prefix, Interval: time.Minute}, "b")
	if _, won, err := a.Tick(ctx); !won || err != nil {
		t.Fatalf("first runner: won %v, err %v", won, err)
	}
	if _, won, err := b.Tick(ctx); won || err != nil {
		t.Fatalf("second runner within the interval: won %v, err %v", won, err)
	}
	if tab, _ := Load(ctx, rdb, prefix); tab.Version() != 3 {
		t.Fatalf("version %d after the runners, want 3", tab.Version())
	}
}
