package consumer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
)

// DefaultStallAfter is the default stall threshold of the watchdog; see WatchdogConfig.
const DefaultStallAfter = 30 * time.Second

// WatchdogConfig configures a Watchdog.
type WatchdogConfig struct {
	// StallAfter: a partition whose committed offset has not moved for this long while it has
	// lag is stalled, whoever owns it (default DefaultStallAfter). It must exceed the longest
	// legitimate pause between two commits of a lagging partition: the slowest batch plus a
	// rebalance (session timeout + rebalance timeout) and the new owner's first batch. Shorter
	// notices a ghost or wedged member sooner but risks needless rebalances while the group is
	// merely slow; longer lets a stall hold partitions longer.
	StallAfter time.Duration
	// Interval between polls of the broker (default StallAfter/6, between 500 ms and 5 s).
	Interval time.Duration
	// Monitor reads lag and owners; nil makes one from the consumer's brokers, group and
	// topics (closed by Run).
	Monitor *lag.Monitor
}

// Watchdog makes stalls visible and self-healing. It polls the whole group's committed and end
// offsets and partition owners from the broker, and when a partition has not committed for
// StallAfter while it has lag, it logs the partition at error (topic, partition, committed and
// end offsets, owner member, client id and host) and counts it. A stall of this worker's own
// partitions makes OwnStalled true (the worker's /readyz reports it). Then it acts, at most once
// per StallAfter, backing off to once per 16*StallAfter while the stall persists: it makes the
// consumer leave the group and join again, which forces a
// rebalance; a member that is gone (a "ghost" the coordinator did not evict) or wedged (it
// heartbeats from kafka-go's goroutine but cannot finish its generation) fails to rejoin within
// the rebalance timeout and loses its partitions to the live members. It does not act when this
// worker's own apply stage has been blocked for StallAfter (Redis down): rejoining cannot help
// then, and the stall stays visible until the pipeline moves again.
type Watchdog struct {
	c   *Consumer
	cfg WatchdogConfig
	m   *metrics.Stall
	log zerolog.Logger
	det *lag.StallDetector

	mu    sync.Mutex
	own   []lag.Stall
	all   []lag.Stall
	next  time.Time     // no rejoin before this
	wait  time.Duration // pause after the next rejoin; doubles while stalls persist
	clear time.Time     // since when no partition is stalled (zero while one is)
}

// NewWatchdog builds the watchdog of c. m may be nil (series not registered anywhere).
func NewWatchdog(c *Consumer, cfg WatchdogConfig, m *metrics.Stall, log zerolog.Logger) *Watchdog {
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = DefaultStallAfter
	}
	if cfg.Interval <= 0 {
		cfg.Interval = min(max(cfg.StallAfter/6, 500*time.Millisecond), 5*time.Second)
	}
	if m == nil {
		m = metrics.NewStall(nil)
	}
	return &Watchdog{c: c, cfg: cfg, m: m, log: log.With().Str("component", "stall-watchdog").Logger(),
		det: lag.NewStallDetector(cfg.StallAfter)}
}

// Run polls until ctx ends. Poll errors are logged (once per streak) and do not stop it.
func (w *Watchdog) Run(ctx context.Context) error {
	mon := w.cfg.Monitor
	if mon == nil {
		var err error
		mon, err = lag.New(w.c.cfg.Brokers, w.c.cfg.Group, w.c.cfg.Topics(), lag.Options{TimeLag: lag.TimeLagOff})
		if err != nil {
			return fmt.Errorf("stall watchdog: %w", err)
		}
		defer mon.Close()
	}
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, max(w.cfg.Interval, 5*time.Second))
		snap, err := mon.Poll(pctx)
		var owners map[lag.TopicPartition]lag.Member
		if err == nil {
			owners, _, err = mon.Owners(pctx)
		}
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !failing {
				w.log.Warn().Err(err).Msg("cannot read the group's offsets from the broker; stalls are not detected meanwhile")
				failing = true
			}
			continue
		}
		if failing {
			w.log.Info().Msg("reading the group's offsets again")
			failing = false
		}
		w.observe(snap, owners)
	}
}

