// Command encbench is `make bench`'s encoder half: it wires flags to internal/eval/encbench, which
// measures the encoder's throughput in sentences per second against PyTorch on the same shapes
// and thread counts, measured in the same run (FIGURE encoder.*).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/profilestream/profilestream/internal/eval/encbench"
)

func main() {
	o := encbench.DefaultOptions()
	flag.IntVar(&o.Batch, "batch", o.Batch, "sentences per batch")
	flag.Float64Var(&o.MinSeconds, "min-seconds", o.MinSeconds, "measure each case at least this long (whole batches)")
	flag.StringVar(&o.Models, "models", o.Models, "models to measure")
	flag.StringVar(&o.Lens, "lens", o.Lens, "sequence lengths in tokens")
	flag.StringVar(&o.Python, "python", o.Python, "python with torch for the reference")
	flag.StringVar(&o.TorchScript, "torch-script", o.TorchScript, "PyTorch reference benchmark")
	flag.StringVar(&o.DefaultDir, "default-dir", o.DefaultDir, "folder of the default model, for the PyTorch side")
	flag.StringVar(&o.ModelRoot, "model-root", o.ModelRoot, "folder holding fetched models (other -models names)")
	flag.BoolVar(&o.NoTorch, "no-torch", o.NoTorch, "skip the PyTorch reference")
	flag.IntVar(&o.Rounds, "rounds", o.Rounds, "alternating PyTorch/Go measurement rounds per model and length")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := encbench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "encbench:", err)
		os.Exit(1)
	}
}
