// Package simtune measures the parts of reader's hybrid profile similarity and chooses their
// fusion weights (`go run ./cmd/simtune`). It folds the shared data sets through the real
// profile store (a private redis-server, profilestore.Fold, reader.Scan): for every user with at
// least three events, the history without the last event is one profile and the last event
// alone is a one-event pseudo-user (owner retrieval: rank every history against it). Only the
// DEV users of make eval-profiles' split rule are read (internal/eval/evalprofiles.SplitOf):
// the weights are chosen on them, the TEST half is never looked at. Each set is calibrated as
// (*reader.Reader).Scorer calibrates a deployment (a sample of its profiles).
package simtune

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/behavior"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// Config configures Run.
type Config struct {
	DataDir  string
	Sets     []string // data set names (see loaders)
	MaxUsers int      // per set, 0 = all
	Encoder  encoder.Encoder
	CacheDir string // embedding cache ("" = none)
	// Sketch sizes of the profile store (0 = its defaults).
	TopCategories, TopTerms, TopItems int
	// NoBehaviorTable leaves the learned behaviour table out (the behaviour part compares the
	// stored hashed vectors).
	NoBehaviorTable bool
	Out             io.Writer
}

type rawEvent struct {
	user  string
	label string // the user's category for label sets (labelSets), else ""
	ev    event.Event
}

// labelSets are the sets without owner retrieval (no real users): the Chinese reviews, whose
// pseudo-users are four consecutive reviews of one category and carry only text. They are measured
// by neighbour-category P@1 between history profiles (as make eval-profiles does), every event
// folded into the history.
var labelSets = map[string]bool{"chinese": true}

var loaders = map[string]func(dir string) ([]rawEvent, error){
	"taobao": loadTaobao,
	"amazon_5core": func(d string) ([]rawEvent, error) {
		return loadAmazon(filepath.Join(d, "amazon-reviews-5core/reviews.jsonl.gz"))
	},
	"amazon_2023": func(d string) ([]rawEvent, error) {
		return loadAmazon(filepath.Join(d, "amazon-reviews-2023-multicat/reviews.jsonl.gz"))
	},
	"rees46":  loadREES46,
	"chinese": loadChinese,
}

