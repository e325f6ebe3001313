package worker

import (
	"sync"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
)

// Totals counts what the worker did, for progress lines and the demo summary.
type Totals struct {
	mu sync.Mutex
	s  TotalsSnapshot
}

// TotalsSnapshot is a copy of the totals.
type TotalsSnapshot struct {
	Clicks, Reviews  int64 // valid events handled, by kind of topic
	Applied          int64 // events folded (first delivery)
	Duplicates       int64 // redeliveries skipped
	Erased           int64 // events refused because the user is erased
	DeadLettered     int64
	Erasures         int64
	WithVector       int64 // events that carried text
	ConsumedByTopic  map[string]int64
	ProcessedByTopic map[string]int64
}

func newTotals() *Totals {
	return &Totals{s: TotalsSnapshot{ConsumedByTopic: map[string]int64{}, ProcessedByTopic: map[string]int64{}}}
}

func (t *Totals) add(b *consumer.Batch, res profilestore.FoldResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range b.Events {
		if e.Kind == event.KindReview {
			t.s.Reviews++
		} else {
			t.s.Clicks++
		}
		if e.Vector != nil {
			t.s.WithVector++
		}
		t.s.ProcessedByTopic[e.Topic]++
	}
	for topic, n := range b.Consumed {
		t.s.ConsumedByTopic[topic] += int64(n)
	}
	t.s.Applied += int64(res.Applied)
	t.s.Duplicates += int64(res.Duplicates)
	t.s.Erased += int64(res.Erased)
	t.s.DeadLettered += int64(len(b.Rejected))
	t.s.Erasures += int64(len(b.Erasures))
}

func (t *Totals) snapshot() TotalsSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	s.ConsumedByTopic = copyMap(t.s.ConsumedByTopic)
	s.ProcessedByTopic = copyMap(t.s.ProcessedByTopic)
	return s
}

func copyMap(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
