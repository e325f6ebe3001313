// Package retry repeats an operation against a flaky dependency (a broker, Redis) until it
// succeeds or the context ends, with capped exponential backoff and full jitter.
//
// Operators want one log line when a dependency starts failing and one when it recovers, not a
// line per attempt: Do logs exactly those two state changes. An error wrapped with Permanent
// stops the retries at once.
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"
)

// Policy says how to wait between attempts. The zero Policy waits 50 ms, doubling up to 5 s.
type Policy struct {
	// Initial is the first wait (default 50 ms).
	Initial time.Duration
	// Max caps the wait (default 5 s). A larger cap is gentler on a recovering dependency but
	// slower to notice that it is back.
	Max time.Duration
	// MaxAttempts stops after that many attempts (0 = until ctx ends, the default for the worker,
	// which must never exit on a transient fault).
	MaxAttempts int
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// Do calls fn until it returns nil, a Permanent error, or ctx ends. what names the operation in
// the two log lines ("redis fold", "dlq write"). onError, when not nil, is called on every
// failed attempt (for metrics).
func Do(ctx context.Context, p Policy, log *zerolog.Logger, what string, onError func(error), fn func(context.Context) error) error {
	if p.Initial <= 0 {
		p.Initial = 50 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 5 * time.Second
	}
	wait := p.Initial
	failing := false
	var since time.Time
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if failing && log != nil {
				log.Info().Str("op", what).Int("attempts", attempt).Dur("down_for", time.Since(since)).Msg("recovered")
			}
			return nil
		}
		var perm permanent
		if errors.As(err, &perm) {
			return perm.err
		}
		if onError != nil {
			onError(err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !failing {
			failing, since = true, time.Now()
			if log != nil {
				log.Warn().Str("op", what).Err(err).Msg("failing; retrying with backoff")
			}
		}
		if p.MaxAttempts > 0 && attempt >= p.MaxAttempts {
			return err
		}
		sleep := time.Duration(rand.Int64N(int64(wait)) + 1) // full jitter
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait *= 2
		if wait > p.Max {
			wait = p.Max
		}
	}
}
