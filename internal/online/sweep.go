package online

import (
	"context"
	"fmt"
	"time"

	"github.com/profilestream/profilestream/schema"
)

// sweepBatch is how many re-assignments the sweep writes in one SetSegments call.
const sweepBatch = 64

// SweepProgress returns the staleness sweep's progress.
func (m *Model) SweepProgress() SweepProgress {
	m.sweepMu.Lock()
	defer m.sweepMu.Unlock()
	return m.progress
}

// sweepLoop runs passes whenever the version is newer than the last completed pass.
func (m *Model) sweepLoop(ctx context.Context, sc ProfileScanner) {
	var done int64
	poll := m.opts.MergeInterval
	for {
		if v := m.Version(); v > done {
			err := m.SweepOnce(ctx, sc)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				m.log.Warn().Err(err).Msg("segment sweep failed; retrying")
			} else {
				done = v
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// SweepOnce runs one pass of the staleness sweep: it walks every stored profile through sc, at
// most SweepRate profiles per second, and re-assigns each profile whose centroid version is older
// than this worker's current version to its nearest centroid (without hysteresis: a pass moves
// a user at most once per version). Re-assignment
// does not add to the centroids: the profile is not a new sample. It writes through the
// SegmentWriter, re-adds the user to its membership set (which repairs a lost SADD) and records
// changes in the change stream.
func (m *Model) SweepOnce(ctx context.Context, sc ProfileScanner) error {
	ver := m.Version()
	if ver == 0 {
		return nil
	}
	m.sweepMu.Lock()
	m.progress = SweepProgress{Version: ver, Passes: m.progress.Passes}
	m.sweepMu.Unlock()

	interval := time.Second / time.Duration(m.opts.SweepRate)
	start := time.Now()
	var n int64
	var batch []*schema.Profile
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := m.reassign(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := sc.Scan(ctx, func(p *schema.Profile) error {
		// Pace: the n-th profile may not be read before start + n/rate.
		n++
		if wait := time.Until(start.Add(time.Duration(n) * interval)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		m.sweepMu.Lock()
		m.progress.Scanned++
		m.sweepMu.Unlock()
		if p.Vector == nil || p.CentroidVersion >= ver {
			return nil
		}
		batch = append(batch, p)
		if len(batch) >= sweepBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("online: sweep: %w", err)
	}
	m.sweepMu.Lock()
	m.progress.Passes++
	m.progress.Done = m.Version() == ver
	m.sweepMu.Unlock()
	return nil
}

func (m *Model) reassign(ctx context.Context, ps []*schema.Profile) error {
	m.mu.Lock()
	if m.cl == nil {
		m.mu.Unlock()
		return nil
	}
	ver := m.version
	as := make([]Assignment, 0, len(ps))
	type mv struct {
		p        string
		from, to int
		dist     float32
	}
	var moves []mv
	for _, p := range ps {
		x := schema.Normalize(p.Vector)
		if x == nil || len(x) != m.cl.Dim() {
			continue
		}
		// No hysteresis here: a pass moves a user at most once per version, so it cannot
		// flap per event, and after a refit the stored segment may be far from the best one.
		seg, dist := m.cl.Nearest(x)
		as = append(as, Assignment{Pseudonym: p.Pseudonym, Segment: seg, Distance: dist, CentroidVersion: ver})
		moves = append(moves, mv{p.Pseudonym, p.Segment, seg, dist})
	}
	m.mu.Unlock()
	if len(as) == 0 {
		return nil
	}
	if m.store != nil {
		if err := m.store.SetSegments(ctx, as); err != nil {
			return fmt.Errorf("set segments: %w", err)
		}
	}
	now := m.opts.Now().UnixMilli()
	pipe := m.rdb.Pipeline()
	moved := int64(0)
	for _, c := range moves {
		m.addChange(ctx, pipe, c.p, c.from, c.to, c.dist, ver, now)
		if c.from != c.to {
			moved++
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("membership: %w", err)
	}
	m.sweepMu.Lock()
	m.progress.Reassigned += int64(len(as))
	m.progress.Moved += moved
	m.sweepMu.Unlock()
	return nil
}
