package behavior

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/schema"
)

// Options configures Refit and Runner.
type Options struct {
	Prefix string // key prefix (schema.DefaultPrefix when empty)
	// MaxProfiles bounds the profiles one fit reads (SCAN order; default 20,000).
	MaxProfiles int
	// Interval between refits (Runner; default 10 minutes, < 0: never).
	Interval time.Duration
	Fit      FitOptions
	Now      func() time.Time // default time.Now
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = schema.DefaultPrefix
	}
	if o.MaxProfiles <= 0 {
		o.MaxProfiles = 20000
	}
	if o.Interval == 0 {
		o.Interval = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Result reports one refit.
type Result struct {
	Meta     schema.BehaviorMeta
	Profiles int // profiles read
	Took     time.Duration
}

// ReadDocs reads the ids of up to max profiles (SCAN of schema.ProfileScanPattern, then HMGET
// of "cats" and "bitems", pipelined per SCAN page).
func ReadDocs(ctx context.Context, rdb redis.UniversalClient, prefix string, max int) ([]Doc, error) {
	var (
		mu   sync.Mutex // ForEachMaster scans the nodes concurrently
		docs []Doc
	)
	full := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(docs) >= max
	}
	scan := func(ctx context.Context, c *redis.Client) error {
		var cursor uint64
		for !full() {
			keys, next, err := c.Scan(ctx, cursor, schema.ProfileScanPattern(prefix), 500).Result()
			if err != nil {
				return fmt.Errorf("behavior: scan profiles: %w", err)
			}
			pipe := c.Pipeline()
			cmds := make([]*redis.SliceCmd, len(keys))
			for i, k := range keys {
				cmds[i] = pipe.HMGet(ctx, k, schema.FieldCategories, schema.FieldItemSketch)
			}
			if len(keys) > 0 {
				if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
					return fmt.Errorf("behavior: read sketches: %w", err)
				}
			}
			for _, cmd := range cmds {
				vals, err := cmd.Result()
				if err != nil {
					continue
				}
				h := map[string]string{}
				for i, f := range []string{schema.FieldCategories, schema.FieldItemSketch} {
					if s, ok := vals[i].(string); ok {
						h[f] = s
					}
				}
				p, err := schema.DecodeProfile(h)
				if err != nil {
					continue // a profile this reader cannot decode teaches nothing
				}
				var d Doc
				for _, c := range p.Categories {
					d = append(d, schema.BehaviorCategoryPrefix+c.Category)
				}
				for _, it := range p.ItemSketch {
					d = append(d, schema.BehaviorItemPrefix+it.ItemID)
				}
				if len(d) > 1 {
					mu.Lock()
					if len(docs) < max {
						docs = append(docs, d)
					}
					mu.Unlock()
				}
			}
			cursor = next
			if cursor == 0 {
				break
			}
		}
		return nil
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
		return docs, err
	}
	c, ok := rdb.(*redis.Client)
	if !ok {
		return nil, errors.New("behavior: unsupported redis client")
	}
	return docs, scan(ctx, c)
}

// Refit reads up to MaxProfiles profiles, fits a table and publishes it with the next version
// (Publish). ErrTooFew when the profiles hold fewer than two ids seen twice.
func Refit(ctx context.Context, rdb redis.UniversalClient, o Options) (Result, error) {
	o = o.withDefaults()
	start := o.Now()
	docs, err := ReadDocs(ctx, rdb, o.Prefix, o.MaxProfiles)
	if err != nil {
		return Result{}, err
	}
	vecs, err := Fit(docs, o.Fit)
	if err != nil {
		return Result{Profiles: len(docs)}, err
	}
	meta, err := Publish(ctx, rdb, o.Prefix, vecs, len(docs), o.Now())
	return Result{Meta: meta, Profiles: len(docs), Took: o.Now().Sub(start)}, err
}

