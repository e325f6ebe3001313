package chaos

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/internal/worker"
)

// TestRedisRestart kills Redis (append-only persistence on) in the middle of a run and starts it
// again: the worker retries with backoff, /readyz turns false and back to true, and the profiles
// equal those of an undisturbed run.
func TestRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	kf := kafkatest.StartT(t, partitions, "clicks", "reviews", "erasure", "profilestream.dlq")
	recs := input(t, 1, 1200)
	if err := kf.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	enc, err := encoder.Load(tinyModel, encoder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := privacy.NewEphemeralKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer // both workers' logs, for the diagnostics of a failed wait
	newWorker := func(group, addr string) *worker.Worker {
		w, err := worker.New(worker.Config{
			Consumer:    consumer.Config{Brokers: kf.Brokers(), Group: group, BatchSize: 100, BatchTimeout: 20 * time.Millisecond},
			RedisAddrs:  []string{addr},
			Keys:        ring,
			Encoder:     enc,
			MetricsAddr: "127.0.0.1:0",
		}, zerolog.New(&logs))
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	readyz := func(w *worker.Worker) int {
		resp, err := http.Get("http://" + w.MetricsAddr() + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	mons := map[string]*lag.Monitor{}
	defer func() {
		for _, m := range mons {
			m.Close()
		}
	}()
	snapshot := func(group string) (lag.Snapshot, error) {
		m := mons[group]
		if m == nil {
			var err error
			if m, err = lag.New(kf.Brokers(), group, inputTopics, lag.Options{TimeLag: lag.TimeLagOff}); err != nil {
				return lag.Snapshot{}, err
			}
			mons[group] = m
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return m.Poll(pctx)
	}
	lagOf := func(group string) int64 {
		s, err := snapshot(group)
		if err != nil {
			return -1
		}
		return s.TotalLag
	}
	// Every wait ends within 2 minutes (and before ctx) with the group's lag per partition and
	// the workers' last log lines.
	group := "restart"
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) || ctx.Err() != nil {
				diag := ""
				if s, err := snapshot(group); err != nil {
					diag = fmt.Sprintf("lag unknown: %v\n", err)
				} else {
					diag = describe(s)
				}
				t.Fatalf("timed out waiting for %s\n%s--- worker log, last 30 lines:\n%s", what, diag, logs.Tail(30))
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	rs := redistest.Start(t, redistest.WithAppendOnly())
	w := newWorker("restart", rs.Addr)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	waitUntil("a third of the input", func() bool { return w.Consumer().Stats().Consumed > int64(len(recs)/3) })
	waitUntil("ready", func() bool { return readyz(w) == http.StatusOK })
	rs.Kill()
	waitUntil("/readyz to turn false", func() bool { return readyz(w) == http.StatusServiceUnavailable })
	// The outage lasts until the pipeline has met it: a Redis step of the apply stage (fold,
	// segments or item index) failed and is being retried (a third of the input is still to
	// come, so a step is due).
	waitUntil("an apply step to fail against the dead Redis", func() bool { return redisErrors(w) > 0 })
	rs.Restart()
	waitUntil("/readyz to turn true again", func() bool { return readyz(w) == http.StatusOK })
	waitUntil("lag 0", func() bool { return lagOf("restart") == 0 })
	stop()
	if err := <-done; err != nil {
		t.Fatalf("worker: %v", err)
	}
	if redisErrors(w) == 0 {
		t.Error("no Redis error was counted during the outage")
	}

	clean := redistest.Start(t)
	group = "restart-clean"
	w2 := newWorker("restart-clean", clean.Addr)
	wctx2, stop2 := context.WithCancel(ctx)
	go func() { done <- w2.Run(wctx2) }()
	waitUntil("clean lag 0", func() bool { return lagOf("restart-clean") == 0 })
	stop2()
	<-done

	checked, mismatched := compare(t, profiles(t, ctx, rs.Addr), profiles(t, ctx, clean.Addr))
	t.Logf("redis restart: %d profiles checked, %d mismatched", checked, mismatched)
	if checked == 0 || mismatched != 0 {
		t.Fatalf("%d of %d profiles differ after the Redis restart", mismatched, checked)
	}
}
