package reader_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redisproc"
)

// redisAddr is the private redis-server that TestMain starts for the tests and the Examples.
var redisAddr string

func TestMain(m *testing.M) {
	p, err := redisproc.Start(context.Background(), redisproc.Options{})
	if err != nil {
		fmt.Println("reader tests skipped:", err)
		os.Exit(0)
	}
	redisAddr = p.Addr
	code := m.Run()
	p.Stop()
	os.Exit(code)
}

// freshRedis returns a client of the private server after emptying it.
func freshRedis() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: redisAddr})
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		panic(err)
	}
	return c
}

// exampleNow is the fixed "now" of the examples.
var exampleNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// seedExample writes three users' profiles through profilestore, the way the worker does.
func seedExample(rdb redis.UniversalClient) {
	st, err := profilestore.New(rdb, profilestore.Options{ModelID: "demo-3d", Dim: 3,
		Now: func() time.Time { return exampleNow }})
	if err != nil {
		panic(err)
	}
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	evs := []event.Event{
		{Origin: event.Origin{Topic: "clicks", Offset: 1}, Pseudonym: "k1.alice", Kind: event.KindView, Category: "books", ItemID: "b1", TS: day, Vector: []float32{1, 0, 0}},
		{Origin: event.Origin{Topic: "clicks", Offset: 2}, Pseudonym: "k1.alice", Kind: event.KindBuy, Category: "books", ItemID: "b1", TS: day.Add(24 * time.Hour), Vector: []float32{0.8, 0.6, 0}},
		{Origin: event.Origin{Topic: "reviews", Offset: 1}, Pseudonym: "k1.alice", Kind: event.KindReview, Rating: 5, TS: day.Add(48 * time.Hour), Vector: []float32{1, 0, 0}},
		{Origin: event.Origin{Topic: "clicks", Offset: 3}, Pseudonym: "k1.bob", Kind: event.KindView, Category: "books", ItemID: "b2", TS: day, Vector: []float32{0.9, 0.1, 0}},
		{Origin: event.Origin{Topic: "clicks", Offset: 4}, Pseudonym: "k1.carol", Kind: event.KindCart, Category: "garden", ItemID: "g1", TS: day, Vector: []float32{0, 0, 1}},
	}
	if _, err := st.Fold(context.Background(), evs); err != nil {
		panic(err)
	}
	if err := st.SetSegments(context.Background(), []profilestore.SegmentAssignment{
		{Pseudonym: "k1.alice", Segment: 0, Distance: 0.05, CentroidVersion: 1},
		{Pseudonym: "k1.bob", Segment: 0, Distance: 0.01, CentroidVersion: 1},
		{Pseudonym: "k1.carol", Segment: 1, Distance: 0.0, CentroidVersion: 1},
	}); err != nil {
		panic(err)
	}
	// online keeps the member sets; here they are written by hand
	rdb.SAdd(context.Background(), "ps:v1:seg:0:members", "k1.alice", "k1.bob")
	rdb.SAdd(context.Background(), "ps:v1:seg:1:members", "k1.carol")
}
