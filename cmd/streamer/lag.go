package main

import (
	"context"
	"io"
	"time"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/lag"
)

func cmdLag(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("lag", "streamer lag [flags]", "Show the consumer group's lag.", `
Lag is computed from the broker, not from a consumer's own statistics: end offsets (ListOffsets)
minus the group's committed offsets (OffsetFetch), per topic and partition, in messages and in
seconds (the age of the oldest unprocessed message, interpolated in an offset-time table kept
across polls, or read from message timestamps with --time-lag timestamp). Each partition gets a
Burrow-style status over a window of polls: OK, WARN (lag growing while committing), STALL
(commits stopped with lag), STOP (no commit for --stop-after), REWIND (committed offset went
back). The group status is the worst partition's. Without --once the view refreshes every
--interval with totals and the events/s trend.`)
	c.SetOutput(stderr)
	var brokers cli.StringList = cli.StringList{"127.0.0.1:9092"}
	c.Var(&brokers, "brokers", "Kafka bootstrap brokers, comma-separated")
	group := c.String("group", "profilestream", "consumer group")
	var topics cli.StringList = cli.StringList{"clicks", "reviews", "erasure"}
	c.Var(&topics, "topics", "topics to report, comma-separated")
	once := c.Bool("once", false, "print one table and exit (for scripts)")
	asJSON := c.Bool("json", false, "print one JSON snapshot and exit")
	interval := c.Duration("interval", time.Second, "refresh interval of the live view")
	window := c.Int("window", 10, "polls per partition the status is judged on")
	stopAfter := c.Duration("stop-after", 5*time.Minute, "a lagging partition without a commit for this long is STOP")
	timeLag := c.String("time-lag", "table", "lag in seconds from: table (offset-time interpolation), timestamp (message timestamps), off")
	if err := c.Parse(args); err != nil {
		return err
	}
	opts := lag.Options{Window: *window, StopAfter: *stopAfter}
	switch *timeLag {
	case "timestamp":
		opts.TimeLag = lag.TimeLagTimestamp
	case "off":
		opts.TimeLag = lag.TimeLagOff
	}
	if *once || *asJSON {
		// A single poll has no table yet: read the age from message timestamps instead.
		if opts.TimeLag == lag.TimeLagTable {
			opts.TimeLag = lag.TimeLagTimestamp
		}
	}
	m, err := lag.New(brokers, *group, topics, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	if !*once && !*asJSON {
		return lag.Live(ctx, stdout, m, *interval)
	}
	snap, err := m.Poll(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return lag.RenderJSON(stdout, snap)
	}
	return lag.RenderTable(stdout, snap)
}
