package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/internal/worker"
)

func cmdLag(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("lag", "streamer lag [flags]", "Show the consumer group's lag.", `
Lag is computed from the broker, not from a consumer's own statistics: end offsets (ListOffsets)
minus the group's committed offsets (OffsetFetch), per topic and partition, in messages and in
time. lag_s is how far behind in time the group is, as kafka-lag-exporter defines it: each poll
records every partition's end offset with the wall-clock time, and lag_s is now minus the
interpolated time at which the end offset was the committed offset ("~" marks a figure
extrapolated along the produce rate because the committed offset is older than the first
sample; "unknown" means the end offset has not moved since sampling began). It needs samples:
the live view collects them as it runs; --once and --json take --samples polls --interval apart
first, and with --redis start from the samples the workers keep in Redis. age_s is the message-timestamp age of the first unprocessed record (now minus its
timestamp): right when producers stamp with wall-clock time (streamer replay does).
Each partition gets a Burrow-style status over a window of polls: OK, WARN (lag growing while
committing), NOCOMMIT (lag and nothing ever committed), REWIND (committed offset went back),
STALL (commits stopped with lag), STOP (no commit for --stop-after), LOSS (the committed offset
fell below the log start: records deleted by retention before the group read them). The group
status is the worst partition's, or UNKNOWN when the broker does not know the group (a
mistyped --group). Without --once the view refreshes every --interval with totals and the events/s trend.`)
	c.SetOutput(stderr)
	var brokers cli.StringList = cli.StringList{"127.0.0.1:9092"}
	c.Var(&brokers, "brokers", "Kafka bootstrap brokers, comma-separated")
	ksec := secure.AddKafkaFlags(c.FlagSet)
	group := c.String("group", "profilestream", "consumer group")
	var topics cli.StringList = cli.StringList{"clicks", "reviews", "erasure"}
	c.Var(&topics, "topics", "topics to report, comma-separated")
	once := c.Bool("once", false, "print one table and exit (for scripts); takes --samples polls first")
	asJSON := c.Bool("json", false, "print one JSON snapshot and exit; takes --samples polls first")
	samples := c.Int("samples", 4, "--once/--json: polls, --interval apart, before printing (lag_s needs at least two with traffic)")
	interval := c.Duration("interval", time.Second, "refresh interval of the live view, and spacing of the --once samples")
	window := c.Int("window", 10, "polls per partition the status is judged on")
	stopAfter := c.Duration("stop-after", 5*time.Minute, "a lagging partition without a commit for this long is STOP")
	timeLag := c.String("time-lag", "table", "lag_s: table (interpolated on sampled end offsets) or off")
	age := c.Bool("age", true, "also read the first unprocessed record of each lagging partition for age_s (message timestamps)")
	var redisAddrs cli.StringList
	c.Var(&redisAddrs, "redis", "optional: the workers' Redis; start from the end-offset samples the workers keep there, so lag_s is known at once (read only)")
	redisCluster := c.Bool("redis-cluster", false, "treat --redis as a Redis Cluster even with one seed address")
	redisPassword := c.String("redis-password", "", "Redis password (prefer the environment variable)")
	prefix := c.String("key-prefix", "ps", "prefix of the workers' Redis keys")
	rsec := secure.AddRedisFlags(c.FlagSet)
	if err := c.Parse(args); err != nil {
		return err
	}
	sec, err := secure.NewKafka(*ksec)
	if err != nil {
		return err
	}
	for _, warn := range sec.Warnings() {
		fmt.Fprintf(stderr, "warning: %s\n", warn)
	}
	opts := lag.Options{Window: *window, StopAfter: *stopAfter, MessageAge: *age, ClientOpts: sec.FranzOpts()}
	if len(redisAddrs) > 0 {
		rcfg := *rsec
		rcfg.Password = secure.Secret(*redisPassword)
		rs, err := secure.NewRedis(rcfg)
		if err != nil {
			return err
		}
		ro := &redis.UniversalOptions{Addrs: redisAddrs, IsClusterMode: *redisCluster}
		rs.ApplyUniversal(ro)
		rdb := redis.NewUniversalClient(ro)
		defer rdb.Close()
		opts.Tables = worker.NewLagTables(rdb, *prefix, true, zerolog.New(stderr))
	}
	switch *timeLag {
	case "table":
	case "timestamp": // before lag_s and age_s were separate figures
		opts.MessageAge = true
	case "off":
		opts.TimeLag = lag.TimeLagOff
	default:
		return fmt.Errorf("--time-lag %q: want table or off", *timeLag)
	}
	// A refused certificate or login fails at once with a clear message (the live view would
	// otherwise show the bare client error on every refresh).
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	perr := sec.Probe(pctx, brokers)
	cancel()
	if perr != nil && secure.ProblemOf(perr).Permanent() {
		return perr
	}
	m, err := lag.New(brokers, *group, topics, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	if !*once && !*asJSON {
		return lag.Live(ctx, stdout, m, *interval)
	}
	snap, err := m.Sample(ctx, *samples, *interval)
	if err != nil {
		return explainKafka(ctx, sec, brokers, err)
	}
	if *asJSON {
		return lag.RenderJSON(stdout, snap)
	}
	return lag.RenderTable(stdout, snap)
}

// explainKafka returns a clear error for a failed Kafka call: when the brokers refuse this
// configuration (certificate, login), the probe's explanation; otherwise err itself.
func explainKafka(ctx context.Context, sec *secure.Kafka, brokers []string, err error) error {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if perr := sec.Probe(pctx, brokers); perr != nil {
		return fmt.Errorf("%w (after: %v)", perr, err)
	}
	return secure.Describe(secure.ServiceKafka, err)
}
