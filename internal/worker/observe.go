package worker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/pii"
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
	for _, t := range pii.Types() {
		l.PIITypes = append(l.PIITypes, string(t))
	}
	if !w.cfg.DisableSegments {
		l.Segments = w.cfg.Segments.K
		if l.Segments <= 0 { // automatic k: series for every k it may choose
			l.Segments = w.cfg.Segments.KMax
			if l.Segments <= 0 {
				l.Segments = online.DefaultKMax
			}
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

// redisTables keeps the lag monitor's offset-time tables in Redis (one hash per group, a
// field per partition), so a restarted worker interpolates its time lag over the samples of
// the previous run instead of extrapolating (or knowing nothing when producers are idle).
// Every worker of a group writes the same broker truths; the last writer wins.
type redisTables struct {
	rdb     redis.UniversalClient
	prefix  string
	log     zerolog.Logger
	mu      sync.Mutex
	failing bool
}

// tablesTTL drops the tables of a group no worker has polled for a week.
const tablesTTL = 7 * 24 * time.Hour

func (r *redisTables) key(group string) string { return lag.TableKey(r.prefix, group) }

func (r *redisTables) Load(ctx context.Context, group string) (map[lag.TopicPartition][]lag.Point, error) {
	h, err := r.rdb.HGetAll(ctx, r.key(group)).Result()
	r.report(err, "load")
	if err != nil {
		return nil, fmt.Errorf("lag tables: %w", err)
	}
	out := make(map[lag.TopicPartition][]lag.Point, len(h))
	for field, v := range h {
		i := strings.LastIndexByte(field, '/')
		part, err := strconv.ParseInt(field[i+1:], 10, 32)
		if i < 0 || err != nil {
			continue
		}
		var pts []lag.Point
		for _, s := range strings.Fields(v) {
			off, ms, ok := strings.Cut(s, ":")
			o, err1 := strconv.ParseInt(off, 10, 64)
			t, err2 := strconv.ParseInt(ms, 10, 64)
			if !ok || err1 != nil || err2 != nil {
				pts = nil
				break
			}
			pts = append(pts, lag.Point{Offset: o, At: time.UnixMilli(t)})
		}
		out[lag.TopicPartition{Topic: field[:i], Partition: int32(part)}] = pts
	}
	return out, nil
}

func (r *redisTables) Save(ctx context.Context, group string, tables map[lag.TopicPartition][]lag.Point) error {
	fields := make([]any, 0, 2*len(tables))
	for k, pts := range tables {
		var b strings.Builder
		for i, p := range pts {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(p.Offset, 10))
			b.WriteByte(':')
			b.WriteString(strconv.FormatInt(p.At.UnixMilli(), 10))
		}
		fields = append(fields, k.Topic+"/"+strconv.Itoa(int(k.Partition)), b.String())
	}
	pipe := r.rdb.TxPipeline()
	pipe.HSet(ctx, r.key(group), fields...)
	pipe.PExpire(ctx, r.key(group), tablesTTL)
	_, err := pipe.Exec(ctx)
	r.report(err, "save")
	return err
}

// report logs the first failure and the recovery, not every poll's.
func (r *redisTables) report(err error, op string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && !r.failing:
		r.log.Warn().Err(err).Str("op", "lag table "+op).Msg("failing; time lag falls back to this run's samples")
	case err == nil && r.failing:
		r.log.Info().Str("op", "lag table "+op).Msg("recovered")
	}
	r.failing = err != nil
}

// NewLagTables returns the lag.TableStore the workers use, over rdb with key prefix prefix
// (default "ps"). With readOnly, Save does nothing: `streamer lag --redis` reads the workers'
// samples without writing its own.
func NewLagTables(rdb redis.UniversalClient, prefix string, readOnly bool, log zerolog.Logger) lag.TableStore {
	if prefix == "" {
		prefix = "ps"
	}
	t := &redisTables{rdb: rdb, prefix: prefix, log: log}
	if readOnly {
		return readOnlyTables{t}
	}
	return t
}

type readOnlyTables struct{ *redisTables }

func (readOnlyTables) Save(context.Context, string, map[lag.TopicPartition][]lag.Point) error {
	return nil
}
