// Package evalapps is `make eval-apps` (cmd/evalapps wires its flags): the offline evaluation of internal/apps on the shared
// data (../shared/data), against baselines computed in the same run.
//
// Recommendations. For every user with enough history, the held-out interaction is the user's
// last interaction with an item the user had not interacted with before (on the Amazon sets that
// is simply the last review; on the Taobao log, where users re-click items, a repeat can never be
// recommended because interacted items are excluded). That event and everything the user did
// after it are never replayed. Every other event goes, in time order, through the production
// path: texts encoded by the default encoder (internal/encoder, behind its cache, each distinct
// text once), profilestore.Fold into a private redis-server started here, and ItemIndex.Observe.
// Then, per user, apps.ItemIndex.Recommend at the held-out event's time is asked for 10 items and
// scored by hit rate@10 and NDCG@10 (one relevant item). The baselines see the same training
// events and exclude the same interacted items: "popular" ranks items by training interaction
// count; "cooccur" by the number of co-occurrences (same user) with the user's items, ties and
// empty answers filled by popularity.
//
// Methods: "blend" is Recommend with its defaults (the hybrid similarity of the user's profile to
// the item's profile + popularity + category affinity + item co-occurrence kept by the index);
// "ours" the same without co-occurrence, "ours_content" the profile term alone, "ours_mmr" ours
// with MMR 0.7.
//
// Users (Amazon sets) are split DEV/TEST by evalprofiles.SplitOf, the rule of make
// eval-profiles. The figures are the TEST users'; -grid runs a grid of Recommend's blend weights
// on the DEV users only (devGrid), which is how the defaults were chosen. Blend against
// co-occurrence is also reported as the paired difference of hit@10 over the same TEST users with
// a bootstrap interval (FIGURE apps.rec.<set>.blend_minus_cooccur.hit10, _lo, _hi).
//
// Taobao is evaluated prequentially (evalRecStream): one held-out event per user gives too few hits
// there, so the whole log is replayed in hourly buckets and, before each bucket is folded, every
// test event in it (per user, the last 20 interactions with an item new to the user) is predicted
// from the state so far, by the index and by the baselines alike.
//
// Item text: Amazon 2023 multicat has product titles, so its items are registered as a catalog
// ("<category>. <title>", ItemIndex.Upsert) including items nobody reviewed in training; the
// 5-core set has no titles, so an item's vector is the mean of its training reviews' vectors
// (summary and body, the text the pipeline encodes). Taobao has no titles either: a click's text
// is its category id, which is all the log says about an item.
//
// Churn: Taobao users with an event in the first six days (from 2017-11-25 00:00 China time);
// label = no event in the last three days; their events before the cut are folded into profiles
// and scored at the cut. AUC of apps churn score against recency alone.
//
// Look-alikes: on the 5-core profiles, for each category with enough users whose dominant
// category it is, 10 such seed users; precision = share of the 50 returned users whose dominant
// category is the same (macro average over categories), next to the base rate.
package evalapps

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/eval/evalprofiles"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// Options are the evaluation's settings; DefaultOptions gives the defaults of `make eval-apps`.
type Options struct {
	DataDir       string // folder holding the shared data sets (default ../shared/data)
	ModelDir      string // Hugging Face model folder for the encoder (default: the bundled default model)
	Seed          uint64 // random seed, for the look-alike seeds (default 1)
	Text          string // review text to encode: summary (the title; the body when there is none) or full (default summary)
	MaxLen        int    // encoder MaxLength in tokens (0: the model's maximum; default 32)
	Grid          bool   // also run a grid of Recommend's blend weights on the DEV users (never the TEST users the figures report)
	Only          string // comma-separated data sets to run (amazon_5core, amazon_multicat, taobao; default all)
	CPUProfile    string // write a CPU profile of this process to this file (default none)
	StreamPerUser int    // Taobao (prequential evaluation): test events per user (default 20)
}

