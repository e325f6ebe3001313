package worker

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestLoops(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name     string
		loop     func(ctx context.Context) error
		wantErr  string // "" = Wait returns nil
		wantFail bool
	}{
		{"ends with its context", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, "", false},
		{"ends with nil", func(ctx context.Context) error { <-ctx.Done(); return nil }, "", false},
		{"fails while running", func(context.Context) error { return boom }, "worker: probe: boom", true},
		{"fails after its context ended", func(ctx context.Context) error { <-ctx.Done(); return boom }, "worker: probe: boom", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var failed atomic.Int32
			l := &loops{fail: func(error) { failed.Add(1); cancel() }}
			var done atomic.Bool
			l.Go(ctx, "probe", func(ctx context.Context) error { defer done.Store(true); return tc.loop(ctx) })
			if !tc.wantFail || tc.name == "fails after its context ended" {
				cancel()
			}
			waited := make(chan error, 1)
			go func() { waited <- l.Wait() }()
			var err error
			select {
			case err = <-waited:
			case <-time.After(10 * time.Second):
				t.Fatal("Wait did not return within 10s")
			}
			cancel()
			if !done.Load() {
				t.Error("Wait returned before the loop did")
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Wait = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, boom)):
				t.Errorf("Wait = %v, want %q wrapping boom", err, tc.wantErr)
			}
			if got := failed.Load() == 1; got != tc.wantFail {
				t.Errorf("fail called %d times, want called: %v", failed.Load(), tc.wantFail)
			}
		})
	}
}

// TestRunStopsWhenALoopFails: when a background loop fails (here the metrics server, whose
// listener is closed under it), Run stops the consumer and returns that loop's error, instead of
// running on without it.
func TestRunStopsWhenALoopFails(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kfake, redis-server and the worker")
	}
	rig := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs lockedBuffer
	w := rig.worker(t, zerolog.New(&logs))
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitUntil(t, ctx, "the metrics listener", time.Minute, func() bool { return w.MetricsAddr() != "" }, logs.String)
	w.readyMu.Lock()
	_ = w.listener.Close()
	w.readyMu.Unlock()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "worker: metrics server") {
			t.Fatalf("Run = %v, want the metrics server's error; log:\n%s", err, logs.String())
		}
		if !strings.Contains(logs.String(), "a background loop failed") {
			t.Errorf("the failure is not logged; log:\n%s", logs.String())
		}
	case <-ctx.Done():
		t.Fatalf("Run did not stop after its metrics server failed; log:\n%s", logs.String())
	}
}
