package profilestore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/schema"
)

// Eraser is the one owner of erasure: it erases users and records their re-consent, for the
// worker (requests on the erasure topic, through Store.Eraser) and for `streamer forget` (an
// operator, through NewEraser). Erasing a user deletes every key of schema.UserKeys (the
// profile, the item set), the version token, the user's segment membership and segment-change
// entries, and writes the erasure-ledger key that Fold and the item index check atomically, so
// a replay of the input topics cannot bring the user back.
type Eraser struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
	// forgotten is called before a user's keys are deleted (a Store drops its cached copy).
	forgotten func(pseudonym string)
}

// NewEraser returns an Eraser for the keys under prefix (schema.DefaultPrefix when empty). It
// needs no model: erasing never reads or writes a vector.
func NewEraser(client redis.UniversalClient, prefix string) (*Eraser, error) {
	if client == nil {
		return nil, errors.New("profilestore: nil client")
	}
	if prefix == "" {
		prefix = schema.DefaultPrefix
	}
	return &Eraser{rdb: client, prefix: prefix, now: time.Now}, nil
}

// ErasureRequest asks to erase one user, or to record their re-consent, under each of their
// pseudonyms (one per key of the ring, so a profile not yet moved after a key rotation is
// erased too).
type ErasureRequest struct {
	Pseudonyms []string
	Reconsent  bool
}

// Op names the request's Redis step: "erase" or "reconsent".
func (r ErasureRequest) Op() string {
	if r.Reconsent {
		return "reconsent"
	}
	return "erase"
}

// Step runs one Redis step of an erasure; op is ErasureRequest.Op. The worker passes its
// retries and metrics; nil runs fn once.
type Step func(ctx context.Context, op string, fn func(context.Context) error) error

// Apply applies req to each pseudonym in turn, each through step, and calls applied after each
// pseudonym is done (the caller's audit line: it names the pseudonym, never the raw id). It
// stops at the first error.
func (e *Eraser) Apply(ctx context.Context, req ErasureRequest, step Step, applied func(pseudonym string)) error {
	if step == nil {
		step = func(ctx context.Context, _ string, fn func(context.Context) error) error { return fn(ctx) }
	}
	for _, ps := range req.Pseudonyms {
		err := step(ctx, req.Op(), func(ctx context.Context) error {
			if req.Reconsent {
				return e.Reconsent(ctx, ps)
			}
			return e.Forget(ctx, ps)
		})
		if err != nil {
			return err
		}
		if applied != nil {
			applied(ps)
		}
	}
	return nil
}

// Forget erases a user: it deletes every key of schema.UserKeys (the profile hash, the item set)
// and writes the erasure-ledger key (value: erasure time in Unix ms, no TTL) in one atomic script
// on the user's slot. Until Reconsent, Fold refuses the user's events (FoldResult.Erased), and so
// does the item index. The user is then removed from the member set of the segment the profile
// was in, and the user's entries of the segment-change stream are deleted (separate steps on
// other slots; the stream step reads the stream, O(stream length), capped at 100k entries).
func (e *Eraser) Forget(ctx context.Context, pseudonym string) error {
	if e.forgotten != nil {
		e.forgotten(pseudonym)
	}
	keys := schema.UserKeys(e.prefix, pseudonym)
	res, err := redisscript.Run(ctx, e.rdb, []redisscript.Call{{
		Script: forgetScript,
		Keys:   append([]string{keys[0], schema.ErasureKey(e.prefix, pseudonym), VersionKey(e.prefix, pseudonym)}, keys[1:]...),
		Args:   []interface{}{ms(e.now())},
	}})
	if err != nil {
		return fmt.Errorf("profilestore: forget %q: %w", pseudonym, err)
	}
	seg, err := res[0].Text()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("profilestore: forget %q: %w", pseudonym, err)
	}
	if n, perr := strconv.Atoi(seg); err == nil && perr == nil && n >= 0 {
		if err := e.rdb.SRem(ctx, schema.SegmentMembersKey(e.prefix, n), pseudonym).Err(); err != nil {
			return fmt.Errorf("profilestore: forget %q: remove from segment %d: %w", pseudonym, n, err)
		}
	}
	if err := e.forgetSegmentChanges(ctx, pseudonym); err != nil {
		return fmt.Errorf("profilestore: forget %q: segment changes: %w", pseudonym, err)
	}
	return nil
}

// forgetSegmentChanges deletes the entries of the segment-change stream that name pseudonym.
func (e *Eraser) forgetSegmentChanges(ctx context.Context, pseudonym string) error {
	key := schema.SegmentChangesKey(e.prefix)
	start := "-"
	for {
		msgs, err := e.rdb.XRangeN(ctx, key, start, "+", 1000).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		var ids []string
		for _, m := range msgs {
			if m.Values["pseudonym"] == pseudonym {
				ids = append(ids, m.ID)
			}
		}
		if len(ids) > 0 {
			if err := e.rdb.XDel(ctx, key, ids...).Err(); err != nil {
				return err
			}
		}
		if len(msgs) < 1000 {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// Reconsent clears a user's erasure-ledger entry, so that new events build a fresh profile.
func (e *Eraser) Reconsent(ctx context.Context, pseudonym string) error {
	if err := e.rdb.Del(ctx, schema.ErasureKey(e.prefix, pseudonym)).Err(); err != nil {
		return fmt.Errorf("profilestore: reconsent %q: %w", pseudonym, err)
	}
	return nil
}
