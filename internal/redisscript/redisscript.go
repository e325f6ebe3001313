// Package redisscript runs Lua scripts in pipelines with EVALSHA and recovers from NOSCRIPT (a
// restarted or failed-over Redis lost its script cache) by SCRIPT LOAD and one retry. It is the
// one EVALSHA helper of the writers (internal/profilestore, internal/apps).
package redisscript

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Script is a Lua script with its source, for SCRIPT LOAD after NOSCRIPT.
type Script struct {
	src string
	sc  *redis.Script
}

// New returns the script of src (its SHA1 is computed once).
func New(src string) *Script { return &Script{src: src, sc: redis.NewScript(src)} }

// Call is one invocation of a script in a pipeline.
type Call struct {
	Script *Script
	Keys   []string
	Args   []interface{}
}

// Run runs calls in one pipeline with EVALSHA; calls answered NOSCRIPT are retried once in a
// second pipeline after SCRIPT LOAD of their scripts (on every node of a cluster). Any other
// error (redis.Nil replies excepted) fails the whole call; some calls may have been executed by
// then. The returned commands hold each call's reply, in the order of calls.
func Run(ctx context.Context, rdb redis.UniversalClient, calls []Call) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	idx := make([]int, len(calls))
	for i := range idx {
		idx[i] = i
	}
	for attempt := 0; len(idx) > 0; attempt++ {
		pipe := rdb.Pipeline()
		for _, i := range idx {
			cmds[i] = calls[i].Script.sc.EvalSha(ctx, pipe, calls[i].Keys, calls[i].Args...)
		}
		_, _ = pipe.Exec(ctx)
		var missing []int
		load := map[*Script]bool{}
		for _, i := range idx {
			err := cmds[i].Err()
			if err == nil || errors.Is(err, redis.Nil) {
				continue
			}
			if redis.HasErrorPrefix(err, "NOSCRIPT") && attempt == 0 {
				missing = append(missing, i)
				load[calls[i].Script] = true
				continue
			}
			return cmds, err
		}
		for sc := range load {
			if err := rdb.ScriptLoad(ctx, sc.src).Err(); err != nil {
				return cmds, fmt.Errorf("script load: %w", err)
			}
		}
		idx = missing
	}
	return cmds, nil
}
