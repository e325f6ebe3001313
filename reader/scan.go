package reader

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/schema"
)

// Scan calls fn for every profile, one call at a time, decoded as Profile returns it (profiles
// frozen by a key-rotation move or left as its tombstone are skipped). It runs SCAN on every
// master of a Redis Cluster (every shard of a Ring) with pipelined HGETALLs of ScanCount keys, so
// it sees every profile that exists for the whole scan; profiles written meanwhile may or may
// not be seen. Scan stops with fn's error when fn fails. Cost: one full pass over the profiles.
func (r *Reader) Scan(ctx context.Context, fn func(*Profile) error) error {
	var mu sync.Mutex
	err := r.eachNode(ctx, func(ctx context.Context, c *redis.Client) error {
		return r.scanKeys(ctx, c, func(keys []string) error {
			return r.readProfiles(ctx, c.Pipeline(), keys, func(p *Profile) error {
				mu.Lock()
				defer mu.Unlock()
				return fn(p)
			})
		})
	})
	if err != nil {
		return fmt.Errorf("reader: scan: %w", err)
	}
	return nil
}

// eachNode runs fn on every node that holds profiles: every master of a Redis Cluster, every
// shard of a Ring, or the one server (concurrently for several).
func (r *Reader) eachNode(ctx context.Context, fn func(context.Context, *redis.Client) error) error {
	switch c := r.rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Ring:
		return c.ForEachShard(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	}
	return fmt.Errorf("unsupported client type %T", r.rdb)
}

// scanKeys calls fn with each non-empty page of profile keys that SCAN (COUNT ScanCount) returns
// on c, until the cursor is back at 0 or fn fails.
func (r *Reader) scanKeys(ctx context.Context, c *redis.Client, fn func(keys []string) error) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, schema.ProfileScanPattern(r.opts.Prefix), r.opts.ScanCount).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := fn(keys); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}
