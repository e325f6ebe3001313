package evalapps

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/schema"
)

// evalRecStream is the online (prequential) evaluation used on the Taobao log, where one held-out
// event per user gives too few hits for a verdict: the whole log is replayed in time order in
// buckets of bucket, and before a bucket is folded, every test event in it is predicted from the
// state after the previous buckets (production index and baselines alike), at the event's time.
// Test events: per user, the last perUser interactions with an item new to the user that follow
// at least two earlier interactions. Nothing is held back: a test event is folded after it was
// predicted, as in production. hit@10 and NDCG@10 per test event.
func evalRecStream(ctx context.Context, w io.Writer, client *redis.Client, enc *encoder.Cache, modelID string, dim int, prefix string,
	recs []rec, itemHL, profileHL, bucket time.Duration, perUser int) (recResult, error) {
	res := recResult{hit: map[string]float64{}, ndcg: map[string]float64{}, heldOut: map[string]bool{}}
	store, err := profilestore.New(client, profilestore.Options{Prefix: prefix, ModelID: modelID, Dim: dim, HalfLife: profileHL})
	if err != nil {
		return res, err
	}
	iw, err := itemindex.New(client, itemindex.Options{Prefix: prefix, ModelID: modelID, Encoder: enc, HalfLife: itemHL})
	if err != nil {
		return res, err
	}
	idx, err := apps.NewItemIndex(client, apps.ItemOptions{Prefix: prefix, ModelID: modelID, HalfLife: itemHL,
		RefreshInterval: 1000 * time.Hour}) // reloaded after each bucket (Refresh)
	if err != nil {
		return res, err
	}
	// Test events.
	test := map[int]bool{}
	byUser := map[string][]int{}
	for i := range recs {
		byUser[recs[i].user] = append(byUser[recs[i].user], i)
	}
	for _, is := range byUser {
		seen := map[string]bool{}
		var cands []int
		for n, i := range is {
			if !seen[recs[i].item] && n >= 2 {
				cands = append(cands, i)
			}
			seen[recs[i].item] = true
		}
		if len(cands) > perUser {
			cands = cands[len(cands)-perUser:]
		}
		for _, i := range cands {
			test[i] = true
		}
	}
	evs := make([]event.Event, len(recs))
	for i := range recs {
		evs[i] = recs[i].event()
		evs[i].Origin = event.Origin{Topic: "eval", Partition: 0, Offset: int64(i)}
	}
	te := time.Now()
	if err := encodeEvents(ctx, enc, evs); err != nil {
		return res, err
	}
	fmt.Fprintf(w, "  encoded the texts of %d events in %.1fs; %d test events of %d users\n", len(evs), time.Since(te).Seconds(), len(test), len(byUser))

	// Baseline state, updated after each bucket like the index.
	pop := map[string]int{}
	userItems := map[string]map[string]bool{}
	itemUsers := map[string][]string{}
	userList := map[string][]string{}
	var popOrder []string // re-sorted after each bucket
	popular := func(exclude map[string]bool, k int, skip map[string]bool) []string {
		var out []string
		for _, it := range popOrder {
			if len(out) == k {
				break
			}
			if !exclude[it] && !skip[it] {
				out = append(out, it)
			}
		}
		return out
	}
	cooccur := func(user string) []string {
		mine := userItems[user]
		counts := map[string]int{}
		for _, h := range userList[user] {
			for _, v := range itemUsers[h] {
				if v == user {
					continue
				}
				for _, c := range userList[v] {
					if !mine[c] {
						counts[c]++
					}
				}
			}
		}
		cands := make([]string, 0, len(counts))
		for c := range counts {
			cands = append(cands, c)
		}
		sort.Slice(cands, func(i, j int) bool {
			a, b := cands[i], cands[j]
			if counts[a] != counts[b] {
				return counts[a] > counts[b]
			}
			if pop[a] != pop[b] {
				return pop[a] > pop[b]
			}
			return a < b
		})
		if len(cands) > 10 {
			cands = cands[:10]
		}
		got := map[string]bool{}
		for _, c := range cands {
			got[c] = true
		}
		return append(cands, popular(mine, 10-len(cands), got)...)
	}

	res.methods = []string{"blend", "ours", "popular", "cooccur"}
	variants := map[string]apps.RecommendOptions{"blend": {K: 10}, "ours": {K: 10, CooccurWeight: -1}}
	sources := map[string]int{}
	only := map[string]int{} // paired: test events hit by "blend" but not by the baseline ("<baseline>"), and the reverse ("<baseline>_only")
	tq := time.Now()
	var nTest int
	for lo := 0; lo < len(recs); {
		b := recs[lo].ts.Truncate(bucket)
		hi := lo
		for hi < len(recs) && recs[hi].ts.Truncate(bucket).Equal(b) {
			hi++
		}
		for i := lo; i < hi; i++ {
			if !test[i] {
				continue
			}
			r := recs[i]
			nTest++
			lists := map[string][]string{"popular": popular(userItems[r.user], 10, nil), "cooccur": cooccur(r.user)}
			for name, o := range variants {
				o.Now = r.ts
				rc, err := idx.Recommend(ctx, "ev."+r.user, o)
				if err != nil {
					return res, err
				}
				if name == "blend" {
					sources[rc.Source]++
				}
				ids := make([]string, len(rc.Items))
				for k, it := range rc.Items {
					ids[k] = it.ItemID
				}
				lists[name] = ids
			}
			hit := map[string]bool{}
			for m, l := range lists {
				for rank, it := range l {
					if it == r.item {
						hit[m] = true
						res.hit[m]++
						res.ndcg[m] += 1 / math.Log2(float64(rank)+2)
						break
					}
				}
			}
			for _, b := range []string{"cooccur", "popular"} {
				if hit["blend"] && !hit[b] {
					only[b]++
				}
				if hit[b] && !hit["blend"] {
					only[b+"_only"]++
				}
			}
		}
		if err := foldAll(ctx, store, iw, evs[lo:hi]); err != nil {
			return res, err
		}
		if err := idx.Refresh(ctx); err != nil {
			return res, err
		}
		for _, r := range recs[lo:hi] {
			pop[r.item]++
			m := userItems[r.user]
			if m == nil {
				m = map[string]bool{}
				userItems[r.user] = m
			}
			if !m[r.item] {
				m[r.item] = true
				userList[r.user] = append(userList[r.user], r.item)
				itemUsers[r.item] = append(itemUsers[r.item], r.user)
			}
		}
		popOrder = popOrder[:0]
		for it := range pop {
			popOrder = append(popOrder, it)
		}
		sort.Slice(popOrder, func(i, j int) bool {
			if pop[popOrder[i]] != pop[popOrder[j]] {
				return pop[popOrder[i]] > pop[popOrder[j]]
			}
			return popOrder[i] < popOrder[j]
		})
		lo = hi
	}
	fmt.Fprintf(w, "  %d test events predicted and %d events folded in %.1fs\n", nTest, len(recs), time.Since(tq).Seconds())
	n, _ := client.ZCard(ctx, schema.ItemPopularityKey(prefix)).Result()
	res.items = int(n)
	res.users = nTest
	if nTest > 0 {
		for _, m := range res.methods {
			res.hit[m] /= float64(nTest)
			res.ndcg[m] /= float64(nTest)
		}
	}
	fmt.Fprintf(w, "  blend answered from: %v\n", sources)
	// Paired comparison on the same test events: an exact two-sided sign test on the events
	// only one of the two methods hit (McNemar), stronger than comparing the two intervals.
	for _, b := range []string{"cooccur", "popular"} {
		x, y := only[b], only[b+"_only"]
		fmt.Fprintf(w, "  paired blend vs %s: %d test events hit by blend only, %d by %s only, sign test p = %.3f\n", b, x, y, b, signTest(x, y))
		fmt.Fprintf(w, "FIGURE apps.rec.taobao.blend_vs_%s.blend_only %d\nFIGURE apps.rec.taobao.blend_vs_%s.%s_only %d\nFIGURE apps.rec.taobao.blend_vs_%s.sign_test_p %.4f\n",
			b, x, b, b, y, b, signTest(x, y))
	}
	return res, nil
}

// signTest returns the two-sided exact binomial p-value of x successes against y (p = 1/2).
func signTest(x, y int) float64 {
	n := x + y
	if n == 0 {
		return 1
	}
	k := min(x, y)
	var p float64
	for i := 0; i <= k; i++ {
		lg, _ := math.Lgamma(float64(n + 1))
		la, _ := math.Lgamma(float64(i + 1))
		lb, _ := math.Lgamma(float64(n - i + 1))
		p += math.Exp(lg - la - lb - float64(n)*math.Ln2)
	}
	return math.Min(1, 2*p)
}
