// Command evalencoder is `make eval-encoder`: it wires flags to internal/eval/evalencoder, which
// measures how well sentence embeddings (the bundled model, TF-IDF, random weights) separate
// product categories on held-out review data (FIGURE eval.encoder.*).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/eval/evalencoder"
)

func main() {
	o := evalencoder.DefaultOptions()
	flag.StringVar(&o.DataDir, "data", o.DataDir, "folder with the shared datasets")
	flag.IntVar(&o.N, "n", o.N, "texts per language (category-balanced sample of the held-out split)")
	flag.IntVar(&o.MaxLen, "maxlen", o.MaxLen, "tokens per text for the transformers, [CLS]/[SEP] included")
	flag.StringVar(&o.ModelDir, "model", o.ModelDir, "model folder to evaluate instead of the bundled default")
	flag.IntVar(&o.Restarts, "restarts", o.Restarts, "k-means restarts (k-means++ seeding each)")
	flag.Uint64Var(&o.Seed, "seed", o.Seed, "seed for sampling, k-means and the random-weight model")
	flag.IntVar(&o.Threads, "threads", o.Threads, "encoder threads (0: all cores)")
	flag.StringVar(&o.Langs, "langs", o.Langs, "languages to evaluate")
	flag.Func("precision", "encoder precision: fp32, bf16, int8 or auto (default auto, what the worker uses)", func(s string) error {
		o.Precision = encoder.Precision(s)
		return nil
	})
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := evalencoder.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "evalencoder:", err)
		os.Exit(1)
	}
}
