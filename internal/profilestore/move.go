package profilestore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/schema"
)

// Key rotation. When the pseudonym key rotates, a user's profile moves from the pseudonym under
// the old key to the one under the new key. The two keys hash to different Redis Cluster slots,
// so the move cannot be one atomic step; Move makes it three idempotent steps instead, each
// atomic on one slot, and can be called again after a crash at any point:
//
//  1. freeze: mark the old profile "mv"=<new> (compare-and-set). From now on Fold refuses to
//     write it and redirects the old pseudonym's events to the new one.
//  2. merge: fold the frozen old profile into the new one (which may already hold events that
//     arrived under the new key), and record "mvf:<old>"=<old creation id> in it, so that a
//     second run does not merge twice (compare-and-set on the new profile).
//  3. tombstone: replace the old profile by a small hash {mv, cid, ver} with TTL
//     Options.TombstoneTTL, so that late redeliveries of old-pseudonym events are redirected
//     (and dropped there by watermark) instead of starting a fresh old profile.
//
// Merging keeps counts exact and the watermark per partition at the maximum of both (every
// offset at or below it has been folded into one of the two), combines the means by weight and
// the decayed quantities at the newer reference time. The segment stays the new profile's (a
// new profile is unassigned until its next fold is observed by online).

// freezeScript marks a profile as moving. KEYS[1] profile, KEYS[2] its version token (deleted);
// ARGV ver, cid, target.
// Returns the new version, -1 conflict, -3 when already frozen toward another target.
var freezeScript = redisscript.New(`
local cur = redis.call('HMGET', KEYS[1], 'ver', 'cid', 'mv')
if cur[3] then
  if cur[3] == ARGV[3] then return tonumber(cur[1]) end
  return -3
end
if (cur[1] or '0') ~= ARGV[1] or (cur[2] or '') ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], 'mv', ARGV[3])
redis.call('DEL', KEYS[2])
return redis.call('HINCRBY', KEYS[1], 'ver', 1)
`)

// tombstoneScript replaces a frozen profile by its tombstone. KEYS[1] profile, KEYS[2] its
// version token (deleted); ARGV cid,
// target, ttl ms. Returns 1 done, 0 nothing to do (already a tombstone or gone), -1 mismatch.
var tombstoneScript = redisscript.New(`
local cur = redis.call('HMGET', KEYS[1], 'ver', 'cid', 'mv', 'n')
if not cur[1] then return 0 end
if cur[2] ~= ARGV[1] or cur[3] ~= ARGV[2] then return -1 end
if not cur[4] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'ver', tonumber(cur[1]) + 1, 'cid', ARGV[1], 'mv', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`)

// ErrMoved is returned (wrapped) by Move when the source profile is already moving to another
// pseudonym.
var ErrMoved = errors.New("profile already moved elsewhere")

// Move moves a user's profile from pseudonym from to pseudonym to (key rotation), merging it
// into a profile that may already exist under to. It is idempotent and may be called again
// after an error or a crash. A missing source is not an error (nothing to move, or moved
// before). See the comment on key rotation in move.go for the steps and their atomicity.
func (s *Store) Move(ctx context.Context, from, to string) error {
	if from == to || from == "" || to == "" {
		return fmt.Errorf("profilestore: move %q -> %q: need two different pseudonyms", from, to)
	}
	s.cache.remove(from)
	s.cache.remove(to)
	var src *schema.Profile
	// 1. freeze
	for attempt := 0; ; attempt++ {
		if attempt > s.opts.MaxRetries {
			return fmt.Errorf("profilestore: move %q: freeze: %w", from, ErrConflict)
		}
		h, err := s.rdb.HGetAll(ctx, s.key(from)).Result()
		if err != nil {
			return fmt.Errorf("profilestore: move %q: %w", from, err)
		}
		if len(h) == 0 {
			return nil
		}
		if src, err = decodeProfile(from, h); err != nil {
			return err
		}
		if src.MovedTo != "" && src.MovedTo != to {
			return fmt.Errorf("profilestore: move %q -> %q: it moves to %q: %w", from, to, src.MovedTo, ErrMoved)
		}
		if src.MovedTo == to && src.Events == 0 {
			return nil // already a tombstone
		}
		if src.MovedTo == to {
			break
		}
		cmds, err := s.runScripts(ctx, freezeScript, []scriptCall{{keys: []string{s.key(from), s.verKey(from)},
			args: []interface{}{fmtInt(src.Version), src.CreationID, to}}})
		if err != nil {
			return fmt.Errorf("profilestore: move %q: freeze: %w", from, err)
		}
		v, _ := cmds[0].Int64()
		if v == -3 {
			return fmt.Errorf("profilestore: move %q -> %q: %w", from, to, ErrMoved)
		}
		if v > 0 {
			src.Version, src.MovedTo = v, to
			break
		}
	}
	// 2. merge
	marker := schema.FieldMovedFromPfx + from
	for attempt := 0; ; attempt++ {
		if attempt > s.opts.MaxRetries {
			return fmt.Errorf("profilestore: move %q -> %q: merge: %w", from, to, ErrConflict)
		}
		h, err := s.rdb.HGetAll(ctx, s.key(to)).Result()
		if err != nil {
			return fmt.Errorf("profilestore: move %q -> %q: %w", from, to, err)
		}
		var dst *schema.Profile
		if len(h) > 0 {
			if h[marker] == src.CreationID {
				break // merged before
			}
			if dst, err = decodeProfile(to, h); err != nil {
				return err
			}
			if dst.MovedTo != "" {
				return fmt.Errorf("profilestore: move %q -> %q: the target moved on to %q: %w", from, to, dst.MovedTo, ErrMoved)
			}
		}
		merged := s.merge(dst, src, to)
		expVer, expCID := "0", ""
		if dst != nil {
			expVer, expCID = fmtInt(dst.Version), dst.CreationID
		}
		args := append([]interface{}{expVer, expCID, fmtInt(s.opts.TTL.Milliseconds())},
			encodeFields(merged, dst)...)
		args = append(args, marker, src.CreationID)
		cmds, err := s.runScripts(ctx, casScript, []scriptCall{{keys: []string{s.key(to), s.ledger(to), s.verKey(to)}, args: args}})
		if err != nil {
			return fmt.Errorf("profilestore: move %q -> %q: merge: %w", from, to, err)
		}
		v, _ := cmds[0].Int64()
		if v == -2 {
			break // the new pseudonym is erased: drop the data, keep the tombstone
		}
		if v > 0 {
			break
		}
	}
	// 3. tombstone
	if _, err := s.runScripts(ctx, tombstoneScript, []scriptCall{{keys: []string{s.key(from), s.verKey(from)},
		args: []interface{}{src.CreationID, to, fmtInt(s.opts.TombstoneTTL.Milliseconds())}}}); err != nil {
		return fmt.Errorf("profilestore: move %q -> %q: tombstone: %w", from, to, err)
	}
	if src.Segment >= 0 {
		if err := s.rdb.SRem(ctx, schema.SegmentMembersKey(s.opts.Prefix, src.Segment), from).Err(); err != nil {
			return fmt.Errorf("profilestore: move %q: leave segment %d: %w", from, src.Segment, err)
		}
	}
	return nil
}

