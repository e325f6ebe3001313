// Package profilestore folds events into per-user profiles in Redis, exactly once.
//
// A profile is one Redis hash per pseudonymous user (key schema.ProfileKey,
// "<prefix>:v1:p:{<pseudonym>}"). It holds
// counts, a lifetime mean embedding, a time-decayed mean embedding, decayed category counts, the
// mean rating, first/last seen, a bounded list of recent items, the user's segment, and one
// watermark per Kafka (topic, partition): the highest offset of that partition already folded
// into this profile. Every key, field and encoding is defined by the public package schema (the
// read contract, described in docs/schema.md), which this package writes with and reads with.
//
// A running mean cannot be overwritten idempotently, so exactly-once comes from the watermarks
// and a version. Fold groups a batch by user (a user's events in one batch become one write),
// takes the users' profiles from a local cache (in the steady state a worker owns its
// partitions, so the users it folds are the users it folded before; a cache miss reads the
// profiles in one pipeline), computes the new state in Go, skipping every event whose offset is
// at or below its partition's watermark, and writes all users with a compare-and-set: the write
// happens only when the stored version (and creation id) still equal the ones the state was
// computed from and the user has not been erased (nor moved); it sets only the changed fields,
// bumps the version and refreshes the TTL. So the steady state never reads before it writes:
// the check happens inside the atomic write step.
//
// On a single server (*redis.Client) the atomic step is one MULTI/EXEC per chunk of users (all
// chunks in one round trip): a small Lua script checks every user's version and creation id
// against a per-user version token (a string "<cid>:<ver>" next to the profile, read for the
// whole chunk with one MGET, and one EXISTS over the profiles the tokens vouch for, so the
// steady state makes no call per user; where a token is missing it reads "ver" and "cid" of the
// hash instead) or, for a new profile, the erasure ledger, and touches no vector; plain HSETs of the changed fields and one MSET of the new
// tokens follow; a second small script puts back any profile the check refused (the first one
// moved it to a scratch key, so the refused HSETs land on a scratch hash that is thrown away;
// in the steady state the second script is one EXISTS). Every other writer of a profile (the
// cluster script, Move, Forget) deletes its token, so a token never vouches for a state it did
// not see; a moved profile fails the check too, since Move bumps the version. Vector blobs
// never pass through Lua, whose argument handling costs several times the HSET itself. On a
// Redis Cluster (or Ring), where a transaction cannot span slots, the compare-and-set is one Lua
// script call per slot (the blobs do pass through Lua there), pipelined.
//
// A version mismatch means another writer got there first (a zombie or a second worker that
// briefly owns the same partition after a rebalance, or a stale cache entry): Fold re-reads
// those users and recomputes, and the watermarks drop what the other writer already folded. The
// version check is what fences a zombie owner: its cached versions are stale as soon as the new
// owner wrote the user once. A worker killed between the Redis write and the Kafka commit sees
// the same messages again and skips them by watermark. Events of one user arriving on several
// partitions have independent watermarks (correct, only slower when two workers fold the same
// user: each write of one invalidates the other's cache). On a cluster every atomic step
// touches one slot: a profile, its erasure-ledger key, its version token and its scratch key
// share the hash tag "{<pseudonym>}".
//
// The watermark rule assumes what Kafka guarantees: within one partition, a user's events are
// folded in offset order; a batch is retried (not skipped) when Fold returns an error; and the
// consumer commits an offset only after Fold returned for it, so that a new owner of a
// partition never starts beyond what was written. Fold returns Redis errors wrapped; calling it
// again with the same batch is always safe.
//
// Erasure: Forget deletes the profile and writes an erasure-ledger key in the same slot, in one
// script; the compare-and-set refuses to write a new profile whose ledger key exists, and an
// erased existing profile fails the version check (it is gone), so an event that was in flight
// during the erasure cannot resurrect the profile. Reconsent clears the ledger. Move handles key
// rotation (move.go).
package profilestore

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/schema"
)

// ErrNotFound is returned (wrapped) by Get when the user has no profile.
var ErrNotFound = errors.New("profile not found")

// ErrConflict is returned (wrapped) by Fold when compare-and-set conflicts persisted for some
// users after Options.MaxRetries re-reads. The batch can be folded again safely.
var ErrConflict = errors.New("profile write conflict")