// Publish writes vecs as the next version of the table: into a staging key first (pipelined
// HSETs), then RENAMEd over schema.BehaviorTableKey in one atomic step, so a reader's HGETALL
// sees either the old table or the new one, whole. The staging key shares the table key's hash
// tag (same Redis Cluster slot).
func Publish(ctx context.Context, rdb redis.UniversalClient, prefix string, vecs map[string][]float32, profiles int, now time.Time) (schema.BehaviorMeta, error) {
	key := schema.BehaviorTableKey(prefix)
	old, err := rdb.HGet(ctx, key, schema.BehaviorMetaField).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return schema.BehaviorMeta{}, fmt.Errorf("behavior: read table version: %w", err)
	}
	var prev schema.BehaviorMeta
	if old != "" {
		_ = json.Unmarshal([]byte(old), &prev)
	}
	meta := schema.BehaviorMeta{Version: prev.Version + 1, Dim: schema.BehaviorDim, FittedMS: now.UnixMilli(), IDs: len(vecs), Profiles: profiles}
	mb, err := json.Marshal(meta)
	if err != nil {
		return meta, err
	}
	staging := schema.BehaviorTableStagingKey(prefix)
	if err := rdb.Del(ctx, staging).Err(); err != nil {
		return meta, fmt.Errorf("behavior: clear staging table: %w", err)
	}
	pipe := rdb.Pipeline()
	args := make([]any, 0, 2*512)
	flush := func() {
		if len(args) > 0 {
			pipe.HSet(ctx, staging, args...)
			args = args[:0:0]
		}
	}
	for id, v := range vecs {
		args = append(args, id, schema.EncodeVectorF16(v))
		if len(args) >= 2*512 {
			flush()
		}
	}
	args = append(args, schema.BehaviorMetaField, string(mb))
	flush()
	pipe.Expire(ctx, staging, time.Hour) // a crashed publisher leaves no garbage for ever
	if _, err := pipe.Exec(ctx); err != nil {
		return meta, fmt.Errorf("behavior: write staging table: %w", err)
	}
	if err := rdb.Rename(ctx, staging, key).Err(); err != nil {
		return meta, fmt.Errorf("behavior: publish table: %w", err)
	}
	if err := rdb.Persist(ctx, key).Err(); err != nil {
		return meta, fmt.Errorf("behavior: publish table: %w", err)
	}
	return meta, nil
}

// Load reads the current table (nil, nil when none was published yet).
func Load(ctx context.Context, rdb redis.UniversalClient, prefix string) (*schema.BehaviorTable, error) {
	h, err := rdb.HGetAll(ctx, schema.BehaviorTableKey(prefix)).Result()
	if err != nil {
		return nil, fmt.Errorf("behavior: load table: %w", err)
	}
	return schema.DecodeBehaviorTable(h)
}

// Runner refits the table every Options.Interval on the one worker that takes the refit lock
// (SET NX with the interval as expiry: at most one refit per interval per deployment, whichever
// worker comes first).
type Runner struct {
	rdb   redis.UniversalClient
	o     Options
	owner string
}

// NewRunner returns a Runner; owner identifies this worker in the lock (any unique string).
func NewRunner(rdb redis.UniversalClient, o Options, owner string) *Runner {
	return &Runner{rdb: rdb, o: o.withDefaults(), owner: owner}
}

// Run refits every interval until ctx ends (returns nil then), calling report after every
// refit this worker did or tried (err: ErrTooFew while the profiles are too few; any other
// error is retried at the next tick).
func (r *Runner) Run(ctx context.Context, report func(Result, error)) error {
	if r.o.Interval < 0 {
		return nil
	}
	t := time.NewTicker(r.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if res, won, err := r.Tick(ctx); won {
				report(res, err)
			}
		}
	}
}

// Tick refits once if this worker takes the lock (won).
func (r *Runner) Tick(ctx context.Context) (res Result, won bool, err error) {
	ttl := r.o.Interval - time.Second
	if ttl < time.Second {
		ttl = time.Second
	}
	ok, err := r.rdb.SetNX(ctx, schema.BehaviorTableLockKey(r.o.Prefix), r.owner, ttl).Result()
	if err != nil {
		return Result{}, false, fmt.Errorf("behavior: refit lock: %w", err)
	}
	if !ok {
		return Result{}, false, nil
	}
	res, err = Refit(ctx, r.rdb, r.o)
	return res, true, err
}