// DefaultOptions returns the settings `make eval-apps` runs with.
func DefaultOptions() Options {
	return Options{DataDir: "../shared/data", Seed: 1, Text: "summary", MaxLen: 32, StreamPerUser: 20}
}

// Run evaluates the apps on the shared data, for at most 15 minutes, and writes the tables and
// FIGURE lines to w. Without the shared data it writes a SKIP line and returns nil.
func Run(ctx context.Context, o Options, w io.Writer) error {
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if _, err := os.Stat(o.DataDir); err != nil {
		fmt.Fprintf(w, "eval-apps: SKIP: shared data folder %s not found (%v)\n", o.DataDir, err)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	return run(ctx, w, o.DataDir, o.ModelDir, o.Seed, o.Only, o.Grid, o.Text, o.MaxLen, o.StreamPerUser)
}

// rec is one interaction of a data set.
type rec struct {
	user, item, cat, title string
	kind                   event.Kind
	summary, text          string
	rating                 float32
	ts                     time.Time
}

func (r *rec) event() event.Event {
	return event.Event{Pseudonym: "ev." + r.user, KeyID: "ev", Kind: r.kind, ItemID: r.item, Category: r.cat,
		ItemTitle: r.title, Summary: r.summary, Text: r.text, Rating: r.rating, TS: r.ts}
}

func run(ctx context.Context, w io.Writer, dataDir, modelDir string, seed uint64, only string, grid bool, textMode string, maxLen, streamPerUser int) error {
	start := time.Now()
	var model *encoder.Model
	var err error
	if modelDir != "" {
		model, err = encoder.Load(modelDir, encoder.Options{Threads: 2, MaxLength: maxLen})
	} else {
		model, err = encoder.LoadDefault(encoder.Options{Threads: 2, MaxLength: maxLen})
	}
	if err != nil {
		return fmt.Errorf("load encoder: %w", err)
	}
	enc := encoder.NewCache(model, 512<<20)
	fmt.Fprintf(w, "encoder: %s (dim %d, max %d tokens), review text: %s\n", model.ModelID(), model.Dim(), model.MaxLength(), textMode)

	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return err
	}
	defer proc.Stop()
	client := redis.NewClient(&redis.Options{Addr: proc.Addr})
	defer client.Close()

	type dataset struct {
		name, file  string
		load        func(string) ([]rec, error)
		itemHL      time.Duration
		profileHL   time.Duration
		catalog     bool
		familyAgg   string
		lookalikeOn bool
		stream      bool // prequential evaluation (evalRecStream) instead of one held-out event per user
	}
	sets := []dataset{
		{"amazon_5core", "amazon-reviews-5core/reviews.jsonl.gz", loadAmazon, 365 * 24 * time.Hour, 30 * 24 * time.Hour, false, "amazon", true, false},
		{"amazon_multicat", "amazon-reviews-2023-multicat/reviews.jsonl.gz", loadAmazon, 365 * 24 * time.Hour, 30 * 24 * time.Hour, true, "amazon", false, false},
		{"taobao", "taobao-userbehavior/UserBehavior.head-slice.csv.gz", loadTaobao, 24 * time.Hour, 24 * time.Hour, false, "taobao", false, true},
	}
	type agg struct {
		n    int
		hits map[string]float64
		ndcg map[string]float64
	}
	families := map[string]*agg{}
	var famOrder []string
	var rows []string
	var taobao []rec
	for i, ds := range sets {
		if only != "" && !strings.Contains(","+only+",", ","+ds.name+",") {
			continue
		}
		path := filepath.Join(dataDir, ds.file)
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(w, "eval-apps: SKIP %s: %s not found\n", ds.name, path)
			continue
		}
		recs, err := ds.load(path)
		if err != nil {
			return fmt.Errorf("%s: %w", ds.name, err)
		}
		if ds.name == "taobao" {
			taobao = recs
		}
		if textMode == "summary" {
			for i := range recs {
				if strings.TrimSpace(recs[i].summary) != "" {
					recs[i].text = ""
				}
			}
		}
		prefix := fmt.Sprintf("e%d", i)
		var res recResult
		var store *profilestore.Store
		if ds.stream {
			res, err = evalRecStream(ctx, w, client, enc, model.ModelID(), model.Dim(), prefix, recs, ds.itemHL, ds.profileHL, time.Hour, streamPerUser)
		} else {
			res, store, err = evalRec(ctx, w, client, enc, model.ModelID(), model.Dim(), prefix, recs, ds.itemHL, ds.profileHL, ds.catalog, grid)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", ds.name, err)
		}
		fmt.Fprintf(w, "%s: %d events, %d test events, %d items in the index, %.0fs so far\n",
			ds.name, len(recs), res.users, res.items, time.Since(start).Seconds())
		f := families[ds.familyAgg]
		if f == nil {
			f = &agg{hits: map[string]float64{}, ndcg: map[string]float64{}}
			families[ds.familyAgg] = f
			famOrder = append(famOrder, ds.familyAgg)
		}
		f.n += res.users
		for _, m := range res.methods {
			lo, hi := wilson(res.hit[m], res.users)
			rows = append(rows, fmt.Sprintf("%s\t%s\t%d\t%.4f\t[%.4f, %.4f]\t%.4f", ds.name, m, res.users, res.hit[m], lo, hi, res.ndcg[m]))
			f.hits[m] += res.hit[m] * float64(res.users)
			f.ndcg[m] += res.ndcg[m] * float64(res.users)
			fmt.Fprintf(w, "FIGURE apps.rec.%s.%s.hit10 %.4f\n", ds.name, m, res.hit[m])
			fmt.Fprintf(w, "FIGURE apps.rec.%s.%s.hit10_lo %.4f\nFIGURE apps.rec.%s.%s.hit10_hi %.4f\n", ds.name, m, lo, ds.name, m, hi)
			fmt.Fprintf(w, "FIGURE apps.rec.%s.%s.ndcg10 %.4f\n", ds.name, m, res.ndcg[m])
		}
		if a, b := res.perUser["blend"], res.perUser["cooccur"]; len(a) > 0 && len(a) == len(b) {
			d, lo, hi := pairedBootstrap(a, b, 2000, 0.95, seed)
			fmt.Fprintf(w, "%s: hit@10 blend - cooccur = %+.4f [%+.4f, %+.4f] (paired bootstrap over the %d TEST users, 95%%)\n", ds.name, d, lo, hi, len(a))
			fmt.Fprintf(w, "FIGURE apps.rec.%s.blend_minus_cooccur.hit10 %.4f\nFIGURE apps.rec.%s.blend_minus_cooccur.hit10_lo %.4f\nFIGURE apps.rec.%s.blend_minus_cooccur.hit10_hi %.4f\n",
				ds.name, d, ds.name, lo, ds.name, hi)
		}
		if ds.lookalikeOn {
			if err := evalLookAlike(ctx, w, client, prefix, store, recs, res.heldOut, seed); err != nil {
				return fmt.Errorf("%s look-alike: %w", ds.name, err)
			}
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "data set\tmethod\tusers\thit@10\t95% interval\tNDCG@10")
	for _, r := range rows {
		fmt.Fprintln(tw, r)
	}
	for _, fam := range famOrder {
		f := families[fam]
		for _, m := range []string{"blend", "ours", "ours_content", "ours_mmr", "popular", "cooccur"} {
			if _, ok := f.hits[m]; !ok || f.n == 0 {
				continue
			}
			lo, hi := wilson(f.hits[m]/float64(f.n), f.n)
			fmt.Fprintf(tw, "%s (all)\t%s\t%d\t%.4f\t[%.4f, %.4f]\t%.4f\n", fam, m, f.n, f.hits[m]/float64(f.n), lo, hi, f.ndcg[m]/float64(f.n))
		}
	}
	tw.Flush()
	for _, fam := range famOrder {
		f := families[fam]
		for _, m := range []string{"blend", "ours", "popular", "cooccur"} {
			lo, hi := wilson(f.hits[m]/float64(f.n), f.n)
			fmt.Fprintf(w, "FIGURE apps.rec.%s.%s.hit10 %.4f\n", fam, m, f.hits[m]/float64(f.n))
			fmt.Fprintf(w, "FIGURE apps.rec.%s.%s.hit10_lo %.4f\nFIGURE apps.rec.%s.%s.hit10_hi %.4f\n", fam, m, lo, fam, m, hi)
			fmt.Fprintf(w, "FIGURE apps.rec.%s.%s.ndcg10 %.4f\n", fam, m, f.ndcg[m]/float64(f.n))
		}
	}
	if taobao != nil {
		if err := evalChurn(ctx, w, client, "ch", model.ModelID(), model.Dim(), enc, taobao); err != nil {
			return fmt.Errorf("churn: %w", err)
		}
	} else {
		fmt.Fprintln(w, "eval-apps: SKIP churn: no Taobao log")
	}
	fmt.Fprintf(w, "eval-apps: done in %.0fs\n", time.Since(start).Seconds())
	return nil
}

