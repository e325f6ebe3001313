package worker

import (
	"context"
	"strconv"
	"time"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/retry"
)

// redisOps are the op label values of the Redis series (pipeline.redis callers).
var redisOps = []string{"fold", "segments", "erase", "reconsent"}

// deadLetterReasons are the reason label values of events_dead_lettered_total.
var deadLetterReasons = []consumer.Reason{
	consumer.ReasonEmpty, consumer.ReasonTooLarge, consumer.ReasonInvalidUTF8, consumer.ReasonBadJSON,
	consumer.ReasonWrongType, consumer.ReasonMissingUserID, consumer.ReasonBadUserID, consumer.ReasonUnknownAction,
	consumer.ReasonMissingText, consumer.ReasonTextTooLarge, consumer.ReasonFieldTooLarge, consumer.ReasonBadRating,
	consumer.ReasonBadTimestamp, consumer.ReasonUnknownRequest, consumer.ReasonUnknownTopic,
}

// initSeries creates every labelled series for the label values known at start, at 0, so
// dashboards and alerts read 0 rather than "no data" before the first increment.
func (w *Worker) initSeries() {
	l := metrics.Labels{
		Topics:   w.cfg.Consumer.Topics(),
		RedisOps: redisOps,
		Stages:   []string{"prepare", "apply"},
	}
	for _, r := range deadLetterReasons {
		l.Reasons = append(l.Reasons, string(r))
	}
	for _, t := range privacy.Types() {
		l.PIITypes = append(l.PIITypes, string(t))
	}
	if !w.cfg.DisableSegments {
		l.Segments = w.cfg.Segments.K
		if l.Segments <= 0 {
			l.Segments = 8 // online's default K
		}
	}
	w.m.Init(l)
}

// runLag polls the group's lag every interval and exports it. A failed poll is retried with
// capped exponential backoff (1 s doubling up to 30 s), counted in lag_poll_errors_total, and
// logged once when polls start failing and once when they recover, not once per attempt.
func (w *Worker) runLag(ctx context.Context, mon *lag.Monitor, exp *lag.Exporter, interval time.Duration) {
	pol := retry.Policy{Initial: time.Second, Max: 30 * time.Second}
	timeout := max(2*interval, time.Second) // per attempt: a poll never hangs the loop
	for {
		var snap lag.Snapshot
		err := retry.Do(ctx, pol, &w.log, "lag poll", func(error) {
			if ctx.Err() == nil {
				w.m.LagPollErrors.Inc()
			}
		},
			func(ctx context.Context) error {
				pctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				var err error
				snap, err = mon.Poll(pctx)
				return err
			})
		if err != nil {
			return // ctx ended
		}
		exp.Update(snap)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// watchSegments exports the shared model's state as Redis holds it: centroid_version (the
// version of the centroids in Redis, which any worker may have merged) and segment_members
// (the size of each segment's member set), every interval.
func (w *Worker) watchSegments(ctx context.Context, interval time.Duration) {
	failing := false
	for {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		segs, err := w.segments.Segments(rctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing {
				w.log.Warn().Err(err).Msg("reading segment sizes for the metrics failed; retrying")
			}
			failing = true
		case err == nil:
			if failing {
				w.log.Info().Msg("reading segment sizes for the metrics recovered")
			}
			failing = false
			for _, s := range segs {
				w.m.SegmentMembers.WithLabelValues(strconv.Itoa(s.ID)).Set(float64(s.Size))
				w.m.CentroidVersion.Set(float64(s.Version))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
