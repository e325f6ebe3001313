package lag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TimeLag selects how lag in seconds is estimated; see the package documentation.
type TimeLag int

const (
	// TimeLagTable interpolates LagSeconds in a per-partition table of (end offset, poll time)
	// points (kafka-lag-exporter's definition).
	TimeLagTable TimeLag = iota
	// TimeLagTimestamp is TimeLagTable plus the message-timestamp age (AgeSeconds), the same
	// as TimeLagTable with Options.MessageAge. LagSeconds stays the table's figure.
	TimeLagTimestamp
	// TimeLagOff reports no time figures at all (LagSeconds and AgeSeconds unknown).
	TimeLagOff
)

// Estimate says how a PartitionLag's LagSeconds was obtained.
type Estimate string

const (
	// EstimateNone: the partition has no lag; LagSeconds is exactly 0.
	EstimateNone Estimate = ""
	// EstimateInterpolated: the committed offset lies inside the offset-time table.
	EstimateInterpolated Estimate = "interpolated"
	// EstimateExtrapolated: the committed offset is older than the table; its time is
	// extrapolated back along the table's average produce rate (first to last point), as
	// kafka-lag-exporter does. Right when producers kept their pace; a guess otherwise.
	EstimateExtrapolated Estimate = "extrapolated"
	// EstimateUnknown: no figure can be had (the table has fewer than two points with
	// different end offsets, or time lag is off). LagSeconds is 0 and must not be read.
	EstimateUnknown Estimate = "unknown"
)

// Options tune a Monitor. The zero value is usable.
type Options struct {
	// Window is the number of polls per partition the status is judged on. Default 10.
	// Larger is calmer (fewer WARN/STALL flaps) but slower to react: at one poll per second
	// the default reacts within 10 s; at the worker's 15 s metrics interval within 2.5 min.
	Window int
	// StopAfter: a lagging partition whose committed offset has not moved for this long is
	// STOP rather than STALL. Default 5 minutes. Must exceed the time the worker needs for
	// its slowest batch plus a commit, or a slow worker reads as stopped.
	StopAfter time.Duration
	// TimeLag selects the lag-in-seconds estimate. Default TimeLagTable.
	TimeLag TimeLag
	// MessageAge also reads the record at the first unprocessed offset of every lagging
	// partition (one Fetch per partition) and reports now - its timestamp as AgeSeconds.
	MessageAge bool
	// TablePoints bounds the offset-time table per partition (TimeLagTable). Default 120.
	// When full, every other point of the older half is dropped, so the table spans an
	// ever longer past with coarser resolution, in bounded memory.
	TablePoints int
	// History is how many events/s samples Snapshot.RateHistory keeps. Default 60.
	History int
	// Now is the clock; default time.Now. Tests inject one.
	Now func() time.Time
	// Tables, when set, keeps the offset-time tables across restarts (see TableStore).
	Tables TableStore
	// ClientOpts are extra franz-go options (TLS, SASL, client id) for the admin client.
	ClientOpts []kgo.Opt
}

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = 10
	}
	if o.StopAfter <= 0 {
		o.StopAfter = 5 * time.Minute
	}
	if o.TablePoints < 4 {
		o.TablePoints = 120
	}
	if o.History <= 0 {
		o.History = 60
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// PartitionLag is one partition in a Snapshot.
type PartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the group's committed offset (the next offset to process), -1 if none.
	Committed int64 `json:"committed"`
	Start     int64 `json:"start"` // log start offset
	End       int64 `json:"end"`   // high watermark: one past the last message
	Lag       int64 `json:"lag"`   // messages not yet processed
	// LagSeconds is how far behind in time the group is on this partition: now minus the
	// time at which the partition's end offset was the committed offset (interpolated in the
	// offset-time table, kafka-lag-exporter's definition). 0 when Lag is 0. Read it only
	// when LagSecondsEstimate is not EstimateUnknown (JSON: null then).
	LagSeconds float64 `json:"lag_seconds"`
	// LagSecondsEstimate says how LagSeconds was obtained.
	LagSecondsEstimate Estimate `json:"lag_seconds_estimate,omitempty"`
	// LagSecondsLowerBound is kept for compatibility and always false: an offset older than
	// the table is extrapolated (EstimateExtrapolated) or unknown, never a lower bound.
	LagSecondsLowerBound bool `json:"lag_seconds_lower_bound,omitempty"`
	// AgeSeconds is the message-timestamp age of the first unprocessed record (now minus its
	// timestamp), only with Options.MessageAge. It is as right as the producers' clocks and
	// years off for replayed or backfilled data. 0 when Lag is 0; valid only when AgeKnown.
	AgeSeconds float64 `json:"age_seconds"`
	AgeKnown   bool    `json:"-"`
	Status     Status  `json:"status"`
	Owner      string  `json:"owner,omitempty"` // client id of the member assigned the partition
}

