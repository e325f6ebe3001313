package lag

import (
	"context"
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
	// TimeLagTable interpolates in a per-partition table of (end offset, poll time) points.
	TimeLagTable TimeLag = iota
	// TimeLagTimestamp fetches the record at the committed offset and uses its timestamp.
	TimeLagTimestamp
	// TimeLagOff reports no lag in seconds (0 everywhere).
	TimeLagOff
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
	// TablePoints bounds the offset-time table per partition (TimeLagTable). Default 120.
	// When full, every other point of the older half is dropped, so the table spans an
	// ever longer past with coarser resolution, in bounded memory.
	TablePoints int
	// History is how many events/s samples Snapshot.RateHistory keeps. Default 60.
	History int
	// Now is the clock; default time.Now. Tests inject one.
	Now func() time.Time
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
	// LagSeconds is the estimated age of the oldest unprocessed message (0 when Lag is 0).
	LagSeconds float64 `json:"lag_seconds"`
	// LagSecondsLowerBound: the true age is at least LagSeconds (offset older than the table).
	LagSecondsLowerBound bool   `json:"lag_seconds_lower_bound,omitempty"`
	Status               Status `json:"status"`
	Owner                string `json:"owner,omitempty"` // client id of the member assigned the partition
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
	// MaxLagSeconds is the largest partition LagSeconds.
	MaxLagSeconds float64 `json:"max_lag_seconds"`
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

	mu      sync.Mutex
	parts   map[tp]*partState
	prevAt  time.Time
	prevCom map[tp]int64
	prevEnd map[tp]int64
	rates   []float64
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
	resps, err := m.adm.FetchOffsets(ctx, m.group)
	switch {
	case errors.Is(err, kerr.GroupIDNotFound):
		// Nothing committed yet.
	case err != nil:
		return Snapshot{}, fmt.Errorf("lag: fetch committed offsets of %q: %w", m.group, err)
	default:
		if err := resps.Error(); err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return Snapshot{}, fmt.Errorf("lag: fetch committed offsets of %q: %w", m.group, err)
		}
		resps.Each(func(r kadm.OffsetResponse) {
			if r.Err == nil {
				committed[tp{r.Topic, r.Partition}] = r.At
			}
		})
	}
	snap := Snapshot{Group: m.group, State: "Unknown"}
	owners := map[tp]string{}
	if described, err := m.adm.DescribeGroups(ctx, m.group); err == nil {
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
	if m.o.TimeLag == TimeLagTimestamp {
		stamps, err = m.fetchTimestamps(ctx, snap.Partitions)
		if err != nil {
			return Snapshot{}, err
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.o.Now()
	snap.At = now
	m.observe(&snap, now, stamps)
	return snap, nil
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
		st.window = append(st.window, Observation{At: now, Committed: pl.Committed, End: pl.End, Lag: pl.Lag})
		if len(st.window) > m.o.Window {
			st.window = append(st.window[:0], st.window[len(st.window)-m.o.Window:]...)
		}
		st.addPoint(pl.End, now, m.o.TablePoints)
		pl.Status = Evaluate(Window{Obs: st.window, LastMove: st.lastMove}, now, m.o.Window, m.o.StopAfter)
		if pl.Lag > 0 {
			from := max(pl.Committed, pl.Start)
			switch m.o.TimeLag {
			case TimeLagTable:
				pl.LagSeconds, pl.LagSecondsLowerBound = st.age(from, now)
			case TimeLagTimestamp:
				if ts, ok := stamps[k]; ok {
					pl.LagSeconds = max(now.Sub(ts).Seconds(), 0)
				}
			}
		}
		snap.TotalLag += pl.Lag
		snap.MaxLagSeconds = max(snap.MaxLagSeconds, pl.LagSeconds)
		snap.Status = snap.Status.Worse(pl.Status)
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

// addPoint records that the end offset was off at time at. Only increases are recorded (the
// first time an offset was seen is the best bound on when it was written). An end offset below
// the table's last point means the topic was deleted and recreated: the table starts over.
func (st *partState) addPoint(off int64, at time.Time, limit int) {
	if n := len(st.table); n > 0 {
		switch last := st.table[n-1].off; {
		case off == last:
			return
		case off < last:
			st.table = st.table[:0]
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

// age estimates how long ago offset off was written. The table says: at time t_i the end
// offset was o_i, so message off (o_{i-1} <= off < o_i) was written in (t_{i-1}, t_i]; it is
// placed by linear interpolation. An offset before the first point is at least now - t_0 old.
func (st *partState) age(off int64, now time.Time) (float64, bool) {
	t := st.table
	if len(t) == 0 {
		return 0, true
	}
	if off < t[0].off {
		return now.Sub(t[0].at).Seconds(), true
	}
	i := sort.Search(len(t), func(i int) bool { return t[i].off > off })
	if i == len(t) {
		return 0, false // not written yet as far as we know
	}
	a, b := t[i-1], t[i]
	frac := float64(off-a.off) / float64(b.off-a.off)
	written := a.at.Add(time.Duration(frac * float64(b.at.Sub(a.at))))
	return max(now.Sub(written).Seconds(), 0), false
}

// fetchTimestamps reads the first record at or after the first unprocessed offset of each
// lagging partition, one Fetch request per partition leader.
func (m *Monitor) fetchTimestamps(ctx context.Context, parts []PartitionLag) (map[tp]time.Time, error) {
	meta, err := m.adm.Metadata(ctx, m.topics...)
	if err != nil {
		return nil, fmt.Errorf("lag: metadata: %w", err)
	}
	type want struct {
		k   tp
		off int64
	}
	byLeader := map[int32][]want{}
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
		byLeader[pd.Leader] = append(byLeader[pd.Leader], want{tp{pl.Topic, pl.Partition}, max(pl.Committed, pl.Start)})
	}
	out := map[tp]time.Time{}
	dec := kgo.DefaultDecompressor()
	for leader, ws := range byLeader {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MinBytes, req.MaxBytes = 0, 1, 4<<20
		offs := map[tp]int64{}
		topicIdx := map[string]int{}
		names := map[[16]byte]string{}
		for _, w := range ws {
			offs[w.k] = w.off
			i, ok := topicIdx[w.k.topic]
			if !ok {
				rt := kmsg.NewFetchRequestTopic()
				rt.Topic = w.k.topic
				rt.TopicID = meta.Topics[w.k.topic].ID
				names[rt.TopicID] = w.k.topic
				req.Topics = append(req.Topics, rt)
				i = len(req.Topics) - 1
				topicIdx[w.k.topic] = i
			}
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = w.k.part, w.off, 64<<10
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
		}
		resp, err := req.RequestWith(ctx, m.cl.Broker(int(leader)))
		if err != nil {
			return nil, fmt.Errorf("lag: fetch timestamps from broker %d: %w", leader, err)
		}
		for _, rt := range resp.Topics {
			name := rt.Topic
			if name == "" {
				name = names[rt.TopicID]
			}
			for i := range rt.Partitions {
				rp := &rt.Partitions[i]
				k := tp{name, rp.Partition}
				fp, _ := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Offset: offs[k], Topic: name, Partition: rp.Partition}, rp, dec, nil)
				if fp.Err == nil && len(fp.Records) > 0 {
					out[k] = fp.Records[0].Timestamp
				}
			}
		}
	}
	return out, nil
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
