package reader

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/profilestream/profilestream/schema"
)

// The one similarity of two profiles. A profile has up to five comparable parts, each compared
// with a cosine:
//
//   - dense: the lifetime mean embedding of the user's texts ("vec"), when both come from the
//     same encoder model;
//   - lexical: the lexical sketches ("terms") weighted by TF-IDF, the IDF from the global
//     document-frequency hash (schema.DFKey);
//   - category: the decayed category counts ("cats") weighted by IDF;
//   - item: the decayed item sketches ("bitems");
//   - behaviour: the hashed behavioural vectors ("bvec").
//
// The parts live on different scales (two random users' dense cosine is far above 0, their
// lexical cosine is nearly 0), so each is normalized to a z-score against its distribution over
// random pairs of users (Calibration) before a weighted mean over the parts both profiles have
// (normalized fusion). The weights and calibration are measured on a development split of users
// (DefaultWeights documents how); a profile missing a part (no text, no clicks) is compared on
// the others.

// Part names one comparable part of a profile.
type Part int

// The parts, in the order of Parts and Weights.
const (
	PartDense Part = iota
	PartLexical
	PartCategory
	PartItem
	PartBehavior
	NumParts
)

var partNames = [NumParts]string{"dense", "lexical", "category", "item", "behavior"}

// String returns the part's name ("dense", "lexical", "category", "item", "behavior").
func (p Part) String() string {
	if p < 0 || p >= NumParts {
		return "invalid"
	}
	return partNames[p]
}

// Parts holds one value per part; NaN marks a part that is missing (one of the two profiles has
// no data for it).
type Parts [NumParts]float64

// Weights are the fusion weights of the parts (any non-negative scale; a zero weight leaves a
// part out).
type Weights [NumParts]float64

// Calibration holds the mean and standard deviation of each part's cosine over random pairs of
// users: the fusion uses (cos - Mean) / Std.
type Calibration struct {
	Mean, Std Parts
}

// DefaultWeights are the fusion weights the package ships, measured with `go run ./cmd/simtune
// -data ../shared/data -sets amazon_5core,amazon_2023,taobao,chinese -max-users 1200` (it chooses
// DefaultCJKWeights in the same run; docs/applications.md, "Profile similarity") on the DEV
// users of make eval-profiles' split only: owner retrieval (the user's last event as a one-event
// profile, ranked against every user's history) on Amazon 5-core, Amazon 2023 multi-category and
// Taobao clicks, each set calibrated as (*Reader).Scorer calibrates a deployment; the weights
// maximize the worst ratio of the hybrid's MRR to the best single part's over the three sets.
// DEV owner MRR, hybrid against the best single part, with the learned behaviour table
// (internal/behavior) fitted on each set's profiles as a deployment's worker fits it: 5-core 0.243
// (lexical 0.219), 2023 0.639 (dense 0.441), Taobao 0.410 (behaviour 0.410). The behaviour part
// (the sketches projected with the learned table) gets the weight of the dense and lexical parts:
// it is the strongest part on click-only data; the category part adds little beside it and the
// item sketch nothing on DEV (weight 0: it still serves Interests and the recommender).
//
// DefaultCJKWeights fuse two mostly-Chinese/Japanese/Korean profiles (PairLanguage): chosen by
// the same simtune run with the Chinese reviews added (`-sets
// amazon_5core,amazon_2023,taobao,chinese`, neighbour-category P@1 of 1,200 DEV pseudo-users,
// text only): the lexical part of character bigrams (P@1 0.741) only pulls the dense part
// (0.984) down, so it gets weight 0; hybrid P@1 0.984.
//
// DefaultCalibration is what Similarity uses without corpus statistics (a Scorer from
// NewScorer; (*Reader).Scorer calibrates on the deployment's own profiles instead): the mean of
// the sets' calibrations in the same run (each part over the sets that have it).
var (
	DefaultWeights     = Weights{1, 1, 0.03125, 0, 1}
	DefaultCJKWeights  = Weights{1, 0, 0.125, 0.125, 0.125}
	DefaultCalibration = Calibration{
		Mean: Parts{0.5874, 0.0197, 0.1166, 0.0014, 0.1110},
		Std:  Parts{0.1632, 0.0542, 0.2454, 0.0252, 0.2241},
	}
)

