package profilestore

import (
	"sort"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/schema"
)

// The interest sketches of a profile (schema: "terms", "bitems", "bvec"): bounded lists of
// (key, decayed weight), highest first, folded in the same atomic step as everything else.
// Weights are kept at float32 precision, in memory as in Redis, so that a cached profile equals
// what is stored.

// addTerm adds w to term t of p's lexical sketch; it reports whether t entered the sketch (was
// absent and is kept).
func (s *Store) addTerm(p *schema.Profile, t string, w float64) bool {
	i := 0
	for i < len(p.Terms) && p.Terms[i].Term != t {
		i++
	}
	entered := i == len(p.Terms)
	if entered {
		if len(p.Terms) >= s.opts.TopTerms && w <= p.Terms[len(p.Terms)-1].Weight {
			return false // would be evicted at once
		}
		p.Terms = append(p.Terms, schema.TermWeight{Term: t})
	}
	p.Terms[i].Weight = f32(p.Terms[i].Weight + w)
	for ; i > 0 && termBefore(p.Terms[i], p.Terms[i-1]); i-- {
		p.Terms[i], p.Terms[i-1] = p.Terms[i-1], p.Terms[i]
	}
	if len(p.Terms) > s.opts.TopTerms {
		p.Terms = p.Terms[:s.opts.TopTerms]
	}
	return entered
}

func termBefore(a, b schema.TermWeight) bool {
	if a.Weight != b.Weight {
		return a.Weight > b.Weight
	}
	return a.Term < b.Term
}

// addSketchItem adds w to item id of p's item sketch.
func (s *Store) addSketchItem(p *schema.Profile, id string, w float64) {
	i := 0
	for i < len(p.ItemSketch) && p.ItemSketch[i].ItemID != id {
		i++
	}
	if i == len(p.ItemSketch) {
		if len(p.ItemSketch) >= s.opts.TopItems && w <= p.ItemSketch[len(p.ItemSketch)-1].Weight {
			return
		}
		p.ItemSketch = append(p.ItemSketch, schema.ItemWeight{ItemID: id})
	}
	p.ItemSketch[i].Weight = f32(p.ItemSketch[i].Weight + w)
	for ; i > 0 && itemWeightBefore(p.ItemSketch[i], p.ItemSketch[i-1]); i-- {
		p.ItemSketch[i], p.ItemSketch[i-1] = p.ItemSketch[i-1], p.ItemSketch[i]
	}
	if len(p.ItemSketch) > s.opts.TopItems {
		p.ItemSketch = p.ItemSketch[:s.opts.TopItems]
	}
}

func itemWeightBefore(a, b schema.ItemWeight) bool {
	if a.Weight != b.Weight {
		return a.Weight > b.Weight
	}
	return a.ItemID < b.ItemID
}

// f32 rounds x to float32 precision (what the sketches store).
func f32(x float64) float64 { return float64(float32(x)) }

// decaySketches multiplies the sketches and the behavioural vector by f (the stored reference
// time moved forward) and records in ch which of them changed.
func decaySketches(p *schema.Profile, f float64, ch *change) {
	if f == 1 {
		return
	}
	for i := range p.Terms {
		p.Terms[i].Weight = f32(p.Terms[i].Weight * f)
	}
	for i := range p.ItemSketch {
		p.ItemSketch[i].Weight = f32(p.ItemSketch[i].Weight * f)
	}
	for i := range p.BehaviorVector {
		p.BehaviorVector[i] *= float32(f)
	}
	ch.terms = ch.terms || len(p.Terms) > 0
	ch.bitems = ch.bitems || len(p.ItemSketch) > 0
	ch.bvec = ch.bvec || len(p.BehaviorVector) > 0
}

// lexicalText is the text an event adds to the lexical sketch: a review's summary and body, a
// click's item title (a click's category is in "cats" already).
func lexicalText(e *event.Event) string {
	if e.Kind == event.KindReview {
		if e.Summary == "" {
			return e.Text
		}
		return e.Summary + "\n" + e.Text
	}
	return e.ItemTitle
}