// observe judges one poll and acts on it.
func (w *Watchdog) observe(snap lag.Snapshot, owners map[lag.TopicPartition]lag.Member) {
	stalls := w.det.Observe(snap, owners)
	me := w.c.MemberID()
	var own []lag.Stall
	for _, s := range stalls {
		mine := me != "" && s.Owner.MemberID == me
		if mine {
			own = append(own, s)
		}
		if s.New {
			w.m.Stalls.Inc()
			owner := s.Owner.MemberID
			if owner == "" {
				owner = "none"
			}
			w.log.Error().Str("topic", s.Topic).Int32("partition", s.Partition).Int64("committed", s.Committed).
				Int64("end", s.End).Int64("lag", s.Lag).Dur("stalled_for", s.For).Str("owner_member", owner).
				Str("owner_client", s.Owner.ClientID).Str("owner_host", s.Owner.Host).Bool("own", mine).
				Str("group_state", snap.State).Msg("partition stalled: committed offset has not moved while it has lag")
		}
	}
	w.m.PartitionsStalled.Set(float64(len(stalls)))
	w.m.OwnPartitionsStalled.Set(float64(len(own)))

	w.mu.Lock()
	wasStalled := len(w.all) > 0
	w.own, w.all = own, stalls
	switch {
	case len(stalls) > 0:
		w.clear = time.Time{}
	case w.clear.IsZero():
		w.clear = snap.At
	case snap.At.Sub(w.clear) >= w.cfg.StallAfter:
		// Stall-free for StallAfter: the episode is over, the next stall is acted on at once.
		w.wait, w.next = 0, time.Time{}
	}
	canAct := !snap.At.Before(w.next)
	w.mu.Unlock()
	if wasStalled && len(stalls) == 0 {
		w.log.Info().Msg("no partition is stalled any more")
	}
	if len(stalls) == 0 || !canAct {
		return
	}
	if blocked := w.c.ApplyingFor(); blocked >= w.cfg.StallAfter {
		if slices.ContainsFunc(own, func(s lag.Stall) bool { return s.New }) {
			w.log.Error().Dur("apply_blocked_for", blocked).Msg("own partitions stalled because the apply stage is blocked (Redis?); not rejoining, it would not help")
		}
		return
	}
	if me == "" {
		return // not a member now (joining, or the group is rebalancing): nothing to rejoin
	}
	var reason string
	if len(own) > 0 {
		reason = "own partitions stalled: " + describe(own)
	} else {
		reason = "partitions of another member stalled: " + describe(stalls)
	}
	if w.c.Rejoin(reason) {
		w.m.Rejoins.Inc()
		w.mu.Lock()
		// Back off while the stall persists (StallAfter, then twice that, ... up to 16 times):
		// a stall that rejoining cannot cure (say a partition whose last offsets are
		// transaction markers, so its lag never reaches 0) must not rebalance the group forever.
		if w.wait == 0 {
			w.wait = w.cfg.StallAfter
		} else if w.wait < 16*w.cfg.StallAfter {
			w.wait *= 2
		}
		w.next = snap.At.Add(w.wait)
		w.mu.Unlock()
	}
}

// OwnStalled reports whether partitions this worker owns are stalled, and which.
func (w *Watchdog) OwnStalled() (bool, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.own) == 0 {
		return false, ""
	}
	return true, describe(w.own)
}

// Stalled returns the stalled partitions of the last poll, whoever owns them.
func (w *Watchdog) Stalled() []lag.Stall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]lag.Stall(nil), w.all...)
}

func describe(ss []lag.Stall) string {
	parts := make([]string, 0, len(ss))
	for _, s := range ss {
		owner := s.Owner.ClientID
		if owner == "" {
			owner = "no owner"
		}
		parts = append(parts, fmt.Sprintf("%s (committed %d, end %d, %s for %s)", s.TopicPartition, s.Committed, s.End, owner, s.For.Round(time.Second)))
	}
	return strings.Join(parts, ", ")
}
