package profilestore

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redistest"
)

// copartitionEvents makes clicks and reviews of users keyed as the producer contract in
// docs/events.md says (message key = raw user id, kafka-go's Hash balancer, the same partition
// count for both topics), or, when broken, with reviews on another partition than the user's
// clicks (as a producer with another key or another partition count would place them).
func copartitionEvents(nUsers, n, parts int, broken bool) []event.Event {
	r := rand.New(rand.NewSource(42))
	bal := &kafka.Hash{}
	ps := make([]int, parts)
	for i := range ps {
		ps[i] = i
	}
	offs := map[string]int64{}
	evs := make([]event.Event, n)
	for i := range evs {
		raw := fmt.Sprintf("user%03d", r.Intn(nUsers))
		topic, kind := "clicks", event.KindView
		if r.Intn(4) == 0 {
			topic, kind = "reviews", event.KindReview
		}
		p := bal.Balance(kafka.Message{Key: []byte(raw)}, ps...)
		if broken && topic == "reviews" {
			p = (p + parts/2) % parts // lands on a partition the other worker owns
		}
		k := fmt.Sprintf("%s:%d", topic, p)
		evs[i] = event.Event{
			Origin:    event.Origin{Topic: topic, Partition: p, Offset: offs[k]},
			Pseudonym: "k1." + raw, Kind: kind, Category: "c", TS: t0.Add(time.Duration(i) * time.Minute),
		}
		offs[k]++
		if kind == event.KindReview {
			e := &evs[i]
			e.Rating, e.Vector = 4, unitVec(r)
		}
	}
	return evs
}

// TestCoPartitioning: two workers each own half of the partitions of both topics (what the
// range assignor gives for equal partition counts) and fold their partitions' events in turns.
// With the producer contract kept, every user is folded by one worker only: no conflict, no
// re-read. With the contract broken (a user's reviews on the other worker's partitions) the
// result is still exactly the clean fold, only each worker's cached copies go stale and the
// compare-and-set makes them re-read (conflicts).
func TestCoPartitioning(t *testing.T) {
	const parts = 4
	for _, tc := range []struct {
		name   string
		broken bool
	}{{"contract kept", false}, {"contract broken", true}} {
		t.Run(tc.name, func(t *testing.T) {
			evs := copartitionEvents(40, 2000, parts, tc.broken)
			want := cleanFold(t, evs)
			rdb := redistest.Start(t).Client()
			w := [2]*Store{newStore(t, rdb, nil), newStore(t, rdb, nil)}
			var own [2][]event.Event
			for _, e := range evs {
				i := e.Partition * 2 / parts // worker 0: partitions 0,1 of both topics; worker 1: 2,3
				own[i] = append(own[i], e)
			}
			conflicts := 0
			for lo := 0; lo < max(len(own[0]), len(own[1])); lo += 50 {
				for i := range w {
					if lo >= len(own[i]) {
						continue
					}
					r, err := w[i].Fold(context.Background(), own[i][lo:min(lo+50, len(own[i]))])
					if err != nil {
						t.Fatal(err)
					}
					conflicts += r.Conflicts
				}
			}
			sameProfiles(t, want, allProfiles(t, w[0]))
			t.Logf("conflicts (re-reads) %d", conflicts)
			if !tc.broken && conflicts != 0 {
				t.Fatalf("co-partitioned users conflicted %d times: two workers wrote one user", conflicts)
			}
			if tc.broken && conflicts == 0 {
				t.Fatal("broken co-partitioning produced no conflict: the test does not split users across workers")
			}
		})
	}
}