// casScript is the fold's compare-and-set step (Move's merge uses it too).
// KEYS[1] profile, KEYS[2] erasure ledger, KEYS[3] version token (deleted: see writeTx).
// ARGV[1] expected version ("0" for a new profile), ARGV[2] expected creation id ("" for new),
// ARGV[3] TTL in ms (0: none), ARGV[4..] field/value pairs.
// Returns the new version, -1 on a version conflict, -2 when the user is erased, -3 when the
// profile was moved to another pseudonym (Move).
var casScript = redisscript.New(`
if redis.call('EXISTS', KEYS[2]) == 1 then return -2 end
local cur = redis.call('HMGET', KEYS[1], 'ver', 'cid', 'mv')
if cur[3] then return -3 end
local ver = cur[1] or '0'
local cid = cur[2] or ''
if ver ~= ARGV[1] or cid ~= ARGV[2] then return -1 end
local nv = tonumber(ver) + 1
redis.call('HSET', KEYS[1], 'ver', nv, unpack(ARGV, 4))
redis.call('DEL', KEYS[3])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return nv
`)

// segScript writes the segment fields of an existing profile unless it carries a newer
// centroid version. KEYS[1] profile; ARGV seg, dist, centroid version, time ms.
// Returns 1 written, 0 no profile (or a moved one), -1 stale centroid version.
var segScript = redisscript.New(`
local cur = redis.call('HMGET', KEYS[1], 'n', 'mv', 'segv')
if (not cur[1]) or cur[2] then return 0 end
local v = cur[3]
if v and tonumber(v) > tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], 'seg', ARGV[1], 'segd', ARGV[2], 'segv', ARGV[3], 'segt', ARGV[4])
return 1
`)

// forgetScript deletes the profile, its version token and the user's other keys and writes the
// ledger entry. KEYS[1] profile, KEYS[2] ledger, KEYS[3] version token, KEYS[4..] the other keys of
// schema.UserKeys; ARGV[1] erasure time ms. Returns the deleted profile's segment (nil when none).
var forgetScript = redisscript.New(`
local seg = redis.call('HGET', KEYS[1], 'seg')
for i = 1, #KEYS do if i ~= 2 then redis.call('DEL', KEYS[i]) end end
redis.call('SET', KEYS[2], ARGV[1])
return seg
`)

// Store reads and writes profiles. It is safe for concurrent use; several Stores (in one or in
// several processes) may fold into the same Redis concurrently.
type Store struct {
	rdb   redis.UniversalClient
	opts  Options
	cache *lru
	erase *Eraser
}

// New returns a Store on client. The scripts are loaded lazily (and reloaded after a Redis
// restart or failover that lost them).
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("profilestore: nil client")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{rdb: client, opts: o, cache: newLRU(o.CacheSize)}
	s.erase = &Eraser{rdb: client, prefix: o.Prefix, now: o.Now, forgotten: s.cache.remove}
	return s, nil
}

// Options returns the store's options with defaults filled in.
func (s *Store) Options() Options { return s.opts }

func (s *Store) key(pseudonym string) string    { return schema.ProfileKey(s.opts.Prefix, pseudonym) }
func (s *Store) ledger(pseudonym string) string { return schema.ErasureKey(s.opts.Prefix, pseudonym) }

func (s *Store) verKey(pseudonym string) string { return VersionKey(s.opts.Prefix, pseudonym) }

// aside is the scratch key the transaction write path moves a refused user's profile to for the
// duration of one MULTI/EXEC (see writeTx); it never exists outside a transaction.
func (s *Store) aside(pseudonym string) string {
	return AsideKey(s.opts.Prefix, pseudonym)
}

