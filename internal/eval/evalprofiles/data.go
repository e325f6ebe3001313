package evalprofiles

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/pii"
	"github.com/profilestream/profilestream/internal/replay"
)

// Dataset is one data set of the evaluation and the tasks it has.
type Dataset struct {
	Name string // the <dataset> of the FIGURE names
	File string // relative to Options.DataDir
	// Owner: owner retrieval with the time split (the data has real users).
	Owner bool
	// Labels: neighbour-category P@k, k-means NMI and the segments' NMI (the data has
	// readable categories, one or few per user).
	Labels bool
	// Clicks: the events are clicks; the TF-IDF baseline is over categories, not text.
	Clicks bool
	// Blind: the events' category and item id are copies of the label (replay makes the Chinese
	// reviews' item id zh-<category>), so they are not produced: the profile must find the
	// category from the text, as the baseline does.
	Blind bool
}

// Datasets are the data sets of ../shared/data the evaluation knows, in the order it runs them.
var Datasets = []Dataset{
	{Name: "amazon_5core", File: "amazon-reviews-5core/reviews.jsonl.gz", Owner: true, Labels: true},
	{Name: "amazon_multicat", File: "amazon-reviews-2023-multicat/reviews.jsonl.gz", Owner: true, Labels: true},
	{Name: "taobao", File: "taobao-userbehavior/UserBehavior.head-slice.csv.gz", Owner: true, Clicks: true},
	{Name: "rees46", File: "rees46-ecommerce/rees46-2019-Oct.head-slice.csv.gz", Owner: true, Clicks: true},
	{Name: "chinese", File: "online-shopping-10-cats/online_shopping_10_cats.csv.gz", Labels: true, Blind: true},
}

// minEvents is the fewest events a user needs: a history of at least two and a last event.
const minEvents = 3

// queryPrefix makes the user id of a user's one-event pseudo-user (the held-out last event).
const queryPrefix = "evalq-"

// user is one evaluated user of a data set.
type user struct {
	ID      string
	Label   string        // majority category of the history ("" without labels)
	History []evRec       // in time order
	Query   *evRec        // the last event (owner data sets only)
	Terms   map[int32]int // term counts of the history for the TF-IDF baseline
	QTerms  map[int32]int // term counts of the query
}

// evRec is one event: the record replay produces and what the worker decodes from it.
type evRec struct {
	rec  replay.Record
	ev   event.Event
	line int // position in the file (the produce order)
}

// loaded is a data set read, split and capped.
type loaded struct {
	ds        Dataset
	users     []*user
	rejected  int // records the worker's decoder rejects (never produced)
	candidate int // users of the split with enough events, before the cap
	events    int // history + query events produced
}

// load reads a data set file, keeps the users of split with at least minEvents events, the
// first maxUsers of them in hash order (0 = all), and prepares their history, query and terms.
func load(dataDir string, ds Dataset, split Split, maxUsers int) (*loaded, error) {
	path := filepath.Join(dataDir, ds.File)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, _, _, err := replay.Read(f)
	if err != nil {
		return nil, fmt.Errorf("evalprofiles: %s: %w", path, err)
	}
	out := &loaded{ds: ds}
	byUser := map[string][]evRec{}
	var order []string
	for i, r := range recs {
		role := consumer.RoleReviews
		if r.Kind == replay.Click {
			role = consumer.RoleClicks
		}
		ev, _, rej := consumer.Decode(role, r.Value, r.TS, consumer.Limits{})
		if rej != nil {
			out.rejected++
			continue
		}
		if _, ok := byUser[ev.UserID]; !ok {
			order = append(order, ev.UserID)
		}
		byUser[ev.UserID] = append(byUser[ev.UserID], evRec{rec: r, ev: ev, line: i})
	}
	var ids []string
	for _, id := range order {
		if len(byUser[id]) >= minEvents && SplitOf(id) == split {
			ids = append(ids, id)
		}
	}
	out.candidate = len(ids)
	sort.Slice(ids, func(a, b int) bool { return userHash(ids[a]) < userHash(ids[b]) })
	if maxUsers > 0 && len(ids) > maxUsers {
		ids = ids[:maxUsers]
	}
	sort.Strings(ids)
	voc := newVocab()
	sc := pii.NewScrubber()
	for _, id := range ids {
		evs := byUser[id]
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].ev.TS.Before(evs[b].ev.TS) })
		u := &user{ID: id, History: evs}
		if ds.Owner {
			q := evs[len(evs)-1]
			u.History, u.Query = evs[:len(evs)-1], &q
		}
		u.Terms = map[int32]int{}
		cats := map[string]int{}
		for _, e := range u.History {
			addTerms(u.Terms, voc, sc, ds, e.ev)
			if e.ev.Category != "" {
				cats[e.ev.Category]++
			}
		}
		if ds.Labels {
			u.Label = majority(cats)
		}
		if u.Query != nil {
			u.QTerms = map[int32]int{}
			addTerms(u.QTerms, voc, sc, ds, u.Query.ev)
		}
		out.users = append(out.users, u)
	}
	return out, nil
}

// addTerms adds an event's baseline terms: its category for clicks, the words of its text as
// the worker sees it (scrubbed, EncoderText) for reviews.
func addTerms(dst map[int32]int, voc *vocab, sc *pii.Scrubber, ds Dataset, ev event.Event) {
	if ds.Clicks {
		if ev.Category != "" {
			dst[voc.id("cat:"+ev.Category)]++
		}
		return
	}
	ev.Summary, _ = sc.Scrub(ev.Summary)
	ev.Text, _ = sc.Scrub(ev.Text)
	for _, t := range Tokens(ev.EncoderText()) {
		dst[voc.id(t)]++
	}
}

// majority is the most frequent key (the smallest on a tie), "" for none.
func majority(c map[string]int) string {
	best, bn := "", 0
	for k, n := range c {
		if n > bn || (n == bn && k < best) {
			best, bn = k, n
		}
	}
	return best
}

// records returns what is produced, in order: every history event in file order, then every
// query event in file order, its user id replaced by the pseudo-user's.
func (l *loaded) records() ([]replay.Record, error) {
	var hist, qs []evRec
	for _, u := range l.users {
		hist = append(hist, u.History...)
		if u.Query != nil {
			qs = append(qs, *u.Query)
		}
	}
	byLine := func(x []evRec) { sort.Slice(x, func(a, b int) bool { return x[a].line < x[b].line }) }
	byLine(hist)
	byLine(qs)
	out := make([]replay.Record, 0, len(hist)+len(qs))
	for _, e := range hist {
		r := e.rec
		if l.ds.Blind {
			var err error
			if r, err = withUser(r, e.ev.UserID, "category", "item_id"); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	for _, e := range qs {
		drop := []string(nil)
		if l.ds.Blind {
			drop = []string{"category", "item_id"}
		}
		r, err := withUser(e.rec, queryPrefix+e.ev.UserID, drop...)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	l.events = len(out)
	return out, nil
}

// withUser returns the record with its value's user_id replaced and the fields drop removed.
func withUser(r replay.Record, id string, drop ...string) (replay.Record, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Value, &m); err != nil {
		return r, fmt.Errorf("evalprofiles: record value: %w", err)
	}
	for _, f := range drop {
		delete(m, f)
	}
	b, _ := json.Marshal(id)
	m["user_id"] = b
	v, err := json.Marshal(m)
	if err != nil {
		return r, err
	}
	r.UserID, r.Value = id, v
	return r, nil
}
