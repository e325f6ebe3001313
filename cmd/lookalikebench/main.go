// Command lookalikebench is `make bench`'s query half: it wires flags to
// internal/eval/lookalikebench, which measures reader.Nearest through the segment index against
// the exact scan on synthetic profiles in a private redis-server (FIGURE store.lookalike.*).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/profilestream/profilestream/internal/eval/lookalikebench"
)

func main() {
	o := lookalikebench.DefaultOptions()
	probes := ""
	for i, p := range o.Probes {
		if i > 0 {
			probes += ","
		}
		probes += strconv.Itoa(p)
	}
	flag.IntVar(&o.Profiles, "profiles", envInt("STREAMER_LOOKALIKE_PROFILES", o.Profiles), "synthetic profiles (e.g. 20000 for a quick run) (STREAMER_LOOKALIKE_PROFILES)")
	flag.IntVar(&o.Dim, "dim", o.Dim, "vector dimension")
	flag.IntVar(&o.Clusters, "clusters", o.Clusters, "Gaussian clusters the profiles are drawn from")
	flag.Float64Var(&o.Spread, "spread", o.Spread, "norm of a profile's noise around its cluster centre (1: within-cluster cosine about 0.5)")
	flag.IntVar(&o.Segments, "segments", o.Segments, "centroids of the segment model (0: sqrt(profiles))")
	flag.IntVar(&o.Sample, "sample", o.Sample, "profiles the k-means is fitted on")
	flag.IntVar(&o.Iterations, "iterations", o.Iterations, "Lloyd iterations of the k-means")
	flag.IntVar(&o.Queries, "queries", o.Queries, "queries (half user-like, half look-alike seeds)")
	flag.IntVar(&o.ExactQueries, "exact-queries", o.ExactQueries, "queries also run through the exact scan (a full scan each)")
	flag.StringVar(&probes, "probes", probes, "comma-separated probe counts to measure")
	flag.Int64Var(&o.Seed, "seed", o.Seed, "random seed")
	flag.Parse()
	o.Probes = nil
	for _, f := range strings.Split(probes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "lookalikebench: bad -probes %q\n", probes)
			os.Exit(2)
		}
		o.Probes = append(o.Probes, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := lookalikebench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lookalikebench:", err)
		os.Exit(1)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
