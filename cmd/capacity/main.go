// Command capacity prints the sizing table of docs/capacity.md from files of FIGURE lines (the
// output of make bench, make demo and make bench-e2e; "-" reads stdin):
//
//	make bench > /tmp/bench.txt; make demo > /tmp/demo.txt
//	go run ./cmd/capacity /tmp/bench.txt /tmp/demo.txt
//
// The logic lives in internal/capacity; this command only wires flags and files.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/profilestream/profilestream/internal/capacity"
)

func main() {
	a := capacity.DefaultAssumptions()
	flag.Float64Var(&a.ReviewShare, "review-share", a.ReviewShare, "share of events that are reviews (0..1)")
	flag.Float64Var(&a.CacheHitRate, "cache-hit-rate", a.CacheHitRate, "share of folds whose profile is in the worker's cache (0..1)")
	flag.Float64Var(&a.WorkerUtilization, "worker-utilization", a.WorkerUtilization, "share of a worker's measured rate to plan for")
	flag.Float64Var(&a.ShardCPU, "shard-cpu", a.ShardCPU, "share of a Redis core a shard may spend on folds")
	flag.Float64Var(&a.ShardMemoryGB, "shard-memory-gb", a.ShardMemoryGB, "usable memory of one Redis shard (GB)")
	flag.Float64Var(&a.MemoryOverhead, "memory-overhead", a.MemoryOverhead, "factor on bytes per profile (fragmentation, growth)")
	flag.IntVar(&a.Replicas, "replicas", a.Replicas, "replicas per Redis shard")
	flag.IntVar(&a.MinPartitions, "min-partitions", a.MinPartitions, "partitions per topic at least")
	flag.Parse()
	if err := run(os.Stdout, flag.Args(), a); err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, files []string, a capacity.Assumptions) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	figs := map[string]float64{}
	for _, f := range files {
		var r io.Reader = os.Stdin
		if f != "-" {
			fh, err := os.Open(f)
			if err != nil {
				return err
			}
			defer fh.Close()
			r = fh
		}
		m, err := capacity.ParseFigures(r)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range m {
			figs[k] = v
		}
	}
	in, err := capacity.InputsFrom(figs)
	if err != nil {
		return err
	}
	rows, err := capacity.Plan(in, a, []float64{1e6, 1e7, 1e8}, []float64{1e4, 1e5, 1e6})
	if err != nil {
		return err
	}
	if err := capacity.Render(out, in, a, rows); err != nil {
		return err
	}
	if q, ok := capacity.QueriesFrom(figs); ok {
		return capacity.RenderQueries(out, q, capacity.PlanQueries(q, []float64{1e6, 1e7, 1e8}))
	}
	return nil
}