// merge returns dst (nil: absent) with src folded in, as the profile of pseudonym to.
func (s *Store) merge(dst, src *schema.Profile, to string) *schema.Profile {
	var m *schema.Profile
	if dst == nil {
		m = &schema.Profile{Pseudonym: to, CreationID: newCreationID(), Kinds: map[string]int64{},
			Watermarks: map[string]int64{}, Segment: -1, ModelID: s.opts.ModelID, Dim: s.opts.Dim}
		m.KeyID = keyIDOf(&event.Event{Pseudonym: to}, s.opts.KeyID)
	} else {
		m = cloneProfile(dst)
	}
	m.Schema = schema.ProfileSchema
	m.DecayedF16 = false
	m.HalfLife = time.Duration(s.opts.HalfLife.Milliseconds()) * time.Millisecond
	if m.ModelID != s.opts.ModelID || m.Dim != s.opts.Dim {
		m.Vector, m.VectorWeight, m.DecayedMean, m.DecayedWeight = nil, 0, nil, 0
		m.ModelID, m.Dim = s.opts.ModelID, s.opts.Dim
	}
	if src.Events > 0 {
		if m.Events == 0 || (!src.FirstSeen.IsZero() && src.FirstSeen.Before(m.FirstSeen)) {
			m.FirstSeen = src.FirstSeen
		}
		if m.Events == 0 || src.LastSeen.After(m.LastSeen) {
			m.LastSeen = src.LastSeen
		}
	}
	m.Events += src.Events
	for k, v := range src.Kinds {
		m.Kinds[k] += v
	}
	m.RatingSum += src.RatingSum
	m.RatingCount += src.RatingCount
	for k, v := range src.Watermarks {
		if old, ok := m.Watermarks[k]; !ok || v > old {
			m.Watermarks[k] = v
		}
	}
	// decayed quantities at the newer reference time
	ref := m.DecayedAt
	if src.DecayedAt.After(ref) {
		ref = src.DecayedAt
	}
	fm, fs := schema.DecayFactorBetween(m.DecayedAt, ref, m.HalfLife), schema.DecayFactorBetween(src.DecayedAt, ref, m.HalfLife)
	m.Activity = m.Activity*fm + src.Activity*fs
	cats := map[string]float64{}
	for _, c := range m.Categories {
		cats[c.Category] += c.Count * fm
	}
	for _, c := range src.Categories {
		cats[c.Category] += c.Count * fs
	}
	m.Categories = m.Categories[:0]
	for c, n := range cats {
		m.Categories = append(m.Categories, schema.CategoryCount{Category: c, Count: n})
	}
	sort.Slice(m.Categories, func(i, j int) bool {
		a, b := m.Categories[i], m.Categories[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Category < b.Category
	})
	if keep := 2 * s.opts.TopCategories; len(m.Categories) > keep {
		m.Categories = m.Categories[:keep]
	}
	s.mergeSketches(m, src, fm, fs)
	if src.ModelID == s.opts.ModelID && src.Dim == s.opts.Dim && src.Vector != nil {
		if m.Vector == nil {
			m.Vector = make([]float32, s.opts.Dim)
			m.DecayedMean = make([]float32, s.opts.Dim)
		}
		m.VectorWeight += src.VectorWeight
		if m.VectorWeight > 0 {
			meanUpdate(m.Vector, src.Vector, src.VectorWeight/m.VectorWeight)
		}
		dwm, dws := m.DecayedWeight*fm, src.DecayedWeight*fs
		m.DecayedWeight = dwm + dws
		if m.DecayedWeight > 0 {
			meanUpdate(m.DecayedMean, src.DecayedMean, dws/m.DecayedWeight)
		}
	} else {
		m.DecayedWeight *= fm
	}
	if !ref.IsZero() {
		m.DecayedAt = ref
	}
	for _, it := range src.RecentItems {
		if s.opts.RecentItems > 0 {
			s.addItem(m, it)
		}
	}
	m.UpdatedAt = time.UnixMilli(s.opts.Now().UnixMilli()).UTC()
	return m
}
