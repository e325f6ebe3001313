package redisscript_test

import (
	"context"
	"testing"

	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/internal/redistest"
)

// TestRunRecoversFromNOSCRIPT: after SCRIPT FLUSH (what a restarted Redis looks like) every call
// of a mixed batch still runs exactly once, and a script error is returned.
func TestRunRecoversFromNOSCRIPT(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Start(t).Client()
	incr := redisscript.New(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	get := redisscript.New(`return redis.call('GET', KEYS[1])`)
	for round, flush := range []bool{false, true, true} {
		if flush {
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		cmds, err := redisscript.Run(ctx, rdb, []redisscript.Call{
			{Script: incr, Keys: []string{"a"}, Args: []interface{}{2}},
			{Script: get, Keys: []string{"missing"}},
			{Script: incr, Keys: []string{"a"}, Args: []interface{}{3}},
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if n, _ := cmds[2].Int64(); n != int64(5*(round+1)) {
			t.Fatalf("round %d: a = %d, want %d (each call once)", round, n, 5*(round+1))
		}
	}
	bad := redisscript.New(`return redis.error_reply('boom')`)
	if _, err := redisscript.Run(ctx, rdb, []redisscript.Call{{Script: bad}}); err == nil {
		t.Fatal("script error not returned")
	}
}