// Scorer computes the similarity of profiles with the document frequencies of one corpus. The
// zero Scorer is not usable: use NewScorer or (*Reader).Scorer. A Scorer is safe for
// concurrent use.
type Scorer struct {
	df    map[string]float64 // schema.DFKey field -> count
	users float64
	// behavior is the learned behaviour table (nil: the stored hashed "bvec" is compared).
	behavior *schema.BehaviorTable
	// Weights fuse the parts of two profiles; CJKWeights instead when both profiles' words are
	// mostly Chinese, Japanese or Korean (schema.LangCJK).
	Weights, CJKWeights Weights
	Calib               Calibration
}

// NewScorer returns a Scorer with the document-frequency hash df (the fields of schema.DFKey as
// HGETALL returns them; nil: every IDF is 1) and the default weights and calibration.
func NewScorer(df map[string]string) *Scorer {
	s := &Scorer{df: make(map[string]float64, len(df)), Weights: DefaultWeights, CJKWeights: DefaultCJKWeights, Calib: DefaultCalibration}
	for f, v := range df {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		if f == schema.DFUsers {
			s.users = n
		} else {
			s.df[f] = n
		}
	}
	return s
}

// Scorer reads the global document-frequency hash (one HGETALL of schema.DFKey: its cost grows
// with the vocabulary) and calibrates Similarity on the pairs of the first 200 profiles a scan
// returns (Calibrate), and returns the Scorer. Load it once per batch of comparisons.
func (r *Reader) Scorer(ctx context.Context) (*Scorer, error) {
	df, err := r.rdb.HGetAll(ctx, schema.DFKey(r.opts.Prefix)).Result()
	if err != nil {
		return nil, fmt.Errorf("reader: document frequencies: %w", err)
	}
	s := NewScorer(df)
	bt, err := r.rdb.HGetAll(ctx, schema.BehaviorTableKey(r.opts.Prefix)).Result()
	if err != nil {
		return nil, fmt.Errorf("reader: behaviour table: %w", err)
	}
	if s.behavior, err = schema.DecodeBehaviorTable(bt); err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	var sample []*Profile
	err = r.Scan(ctx, func(p *Profile) error {
		if len(sample) >= calibrationSample {
			return errEnoughProfiles
		}
		sample = append(sample, p)
		return nil
	})
	if err != nil && !errors.Is(err, errEnoughProfiles) {
		return nil, err
	}
	s.Calibrate(sample)
	return s, nil
}

// scorerCache holds the Scorer NearestProfile reuses for Options.ScorerTTL.
type scorerCache struct {
	mu sync.Mutex
	s  *Scorer
	at time.Time
}

// sharedScorer returns NearestProfile's Scorer: the cached one while it is younger than
// Options.ScorerTTL, else a new one from Scorer (one load at a time; the others wait for it).
// The cached Scorer is only read, never handed to callers, who may change a Scorer's Weights.
func (r *Reader) sharedScorer(ctx context.Context) (*Scorer, error) {
	if r.opts.ScorerTTL < 0 {
		return r.Scorer(ctx)
	}
	c := &r.scorer
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s != nil && time.Since(c.at) < r.opts.ScorerTTL {
		return c.s, nil
	}
	s, err := r.Scorer(ctx)
	if err != nil {
		return nil, err
	}
	c.s, c.at = s, time.Now()
	return s, nil
}

// calibrationSample is how many profiles (*Reader).Scorer reads to calibrate Similarity.
const calibrationSample = 200

var errEnoughProfiles = errors.New("enough profiles")

var plainScorer = NewScorer(nil)

// Similarity returns how alike two profiles are: the weighted mean of the z-scores of the parts
// both have (see Scorer.Similarity), with every IDF 1 (no corpus statistics; use a Reader's
// Scorer for the TF-IDF weighting). 0 when a or b is nil or they share no part.
func Similarity(a, b *schema.Profile) float64 { return plainScorer.Similarity(a, b) }

// Similarity returns how alike two profiles are: sum_k w_k (cos_k - mean_k)/std_k / sum_k w_k over
// the parts k both profiles have (normalized fusion). Higher is more alike; 0 is as alike as
// two random users; it is not bounded to [-1, 1]. 0 when a or b is nil or they share no part.
func (s *Scorer) Similarity(a, b *schema.Profile) float64 {
	if a == nil || b == nil {
		return 0
	}
	return s.FuseWith(s.Parts(a, b), s.WeightsFor(a, b))
}