// SetNames lists the data sets Run knows.
func SetNames() []string {
	var out []string
	for k := range loaders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func gzLines(path string, fn func(line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if err := fn(sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}

func loadTaobao(dir string) ([]rawEvent, error) {
	var out []rawEvent
	err := gzLines(filepath.Join(dir, "taobao-userbehavior/UserBehavior.head-slice.csv.gz"), func(l string) error {
		f := strings.Split(l, ",")
		if len(f) != 5 {
			return nil
		}
		k, ok := event.ParseAction(f[3])
		ts, err := strconv.ParseInt(f[4], 10, 64)
		if !ok || err != nil {
			return nil
		}
		out = append(out, rawEvent{user: f[0], ev: event.Event{Kind: k, ItemID: f[1], Category: f[2], TS: time.Unix(ts, 0).UTC()}})
		return nil
	})
	return out, err
}

func loadREES46(dir string) ([]rawEvent, error) {
	f, err := os.Open(filepath.Join(dir, "rees46-ecommerce/rees46-2019-Oct.head-slice.csv.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(zr)
	var out []rawEvent
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if i == 0 || len(rec) < 9 {
			continue
		}
		ts, err := time.Parse("2006-01-02 15:04:05 MST", rec[0])
		if err != nil {
			continue
		}
		k := event.KindView
		switch rec[1] {
		case "cart":
			k = event.KindCart
		case "purchase":
			k = event.KindBuy
		}
		cat := rec[4]
		if cat == "" {
			cat = rec[3]
		}
		out = append(out, rawEvent{user: rec[7], ev: event.Event{Kind: k, ItemID: rec[2], Category: cat, ItemTitle: rec[5], TS: ts.UTC()}})
	}
	return out, nil
}

// loadChinese reads the Chinese online_shopping_10_cats reviews as replay does (internal/replay:
// a pseudo-user zh-<category>-<n> of four consecutive reviews of a category, a minute apart),
// blind as make eval-profiles produces them: no category and no item id, only the text.
func loadChinese(dir string) ([]rawEvent, error) {
	f, err := os.Open(filepath.Join(dir, "online-shopping-10-cats/online_shopping_10_cats.csv.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(zr)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	perCat := map[string]int{}
	var out []rawEvent
	for row := 0; ; {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(rec) != 3 {
			continue
		}
		if row == 0 && strings.TrimPrefix(rec[0], "\ufeff") == "cat" {
			row++
			continue
		}
		row++
		text := strings.TrimPrefix(rec[2], "\ufeff")
		if !event.HasReviewText("", text) {
			continue
		}
		n := perCat[rec[0]]
		perCat[rec[0]]++
		rating := float32(1)
		if rec[1] == "1" {
			rating = 5
		}
		out = append(out, rawEvent{user: fmt.Sprintf("zh-%s-%d", rec[0], n/4), label: rec[0],
			ev: event.Event{Kind: event.KindReview, Text: text, Rating: rating, TS: base.Add(time.Duration(row) * time.Minute)}})
	}
	return out, nil
}

func loadAmazon(path string) ([]rawEvent, error) {
	var out []rawEvent
	err := gzLines(path, func(l string) error {
		var r struct {
			User     string  `json:"user_id"`
			Item     string  `json:"item_id"`
			Rating   float32 `json:"rating"`
			TS       int64   `json:"ts"`
			Category string  `json:"category"`
			Summary  string  `json:"summary"`
			Text     string  `json:"text"`
			Title    string  `json:"item_title"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			return nil
		}
		out = append(out, rawEvent{user: r.User, ev: event.Event{Kind: event.KindReview, ItemID: r.Item, Category: r.Category,
			ItemTitle: r.Title, Summary: r.Summary, Text: r.Text, Rating: r.Rating, TS: time.Unix(r.TS, 0).UTC()}})
		return nil
	})
	return out, err
}

// dev reports whether a user is in the development half: the split rule of make eval-profiles
// (internal/eval/evalprofiles.SplitOf: the first 8 bytes of SHA-256("evalprofiles:" + user id),
// big-endian, even). Only DEV users are folded, calibrated on and tuned on; TEST users are never
// read here.
func dev(user string) bool {
	h := sha256.Sum256([]byte("evalprofiles:" + user))
	return binary.BigEndian.Uint64(h[:8])%2 == 0
}

type pair struct{ query, hist *schema.Profile }

// Run measures every set and prints FIGURE lines and the chosen weights.
func Run(ctx context.Context, c Config) error {
	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return err
	}
	defer proc.Stop()
	rdb := redis.NewClient(&redis.Options{Addr: proc.Addr})
	defer rdb.Close()
	type setData struct {
		name  string
		sc    *reader.Scorer
		split map[bool][]pair // dev -> (query, owner history) per user
		hists map[bool][]*schema.Profile
		// labels of hists[true] (label sets: measured by neighbour-category P@1, not owner MRR)
		labels []string
	}
	var sets []setData
	for i, name := range c.Sets {
		load, ok := loaders[name]
		if !ok {
			return fmt.Errorf("unknown set %q (have %v)", name, SetNames())
		}
		raw, err := load(c.DataDir)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		prefix := "s" + strconv.Itoa(i)
		if err := foldSet(ctx, c, rdb, prefix, raw); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if !c.NoBehaviorTable {
			// A set without ids (the Chinese reviews) has no table, as a deployment without
			// categories or items has none.
			res, err := behavior.Refit(ctx, rdb, behavior.Options{Prefix: prefix})
			switch {
			case err == nil:
				fmt.Fprintf(c.Out, "%s: behaviour table v%d: %d ids from %d profiles in %s\n", name, res.Meta.Version, res.Meta.IDs, res.Profiles, res.Took.Round(time.Millisecond))
			case errors.Is(err, behavior.ErrTooFew):
				fmt.Fprintf(c.Out, "%s: no behaviour table (%v)\n", name, err)
			default:
				return fmt.Errorf("%s: behaviour table: %w", name, err)
			}
		}
		rd, err := reader.New(rdb, reader.Options{Prefix: prefix})
		if err != nil {
			return err
		}
		sc, err := rd.Scorer(ctx)
		if err != nil {
			return err
		}
		byPS := map[string]*schema.Profile{}
		if err := rd.Scan(ctx, func(p *schema.Profile) error { byPS[p.Pseudonym] = p; return nil }); err != nil {
			return err
		}
		var bytes, keys int64
		for ps := range byPS {
			if !strings.HasPrefix(ps, "h.") || keys >= 200 {
				continue
			}
			if n, err := rdb.MemoryUsage(ctx, schema.ProfileKey(prefix, ps)).Result(); err == nil {
				bytes += n
				keys++
			}
		}
		if keys > 0 {
			fmt.Fprintf(c.Out, "FIGURE simtune.%s.profile_bytes %d\n", name, bytes/keys)
		}
		// the bytes of the sketches the behaviour part reads (field values only, exact)
		var catBytes, itemBytes, hists int64
		for ps := range byPS {
			if !strings.HasPrefix(ps, "h.") {
				continue
			}
			k := schema.ProfileKey(prefix, ps)
			catBytes += rdb.HStrLen(ctx, k, schema.FieldCategories).Val()
			itemBytes += rdb.HStrLen(ctx, k, schema.FieldItemSketch).Val()
			hists++
		}
		if hists > 0 {
			fmt.Fprintf(c.Out, "FIGURE simtune.%s.cats_bytes %d\nFIGURE simtune.%s.bitems_bytes %d\n", name, catBytes/hists, name, itemBytes/hists)
		}
		sd := setData{name: name, sc: sc, split: map[bool][]pair{}, hists: map[bool][]*schema.Profile{}}
		var users []string
		for ps := range byPS {
			if strings.HasPrefix(ps, "h.") {
				users = append(users, ps[2:])
			}
		}
		sort.Strings(users)
		label := map[string]string{}
		for _, r := range raw {
			if r.label != "" {
				label[r.user] = r.label
			}
		}
		for _, u := range users {
			q, h := byPS["q."+u], byPS["h."+u]
			if labelSets[name] && h != nil && dev(u) {
				sd.split[true] = append(sd.split[true], pair{h, h})
				sd.hists[true] = append(sd.hists[true], h)
				sd.labels = append(sd.labels, label[u])
				continue
			}
			if q == nil || h == nil {
				continue
			}
			d := dev(u)
			sd.split[d] = append(sd.split[d], pair{q, h})
			sd.hists[d] = append(sd.hists[d], h)
		}
		df, _ := rdb.HGetAll(ctx, schema.DFKey(prefix)).Result()
		nUsers, _ := strconv.ParseFloat(df[schema.DFUsers], 64)
		var maxRatio float64
		for f, v := range df {
			if n, _ := strconv.ParseFloat(v, 64); f != schema.DFUsers && n/nUsers > maxRatio {
				maxRatio = n / nUsers
			}
		}
		fmt.Fprintf(c.Out, "%s: %d DEV users; %d document-frequency fields, largest df/users %.2f\n",
			name, len(sd.split[true]), len(df), maxRatio)
		sets = append(sets, sd)
	}
	// per-part cosines of every (query, history) pair of each half
	type matrix struct {
		parts [][]reader.Parts // [query][history]
		cjk   [][]bool         // the pair is fused with CJKWeights (reader.Scorer.WeightsFor)
	}
	mats := map[string]map[bool]*matrix{}
	labels := map[string][]string{}
	for _, s := range sets {
		mats[s.name] = map[bool]*matrix{}
		labels[s.name] = s.labels
		for _, d := range []bool{true} {
			m := &matrix{}
			for _, p := range s.split[d] {
				row := make([]reader.Parts, len(s.hists[d]))
				cjk := make([]bool, len(s.hists[d]))
				for j, h := range s.hists[d] {
					row[j] = s.sc.Parts(p.query, h)
					cjk[j] = reader.PairLanguage(p.query, h) == schema.LangCJK
				}
				m.parts = append(m.parts, row)
				m.cjk = append(m.cjk, cjk)
			}
			mats[s.name][d] = m
		}
	}
	// z-scores of every pair, flattened per set and half (NaN: missing part)
	type zmat struct {
		nq, nh int
		z      [reader.NumParts][]float32
		cjk    []bool
	}
	cals := map[string]reader.Calibration{}
	for _, s := range sets {
		cals[s.name] = s.sc.Calib
		fmt.Fprintf(c.Out, "%s: calibration (reader.Scorer's sample of the set's profiles): mean %v std %v\n",
			s.name, fmtParts(s.sc.Calib.Mean), fmtParts(s.sc.Calib.Std))
	}
	zs := map[string]map[bool]*zmat{}
	for _, s := range sets {
		zs[s.name] = map[bool]*zmat{}
		for _, d := range []bool{true} {
			m := mats[s.name][d]
			zm := &zmat{nq: len(m.parts)}
			if zm.nq > 0 {
				zm.nh = len(m.parts[0])
			}
			for k := range zm.z {
				zm.z[k] = make([]float32, zm.nq*zm.nh)
			}
			zm.cjk = make([]bool, zm.nq*zm.nh)
			for i, row := range m.cjk {
				copy(zm.cjk[i*zm.nh:], row)
			}
			for i, row := range m.parts {
				// the set's calibration, as (*reader.Reader).Scorer samples it from the deployment
				rc := cals[s.name]
				for j, p := range row {
					for k, x := range p {
						z := (x - rc.Mean[k]) / rc.Std[k] // NaN stays NaN
						if math.IsInf(rc.Std[k], 1) && !math.IsNaN(x) {
							z = 0
						}
						zm.z[k][i*zm.nh+j] = float32(z)
					}
				}
			}
			zs[s.name][d] = zm
			mats[s.name][d] = nil
		}
	}
	// ws[0]: Weights, ws[1]: CJKWeights (pairs of two mostly-CJK profiles)
	eval := func(set string, d bool, ws [2]reader.Weights) (top1, mrr float64) {
		zm := zs[set][d]
		score := func(i, j int) float64 {
			w := ws[0]
			if zm.cjk[i*zm.nh+j] {
				w = ws[1]
			}
			var num, den float64
			for k := range zm.z {
				x := zm.z[k][i*zm.nh+j]
				if w[k] == 0 || x != x {
					continue
				}
				num += w[k] * float64(x)
				den += w[k]
			}
			if den == 0 {
				return 0
			}
			return num / den
		}
		if labels[set] != nil {
			// label set: neighbour-category P@1 between history profiles (returned in both values)
			lab := labels[set]
			var p1 float64
			for i := 0; i < zm.nq; i++ {
				best, bj := math.Inf(-1), -1
				for j := 0; j < zm.nh; j++ {
					if sc := score(i, j); j != i && sc > best {
						best, bj = sc, j
					}
				}
				if bj >= 0 && lab[bj] == lab[i] {
					p1++
				}
			}
			if zm.nq == 0 {
				return 0, 0
			}
			return p1 / float64(zm.nq), p1 / float64(zm.nq)
		}
		for i := 0; i < zm.nq; i++ {
			// ties count against the owner (as in make eval-profiles)
			own := score(i, i)
			greater, ties := 0, 0
			for j := 0; j < zm.nh; j++ {
				if j == i {
					continue
				}
				switch sc := score(i, j); {
				case sc > own:
					greater++
				case sc == own:
					ties++
				}
			}
			if greater == 0 && ties == 0 {
				top1++
			}
			mrr += 1 / float64(greater+ties+1)
		}
		if zm.nq == 0 {
			return 0, 0
		}
		return top1 / float64(zm.nq), mrr / float64(zm.nq)
	}
	// each part alone
	for k := reader.Part(0); k < reader.NumParts; k++ {
		var w reader.Weights
		w[k] = 1
		for _, s := range sets {
			for _, d := range []bool{true} {
				t1, mrr := eval(s.name, d, [2]reader.Weights{w, w})
				figures(c.Out, s.name, half(d), k.String(), labels[s.name] != nil, t1, mrr)
			}
		}
	}
	// coordinate ascent over the weights (levels below). The objective keeps every set at or
	// above its best single part: the smallest ratio of the hybrid's dev MRR to the best single
	// part's dev MRR over the sets, ties broken by the mean dev MRR.
	bestPart := map[string]float64{}
	for _, s := range sets {
		for k := reader.Part(0); k < reader.NumParts; k++ {
			var w reader.Weights
			w[k] = 1
			if _, mrr := eval(s.name, true, [2]reader.Weights{w, w}); mrr > bestPart[s.name] {
				bestPart[s.name] = mrr
			}
		}
	}
	levels := []float64{0, 0.25, 0.5, 1, 2, 4, 8}
	devMRR := func(w [2]reader.Weights) float64 {
		var tot float64
		worst := math.Inf(1)
		for _, s := range sets {
			_, mrr := eval(s.name, true, w)
			tot += mrr
			worst = math.Min(worst, mrr/bestPart[s.name])
		}
		return worst + 0.01*tot/float64(len(sets))
	}
	// Weights and CJKWeights together: a set's pairs use one or the other (reader.PairLanguage)
	bestW := [2]reader.Weights{{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}}
	best := devMRR(bestW)
	for round := 0; round < 3; round++ {
		improved := false
		for k := range 2 * int(reader.NumParts) {
			for _, l := range levels {
				w := bestW
				w[k/int(reader.NumParts)][k%int(reader.NumParts)] = l
				if v := devMRR(w); v > best+1e-9 {
					best, bestW, improved = v, w, true
				}
			}
		}
		if !improved {
			break
		}
	}
	fmt.Fprintf(c.Out, "best weights on dev: %v (objective %.4f: worst ratio to the best single part + 0.01 x mean MRR)\n", bestW, best)
	for _, s := range sets {
		for _, d := range []bool{true} {
			t1, mrr := eval(s.name, d, bestW)
			figures(c.Out, s.name, half(d), "hybrid", labels[s.name] != nil, t1, mrr)
		}
	}
	fmt.Fprintf(c.Out, "reader.Weights%v (DefaultWeights)\nreader.Weights%v (DefaultCJKWeights)\n",
		fmtParts(reader.Parts(bestW[0])), fmtParts(reader.Parts(bestW[1])))
	return nil
}

// figures prints a representation's FIGURE lines: owner top-1 and MRR, or P@1 for a label set.
func figures(w io.Writer, set, half, repr string, label bool, top1, mrr float64) {
	if label {
		fmt.Fprintf(w, "FIGURE simtune.%s.%s.%s.p1 %.3f\n", set, half, repr, top1)
		return
	}
	fmt.Fprintf(w, "FIGURE simtune.%s.%s.%s.owner_top1 %.3f\nFIGURE simtune.%s.%s.%s.owner_mrr %.3f\n",
		set, half, repr, top1, set, half, repr, mrr)
}

func half(d bool) string {
	if d {
		return "dev"
	}
	return "val"
}

func fmtParts(p reader.Parts) string {
	s := make([]string, len(p))
	for i, x := range p {
		s[i] = strconv.FormatFloat(x, 'g', 4, 64)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// foldSet folds the events of users with >= 3 events: history ("h.<user>") and last event
// ("q.<user>").
func foldSet(ctx context.Context, c Config, rdb *redis.Client, prefix string, raw []rawEvent) error {
	by := map[string][]event.Event{}
	labelled := false
	for _, r := range raw {
		by[r.user] = append(by[r.user], r.ev)
		labelled = labelled || r.label != ""
	}
	var users []string
	for u, evs := range by {
		if len(evs) >= 3 && dev(u) {
			users = append(users, u)
		}
	}
	sort.Strings(users)
	if c.MaxUsers > 0 && len(users) > c.MaxUsers {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		users = users[:c.MaxUsers]
		sort.Strings(users)
	}
	var evs []event.Event
	for _, u := range users {
		es := by[u]
		sort.SliceStable(es, func(i, j int) bool { return es[i].TS.Before(es[j].TS) })
		for i, e := range es {
			e.Pseudonym = "h." + u
			if i == len(es)-1 && !labelled {
				e.Pseudonym = "q." + u
			}
			evs = append(evs, e)
		}
	}
	for i := range evs {
		evs[i].Topic, evs[i].Offset = "t", int64(i)
	}
	if err := encodeAll(ctx, c, evs); err != nil {
		return err
	}
	so := profilestore.Options{Prefix: prefix, ModelID: c.Encoder.ModelID(), Dim: c.Encoder.Dim(),
		TopCategories: c.TopCategories, TopTerms: c.TopTerms, TopItems: c.TopItems}
	st, err := profilestore.New(rdb, so)
	if err != nil {
		return err
	}
	for i := 0; i < len(evs); i += 500 {
		if _, err := st.Fold(ctx, evs[i:min(i+500, len(evs))]); err != nil {
			return err
		}
	}
	return nil
}

// encodeAll sets the Vector of every event with encoder text, through a disk cache.
func encodeAll(ctx context.Context, c Config, evs []event.Event) error {
	cache := map[string][]float32{}
	var path string
	if c.CacheDir != "" {
		path = filepath.Join(c.CacheDir, "simtune-"+strings.NewReplacer("/", "_", "@", "_").Replace(c.Encoder.ModelID())+".gob")
		if f, err := os.Open(path); err == nil {
			_ = gob.NewDecoder(f).Decode(&cache)
			f.Close()
		}
	}
	var todo []string
	seen := map[string]bool{}
	for i := range evs {
		t := evs[i].EncoderText()
		if t != "" && cache[t] == nil && !seen[t] {
			seen[t] = true
			todo = append(todo, t)
		}
	}
	for i := 0; i < len(todo); i += 64 {
		batch := todo[i:min(i+64, len(todo))]
		vs, err := c.Encoder.Encode(ctx, batch)
		if err != nil {
			return err
		}
		for j, t := range batch {
			cache[t] = vs[j]
		}
	}
	if path != "" && len(todo) > 0 {
		if err := os.MkdirAll(c.CacheDir, 0o755); err == nil {
			if f, err := os.Create(path); err == nil {
				_ = gob.NewEncoder(f).Encode(cache)
				f.Close()
			}
		}
	}
	for i := range evs {
		if t := evs[i].EncoderText(); t != "" {
			evs[i].Vector = cache[t]
		}
	}
	return nil
}
