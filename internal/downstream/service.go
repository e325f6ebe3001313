// Package downstream answers the questions of downstream users of the profiles (a shop's
// recommendation box, a marketer, an operator) on top of internal/apps, reader and
// internal/online: recommendations, look-alike audiences, churn risk, segments with their trend
// and a 2-D map of them. `streamer recommend|lookalike|churn` print its answers as tables
// (Format*), and `streamer serve` (internal/serve) returns them as JSON.
//
// It only reads Redis. Raw user ids are pseudonymized in memory with Options.Keys and never
// sent to Redis; no function of this package logs.
package downstream

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/pseudonym"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// ErrNoKey is returned (wrapped) by the raw-id lookups when no pseudonymizer is configured.
var ErrNoKey = errors.New("downstream: no pseudonym key configured: raw user ids cannot be looked up")

// ErrNotFound is reader.ErrNotFound: a user without a profile.
var ErrNotFound = reader.ErrNotFound

// ErrNoSegment is returned (wrapped) for a segment id the model does not have.
var ErrNoSegment = errors.New("downstream: no such segment")

// Options configure a Service.
type Options struct {
	// Prefix of every key, as configured for the worker. Default "ps".
	Prefix string
	// Keys is the pseudonym key ring (active key first) and Namespace the pseudonym namespace
	// of raw user ids, as reader.Options has them. Nil Keys: raw-id lookups fail with ErrNoKey.
	Keys      *pseudonym.Ring
	Namespace string
	// TrendWindow is the window of a segment's trend (joins and leaves read from the
	// segment-change stream). Default 1h.
	TrendWindow time.Duration
	// TrendBuckets splits TrendWindow into this many buckets of the trend series. Default 12.
	TrendBuckets int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service reads profiles, segments and items. It is safe for concurrent use and keeps one
// apps.ItemIndex per encoder model, so the in-memory copy of the items is reused across calls.
type Service struct {
	rdb  redis.UniversalClient
	opts Options
	rd   *reader.Reader
	aud  *apps.Audiences

	mu  sync.Mutex
	idx map[string]*apps.ItemIndex
}

// New returns a Service on client.
func New(client redis.UniversalClient, opts Options) (*Service, error) {
	if client == nil {
		return nil, errors.New("downstream: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = "ps"
	}
	if opts.TrendWindow <= 0 {
		opts.TrendWindow = time.Hour
	}
	if opts.TrendBuckets <= 0 {
		opts.TrendBuckets = 12
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rd, err := reader.New(client, reader.Options{Prefix: opts.Prefix, Keys: opts.Keys, Namespace: opts.Namespace})
	if err != nil {
		return nil, fmt.Errorf("downstream: %w", err)
	}
	aud, err := apps.NewAudiences(client, apps.AudienceOptions{Prefix: opts.Prefix})
	if err != nil {
		return nil, fmt.Errorf("downstream: %w", err)
	}
	return &Service{rdb: client, opts: opts, rd: rd, aud: aud, idx: map[string]*apps.ItemIndex{}}, nil
}

// Reader returns the service's profile reader.
func (s *Service) Reader() *reader.Reader { return s.rd }

// CanResolve reports whether raw user ids can be pseudonymized.
func (s *Service) CanResolve() bool { return s.opts.Keys != nil }

// Resolve pseudonymizes a raw user id: the first candidate pseudonym (active key first) that has
// a profile, with found true; otherwise the pseudonym under the active key, with found false.
func (s *Service) Resolve(ctx context.Context, raw string) (pseudonym string, found bool, err error) {
	if s.opts.Keys == nil {
		return "", false, ErrNoKey
	}
	cands := s.opts.Keys.Candidates(s.opts.Namespace, raw)
	if len(cands) == 0 {
		return "", false, ErrNoKey
	}
	for _, ps := range cands {
		p, err := s.rd.Profile(ctx, ps)
		if err == nil {
			return p.Pseudonym, true, nil // a moved profile's new pseudonym
		}
		if !errors.Is(err, reader.ErrNotFound) {
			return "", false, fmt.Errorf("downstream: resolve user id: %w", err)
		}
	}
	return cands[0], false, nil
}

// Profile returns a pseudonym's profile (an error wrapping ErrNotFound when it has none).
func (s *Service) Profile(ctx context.Context, pseudonym string) (*reader.Profile, error) {
	return s.rd.Profile(ctx, pseudonym)
}

// Similar returns the n users whose lifetime mean is closest to the user's (reader.Similar).
func (s *Service) Similar(ctx context.Context, pseudonym string, n int) ([]reader.Neighbor, error) {
	out, err := s.rd.Similar(ctx, pseudonym, n)
	if out == nil && err == nil {
		out = []reader.Neighbor{}
	}
	return out, err
}

// Settings returns the settings the workers wrote the profiles and items with
// (reader.Reader.Settings; the defaults while none are stored). Every score of the service
// (item popularity, churn risk) interprets the stored data with them.
func (s *Service) Settings(ctx context.Context) (schema.Settings, error) {
	st, _, err := s.rd.Settings(ctx)
	if err != nil {
		return schema.Settings{}, fmt.Errorf("downstream: %w", err)
	}
	return st, nil
}

// index returns the item index of an encoder model, with the item half-life of the stored
// settings (a new index when the settings changed).
func (s *Service) index(ctx context.Context, model string) (*apps.ItemIndex, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s\x00%d", model, st.ItemHalfLife)
	s.mu.Lock()
	defer s.mu.Unlock()
	if x, ok := s.idx[key]; ok {
		return x, nil
	}
	x, err := apps.NewItemIndex(s.rdb, apps.ItemOptions{Prefix: s.opts.Prefix, ModelID: model, Now: s.opts.Now, HalfLife: st.ItemHalfLife})
	if err != nil {
		return nil, fmt.Errorf("downstream: %w", err)
	}
	s.idx[key] = x
	return x, nil
}

// Recommend returns up to n items for a user (apps.ItemIndex.Recommend with the default blend),
// optionally of one category. The index is the one of the profile's encoder model; a user
// without a profile gets the most popular items (Source "popular").
func (s *Service) Recommend(ctx context.Context, pseudonym string, n int, category string) (apps.Recommendation, error) {
	model := "(none)"
	p, err := s.rd.Profile(ctx, pseudonym)
	switch {
	case err == nil && p.ModelID != "":
		model = p.ModelID
	case err != nil && !errors.Is(err, reader.ErrNotFound):
		return apps.Recommendation{}, fmt.Errorf("downstream: recommend: %w", err)
	}
	x, err := s.index(ctx, model)
	if err != nil {
		return apps.Recommendation{}, err
	}
	rec, err := x.Recommend(ctx, pseudonym, apps.RecommendOptions{K: n, Category: category})
	if rec.Items == nil {
		rec.Items = []apps.ScoredItem{}
	}
	return rec, err
}

// LookAlike returns the n users most similar to the seed pseudonyms (apps.Audiences.LookAlike).
// An error wraps apps.ErrNoSeeds when no seed has a profile.
func (s *Service) LookAlike(ctx context.Context, seeds []string, n int) ([]apps.Scored, error) {
	out, err := s.aud.LookAlike(ctx, seeds, n)
	if out == nil && err == nil {
		out = []apps.Scored{}
	}
	return out, err
}

// LookAlikeSegment returns the n users outside segment seg most similar to its members.
func (s *Service) LookAlikeSegment(ctx context.Context, seg, n int) ([]apps.Scored, error) {
	out, err := s.aud.LookAlikeSegment(ctx, seg, n)
	if out == nil && err == nil {
		out = []apps.Scored{}
	}
	return out, err
}

// ChurnRisk is one user's churn risk.
type ChurnRisk struct {
	Pseudonym string    `json:"pseudonym"`
	Risk      float64   `json:"risk"`
	Events    int64     `json:"events"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// RecencyDays is the time between the last event and At, in days.
	RecencyDays float64 `json:"recency_days"`
	// Activity is the decayed activity at At.
	Activity float64 `json:"activity"`
	Segment  int     `json:"segment"`
}

// Churn scores one profile at at with the action weights of the settings the profile was
// written with (apps.ChurnOptions; Service.Settings reads them).
func Churn(st schema.Settings, p *reader.Profile, at time.Time) ChurnRisk {
	return ChurnRisk{
		Pseudonym: p.Pseudonym, Risk: apps.ChurnOptions{ActionWeights: st.ActionWeights}.Score(p, at), Events: p.Events,
		FirstSeen: p.FirstSeen, LastSeen: p.LastSeen, RecencyDays: at.Sub(p.LastSeen).Hours() / 24,
		Activity: p.ActivityAt(at), Segment: p.Segment,
	}
}

// ChurnQuery selects a churn report.
type ChurnQuery struct {
	// Top is the number of users returned, highest risk first. Default 20.
	Top int
	// At is the time the risk is computed for. Zero: the newest event time of all profiles (the
	// data's clock, which is "now" for a live stream and the end of the data for a replay).
	At time.Time
	// MinEvents leaves out users with fewer events (default 1: everybody).
	MinEvents int64
}

// ChurnReport is the answer of Churn: the users most at risk, and the distribution of all.
type ChurnReport struct {
	At      time.Time   `json:"at"`
	Horizon string      `json:"horizon"`
	Scored  int         `json:"scored"`
	Users   []ChurnRisk `json:"users"`
	// Histogram counts the scored users per risk decile ([0,0.1), ..., [0.9,1]).
	Histogram [10]int `json:"histogram"`
}

// Churn scores every profile (one SCAN) and returns the q.Top users with the highest risk
// (ties: more events first, then pseudonym). Cost: one pass over the profiles; memory O(users)
// for the small per-user summary.
func (s *Service) Churn(ctx context.Context, q ChurnQuery) (ChurnReport, error) {
	if q.Top <= 0 {
		q.Top = 20
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return ChurnReport{}, err
	}
	var all []*reader.Profile
	var latest time.Time
	err = s.rd.Scan(ctx, func(p *reader.Profile) error {
		if p.Events < q.MinEvents {
			return nil
		}
		p.Vector, p.DecayedMean, p.RecentItems, p.Categories = nil, nil, nil, nil // keep memory small
		all = append(all, p)
		if p.LastSeen.After(latest) {
			latest = p.LastSeen
		}
		return nil
	})
	if err != nil {
		return ChurnReport{}, fmt.Errorf("downstream: churn: %w", err)
	}
	at := q.At
	if at.IsZero() {
		at = latest
	}
	rep := ChurnReport{At: at.UTC(), Horizon: "7d", Scored: len(all), Users: []ChurnRisk{}}
	risks := make([]ChurnRisk, len(all))
	for i, p := range all {
		risks[i] = Churn(st, p, at)
		rep.Histogram[min(9, int(risks[i].Risk*10))]++
	}
	sort.Slice(risks, func(i, j int) bool {
		a, b := risks[i], risks[j]
		if a.Risk != b.Risk {
			return a.Risk > b.Risk
		}
		if a.Events != b.Events {
			return a.Events > b.Events
		}
		return a.Pseudonym < b.Pseudonym
	})
	rep.Users = append(rep.Users, risks[:min(q.Top, len(risks))]...)
	return rep, nil
}

// Segment is one segment as the API and the console show it.
type Segment struct {
	ID            int                    `json:"id"`
	Size          int64                  `json:"size"`
	Weight        float64                `json:"weight"`
	Label         string                 `json:"label"`
	MeanRating    float64                `json:"mean_rating"`
	TopCategories []schema.CategoryCount `json:"top_categories"`
	Trend         Trend                  `json:"trend"`
}

// Trend is a segment's membership change over the last TrendWindow, read from the
// segment-change stream (wall-clock time of the writers).
type Trend struct {
	WindowSeconds int64 `json:"window_seconds"`
	Joined        int64 `json:"joined"`
	Left          int64 `json:"left"`
	Net           int64 `json:"net"`
	// Series is the net change per bucket, oldest first.
	Series []int64 `json:"series"`
	// Truncated is set when the window held more changes than were read (maxTrendEntries).
	Truncated bool `json:"truncated,omitempty"`
}

// SegmentsReport lists the segments of the model.
type SegmentsReport struct {
	// Initialized is false until the workers initialized the segment model.
	Initialized     bool      `json:"initialized"`
	CentroidVersion int64     `json:"centroid_version"`
	UpdatedAt       time.Time `json:"updated_at"`
	Segments        []Segment `json:"segments"`
}

// maxTrendEntries bounds the entries of the change stream one trend computation reads.
const maxTrendEntries = 50000

// Segments returns every segment with its size, label, statistics and trend.
func (s *Service) Segments(ctx context.Context) (SegmentsReport, error) {
	st, err := online.ReadSegments(ctx, s.rdb, s.opts.Prefix)
	if err != nil {
		return SegmentsReport{}, fmt.Errorf("downstream: segments: %w", err)
	}
	rep := SegmentsReport{Segments: []Segment{}}
	if len(st) == 0 {
		return rep, nil
	}
	rep.Initialized, rep.CentroidVersion, rep.UpdatedAt = true, st[0].Version, st[0].UpdatedAt.UTC()
	trends, err := s.trends(ctx, len(st))
	if err != nil {
		return SegmentsReport{}, err
	}
	for i, x := range st {
		cats := x.TopCategories
		if cats == nil {
			cats = []schema.CategoryCount{}
		}
		rep.Segments = append(rep.Segments, Segment{ID: x.ID, Size: x.Size, Weight: x.Weight, Label: x.Label,
			MeanRating: x.MeanRating, TopCategories: cats, Trend: trends[i]})
	}
	return rep, nil
}

func (s *Service) trends(ctx context.Context, k int) ([]Trend, error) {
	now := s.opts.Now()
	since := now.Add(-s.opts.TrendWindow)
	nb := s.opts.TrendBuckets
	out := make([]Trend, k)
	for i := range out {
		out[i] = Trend{WindowSeconds: int64(s.opts.TrendWindow / time.Second), Series: make([]int64, nb)}
	}
	key := schema.SegmentChangesKey(s.opts.Prefix)
	start := fmt.Sprintf("%d", since.UnixMilli())
	msgs, err := s.rdb.XRevRangeN(ctx, key, "+", start, maxTrendEntries).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("downstream: segment trend: %w", err)
	}
	bucket := func(ms int64) int {
		b := int(float64(ms-since.UnixMilli()) / float64(s.opts.TrendWindow.Milliseconds()) * float64(nb))
		return max(0, min(nb-1, b))
	}
	for _, m := range msgs {
		from, to := atoi(m.Values["from"], -1), atoi(m.Values["to"], -1)
		ts := int64(atoi(m.Values["ts"], 0))
		if ts == 0 {
			continue
		}
		b := bucket(ts)
		if to >= 0 && to < k {
			out[to].Joined++
			out[to].Series[b]++
		}
		if from >= 0 && from < k && from != to {
			out[from].Left++
			out[from].Series[b]--
		}
	}
	for i := range out {
		out[i].Net = out[i].Joined - out[i].Left
		out[i].Truncated = len(msgs) == maxTrendEntries
	}
	return out, nil
}

func atoi(v any, def int) int {
	str, ok := v.(string)
	if !ok {
		return def
	}
	var n int
	if _, err := fmt.Sscan(str, &n); err != nil {
		return def
	}
	return n
}

// MembersPage is one page of a segment's members, sorted by pseudonym.
type MembersPage struct {
	Segment int      `json:"segment"`
	Size    int      `json:"size"`
	Members []string `json:"members"`
	// Next is the cursor of the next page ("" on the last page): the last pseudonym of this page.
	Next string `json:"next_cursor,omitempty"`
}

// Members returns up to limit members of segment seg after the pseudonym after ("" = from the
// start), in pseudonym order. Paging by the last pseudonym seen is stable while members join and
// leave (a member is never returned twice in one walk). Cost: the whole set is read (SSCAN) and
// sorted per page, O(size log size).
func (s *Service) Members(ctx context.Context, seg int, after string, limit int) (MembersPage, error) {
	st, err := online.ReadSegments(ctx, s.rdb, s.opts.Prefix)
	if err != nil {
		return MembersPage{}, fmt.Errorf("downstream: members: %w", err)
	}
	if seg < 0 || seg >= len(st) {
		return MembersPage{}, fmt.Errorf("downstream: segment %d of %d: %w", seg, len(st), ErrNoSegment)
	}
	all, err := online.Members(ctx, s.rdb, s.opts.Prefix, seg)
	if err != nil {
		return MembersPage{}, fmt.Errorf("downstream: %w", err)
	}
	i := sort.SearchStrings(all, after)
	if after != "" && i < len(all) && all[i] == after {
		i++
	}
	j := min(len(all), i+limit)
	page := MembersPage{Segment: seg, Size: len(all), Members: append([]string{}, all[i:j]...)}
	if j < len(all) && j > i {
		page.Next = all[j-1]
	}
	return page, nil
}