// foldSketches folds event e with decayed weight dw into p's sketches and behavioural vector.
func (s *Store) foldSketches(p *schema.Profile, e *event.Event, dw float64, ch *change) {
	if !s.opts.NoBehaviorVector && (e.Category != "" || e.ItemID != "") {
		if p.BehaviorVector == nil {
			p.BehaviorVector = make([]float32, schema.BehaviorDim)
		}
		if e.Category != "" {
			schema.AddBehavior(p.BehaviorVector, "c", e.Category, dw)
		}
		if e.ItemID != "" {
			schema.AddBehavior(p.BehaviorVector, "i", e.ItemID, dw)
		}
		ch.bvec = true
	}
	if e.ItemID != "" && s.opts.TopItems > 0 {
		s.addSketchItem(p, e.ItemID, dw)
		ch.bitems = true
	}
	if s.opts.TopTerms > 0 {
		if text := lexicalText(e); text != "" {
			// In a fixed order (heaviest first, then by term), so that which terms a full
			// sketch keeps does not depend on Go's map order.
			tw := schema.Terms(text)
			keys := make([]string, 0, len(tw))
			for t := range tw {
				keys = append(keys, t)
			}
			sort.Slice(keys, func(i, j int) bool {
				if tw[keys[i]] != tw[keys[j]] {
					return tw[keys[i]] > tw[keys[j]]
				}
				return keys[i] < keys[j]
			})
			for _, t := range keys {
				w := tw[t]
				if s.addTerm(p, t, dw*w) {
					ch.countDF(schema.DFTermPrefix + t)
				}
				ch.terms = true
			}
		}
	}
}

func (ch *change) countDF(field string) {
	if ch.df == nil {
		ch.df = map[string]int64{}
	}
	ch.df[field]++
}

func sameTerms(a, b []schema.TermWeight) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameItemSketch(a, b []schema.ItemWeight) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mergeSketches folds src's sketches and behavioural vector into m (Move), src's weights
// multiplied by fs and m's by fm (both decayed to the newer reference time).
func (s *Store) mergeSketches(m, src *schema.Profile, fm, fs float64) {
	terms := make(map[string]float64, len(m.Terms)+len(src.Terms))
	for _, t := range m.Terms {
		terms[t.Term] += t.Weight * fm
	}
	for _, t := range src.Terms {
		terms[t.Term] += t.Weight * fs
	}
	m.Terms = m.Terms[:0]
	for t, w := range terms {
		m.Terms = append(m.Terms, schema.TermWeight{Term: t, Weight: f32(w)})
	}
	sort.Slice(m.Terms, func(i, j int) bool { return termBefore(m.Terms[i], m.Terms[j]) })
	if len(m.Terms) > s.opts.TopTerms {
		m.Terms = m.Terms[:s.opts.TopTerms]
	}
	items := make(map[string]float64, len(m.ItemSketch)+len(src.ItemSketch))
	for _, it := range m.ItemSketch {
		items[it.ItemID] += it.Weight * fm
	}
	for _, it := range src.ItemSketch {
		items[it.ItemID] += it.Weight * fs
	}
	m.ItemSketch = m.ItemSketch[:0]
	for id, w := range items {
		m.ItemSketch = append(m.ItemSketch, schema.ItemWeight{ItemID: id, Weight: f32(w)})
	}
	sort.Slice(m.ItemSketch, func(i, j int) bool { return itemWeightBefore(m.ItemSketch[i], m.ItemSketch[j]) })
	if len(m.ItemSketch) > s.opts.TopItems {
		m.ItemSketch = m.ItemSketch[:s.opts.TopItems]
	}
	if len(m.Terms) == 0 {
		m.Terms = nil
	}
	if len(m.ItemSketch) == 0 {
		m.ItemSketch = nil
	}
	if m.BehaviorVector != nil || src.BehaviorVector != nil {
		v := make([]float32, schema.BehaviorDim)
		for i := range v {
			if i < len(m.BehaviorVector) {
				v[i] += float32(float64(m.BehaviorVector[i]) * fm)
			}
			if i < len(src.BehaviorVector) {
				v[i] += float32(float64(src.BehaviorVector[i]) * fs)
			}
		}
		roundF16(v)
		m.BehaviorVector = v
	}
}
