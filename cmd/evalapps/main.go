// Command evalapps is `make eval-apps`: it wires flags to internal/eval/evalapps, the offline
// evaluation of internal/apps (recommendations, look-alikes, churn) on the shared data
// (../shared/data), against baselines computed in the same run (FIGURE apps.*).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/profilestream/profilestream/internal/eval/evalapps"
)

func main() {
	o := evalapps.DefaultOptions()
	flag.StringVar(&o.DataDir, "data", o.DataDir, "folder holding the shared data sets")
	flag.StringVar(&o.ModelDir, "model", o.ModelDir, "Hugging Face model folder for the encoder (default: the bundled default model)")
	flag.Uint64Var(&o.Seed, "seed", o.Seed, "random seed (look-alike seeds)")
	flag.StringVar(&o.Text, "text", o.Text, "review text to encode: summary (the review title; the body only when there is no title) or full (title and body, as the pipeline does)")
	flag.IntVar(&o.MaxLen, "max-len", o.MaxLen, "encoder MaxLength in tokens (0: the model's maximum)")
	flag.BoolVar(&o.Grid, "grid", o.Grid, "also run a grid of Recommend's blend weights on the DEV users (the figures are the TEST users')")
	flag.StringVar(&o.Only, "only", o.Only, "comma-separated data sets to run (amazon_5core, amazon_multicat, taobao; default all)")
	flag.StringVar(&o.CPUProfile, "cpuprofile", o.CPUProfile, "write a CPU profile to this file")
	flag.IntVar(&o.StreamPerUser, "stream-per-user", o.StreamPerUser, "Taobao (prequential evaluation): test events per user, the user's last new-item interactions")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := evalapps.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "evalapps:", err)
		os.Exit(1)
	}
}
