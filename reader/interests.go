package reader

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/profilestream/profilestream/schema"
)

// Interests is what a person reads of a profile: the words that characterize the user's texts,
// the categories (by name, where the data names them: "electronics.smartphone" rather than
// Taobao's numeric ids), the items the user keeps coming back to, and the latest interactions,
// each with its weight decayed to one time.
type Interests struct {
	// At is the time the weights are decayed to.
	At time.Time `json:"at"`
	// Terms are the top terms by TF-IDF: the decayed weight in the lexical sketch times the
	// term's IDF across all profiles, so that words every user writes ("good", "product") rank
	// below the ones that set this user apart.
	Terms []TermScore `json:"terms"`
	// Categories are the top categories by decayed, action-weighted count.
	Categories []schema.CategoryCount `json:"categories"`
	// Items are the items with the highest decayed, action-weighted interaction counts.
	Items []schema.ItemWeight `json:"items"`
	// Recent are the latest item interactions, newest first.
	Recent []schema.RecentItem `json:"recent"`
}

// TermScore is a term of the lexical sketch with its decayed weight, IDF and their product.
type TermScore struct {
	Term   string  `json:"term"`
	Weight float64 `json:"weight"`
	IDF    float64 `json:"idf"`
	Score  float64 `json:"score"`
}

// Interests returns the top n (terms, categories, items, recent items) of p decayed to now,
// the terms ranked by TF-IDF with the document frequencies of the global hash (one HMGET of the
// profile's terms). n <= 0 means 10.
func (r *Reader) Interests(ctx context.Context, p *Profile, now time.Time, n int) (Interests, error) {
	fields := []string{schema.DFUsers}
	for _, t := range p.Terms {
		fields = append(fields, schema.DFTermPrefix+t.Term)
	}
	df := map[string]string{}
	if len(p.Terms) > 0 {
		vals, err := r.rdb.HMGet(ctx, schema.DFKey(r.opts.Prefix), fields...).Result()
		if err != nil {
			return Interests{}, fmt.Errorf("reader: interests of %q: %w", p.Pseudonym, err)
		}
		for i, v := range vals {
			if s, ok := v.(string); ok {
				df[fields[i]] = s
			}
		}
	}
	return NewScorer(df).Interests(p, now, n), nil
}

// Interests is (*Reader).Interests with the Scorer's document frequencies.
func (s *Scorer) Interests(p *Profile, now time.Time, n int) Interests {
	if n <= 0 {
		n = 10
	}
	in := Interests{At: now, Categories: p.TopCategories(now, n), Items: p.TopItems(now, n), Terms: []TermScore{}}
	for _, t := range p.TopTerms(now, 0) {
		idf := s.IDF(schema.DFTermPrefix + t.Term)
		in.Terms = append(in.Terms, TermScore{Term: t.Term, Weight: t.Weight, IDF: idf, Score: t.Weight * idf})
	}
	sort.SliceStable(in.Terms, func(i, j int) bool { return in.Terms[i].Score > in.Terms[j].Score })
	if len(in.Terms) > n {
		in.Terms = in.Terms[:n]
	}
	in.Recent = append([]schema.RecentItem{}, p.RecentItems[:min(n, len(p.RecentItems))]...)
	return in
}

// String formats the interests on a few lines for people.
func (in Interests) String() string {
	var b []byte
	line := func(name string, parts []string) {
		if len(parts) == 0 {
			return
		}
		b = append(b, fmt.Sprintf("  %-11s ", name)...)
		for i, p := range parts {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, p...)
		}
		b = append(b, '\n')
	}
	var ts, cs, is, rs []string
	for _, t := range in.Terms {
		ts = append(ts, t.Term+" ("+strconv.FormatFloat(t.Score, 'f', 2, 64)+")")
	}
	for _, c := range in.Categories {
		cs = append(cs, c.Category+" ("+strconv.FormatFloat(c.Count, 'f', 1, 64)+")")
	}
	for _, it := range in.Items {
		is = append(is, it.ItemID+" ("+strconv.FormatFloat(it.Weight, 'f', 1, 64)+")")
	}
	for _, it := range in.Recent {
		rs = append(rs, it.ItemID+" "+it.Kind+" "+it.TS.UTC().Format("01-02 15:04"))
	}
	line("terms", ts)
	line("categories", cs)
	line("items", is)
	line("recent", rs)
	return string(b)
}
