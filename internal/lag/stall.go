package lag

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (t TopicPartition) String() string { return fmt.Sprintf("%s/%d", t.Topic, t.Partition) }

// Member is a group member as the coordinator describes it.
type Member struct {
	MemberID string `json:"member_id"`
	ClientID string `json:"client_id"`
	Host     string `json:"host"`
}

// Owners reads from the coordinator which member owns each partition of the group, and the
// group's state. A partition that no member owns (rebalance in progress, no members) is absent.
func (m *Monitor) Owners(ctx context.Context) (map[TopicPartition]Member, string, error) {
	described, err := m.adm.DescribeGroups(ctx, m.group)
	if err != nil {
		return nil, "", fmt.Errorf("lag: describe group %q: %w", m.group, err)
	}
	d, ok := described[m.group]
	if !ok {
		return nil, "", fmt.Errorf("lag: describe group %q: no answer", m.group)
	}
	if d.Err != nil {
		if errors.Is(d.Err, kerr.GroupIDNotFound) {
			return map[TopicPartition]Member{}, "Dead", nil
		}
		return nil, "", fmt.Errorf("lag: describe group %q: %w", m.group, d.Err)
	}
	out := map[TopicPartition]Member{}
	for _, mem := range d.Members {
		c, ok := mem.Assigned.AsConsumer()
		if !ok {
			continue
		}
		for _, t := range c.Topics {
			for _, p := range t.Partitions {
				out[TopicPartition{t.Topic, p}] = Member{MemberID: mem.MemberID, ClientID: mem.ClientID, Host: mem.ClientHost}
			}
		}
	}
	return out, d.State, nil
}

// Stall is a partition whose committed offset has not moved for at least StallDetector.After
// while it had lag.
type Stall struct {
	TopicPartition
	Committed int64 // -1: nothing committed
	End       int64
	Lag       int64
	// For is how long the committed offset has not moved while the partition had lag (and
	// the same owner).
	For   time.Duration
	Owner Member // zero when no member owns the partition
	// New is true on the first observation in which the partition is stalled.
	New bool
}

// StallDetector finds stalled partitions in a sequence of snapshots, whoever owns them. It
// is the watchdog's judgement, apart from Burrow's window (Evaluate) so that it is bounded in
// wall-clock time whatever the poll interval: a partition stalls when it has had lag, the same
// owner and the same committed offset for After. It is not safe for concurrent use.
type StallDetector struct {
	After time.Duration
	parts map[TopicPartition]*stallState
}

type stallState struct {
	committed int64
	owner     string
	since     time.Time
	lagged    bool // the partition had lag at the last observation
	stalled   bool
}

// NewStallDetector returns a detector with the given threshold (must be > 0).
func NewStallDetector(after time.Duration) *StallDetector {
	return &StallDetector{After: after, parts: map[TopicPartition]*stallState{}}
}

// Observe folds one snapshot (taken at snap.At) with the partitions' owners (may be nil) and
// returns the partitions stalled now, sorted by topic and partition. The clock starts at a
// partition's first observation, when its lag appears, when its committed offset moves and
// when its owner changes (a new owner gets the full time to start).
func (d *StallDetector) Observe(snap Snapshot, owners map[TopicPartition]Member) []Stall {
	if d.parts == nil {
		d.parts = map[TopicPartition]*stallState{}
	}
	now := snap.At
	seen := make(map[TopicPartition]bool, len(snap.Partitions))
	var out []Stall
	for _, p := range snap.Partitions {
		k := TopicPartition{p.Topic, p.Partition}
		seen[k] = true
		owner := owners[k]
		st, ok := d.parts[k]
		if !ok || !st.lagged || p.Lag <= 0 || p.Committed != st.committed || owner.MemberID != st.owner {
			d.parts[k] = &stallState{committed: p.Committed, owner: owner.MemberID, since: now, lagged: p.Lag > 0}
			continue
		}
		dur := now.Sub(st.since)
		if dur < d.After {
			continue
		}
		out = append(out, Stall{TopicPartition: k, Committed: p.Committed, End: p.End, Lag: p.Lag, For: dur, Owner: owner, New: !st.stalled})
		st.stalled = true
	}
	for k := range d.parts {
		if !seen[k] {
			delete(d.parts, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}
