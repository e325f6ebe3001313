// Command evalprofiles is `make eval-profiles`: it wires flags to internal/eval/evalprofiles, the
// evaluation of the stored profiles through the real worker (`streamer run` on an embedded Kafka
// and a private redis-server) on the shared data (../shared/data), against baselines computed in
// the same run (FIGURE eval.profiles.*, eval.segments.*).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/profilestream/profilestream/internal/eval/evalprofiles"
)

func main() {
	o := evalprofiles.DefaultOptions()
	split := string(o.Split)
	flag.StringVar(&o.DataDir, "data", o.DataDir, "folder holding the shared data sets")
	flag.StringVar(&o.Streamer, "streamer", o.Streamer, "the streamer binary whose `run` is evaluated (make build)")
	flag.StringVar(&o.ModelDir, "model-dir", o.ModelDir, "the worker's --model-dir (default: the bundled default model)")
	flag.StringVar(&split, "split", split, "users to evaluate: test (the held-out half, for reporting) or dev (the half to tune on)")
	flag.IntVar(&o.MaxUsers, "max-users", o.MaxUsers, "at most this many users per data set, the first in hash order (0 = all)")
	flag.StringVar(&o.Only, "only", o.Only, "comma-separated data sets (amazon_5core, amazon_multicat, taobao, rees46, chinese; default all)")
	flag.IntVar(&o.Bootstrap, "bootstrap", o.Bootstrap, "bootstrap resamples of the owner MRR interval")
	flag.Uint64Var(&o.Seed, "seed", o.Seed, "seed of k-means, the bootstrap and the random baseline")
	flag.IntVar(&o.Partitions, "partitions", o.Partitions, "partitions of every topic")
	flag.DurationVar(&o.Timeout, "timeout", o.Timeout, "per data set: give up when the worker is not at lag 0 after this long")
	flag.Parse()
	o.Split = evalprofiles.Split(split)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := evalprofiles.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "evalprofiles:", err)
		os.Exit(1)
	}
}