// LagSecondsKnown reports whether LagSeconds holds a figure.
func (p PartitionLag) LagSecondsKnown() bool { return p.LagSecondsEstimate != EstimateUnknown }

// MarshalJSON writes lag_seconds and age_seconds as null when they are unknown.
func (p PartitionLag) MarshalJSON() ([]byte, error) {
	type plain PartitionLag
	out := struct {
		plain
		LagSeconds *float64 `json:"lag_seconds"`
		AgeSeconds *float64 `json:"age_seconds,omitempty"`
	}{plain: plain(p)}
	if p.LagSecondsKnown() {
		out.LagSeconds = &p.LagSeconds
	}
	if p.AgeKnown {
		out.AgeSeconds = &p.AgeSeconds
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *PartitionLag) UnmarshalJSON(b []byte) error {
	type plain PartitionLag
	in := struct {
		*plain
		LagSeconds *float64 `json:"lag_seconds"`
		AgeSeconds *float64 `json:"age_seconds,omitempty"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.LagSeconds != nil {
		p.LagSeconds = *in.LagSeconds
	} else {
		p.LagSeconds, p.LagSecondsEstimate = 0, EstimateUnknown
	}
	if in.AgeSeconds != nil {
		p.AgeSeconds, p.AgeKnown = *in.AgeSeconds, true
	}
	return nil
}

// Snapshot is the result of one poll.
type Snapshot struct {
	Group      string         `json:"group"`
	At         time.Time      `json:"at"`
	State      string         `json:"state"`   // group state from the coordinator (Stable, Empty, ...)
	Members    int            `json:"members"` // consumers in the group
	Status     Status         `json:"status"`  // worst partition status
	Partitions []PartitionLag `json:"partitions"`
	TotalLag   int64          `json:"total_lag"`
	// MaxLagSeconds is the largest known partition LagSeconds.
	MaxLagSeconds float64 `json:"max_lag_seconds"`
	// UnknownLagSeconds counts lagging partitions whose LagSeconds is unknown; MaxLagSeconds
	// may understate the truth when it is not 0.
	UnknownLagSeconds int `json:"unknown_lag_seconds,omitempty"`
	// MaxAgeSeconds is the largest known partition AgeSeconds (Options.MessageAge).
	MaxAgeSeconds float64 `json:"max_age_seconds,omitempty"`
	// AgeMeasured: AgeSeconds were read (Options.MessageAge or TimeLagTimestamp).
	AgeMeasured bool `json:"age_measured,omitempty"`
	// ConsumeRate is committed offsets advanced per second since the previous poll, summed over
	// partitions (backward steps ignored): the group's throughput. 0 on the first poll.
	ConsumeRate float64 `json:"consume_rate"`
	// ProduceRate is end offsets advanced per second since the previous poll.
	ProduceRate float64 `json:"produce_rate"`
	// RateHistory holds the last Options.History ConsumeRate values, oldest first.
	RateHistory []float64 `json:"rate_history,omitempty"`
	// MissingTopics lists monitored topics the broker does not know (not created yet). They
	// are left out rather than failing the poll, so one missing topic does not blank the rest.
	MissingTopics []string `json:"missing_topics,omitempty"`
	// GroupUnknown: the broker does not know the group (no member ever joined it and it has
	// no committed offset; often a mistyped --group). Status is then UNKNOWN.
	GroupUnknown bool `json:"group_unknown,omitempty"`
	// SkippedOffsets counts, over the partitions with Status LOSS, the offsets between the
	// committed offset and the log start: records deleted before the group processed them.
	SkippedOffsets int64 `json:"skipped_offsets,omitempty"`
}

type tp struct {
	topic string
	part  int32
}

type point struct {
	off int64
	at  time.Time
}

// partState is what the monitor remembers of one partition between polls.
type partState struct {
	window   []Observation
	lastMove time.Time
	table    []point // ascending offsets
}

// Monitor polls a consumer group's lag from the brokers. It is safe for concurrent use.
type Monitor struct {
	group  string
	topics []string
	o      Options
	cl     *kgo.Client
	adm    *kadm.Client

	mu           sync.Mutex
	tablesLoaded bool
	parts        map[tp]*partState
	prevAt       time.Time
	prevCom      map[tp]int64
	prevEnd      map[tp]int64
	rates        []float64
}

// New creates a monitor of group over topics. It connects lazily: errors about unreachable
// brokers come from Poll.
func New(brokers []string, group string, topics []string, opts Options) (*Monitor, error) {
	if len(brokers) == 0 {
		return nil, errors.New("lag: no brokers")
	}
	if group == "" {
		return nil, errors.New("lag: no group")
	}
	if len(topics) == 0 {
		return nil, errors.New("lag: no topics")
	}
	o := opts.withDefaults()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, o.ClientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("lag: kafka client: %w", err)
	}
	return &Monitor{
		group: group, topics: append([]string(nil), topics...), o: o, cl: cl, adm: kadm.NewClient(cl),
		parts: map[tp]*partState{},
	}, nil
}

// Close releases the connections.
func (m *Monitor) Close() { m.cl.Close() }

// Group returns the monitored group.
func (m *Monitor) Group() string { return m.group }

// Poll reads start, end and committed offsets from the brokers and returns the snapshot with
// statuses judged over the window that includes this poll.
func (m *Monitor) Poll(ctx context.Context) (Snapshot, error) {
	starts, err := m.adm.ListStartOffsets(ctx, m.topics...)
	if err != nil {
		return Snapshot{}, fmt.Errorf("lag: list start offsets: %w", err)
	}
	ends, err := m.adm.ListEndOffsets(ctx, m.topics...)
	if err != nil {
		return Snapshot{}, fmt.Errorf("lag: list end offsets: %w", err)
	}
	committed := map[tp]int64{}
	groupNotFound := false
	resps, err := m.adm.FetchOffsets(ctx, m.group)
	switch {
	case errors.Is(err, kerr.GroupIDNotFound):
		groupNotFound = true // nothing committed yet
	case err != nil:
		return Snapshot{}, fmt.Errorf("lag: fetch committed offsets of %q: %w", m.group, err)
	default:
		if err := resps.Error(); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return Snapshot{}, fmt.Errorf("lag: fetch committed offsets of %q: %w", m.group, err)
		} else if err != nil {
			groupNotFound = true
		}
		resps.Each(func(r kadm.OffsetResponse) {
			if r.Err == nil {
				committed[tp{r.Topic, r.Partition}] = r.At
			}
		})
	}
	snap := Snapshot{Group: m.group, State: "Unknown"}
	owners := map[tp]string{}
	described, derr := m.adm.DescribeGroups(ctx, m.group)
	if derr == nil {
		if d, ok := described[m.group]; ok && d.Err == nil {
			snap.State, snap.Members = d.State, len(d.Members)
			for _, mem := range d.Members {
				c, ok := mem.Assigned.AsConsumer()
				if !ok {
					continue
				}
				owner := mem.ClientID
				if owner == "" {
					owner = mem.MemberID
				}
				for _, t := range c.Topics {
					for _, p := range t.Partitions {
						owners[tp{t.Topic, p}] = owner
					}
				}
			}
		} else if ok && errors.Is(d.Err, kerr.GroupIDNotFound) {
			snap.State = "Dead"
		}
	}
	// A group the coordinator does not know ("Dead": no member, no offsets, or
	// GROUP_ID_NOT_FOUND) and that has nothing committed is unknown to the broker.
	snap.GroupUnknown = len(committed) == 0 && (groupNotFound || derr == nil && snap.State == "Dead")

	for _, topic := range m.topics {
		ps, ok := ends[topic]
		if e, bad := ps[-1]; !ok || bad && errors.Is(e.Err, kerr.UnknownTopicOrPartition) {
			snap.MissingTopics = append(snap.MissingTopics, topic)
			continue
		}
		for p, e := range ps {
			if e.Err != nil {
				return Snapshot{}, fmt.Errorf("lag: end offset of %s/%d: %w", topic, p, e.Err)
			}
			pl := PartitionLag{Topic: topic, Partition: p, End: e.Offset, Committed: -1, Owner: owners[tp{topic, p}]}
			if s, ok := starts.Lookup(topic, p); ok && s.Err == nil {
				pl.Start = s.Offset
			}
			if c, ok := committed[tp{topic, p}]; ok && c >= 0 {
				pl.Committed = c
			}
			pl.Lag = lagOf(pl.Committed, pl.Start, pl.End)
			snap.Partitions = append(snap.Partitions, pl)
		}
	}
	if len(snap.MissingTopics) == len(m.topics) {
		return Snapshot{}, fmt.Errorf("lag: none of the topics %v exists: %w", m.topics, kerr.UnknownTopicOrPartition)
	}
	sort.Slice(snap.Partitions, func(i, j int) bool {
		a, b := snap.Partitions[i], snap.Partitions[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})

	var stamps map[tp]time.Time
	if snap.AgeMeasured = m.o.MessageAge || m.o.TimeLag == TimeLagTimestamp; snap.AgeMeasured {
		// A failed read leaves AgeSeconds unknown for that partition; it does not fail the poll.
		stamps = m.fetchTimestamps(ctx, snap.Partitions)
	}

	m.loadTables(ctx)
	m.mu.Lock()
	now := m.o.Now()
	snap.At = now
	m.observe(&snap, now, stamps)
	var save map[TopicPartition][]Point
	if m.o.Tables != nil {
		save = make(map[TopicPartition][]Point, len(snap.Partitions))
		for _, p := range snap.Partitions {
			if st := m.parts[tp{p.Topic, p.Partition}]; st != nil && len(st.table) > 0 {
				pts := make([]Point, len(st.table))
				for i, x := range st.table {
					pts[i] = Point{Offset: x.off, At: x.at}
				}
				save[TopicPartition{p.Topic, p.Partition}] = pts
			}
		}
	}
	m.mu.Unlock()
	if len(save) > 0 {
		_ = m.o.Tables.Save(ctx, m.group, save) // the store reports its own failures
	}
	return snap, nil
}

// Point is one sample of a partition's end offset: at time At the end offset was Offset.
type Point struct {
	Offset int64
	At     time.Time
}

// TableStore keeps the offset-time tables outside the monitor's process (the worker keeps
// them in Redis), so that a restarted monitor interpolates over the samples taken before the
// restart instead of starting a new table (and extrapolating). Save gets every partition's
// table after each poll; Load is called until it succeeds once, before the first points are
// added. Failures are the store's to report: the monitor carries on without it.
type TableStore interface {
	Load(ctx context.Context, group string) (map[TopicPartition][]Point, error)
	Save(ctx context.Context, group string, tables map[TopicPartition][]Point) error
}

// loadTables seeds the tables of partitions the monitor has no points for yet from
// Options.Tables, once.
func (m *Monitor) loadTables(ctx context.Context) {
	m.mu.Lock()
	done := m.tablesLoaded || m.o.Tables == nil
	m.mu.Unlock()
	if done {
		return
	}
	tables, err := m.o.Tables.Load(ctx, m.group)
	if err != nil {
		return // retried at the next poll
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tablesLoaded = true
	for k, pts := range tables {
		key := tp{k.Topic, k.Partition}
		st := m.parts[key]
		if st == nil {
			st = &partState{lastMove: m.o.Now()}
			m.parts[key] = st
		}
		if len(st.table) > 0 {
			continue
		}
		for _, p := range pts {
			st.addPoint(p.Offset, p.At, m.o.TablePoints)
		}
	}
}

// lagOf is end - committed, or end - start when nothing (or something already deleted by
// retention) is committed: only messages still in the log can be processed.
func lagOf(committed, start, end int64) int64 {
	from := committed
	if from < start {
		from = start
	}
	if end <= from {
		return 0
	}
	return end - from
}

// observe folds the poll into the per-partition state (window, table) and fills statuses,
// time lag, totals and rates. m.mu is held.
func (m *Monitor) observe(snap *Snapshot, now time.Time, stamps map[tp]time.Time) {
	dt := now.Sub(m.prevAt).Seconds()
	var consumed, produced int64
	com, end := map[tp]int64{}, map[tp]int64{}
	for i := range snap.Partitions {
		pl := &snap.Partitions[i]
		k := tp{pl.Topic, pl.Partition}
		com[k], end[k] = pl.Committed, pl.End
		if !m.prevAt.IsZero() {
			if c0, ok := m.prevCom[k]; ok && pl.Committed > c0 {
				base := c0
				if base < 0 {
					base = pl.Start
				}
				consumed += max(pl.Committed-base, 0)
			}
			if e0, ok := m.prevEnd[k]; ok && pl.End > e0 {
				produced += pl.End - e0
			}
		}
		st := m.parts[k]
		if st == nil {
			st = &partState{lastMove: now}
			m.parts[k] = st
		}
		if n := len(st.window); n > 0 && st.window[n-1].Committed != pl.Committed {
			st.lastMove = now
		}
		st.window = append(st.window, Observation{At: now, Committed: pl.Committed, Start: pl.Start, End: pl.End, Lag: pl.Lag})
		if len(st.window) > m.o.Window {
			st.window = append(st.window[:0], st.window[len(st.window)-m.o.Window:]...)
		}
		st.addPoint(pl.End, now, m.o.TablePoints)
		pl.Status = Evaluate(Window{Obs: st.window, LastMove: st.lastMove}, now, m.o.Window, m.o.StopAfter)
		switch {
		case m.o.TimeLag == TimeLagOff:
			pl.LagSecondsEstimate = EstimateUnknown
		case pl.Lag > 0:
			pl.LagSeconds, pl.LagSecondsEstimate = st.age(max(pl.Committed, pl.Start), now)
		}
		if pl.Lag == 0 && snap.AgeMeasured {
			pl.AgeKnown = true
		} else if ts, ok := stamps[k]; ok {
			pl.AgeSeconds, pl.AgeKnown = max(now.Sub(ts).Seconds(), 0), true
		}
		snap.TotalLag += pl.Lag
		if pl.LagSecondsKnown() {
			snap.MaxLagSeconds = max(snap.MaxLagSeconds, pl.LagSeconds)
		} else if pl.Lag > 0 {
			snap.UnknownLagSeconds++
		}
		if pl.AgeKnown {
			snap.MaxAgeSeconds = max(snap.MaxAgeSeconds, pl.AgeSeconds)
		}
		snap.Status = snap.Status.Worse(pl.Status)
		if pl.Status == LOSS && pl.Committed >= 0 && pl.Committed < pl.Start {
			snap.SkippedOffsets += pl.Start - pl.Committed
		}
	}
	if snap.GroupUnknown {
		snap.Status = UNKNOWN
	}
	if !m.prevAt.IsZero() && dt > 0 {
		snap.ConsumeRate = float64(consumed) / dt
		snap.ProduceRate = float64(produced) / dt
		m.rates = append(m.rates, snap.ConsumeRate)
		if len(m.rates) > m.o.History {
			m.rates = append(m.rates[:0], m.rates[len(m.rates)-m.o.History:]...)
		}
	}
	snap.RateHistory = append([]float64(nil), m.rates...)
	m.prevAt, m.prevCom, m.prevEnd = now, com, end
}

// addPoint records that the end offset was off at time at. A point (o, t) says: every offset
// below o was written by t, offset o and later after t. A run of polls with the same end offset
// keeps its first and its last point (the right end moves), so the gap before the next write is
// known as tightly as the polls allow. An end offset below the table's last point means the
// topic was deleted and recreated: the table starts over.
func (st *partState) addPoint(off int64, at time.Time, limit int) {
	if n := len(st.table); n > 0 {
		last := st.table[n-1]
		switch {
		case !at.After(last.at):
			return // out of order (a clock step back): keep the table monotonic
		case off < last.off:
			st.table = st.table[:0]
		case off == last.off && n >= 2 && st.table[n-2].off == off:
			st.table[n-1].at = at
			return
		}
	}
	st.table = append(st.table, point{off, at})
	if len(st.table) > limit {
		// Thin the older half: keep every other point, and always the oldest.
		half := len(st.table) / 2
		kept := st.table[:0:0]
		for i := 0; i < half; i += 2 {
			kept = append(kept, st.table[i])
		}
		st.table = append(kept, st.table[half:]...)
	}
}

// age estimates how long ago the end offset of the partition was off (the time the record at
// off was written), kafka-lag-exporter's definition of lag in seconds. Inside the table it
// interpolates linearly between the last point with offset <= off and the first with offset >
// off. Before the table it extrapolates back along the table's average rate (first to last
// point): right when producers kept their pace before the monitor started, a guess otherwise,
// and flagged so. Without two points of different offsets it is unknown.
func (st *partState) age(off int64, now time.Time) (float64, Estimate) {
	t := st.table
	if len(t) == 0 {
		return 0, EstimateUnknown
	}
	i := sort.Search(len(t), func(i int) bool { return t[i].off > off })
	if i == len(t) {
		return 0, EstimateNone // the end offset has not passed off: nothing unprocessed
	}
	if i > 0 {
		a, b := t[i-1], t[i]
		frac := float64(off-a.off) / float64(b.off-a.off)
		written := a.at.Add(time.Duration(frac * float64(b.at.Sub(a.at))))
		return max(now.Sub(written).Seconds(), 0), EstimateInterpolated
	}
	first, last := t[0], t[len(t)-1]
	span := last.at.Sub(first.at).Seconds()
	if last.off <= first.off || span <= 0 {
		return 0, EstimateUnknown
	}
	rate := float64(last.off-first.off) / span // offsets per second
	written := first.at.Add(-time.Duration(float64(first.off-off) / rate * float64(time.Second)))
	return max(now.Sub(written).Seconds(), 0), EstimateExtrapolated
}

// fetchTimestamps reads the first record at or after the first unprocessed offset of each
// lagging partition. It sends one Fetch request per partition: in a request for several
// partitions a broker returns a record batch larger than the per-partition limit only when it
// is the first data of the response (Kafka's rule, KIP-74), so a big batch at a later
// partition came back empty and read as "0 s". Alone in its request, the first batch is always
// returned whatever its size. A partition that still yields no record (or fails) is missing
// from the result: its age is unknown, never 0.
func (m *Monitor) fetchTimestamps(ctx context.Context, parts []PartitionLag) map[tp]time.Time {
	meta, err := m.adm.Metadata(ctx, m.topics...)
	if err != nil {
		return nil
	}
	out := map[tp]time.Time{}
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, pl := range parts {
		if pl.Lag <= 0 {
			continue
		}
		td, ok := meta.Topics[pl.Topic]
		if !ok {
			continue
		}
		pd, ok := td.Partitions[pl.Partition]
		if !ok || pd.Leader < 0 {
			continue
		}
		wg.Add(1)
		go func(pl PartitionLag, leader int32, id [16]byte) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			k := tp{pl.Topic, pl.Partition}
			if ts, ok := m.fetchTimestamp(ctx, k, max(pl.Committed, pl.Start), leader, id); ok {
				mu.Lock()
				out[k] = ts
				mu.Unlock()
			}
		}(pl, pd.Leader, td.ID)
	}
	wg.Wait()
	return out
}

// fetchTimestamp reads the timestamp of the first record at or after off of one partition.
// If the response holds no record at or after off (a batch of only control records, or a
// broker that still applied the size limit), it retries once with a 16 times larger limit.
func (m *Monitor) fetchTimestamp(ctx context.Context, k tp, off int64, leader int32, topicID [16]byte) (time.Time, bool) {
	dec := kgo.DefaultDecompressor()
	for _, limit := range []int32{1 << 20, 16 << 20} {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MinBytes, req.MaxBytes = 0, 1, limit
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = k.topic, topicID
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = k.part, off, limit
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, m.cl.Broker(int(leader)))
		if err != nil {
			return time.Time{}, false
		}
		for _, rt := range resp.Topics {
			for i := range rt.Partitions {
				rp := &rt.Partitions[i]
				if rp.Partition != k.part {
					continue
				}
				fp, _ := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Offset: off, Topic: k.topic, Partition: k.part}, rp, dec, nil)
				if fp.Err != nil {
					return time.Time{}, false
				}
				if len(fp.Records) > 0 {
					return fp.Records[0].Timestamp, true
				}
			}
		}
	}
	return time.Time{}, false
}

// Sample polls n times, every interval, and returns the last snapshot: enough points in the
// offset-time table for LagSeconds when the monitor was not running before (`streamer lag
// --once`). A partition whose end offset did not move during the samples still has LagSeconds
// unknown. It stops early, with the error, when ctx ends or a poll fails.
func (m *Monitor) Sample(ctx context.Context, n int, interval time.Duration) (Snapshot, error) {
	var s Snapshot
	var err error
	for i := 0; i < max(n, 1); i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return Snapshot{}, ctx.Err()
			case <-time.After(interval):
			}
		}
		if s, err = m.Poll(ctx); err != nil {
			return Snapshot{}, err
		}
	}
	return s, nil
}

// Run polls every interval until ctx ends and hands each result to fn (the error of a failed
// poll included, so the caller decides how to log it). The first poll is immediate.
func (m *Monitor) Run(ctx context.Context, interval time.Duration, fn func(Snapshot, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s, err := m.Poll(ctx)
		if ctx.Err() != nil {
			return
		}
		fn(s, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