// WeightsFor returns the fusion weights of the pair a, b: CJKWeights when the words of both are
// mostly Chinese, Japanese or Korean (schema.(*Profile).Language), else Weights.
func (s *Scorer) WeightsFor(a, b *schema.Profile) Weights {
	if PairLanguage(a, b) == schema.LangCJK {
		return s.CJKWeights
	}
	return s.Weights
}

// PairLanguage is schema.LangCJK when the words of both a and b are mostly Chinese, Japanese or
// Korean (schema.(*Profile).Language), else schema.LangOther.
func PairLanguage(a, b *schema.Profile) schema.Language {
	if a != nil && b != nil && a.Language() == schema.LangCJK && b.Language() == schema.LangCJK {
		return schema.LangCJK
	}
	return schema.LangOther
}

// Fuse combines per-part cosines (NaN: missing) with the Scorer's Weights and calibration.
func (s *Scorer) Fuse(p Parts) float64 { return s.FuseWith(p, s.Weights) }

// FuseWith combines per-part cosines (NaN: missing) with the weights ws and the Scorer's
// calibration.
func (s *Scorer) FuseWith(p Parts, ws Weights) float64 {
	var num, den float64
	for k, c := range p {
		w := ws[k]
		if w == 0 || math.IsNaN(c) {
			continue
		}
		sd := s.Calib.Std[k]
		if sd <= 0 || math.IsNaN(sd) {
			sd = 1
		}
		num += w * (c - s.Calib.Mean[k]) / sd
		den += w
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// Scores returns Similarity(q, c) for each candidate c (NearestProfile, Similar and look-alike
// audiences rank with it).
func (s *Scorer) Scores(q *Profile, cands []*Profile) []float64 {
	out := make([]float64, len(cands))
	for i, c := range cands {
		out[i] = s.Similarity(q, c)
	}
	return out
}

// calibrate returns the mean and standard deviation of each part over ps (missing parts left
// out; a part with no spread gets Std +Inf, so it adds 0).
func calibrate(ps []Parts) Calibration {
	var c Calibration
	var n, sum, sq Parts
	for _, p := range ps {
		for k, x := range p {
			if !math.IsNaN(x) {
				n[k]++
				sum[k] += x
				sq[k] += x * x
			}
		}
	}
	for k := range n {
		c.Mean[k], c.Std[k] = 0, math.Inf(1)
		if n[k] > 0 {
			c.Mean[k] = sum[k] / n[k]
			if v := sq[k]/n[k] - c.Mean[k]*c.Mean[k]; v > 1e-12 {
				c.Std[k] = math.Sqrt(v)
			}
		}
	}
	return c
}

// Calibrate sets the Scorer's calibration (used by Similarity) from the pairs of a sample of
// profiles: each part's mean and standard deviation over all pairs of distinct profiles.
func (s *Scorer) Calibrate(sample []*Profile) {
	var ps []Parts
	for i, a := range sample {
		for _, b := range sample[i+1:] {
			ps = append(ps, s.Parts(a, b))
		}
	}
	if len(ps) >= 8 {
		s.Calib = calibrate(ps)
		for k, sd := range s.Calib.Std {
			if math.IsInf(sd, 1) {
				s.Calib.Std[k] = 1
			}
		}
	}
}

// Parts returns the cosine of each part of a and b, NaN where one of them has no data.
func (s *Scorer) Parts(a, b *schema.Profile) Parts {
	var p Parts
	p[PartDense] = denseCosine(a, b)
	p[PartLexical] = s.lexicalCosine(a, b)
	p[PartCategory] = s.categoryCosine(a, b)
	p[PartItem] = itemCosine(a, b)
	p[PartBehavior] = s.behaviorCosine(a, b)
	return p
}

// WithBehaviorTable sets the learned behaviour table the behaviour part projects profiles with
// (nil: the stored hashed vectors "bvec" are compared). (*Reader).Scorer loads the published one.
func (s *Scorer) WithBehaviorTable(t *schema.BehaviorTable) *Scorer {
	s.behavior = t
	return s
}

// BehaviorTable returns the learned behaviour table the Scorer uses (nil: none).
func (s *Scorer) BehaviorTable() *schema.BehaviorTable { return s.behavior }

// behaviorCosine compares the behavioural vectors: with a learned table, both profiles'
// sketches projected with it (schema.BehaviorTable.ProfileVector, categories weighted by IDF);
// without, the stored hashed vectors.
func (s *Scorer) behaviorCosine(a, b *schema.Profile) float64 {
	if s.behavior == nil {
		return vecCosine(a.BehaviorVector, b.BehaviorVector)
	}
	idf := func(c string) float64 { return s.IDF(schema.DFCategoryPrefix + c) }
	return vecCosine(s.behavior.ProfileVector(a, idf), s.behavior.ProfileVector(b, idf))
}

// IDF returns the IDF of a schema.DFKey field ("t:<term>", "c:<category>"); 1 without statistics.
func (s *Scorer) IDF(field string) float64 {
	if s.users == 0 {
		return 1
	}
	return schema.IDF(s.df[field], s.users)
}

// denseCosine is the cosine of the two lifetime mean embeddings, NaN when they are not
// comparable (no text, other model or dimension).
func denseCosine(a, b *schema.Profile) float64 {
	if a.ModelID != b.ModelID || len(a.Vector) != len(b.Vector) {
		return math.NaN()
	}
	return vecCosine(a.Vector, b.Vector)
}

func vecCosine(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return math.NaN()
	}
	var dot, na, nb float64
	for i, x := range a {
		y := float64(b[i])
		dot += float64(x) * y
		na += float64(x) * float64(x)
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return math.NaN()
	}
	return dot / math.Sqrt(na*nb)
}

func (s *Scorer) lexicalCosine(a, b *schema.Profile) float64 {
	if len(a.Terms) == 0 || len(b.Terms) == 0 {
		return math.NaN()
	}
	return sparseCosine(len(a.Terms), len(b.Terms),
		func(i int) (string, float64) { t := a.Terms[i]; return t.Term, t.Weight },
		func(i int) (string, float64) { t := b.Terms[i]; return t.Term, t.Weight },
		func(k string) float64 { return s.IDF(schema.DFTermPrefix + k) })
}

func (s *Scorer) categoryCosine(a, b *schema.Profile) float64 {
	if len(a.Categories) == 0 || len(b.Categories) == 0 {
		return math.NaN()
	}
	return sparseCosine(len(a.Categories), len(b.Categories),
		func(i int) (string, float64) { c := a.Categories[i]; return c.Category, c.Count },
		func(i int) (string, float64) { c := b.Categories[i]; return c.Category, c.Count },
		func(k string) float64 { return s.IDF(schema.DFCategoryPrefix + k) })
}

func itemCosine(a, b *schema.Profile) float64 {
	if len(a.ItemSketch) == 0 || len(b.ItemSketch) == 0 {
		return math.NaN()
	}
	return sparseCosine(len(a.ItemSketch), len(b.ItemSketch),
		func(i int) (string, float64) { it := a.ItemSketch[i]; return it.ItemID, it.Weight },
		func(i int) (string, float64) { it := b.ItemSketch[i]; return it.ItemID, it.Weight },
		func(string) float64 { return 1 })
}

// sparseCosine is the cosine of two sparse vectors given entry by entry, each weight multiplied
// by idf(key). Sketches are short (tens of entries): a map of the smaller side is enough.
func sparseCosine(na, nb int, a, b func(int) (string, float64), idf func(string) float64) float64 {
	if na > nb {
		na, nb, a, b = nb, na, b, a
	}
	m := make(map[string]float64, na)
	var sa, sb, dot float64
	for i := 0; i < na; i++ {
		k, w := a(i)
		x := w * idf(k)
		m[k] = x
		sa += x * x
	}
	for i := 0; i < nb; i++ {
		k, w := b(i)
		y := w * idf(k)
		sb += y * y
		dot += m[k] * y
	}
	if sa == 0 || sb == 0 {
		return math.NaN()
	}
	return dot / math.Sqrt(sa*sb)
}

// String formats parts as "dense=0.81 lexical=0.12 ..." (missing parts left out).
func (p Parts) String() string {
	var b strings.Builder
	for k, c := range p {
		if math.IsNaN(c) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%.3f", Part(k), c)
	}
	return b.String()
}

// NearestProfile returns the k profiles most similar to q by the hybrid Similarity (with a
// Scorer of Options.ScorerTTL: document frequencies and calibration), most similar first; skip (may be nil) leaves users
// out. q need not be stored: a one-event profile, or Combine of a seed set. Similar and
// look-alike audiences use it. The candidates come from the segment index by default (the
// members of the Options.NearestProbes segments nearest to q's lifetime vector, read with
// HGETALL; see Nearest and index.go), or from a full Scan (HGETALL of every profile) with Exact,
// when q has no lifetime vector or there are no centroids: O(users x (dim + sketch sizes)) per
// call. Either way every candidate is scored with Scorer.Scores.
func (r *Reader) NearestProfile(ctx context.Context, q *Profile, k int, skip func(pseudonym string) bool, opts ...QueryOption) ([]Neighbor, error) {
	if q == nil || k <= 0 {
		return nil, nil
	}
	sc, err := r.sharedScorer(ctx)
	if err != nil {
		return nil, err
	}
	qo := queryOptions{probes: r.opts.NearestProbes}
	for _, o := range opts {
		o(&qo)
	}
	var cands []*Profile
	err = r.candidates(ctx, q, qo.probes, func() bool { return len(cands) >= k }, func(p *Profile) error {
		if skip == nil || !skip(p.Pseudonym) {
			cands = append(cands, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h := &neighborHeap{}
	for i, sim := range sc.Scores(q, cands) {
		n := Neighbor{cands[i].Pseudonym, sim}
		if h.Len() < k {
			heap.Push(h, n)
		} else if less((*h)[0], n) {
			(*h)[0] = n
			heap.Fix(h, 0)
		}
	}
	out := make([]Neighbor, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(Neighbor)
	}
	return out, nil
}

// Combine returns one profile that stands for a set of profiles (a look-alike seed set): the
// mean of their unit lifetime vectors (of the first model seen), and the sums of their sketches
// and behavioural vectors with each profile's part scaled to unit length, so that every seed
// weighs the same. Nil when ps is empty.
func Combine(ps []*Profile) *Profile {
	if len(ps) == 0 {
		return nil
	}
	out := &Profile{Pseudonym: "(combined)", Segment: -1}
	terms, cats, items := map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, p := range ps {
		if v := schema.Normalize(p.Vector); v != nil && (out.Vector == nil || (p.ModelID == out.ModelID && len(v) == len(out.Vector))) {
			if out.Vector == nil {
				out.Vector, out.ModelID, out.Dim = make([]float32, len(v)), p.ModelID, len(v)
			}
			for i, x := range v {
				out.Vector[i] += x
			}
		}
		if v := schema.Normalize(p.BehaviorVector); v != nil && len(v) == schema.BehaviorDim {
			if out.BehaviorVector == nil {
				out.BehaviorVector = make([]float32, schema.BehaviorDim)
			}
			for i, x := range v {
				out.BehaviorVector[i] += x
			}
		}
		var n float64
		for _, t := range p.Terms {
			n += t.Weight * t.Weight
		}
		for _, t := range p.Terms {
			terms[t.Term] += t.Weight / math.Sqrt(n)
		}
		n = 0
		for _, c := range p.Categories {
			n += c.Count * c.Count
		}
		for _, c := range p.Categories {
			cats[c.Category] += c.Count / math.Sqrt(n)
		}
		n = 0
		for _, it := range p.ItemSketch {
			n += it.Weight * it.Weight
		}
		for _, it := range p.ItemSketch {
			items[it.ItemID] += it.Weight / math.Sqrt(n)
		}
	}
	for t, w := range terms {
		out.Terms = append(out.Terms, schema.TermWeight{Term: t, Weight: w})
	}
	for c, w := range cats {
		out.Categories = append(out.Categories, schema.CategoryCount{Category: c, Count: w})
	}
	for id, w := range items {
		out.ItemSketch = append(out.ItemSketch, schema.ItemWeight{ItemID: id, Weight: w})
	}
	sort.Slice(out.Terms, func(i, j int) bool { return out.Terms[i].Weight > out.Terms[j].Weight })
	sort.Slice(out.Categories, func(i, j int) bool { return out.Categories[i].Count > out.Categories[j].Count })
	sort.Slice(out.ItemSketch, func(i, j int) bool { return out.ItemSketch[i].Weight > out.ItemSketch[j].Weight })
	return out
}