// ---- recommendations ----

type recResult struct {
	users, items int
	methods      []string
	hit, ndcg    map[string]float64
	heldOut      map[string]bool      // users whose held-out event was removed
	perUser      map[string][]float64 // method -> hit@10 (0 or 1) of each evaluated user, in one user order
}

// split returns the training records (time order) and the held-out record per evaluated user.
func split(recs []rec) (train []rec, held map[string]rec) {
	byUser := map[string][]int{}
	for i := range recs {
		byUser[recs[i].user] = append(byUser[recs[i].user], i)
	}
	drop := map[int]bool{}
	held = map[string]rec{}
	for u, idx := range byUser {
		// The last interaction with an item the user had not touched before.
		first := map[string]int{}
		for _, i := range idx {
			if _, ok := first[recs[i].item]; !ok {
				first[recs[i].item] = i
			}
		}
		h := -1
		for j := len(idx) - 1; j >= 0; j-- {
			if first[recs[idx[j]].item] == idx[j] {
				h = j
				break
			}
		}
		if h < 2 { // at least two training interactions
			continue
		}
		held[u] = recs[idx[h]]
		for _, i := range idx[h:] {
			drop[i] = true
		}
	}
	for i := range recs {
		if !drop[i] {
			train = append(train, recs[i])
		}
	}
	return train, held
}

