package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// loops runs the worker's background loops (the metrics server, the Redis and Kafka probes,
// the lag exporter, the stall watchdog, the segment model's merges, the item-index trim) beside
// the consumer. Each loop runs until its context ends, and Wait joins them all, so Run returns
// only when nothing it started is still running. A loop that fails while the worker runs stops
// the worker (fail) and its error is what Run returns: a worker whose watchdog or centroid
// merges quietly died would look healthy while doing half its job.
type loops struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
	fail func(error)
}

// Go starts f(ctx) as the loop called name. An error f returns after ctx ended because of it
// (context.Canceled, DeadlineExceeded) is the normal end; any other error is kept for Wait and
// passed to fail.
func (l *loops) Go(ctx context.Context, name string, f func(context.Context) error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		err := f(ctx)
		if err == nil || (ctx.Err() != nil && errors.Is(err, ctx.Err())) {
			return
		}
		err = fmt.Errorf("worker: %s: %w", name, err)
		l.mu.Lock()
		l.errs = append(l.errs, err)
		l.mu.Unlock()
		if l.fail != nil {
			l.fail(err)
		}
	}()
}

// Wait waits for every loop to return and joins the errors they failed with.
func (l *loops) Wait() error {
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.errs...)
}
