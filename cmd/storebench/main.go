// Command storebench is `make bench`'s store half: it wires flags to internal/eval/storebench, which
// measures the exactly-once profile fold against a plain pipelined HSET of the same vector blobs,
// in the same run, against a private redis-server (FIGURE store.*).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/profilestream/profilestream/internal/eval/storebench"
)

func main() {
	o := storebench.DefaultOptions()
	flag.IntVar(&o.Dim, "dim", o.Dim, "vector dimension")
	flag.IntVar(&o.Users, "users", o.Users, "distinct users")
	flag.IntVar(&o.Updates, "updates", o.Updates, "events per round")
	flag.IntVar(&o.Batch, "batch", o.Batch, "events per Fold call / per HSET pipeline")
	flag.IntVar(&o.Rounds, "rounds", o.Rounds, "rounds of each path; the median rate is reported")
	flag.IntVar(&o.Partitions, "partitions", o.Partitions, "Kafka partitions the events come from")
	flag.BoolVar(&o.RoundRobin, "round-robin", o.RoundRobin, "spread each user's events over all partitions (producers without a key) instead of one partition per user (keyed by user, the producer contract of docs/events.md)")
	flag.BoolVar(&o.Float16, "float16", o.Float16, "store the decayed mean as float16 (profilestore.Options.DecayedFloat16)")
	flag.IntVar(&o.ListpackValue, "hash-max-listpack-value", o.ListpackValue, "start redis-server with this hash-max-listpack-value (0: the server default, 64); the default is the deployments' setting, which keeps whole profiles in the compact listpack encoding")
	flag.Int64Var(&o.Seed, "seed", o.Seed, "random seed")
	flag.StringVar(&o.CPUProfile, "cpuprofile", o.CPUProfile, "write a CPU profile of the benchmark process to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := storebench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "storebench:", err)
		os.Exit(1)
	}
}
