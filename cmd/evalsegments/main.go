// Command evalsegments is `make eval-segments`: it wires flags to internal/eval/evalsegments, which
// replays the shared Amazon review sets through internal/online's Model and compares the
// segments with sklearn's batch k-means and the update speed with MiniBatchKMeans.partial_fit.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/profilestream/profilestream/internal/eval/evalsegments"
)

func main() {
	dataDir := flag.String("data", "../shared/data", "folder holding amazon-reviews-5core/ and amazon-reviews-2023-multicat/")
	k := flag.Int("k", 0, "number of segments; 0 = the model chooses k from the data (its default)")
	mergeEvery := flag.Int("merge-every", 256, "events between two merges (stands in for MergeInterval)")
	sweepEvery := flag.Int("sweep-every", 1024, "events between two staleness sweep passes (stands in for Run's sweep loop)")
	refitEvery := flag.Int("refit-every", 2048, "events between two refits (stands in for RefitInterval; 0 = never)")
	python := flag.String("python", "/usr/bin/python3", "python with sklearn for the reference")
	script := flag.String("ref", "tools/sklearn_ref/segments_ref.py", "the sklearn reference script")
	vectors := flag.String("vectors", "auto", "auto (encoder when it is a real model, else tfidf), encoder, or tfidf")
	modelDir := flag.String("model", "", "encoder model folder (Hugging Face layout); empty = the bundled model")
	maxLen := flag.Int("max-tokens", 64, "encoder: tokens per review (the first run encodes every review, later runs read the cache)")
	seeds := flag.Int("seeds", 5, "replays per set with different model seeds; figures are medians")
	reps := flag.Int("speed-reps", 11, "interleaved speed repetitions; the figure is the median ratio")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	vz, err := evalsegments.PickVectorizer(*vectors, *modelDir, *maxLen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalsegments:", err)
		os.Exit(1)
	}
	err = evalsegments.Run(ctx, evalsegments.Config{
		DataDir: *dataDir, Vectorizer: vz, K: *k, MergeEvery: *mergeEvery, SweepEvery: *sweepEvery, RefitEvery: *refitEvery,
		Seeds: *seeds, SpeedReps: *reps, Python: *python, Script: *script, Out: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalsegments:", err)
		os.Exit(1)
	}
}
