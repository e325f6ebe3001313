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
	node := func(ctx context.Context, c *redis.Client) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, schema.ProfileScanPattern(r.opts.Prefix), r.opts.ScanCount).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				pipe := c.Pipeline()
				cmds := make([]*redis.MapStringStringCmd, len(keys))
				for i, k := range keys {
					cmds[i] = pipe.HGetAll(ctx, k)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					return err
				}
				for i, k := range keys {
					h := cmds[i].Val()
					if len(h) == 0 || h[schema.FieldMovedTo] != "" {
						continue
					}
					p, err := Decode(schema.PseudonymFromProfileKey(r.opts.Prefix, k), h)
					if err != nil {
						return err
					}
					mu.Lock()
					err = fn(p)
					mu.Unlock()
					if err != nil {
						return err
					}
				}
			}
			cursor = next
			if cursor == 0 {
				return nil
			}
		}
	}
	var err error
	switch c := r.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, node)
	case *redis.Ring:
		err = c.ForEachShard(ctx, node)
	case *redis.Client:
		err = node(ctx, c)
	default:
		err = fmt.Errorf("unsupported client type %T", r.rdb)
	}
	if err != nil {
		return fmt.Errorf("reader: scan: %w", err)
	}
	return nil
}
