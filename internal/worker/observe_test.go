package worker

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/redistest"
)

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestLagPollErrorsLoggedAndCounted: with the broker unreachable, every failed lag poll is
// counted in lag_poll_errors_total, the loop backs off instead of spinning, and the log gets
// one line for the outage, not one per attempt.
func TestLagPollErrorsLoggedAndCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there any more
	mon, err := lag.New([]string{dead}, "g", []string{"clicks"}, lag.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	reg := prometheus.NewRegistry()
	var logs lockedBuf
	w := &Worker{m: metrics.New(reg), log: zerolog.New(&logs)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	go func() { defer close(done); w.runLag(runCtx, mon, lag.NewExporter(w.m, reg), 100*time.Millisecond) }()
	eventually(t, ctx, 25*time.Second, "three failed polls counted", func() bool {
		return testutil.ToFloat64(w.m.LagPollErrors) >= 3
	}, func() string { return logs.String() })
	stop()
	<-done
	lines := strings.Count(logs.String(), "failing; retrying with backoff")
	if lines != 1 || !strings.Contains(logs.String(), `"op":"lag poll"`) {
		t.Fatalf("%d outage lines for %v failed polls, want 1 with op \"lag poll\":\n%s", lines, testutil.ToFloat64(w.m.LagPollErrors), logs.String())
	}
}

// TestRedisTablesRoundTrip: what the lag monitor saves is what a restarted one loads.
func TestRedisTablesRoundTrip(t *testing.T) {
	rs := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := &redisTables{rdb: rdb, prefix: "ps", log: zerolog.Nop()}
	t0 := time.UnixMilli(1764400000123)
	in := map[lag.TopicPartition][]lag.Point{
		{Topic: "clicks", Partition: 0}:        {{Offset: 10, At: t0}, {Offset: 25, At: t0.Add(5 * time.Second)}},
		{Topic: "my/odd.topic", Partition: 11}: {{Offset: 0, At: t0}},
	}
	if err := store.Save(ctx, "g1", in); err != nil {
		t.Fatal(err)
	}
	out, err := store.Load(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("loaded %v, saved %v", out, in)
	}
	for k, pts := range in {
		got := out[k]
		if len(got) != len(pts) {
			t.Fatalf("%v: loaded %v, saved %v", k, got, pts)
		}
		for i := range pts {
			if got[i].Offset != pts[i].Offset || !got[i].At.Equal(pts[i].At) {
				t.Fatalf("%v[%d]: loaded %v, saved %v", k, i, got[i], pts[i])
			}
		}
	}
	if ttl := rdb.PTTL(ctx, "ps:v1:lagtable:{g1}").Val(); ttl <= 0 || ttl > tablesTTL {
		t.Fatalf("table key TTL %v", ttl)
	}
	if other, _ := store.Load(ctx, "g2"); len(other) != 0 {
		t.Fatalf("group g2 sees %v", other)
	}
}
