package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/embedtable"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/retry"
)

// pipeline is the consumer.Handler: the stages after decoding, wired one way.
//
//	Prepare: privacy (pseudonymize, scrub) -> encoder (embed texts, through the cache)
//	Apply:   erasures -> profilestore (exactly-once fold) -> online (segments) -> itemindex (item index)
type pipeline struct {
	privacy  *privacy.Stage
	enc      encoder.Encoder
	cache    *encoder.Cache
	table    *embedtable.Table // the shared embedding table behind cache (nil: none)
	store    *profilestore.Store
	segments *online.Model
	items    *itemindex.Writer
	m        *metrics.Metrics
	log      zerolog.Logger
	retry    retry.Policy

	totals *Totals
}

// Prepare pseudonymizes and scrubs every event, then encodes the texts of the batch in one call.
// After Prepare no event holds a raw user id, and review text holds placeholders instead of PII.
func (p *pipeline) Prepare(ctx context.Context, b *consumer.Batch) error {
	for i := range b.Erasures {
		e := &b.Erasures[i]
		e.Pseudonyms = p.privacy.Erasure(e.Topic, e.UserID)
		e.UserID = ""
	}
	texts := make([]string, 0, len(b.Events))
	idx := make([]int, 0, len(b.Events))
	for i := range b.Events {
		e := &b.Events[i]
		for t, n := range p.privacy.Apply(e) {
			if n > 0 {
				p.m.PIIRedactions.WithLabelValues(string(t)).Add(float64(n))
			}
		}
		if t := e.EncoderText(); t != "" {
			texts = append(texts, t)
			idx = append(idx, i)
		}
	}
	if len(texts) == 0 {
		return nil
	}
	h0, m0 := p.cache.Stats().Hits, p.cache.Stats().Misses
	var t0 uint64
	if p.table != nil {
		t0 = p.table.Stats().Hits
	}
	start := time.Now()
	vecs, err := p.cache.Encode(ctx, texts)
	if err != nil {
		return fmt.Errorf("encode %d texts: %w", len(texts), err)
	}
	st := p.cache.Stats()
	var tableHits uint64
	if p.table != nil {
		tableHits = p.table.Stats().Hits - t0
		p.m.EmbeddingTableHits.Add(float64(tableHits))
	}
	if miss := st.Misses - m0; miss > 0 {
		if miss > tableHits {
			p.m.EncodeDuration.Observe(time.Since(start).Seconds())
			p.m.EncodedTexts.Add(float64(miss - tableHits))
		}
		p.m.EmbeddingCacheMiss.Add(float64(miss))
	}
	p.m.EmbeddingCacheHits.Add(float64(st.Hits - h0))
	p.m.EmbeddingCacheBytes.Set(float64(st.Bytes))
	for j, i := range idx {
		b.Events[i].Vector = vecs[j]
	}
	return nil
}

// Apply runs erasures first (so a reconsent in the same batch admits the events after it and an
// erasure refuses them), then the fold, then segment assignment. Transient Redis faults are
// retried with backoff until they pass or ctx ends; the fold is idempotent per event, so a retry
// after a partial write double-counts nothing.
func (p *pipeline) Apply(ctx context.Context, b *consumer.Batch) error {
	for _, e := range b.Erasures {
		if err := p.erase(ctx, e); err != nil {
			return err
		}
	}
	var res profilestore.FoldResult
	err := p.redis(ctx, "fold", func(ctx context.Context) error {
		var err error
		res, err = p.store.Fold(ctx, b.Events)
		return err
	})
	if err != nil {
		return err
	}
	processed := map[string]int{}
	for _, e := range b.Events {
		processed[e.Topic]++
	}
	for topic, n := range processed {
		p.m.EventsProcessed.WithLabelValues(topic).Add(float64(n))
	}
	for topic, n := range res.DuplicatesByTopic {
		p.m.EventsDuplicate.WithLabelValues(topic).Add(float64(n))
	}
	for topic, n := range res.ErasedByTopic {
		p.m.EventsErased.WithLabelValues(topic).Add(float64(n))
	}
	p.totals.add(b, res)
	if p.segments != nil && len(res.Updated) > 0 {
		ups := updates(res.Updated)
		var or online.ObserveResult
		if err := p.redis(ctx, "segments", func(ctx context.Context) error {
			var err error
			or, err = p.segments.Observe(ctx, ups)
			return err
		}); err != nil {
			return err
		}
		p.m.SegmentChanges.Add(float64(or.Moved))
	}
	// The item index: popularity, item vectors and each user's item set (fenced by the erasure
	// ledger like the fold), fed with the events this fold applied only: a redelivered batch
	// (all duplicates) adds no popularity again. At most once: a crash between the fold and
	// this step, or a fold that failed after writing some users, loses those events' popularity.
	if p.items != nil && len(res.Folded) > 0 {
		if err := p.redis(ctx, "items", func(ctx context.Context) error { return p.items.Observe(ctx, res.Folded) }); err != nil {
			return err
		}
	}
	return nil
}

// erase applies one erasure request through the store's Eraser (the one erasure path, which
// `streamer forget` uses too), each Redis step with the worker's retries and metrics.
func (p *pipeline) erase(ctx context.Context, e consumer.Erasure) error {
	req := profilestore.ErasureRequest{Pseudonyms: e.Pseudonyms, Reconsent: e.Reconsent}
	return p.store.Eraser().Apply(ctx, req, p.redis, func(ps string) {
		if !e.Reconsent {
			p.m.Erasures.Inc()
		}
		// The audit line: which pseudonym, from where; never the raw id.
		p.log.Info().Str("audit", req.Op()).Str("pseudonym", ps).Str("topic", e.Topic).Int("partition", e.Partition).
			Int64("offset", e.Offset).Msg("erasure request applied")
	})
}

// redis runs one Redis step with retries, timing and error metrics.
func (p *pipeline) redis(ctx context.Context, op string, fn func(context.Context) error) error {
	return retry.Do(ctx, p.retry, &p.log, "redis "+op, func(error) { p.m.RedisErrors.WithLabelValues(op).Inc() },
		func(ctx context.Context) error {
			start := time.Now()
			err := fn(ctx)
			p.m.RedisDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
			return err
		})
}
