package profilestore

import (
	"math/rand"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/schema"
)

// BenchmarkApplyEncode measures the Go side of a fold of one event into a cached profile
// (fold in place, encode the changed fields, normalize for online), without Redis.
func BenchmarkApplyEncode(b *testing.B) {
	s, err := New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), Options{ModelID: "m", Dim: 384}) // never dialed
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	vec := make([]float32, 384)
	for i := range vec {
		vec[i] = float32(r.NormFloat64())
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(i int) *event.Event {
		return &event.Event{Origin: event.Origin{Topic: "t", Offset: int64(i)}, Pseudonym: "k1.u", Kind: event.KindView,
			Category: "cat" + string(rune('a'+i%26)), ItemID: "item" + string(rune('a'+i%40)), TS: t0.Add(time.Duration(i) * time.Minute), Vector: vec}
	}
	u := &userBatch{pseudonym: "k1.u"}
	for i := 0; i < 100; i++ {
		u.events = append(u.events, mk(i))
	}
	base, _, _, _ := s.apply(u, t0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := &userBatch{pseudonym: "k1.u", base: base, events: []*event.Event{mk(100 + i)}}
		next, ch, _, _ := s.apply(u, t0)
		_ = encodeChanges(next, ch)
		_ = schema.Normalize(next.Vector)
		_ = schema.Normalize(next.DecayedMean)
	}
}
