package online

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// flakyStore fails every failEvery-th SetSegments call, as the profile store does when
// Redis is down for a moment.
type flakyStore struct {
	*memStore
	calls, failEvery int
}

var errInjected = errors.New("injected redis fault")

func (f *flakyStore) SetSegments(ctx context.Context, as []Assignment) error {
	f.calls++
	if f.calls%f.failEvery == 0 {
		return errInjected
	}
	return f.memStore.SetSegments(ctx, as)
}

// failPipelines makes the next armed pipeline of a client fail, as a Redis that drops the
// connection during the membership write.
type failPipelines struct{ armed atomic.Bool }

func (h *failPipelines) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *failPipelines) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}
func (h *failPipelines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.armed.CompareAndSwap(true, false) {
			return errInjected
		}
		return next(ctx, cmds)
	}
}

// TestObserveRetryAfterRedisErrorAppliesOnce: the pipeline retries Observe after a Redis error.
// A model whose writes fail now and then (retried until they pass) must end in exactly the
// state of a model whose writes never failed: same centroids, same deltas for the next merge,
// same statistics, same sample.
func TestObserveRetryAfterRedisErrorAppliesOnce(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	opts := func(prefix string) Options {
		return Options{K: 4, MinUsersToInit: 60, WorkerID: "w", Margin: 0.02, Prefix: prefix, Seed: 7}
	}
	clean := newModel(t, srv.Client(), newMemStore(), opts("clean"))
	faultyClient := srv.Client()
	hook := &failPipelines{}
	faultyClient.AddHook(hook)
	store := &flakyStore{memStore: newMemStore(), failEvery: 3}
	faulty := newModel(t, faultyClient, store, opts("faulty"))

	xs, labels := blobs(3, 600, 4, 16, 0.15)
	failures := 0
	for start, batch := 0, 0; start < len(xs); start, batch = start+40, batch+1 {
		var ups []Update
		for i := start; i < min(start+40, len(xs)); i++ {
			// Users come back (i%150) so segments move and membership pipelines run.
			ups = append(ups, Update{Pseudonym: fmt.Sprintf("u%d", i%150), Vector: xs[i], Segment: -1,
				MeanRating: float64(1 + labels[i]%5), Categories: []schema.CategoryCount{{Category: fmt.Sprintf("c%d", labels[i]), Count: 2}}})
		}
		if _, err := clean.Observe(ctx, ups); err != nil {
			t.Fatal(err)
		}
		if batch%4 == 2 {
			hook.armed.Store(true)
		}
		for attempt := 0; ; attempt++ {
			_, err := faulty.Observe(ctx, ups)
			if err == nil {
				break
			}
			if !errors.Is(err, errInjected) || attempt > 5 {
				t.Fatalf("batch %d attempt %d: %v", batch, attempt, err)
			}
			failures++
		}
	}
	if failures < 5 {
		t.Fatalf("only %d injected failures; the test did not exercise the retry", failures)
	}
	clean.mu.Lock()
	faulty.mu.Lock()
	defer clean.mu.Unlock()
	defer faulty.mu.Unlock()
	if clean.cl == nil || faulty.cl == nil {
		t.Fatal("models not initialized")
	}
	for i := 0; i < clean.cl.K(); i++ {
		if c, f := clean.cl.Count(i), faulty.cl.Count(i); c != f {
			t.Errorf("segment %d: count %v after retries, %v without faults (double application?)", i, f, c)
		}
		if !slices.Equal(clean.cl.Centroid(i), faulty.cl.Centroid(i)) {
			t.Errorf("segment %d: centroid differs after retries", i)
		}
		if clean.dCount[i] != faulty.dCount[i] {
			t.Errorf("segment %d: local delta count %v after retries, %v without faults", i, faulty.dCount[i], clean.dCount[i])
		}
		if clean.stats[i].observed != faulty.stats[i].observed || clean.stats[i].ratingN != faulty.stats[i].ratingN {
			t.Errorf("segment %d: stats %+v after retries, %+v without faults", i, faulty.stats[i], clean.stats[i])
		}
	}
	if !slices.Equal(clean.dSum, faulty.dSum) {
		t.Error("local delta sums differ after retries")
	}
	if clean.res.Seen() != faulty.res.Seen() {
		t.Errorf("sample saw %d vectors after retries, %d without faults", faulty.res.Seen(), clean.res.Seen())
	}
}