// encodeEvents sets the Vector of every event with text, encoding each distinct text once.
func encodeEvents(ctx context.Context, enc encoder.Encoder, evs []event.Event) error {
	idx := map[string][]int{}
	var texts []string
	for i := range evs {
		t := evs[i].EncoderText()
		if t == "" {
			continue
		}
		if _, ok := idx[t]; !ok {
			texts = append(texts, t)
		}
		idx[t] = append(idx[t], i)
	}
	const chunk = 512
	for i := 0; i < len(texts); i += chunk {
		j := min(i+chunk, len(texts))
		vecs, err := enc.Encode(ctx, texts[i:j])
		if err != nil {
			return err
		}
		for k, v := range vecs {
			for _, e := range idx[texts[i+k]] {
				evs[e].Vector = v
			}
		}
	}
	return nil
}

func foldAll(ctx context.Context, store *profilestore.Store, idx *itemindex.Writer, evs []event.Event) error {
	const batch = 1000
	for i := 0; i < len(evs); i += batch {
		b := evs[i:min(i+batch, len(evs))]
		if _, err := store.Fold(ctx, b); err != nil {
			return err
		}
		if idx != nil {
			if err := idx.Observe(ctx, b); err != nil {
				return err
			}
		}
	}
	return nil
}

func evalRec(ctx context.Context, w io.Writer, client *redis.Client, enc *encoder.Cache, modelID string, dim int, prefix string,
	recs []rec, itemHL, profileHL time.Duration, catalog, grid bool) (recResult, *profilestore.Store, error) {
	train, held := split(recs)
	res := recResult{hit: map[string]float64{}, ndcg: map[string]float64{}, heldOut: map[string]bool{}, perUser: map[string][]float64{}}
	store, err := profilestore.New(client, profilestore.Options{Prefix: prefix, ModelID: modelID, Dim: dim, HalfLife: profileHL})
	if err != nil {
		return res, nil, err
	}
	iw, err := itemindex.New(client, itemindex.Options{Prefix: prefix, ModelID: modelID, Encoder: enc, HalfLife: itemHL})
	if err != nil {
		return res, nil, err
	}
	idx, err := apps.NewItemIndex(client, apps.ItemOptions{Prefix: prefix, ModelID: modelID, HalfLife: itemHL,
		RefreshInterval: time.Hour})
	if err != nil {
		return res, nil, err
	}
	evs := make([]event.Event, len(train))
	for i := range train {
		evs[i] = train[i].event()
		evs[i].Origin = event.Origin{Topic: "eval", Partition: 0, Offset: int64(i)}
	}
	te := time.Now()
	if err := encodeEvents(ctx, enc, evs); err != nil {
		return res, nil, err
	}
	fmt.Fprintf(w, "  encoded the texts of %d events in %.1fs\n", len(evs), time.Since(te).Seconds())
	if catalog {
		seen := map[string]bool{}
		var items []itemindex.CatalogItem
		for _, r := range recs { // catalog metadata of every item, reviewed in training or not
			if r.title != "" && !seen[r.item] {
				seen[r.item] = true
				items = append(items, itemindex.CatalogItem{ID: r.item, Category: r.cat, Title: r.title})
			}
		}
		if err := iw.Upsert(ctx, items); err != nil {
			return res, nil, err
		}
	}
	t0 := time.Now()
	if err := foldAll(ctx, store, iw, evs); err != nil {
		return res, nil, err
	}
	fmt.Fprintf(w, "  folded and observed %d events in %.1fs\n", len(evs), time.Since(t0).Seconds())
	if err := idx.Refresh(ctx); err != nil {
		return res, nil, err
	}
	n, _ := client.ZCard(ctx, schema.ItemPopularityKey(prefix)).Result()
	res.items = int(n)

	// Baselines from the same training events.
	pop := map[string]int{}
	userItems := map[string]map[string]bool{}
	for _, r := range train {
		pop[r.item]++
		m := userItems[r.user]
		if m == nil {
			m = map[string]bool{}
			userItems[r.user] = m
		}
		m[r.item] = true
	}
	popOrder := make([]string, 0, len(pop))
	for it := range pop {
		popOrder = append(popOrder, it)
	}
	sort.Slice(popOrder, func(i, j int) bool {
		if pop[popOrder[i]] != pop[popOrder[j]] {
			return pop[popOrder[i]] > pop[popOrder[j]]
		}
		return popOrder[i] < popOrder[j]
	})
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
	// Item co-occurrence over dense item and user numbers (the baseline must be fast on 2 cores).
	itemNo := map[string]int32{}
	var itemName []string
	for it := range pop {
		itemNo[it] = int32(len(itemName))
		itemName = append(itemName, it)
	}
	userNo := map[string]int32{}
	var uItems [][]int32
	iUsers := make([][]int32, len(itemName))
	for u, m := range userItems {
		n := int32(len(uItems))
		userNo[u] = n
		var l []int32
		for it := range m {
			l = append(l, itemNo[it])
			iUsers[itemNo[it]] = append(iUsers[itemNo[it]], n)
		}
		uItems = append(uItems, l)
	}
	counts := make([]int32, len(itemName))
	cooccur := func(user string) []string {
		mine := userItems[user]
		un := userNo[user]
		var touched []int32
		for _, h := range uItems[un] {
			for _, v := range iUsers[h] {
				if v == un {
					continue
				}
				for _, c := range uItems[v] {
					if counts[c] == 0 {
						touched = append(touched, c)
					}
					counts[c]++
				}
			}
		}
		cands := make([]string, 0, len(touched))
		score := make(map[string]int32, len(touched))
		for _, c := range touched {
			if name := itemName[c]; !mine[name] {
				cands = append(cands, name)
				score[name] = counts[c]
			}
			counts[c] = 0
		}
		sort.Slice(cands, func(i, j int) bool {
			a, b := cands[i], cands[j]
			if score[a] != score[b] {
				return score[a] > score[b]
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

	users := make([]string, 0, len(held))
	var devUsers []string
	for u := range held {
		res.heldOut[u] = true
		if evalprofiles.SplitOf(u) == evalprofiles.SplitDev {
			devUsers = append(devUsers, u)
		} else {
			users = append(users, u)
		}
	}
	sort.Strings(users)
	sort.Strings(devUsers)
	if grid {
		if err := devGrid(ctx, w, idx, held, devUsers, cooccur); err != nil {
			return res, nil, err
		}
	}
	res.methods = []string{"blend", "ours", "ours_content", "ours_mmr", "popular", "cooccur"}
	variants := map[string]apps.RecommendOptions{
		"blend":        {K: 10}, // the default: profile + popularity + category + co-occurrence
		"ours":         {K: 10, CooccurWeight: -1},
		"ours_content": {K: 10, PopularityWeight: -1, CategoryWeight: -1, CooccurWeight: -1},
		"ours_mmr":     {K: 10, MMRLambda: 0.7, CooccurWeight: -1},
	}
	sources := map[string]int{}
	tq := time.Now()
	var tBase time.Duration
	for _, u := range users {
		h := held[u]
		tb := time.Now()
		lists := map[string][]string{
			"popular": popular(userItems[u], 10, nil),
			"cooccur": cooccur(u),
		}
		tBase += time.Since(tb)
		for name, o := range variants {
			o.Now = h.ts
			r, err := idx.Recommend(ctx, "ev."+u, o)
			if err != nil {
				return res, nil, err
			}
			if name == "ours" {
				sources[r.Source]++
			}
			ids := make([]string, len(r.Items))
			for i, it := range r.Items {
				ids[i] = it.ItemID
			}
			lists[name] = ids
		}
		for m, l := range lists {
			hit := 0.0
			for rank, it := range l {
				if it == h.item {
					hit = 1
					res.hit[m]++
					res.ndcg[m] += 1 / math.Log2(float64(rank)+2)
					break
				}
			}
			res.perUser[m] = append(res.perUser[m], hit)
		}
	}
	fmt.Fprintf(w, "  %d users queried in %.1fs (baselines %.1fs)\n", len(users), time.Since(tq).Seconds(), tBase.Seconds())
	res.users = len(users)
	if res.users > 0 {
		for _, m := range res.methods {
			res.hit[m] /= float64(res.users)
			res.ndcg[m] /= float64(res.users)
		}
	}
	fmt.Fprintf(w, "  ours answered from: %v\n", sources)
	return res, store, nil
}

// ---- look-alikes ----

func evalLookAlike(ctx context.Context, w io.Writer, client *redis.Client, prefix string, store *profilestore.Store, recs []rec,
	heldOut map[string]bool, seed uint64) error {
	// Dominant category of each user over the events folded (the held-out one excluded).
	train, _ := split(recs)
	counts := map[string]map[string]int{}
	for _, r := range train {
		m := counts[r.user]
		if m == nil {
			m = map[string]int{}
			counts[r.user] = m
		}
		m[r.cat]++
	}
	dom := map[string]string{}
	for u, m := range counts {
		best, bn := "", 0
		for c, n := range m {
			if n > bn || (n == bn && c < best) {
				best, bn = c, n
			}
		}
		dom["ev."+u] = best
	}
	byCat := map[string][]string{}
	for ps, c := range dom {
		byCat[c] = append(byCat[c], ps)
	}
	cats := make([]string, 0, len(byCat))
	for c, us := range byCat {
		if len(us) >= 60 {
			cats = append(cats, c)
		}
	}
	sort.Strings(cats)
	aud, err := apps.NewAudiences(client, apps.AudienceOptions{Prefix: prefix})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var sumP, sumBase float64
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "look-alike category\tusers\tprecision@50\tbase rate")
	for _, c := range cats {
		us := append([]string(nil), byCat[c]...)
		sort.Strings(us)
		rng.Shuffle(len(us), func(i, j int) { us[i], us[j] = us[j], us[i] })
		seeds := us[:10]
		got, err := aud.LookAlike(ctx, seeds, 50)
		if err != nil {
			return err
		}
		ok := 0
		for _, g := range got {
			if dom[g.Pseudonym] == c {
				ok++
			}
		}
		p := float64(ok) / float64(max(len(got), 1))
		base := float64(len(byCat[c])-10) / float64(len(dom)-10)
		sumP += p
		sumBase += base
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\n", c, len(byCat[c]), p, base)
	}
	tw.Flush()
	if len(cats) == 0 {
		fmt.Fprintln(w, "eval-apps: SKIP look-alikes: no category with enough users")
		return nil
	}
	fmt.Fprintf(w, "FIGURE apps.lookalike.precision %.4f\n", sumP/float64(len(cats)))
	fmt.Fprintf(w, "FIGURE apps.lookalike.base_rate %.4f\n", sumBase/float64(len(cats)))
	_ = store
	return nil
}

// ---- churn ----

func evalChurn(ctx context.Context, w io.Writer, client *redis.Client, prefix, modelID string, dim int, enc encoder.Encoder, recs []rec) error {
	china := time.FixedZone("CST", 8*3600)
	begin := time.Date(2017, 11, 25, 0, 0, 0, 0, china)
	cut := begin.Add(6 * 24 * time.Hour)
	horizon := 3 * 24 * time.Hour
	activeEarly := map[string]bool{}
	var before []rec
	for _, r := range recs {
		if r.ts.Before(cut) {
			before = append(before, r)
			if !r.ts.Before(begin) {
				activeEarly[r.user] = true
			}
		}
	}
	returnedWithin := func(h time.Duration) (map[string]bool, int) {
		m := map[string]bool{}
		for _, r := range recs {
			if !r.ts.Before(cut) && r.ts.Before(cut.Add(h)) {
				m[r.user] = true
			}
		}
		churned := 0
		for u := range activeEarly {
			if !m[u] {
				churned++
			}
		}
		return m, churned
	}
	returned, churned := returnedWithin(horizon)
	fmt.Fprintf(w, "\nchurn: %d Taobao users active %s..%s; %d of them without an event in the last 3 days\n",
		len(activeEarly), begin.Format("2006-01-02"), cut.Format("2006-01-02"), churned)
	fmt.Fprintf(w, "FIGURE apps.churn.label3d.positives %d\n", churned)
	if churned == 0 || churned == len(activeEarly) {
		// The slice holds only users who are active in the last days of the log, so the specified
		// label has one class and no AUC. Fall back to the next day as the horizon.
		horizon = 24 * time.Hour
		returned, churned = returnedWithin(horizon)
		fmt.Fprintf(w, "churn: the 3-day label has one class (AUC undefined); using the 1-day label instead: "+
			"no event on %s (%d users)\n", cut.Format("2006-01-02"), churned)
	}
	var evs []event.Event
	for _, r := range before {
		if activeEarly[r.user] {
			e := r.event()
			e.Origin = event.Origin{Topic: "churn", Offset: int64(len(evs))}
			evs = append(evs, e)
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].TS.Before(evs[j].TS) })
	for i := range evs {
		evs[i].Offset = int64(i)
	}
	if err := encodeEvents(ctx, enc, evs); err != nil {
		return err
	}
	store, err := profilestore.New(client, profilestore.Options{Prefix: prefix, ModelID: modelID, Dim: dim, HalfLife: 24 * time.Hour})
	if err != nil {
		return err
	}
	if err := foldAll(ctx, store, nil, evs); err != nil {
		return err
	}
	rd, err := reader.New(client, reader.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	users := make([]string, 0, len(activeEarly))
	for u := range activeEarly {
		users = append(users, u)
	}
	sort.Strings(users)
	var ours, recency []float64
	var labels []bool
	co := apps.ChurnOptions{Horizon: horizon}
	for _, u := range users {
		p, err := rd.Profile(ctx, "ev."+u)
		if err != nil {
			return err
		}
		ours = append(ours, co.Score(p, cut))
		recency = append(recency, p.Recency(cut).Hours())
		labels = append(labels, !returned[u])
	}
	a1, a2 := auc(ours, labels), auc(recency, labels)
	fmt.Fprintf(w, "churn AUC (horizon %s, %d of %d users churned): ours %.4f, recency only %.4f\n", horizon, churned, len(users), a1, a2)
	fmt.Fprintf(w, "FIGURE apps.churn.ours.auc %.4f\n", a1)
	fmt.Fprintf(w, "FIGURE apps.churn.recency.auc %.4f\n", a2)
	return nil
}

// wilson returns the 95% Wilson score interval of a proportion p observed over n trials.
func wilson(p float64, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.96
	fn := float64(n)
	c := (p + z*z/(2*fn)) / (1 + z*z/fn)
	h := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / (1 + z*z/fn)
	return math.Max(0, c-h), math.Min(1, c+h)
}

// auc is the Mann-Whitney AUC of scores for positive labels (ties count half).
func auc(score []float64, pos []bool) float64 {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
	var rankSum float64
	var np, nn int
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && score[idx[j]] == score[idx[i]] {
			j++
		}
		r := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for k := i; k < j; k++ {
			if pos[idx[k]] {
				rankSum += r
			}
		}
		i = j
	}
	for _, p := range pos {
		if p {
			np++
		} else {
			nn++
		}
	}
	if np == 0 || nn == 0 {
		return math.NaN()
	}
	return (rankSum - float64(np*(np+1))/2) / float64(np*nn)
}

// ---- loaders ----

func openGz(path string) (io.ReadCloser, *gzip.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	z, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, z, nil
}

func loadAmazon(path string) ([]rec, error) {
	f, z, err := openGz(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(z)
	var out []rec
	for {
		var j struct {
			User    string  `json:"user_id"`
			Item    string  `json:"item_id"`
			Rating  float32 `json:"rating"`
			TS      int64   `json:"ts"`
			Cat     string  `json:"category"`
			Summary string  `json:"summary"`
			Text    string  `json:"text"`
			Title   string  `json:"item_title"`
		}
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		text := strings.ReplaceAll(j.Text, "<br />", " ")
		if strings.TrimSpace(text) == "" {
			text = j.Summary
		}
		if strings.TrimSpace(text) == "" {
			text = "-"
		}
		out = append(out, rec{user: j.User, item: j.Item, cat: j.Cat, title: j.Title, kind: event.KindReview,
			summary: j.Summary, text: text, rating: j.Rating, ts: time.Unix(j.TS, 0).UTC()})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].ts.Before(out[b].ts) })
	return out, nil
}

func loadTaobao(path string) ([]rec, error) {
	f, z, err := openGz(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(z)
	r.FieldsPerRecord = 5
	var out []rec
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		k, ok := event.ParseAction(row[3])
		if !ok {
			continue
		}
		ts, err := strconv.ParseInt(row[4], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, rec{user: row[0], item: row[1], cat: row[2], kind: k, ts: time.Unix(ts, 0).UTC()})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].ts.Before(out[b].ts) })
	return out, nil
}
