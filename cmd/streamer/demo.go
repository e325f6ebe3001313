package main

import (
	"context"
	"io"
	"os"

	"github.com/redis/go-redis/v9"
	"golang.org/x/term"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("demo", "streamer demo [flags]", "Run the whole pipeline on the bundled sample.", `
Starts an embedded Kafka broker (kfake) and a private redis-server child process (installed by
`+"`make demo`"+`; without it the demo says so and stops, unless --redis names one), generates an ephemeral
pseudonym key, starts a worker, replays the bundled sample (Taobao clicks first, then Amazon and
Chinese reviews) through the whole pipeline with a live progress line, and ends with a summary:
segments with size and top categories, three example profiles, and FIGURE lines.`)
	c.SetOutput(stderr)
	wf := addWorkerFlags(c, false, "127.0.0.1:0")
	rf := addRedisFlags(c)
	rf.addrs = nil
	lf := addLogFlags(c)
	partitions := c.Int("partitions", 4, "partitions of each embedded topic")
	dataDir := c.String("data-dir", "", "replay the sample files from this folder instead of the bundled copy (same file names)")
	limit := c.Int("limit", 0, "replay at most this many events per file (0 = all)")
	lf.level = "warn"
	c.Lookup("log-level").DefValue = "warn"
	c.Lookup("redis").Usage = "use this Redis instead of a private one (the demo never flushes it; use a disposable instance)"
	c.Lookup("redis").DefValue = ""
	if err := c.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, lf.format, lf.level)
	if err != nil {
		return err
	}
	redisAddrs := rf.addrs
	cfg := wf.config(rf)
	if err := wf.security(&cfg, rf); err != nil {
		return err
	}
	cfg.RedisAddrs = redisAddrs // empty: the demo starts a private redis-server
	return demo.Run(ctx, demo.Options{
		Worker: cfg, Partitions: *partitions, DataDir: *dataDir, Limit: *limit, Progress: isTerminal(stdout),
		RedisClient: func(ctx context.Context, addrs []string) (redis.UniversalClient, error) {
			rf.addrs = addrs
			return rf.client(ctx)
		},
	}, stdout, log)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