// Get returns a user's profile, or an error wrapping ErrNotFound.
func (s *Store) Get(ctx context.Context, pseudonym string) (*schema.Profile, error) {
	h, err := s.rdb.HGetAll(ctx, s.key(pseudonym)).Result()
	if err != nil {
		return nil, fmt.Errorf("profilestore: get %q: %w", pseudonym, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("profilestore: get %q: %w", pseudonym, ErrNotFound)
	}
	p, err := decodeProfile(pseudonym, h)
	if err != nil {
		return nil, err
	}
	if p.MovedTo != "" {
		return nil, fmt.Errorf("profilestore: get %q: moved to %q: %w", pseudonym, p.MovedTo, ErrNotFound)
	}
	return p, nil
}

// SegmentAssignment is one user's segment, as internal/online computes it.
type SegmentAssignment struct {
	Pseudonym       string
	Segment         int // -1: unassigned
	Distance        float32
	CentroidVersion int64
}

// SetSegments writes the segment fields (seg, segd, segv, segt) of existing profiles in one
// pipeline. A missing profile (erased, expired, never folded) is left missing, and an
// assignment older than the stored one (lower CentroidVersion) is ignored. The profile's
// version is not bumped: segment fields are disjoint from what Fold writes.
func (s *Store) SetSegments(ctx context.Context, a []SegmentAssignment) error {
	if len(a) == 0 {
		return nil
	}
	now := ms(s.opts.Now())
	calls := make([]scriptCall, len(a))
	for i, x := range a {
		calls[i] = scriptCall{
			keys: []string{s.key(x.Pseudonym)},
			args: []interface{}{strconv.Itoa(x.Segment), fmtFloat(float64(x.Distance)), fmtInt(x.CentroidVersion), now},
		}
	}
	cmds, err := s.runScripts(ctx, segScript, calls)
	if err != nil {
		for _, x := range a {
			s.cache.remove(x.Pseudonym)
		}
		return fmt.Errorf("profilestore: set segments: %w", err)
	}
	for i, x := range a {
		if v, _ := cmds[i].Int64(); v != 1 {
			continue
		}
		// Keep the cached copy's assignment current. A profile a Fold is folding is not in the
		// cache (Fold takes it out), so the update never races with a fold.
		s.cache.update(x.Pseudonym, func(p *schema.Profile) {
			p.Segment, p.SegmentDistance, p.CentroidVersion = x.Segment, x.Distance, x.CentroidVersion
		})
	}
	return nil
}

// Forget erases a user (Eraser.Forget) and drops the store's cached copy.
func (s *Store) Forget(ctx context.Context, pseudonym string) error {
	return s.erase.Forget(ctx, pseudonym)
}

// Reconsent clears a user's erasure-ledger entry (Eraser.Reconsent).
func (s *Store) Reconsent(ctx context.Context, pseudonym string) error {
	return s.erase.Reconsent(ctx, pseudonym)
}

// Eraser returns the store's Eraser: the worker applies erasure requests through it, and it
// drops each erased user's cached copy.
func (s *Store) Eraser() *Eraser { return s.erase }

// IsErased reports whether the user has an erasure-ledger entry.
func (s *Store) IsErased(ctx context.Context, pseudonym string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.ledger(pseudonym)).Result()
	if err != nil {
		return false, fmt.Errorf("profilestore: is erased %q: %w", pseudonym, err)
	}
	return n == 1, nil
}

// scriptCall is one invocation of a script in a pipeline.
type scriptCall struct {
	keys []string
	args []interface{}
}

// runScripts runs calls of one script in one pipeline (redisscript.Run: EVALSHA, one retry
// after SCRIPT LOAD on NOSCRIPT). Any other error fails the whole call; some calls may have
// been executed by then.
func (s *Store) runScripts(ctx context.Context, sc *redisscript.Script, calls []scriptCall) ([]*redis.Cmd, error) {
	rc := make([]redisscript.Call, len(calls))
	for i, c := range calls {
		rc[i] = redisscript.Call{Script: sc, Keys: c.keys, Args: c.args}
	}
	return redisscript.Run(ctx, s.rdb, rc)
}

// newCreationID returns a random 16-hex-digit id.
func newCreationID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lru is a small LRU cache of profiles by pseudonym (nil-safe when capacity is 0).
type lru struct {
	mu  sync.Mutex
	cap int
	ll  *list.List
	m   map[string]*list.Element
}

type lruEntry struct {
	key string
	p   *schema.Profile
}

func newLRU(n int) *lru {
	return &lru{cap: n, ll: list.New(), m: map[string]*list.Element{}}
}

func (c *lru) get(k string) *schema.Profile {
	if c.cap == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruEntry).p
	}
	return nil
}

func (c *lru) put(k string, p *schema.Profile) {
	if c.cap == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.Value.(*lruEntry).p = p
		c.ll.MoveToFront(e)
		return
	}
	c.m[k] = c.ll.PushFront(&lruEntry{k, p})
	for c.ll.Len() > c.cap {
		e := c.ll.Back()
		c.ll.Remove(e)
		delete(c.m, e.Value.(*lruEntry).key)
	}
}

// take removes and returns the entry of k (nil when absent): the caller owns it.
func (c *lru) take(k string) *schema.Profile {
	if c.cap == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return nil
	}
	c.ll.Remove(e)
	delete(c.m, k)
	return e.Value.(*lruEntry).p
}

// update runs fn on the entry of k, if any, under the cache's lock.
func (c *lru) update(k string, fn func(p *schema.Profile)) {
	if c.cap == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		fn(e.Value.(*lruEntry).p)
	}
}

func (c *lru) remove(k string) {
	if c.cap == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.ll.Remove(e)
		delete(c.m, k)
	}
}
