package retry

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestDoLogsStateChangesOnly(t *testing.T) {
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	n, errs := 0, 0
	err := Do(context.Background(), Policy{Initial: time.Millisecond, Max: 2 * time.Millisecond}, &log, "op", func(error) { errs++ },
		func(context.Context) error {
			n++
			if n < 6 {
				return errors.New("down")
			}
			return nil
		})
	if err != nil || n != 6 || errs != 5 {
		t.Fatalf("err=%v n=%d errs=%d", err, n, errs)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 2 {
		t.Fatalf("want 2 log lines (failing, recovered), got %d:\n%s", lines, buf.String())
	}
}

func TestDoPermanentAndContext(t *testing.T) {
	sentinel := errors.New("bad")
	err := Do(context.Background(), Policy{}, nil, "op", nil, func(context.Context) error { return Permanent(sentinel) })
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = Do(ctx, Policy{Initial: time.Millisecond}, nil, "op", nil, func(context.Context) error { return errors.New("x") })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}
