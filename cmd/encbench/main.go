// Command encbench is `make bench`'s encoder half: it wires flags to internal/eval/encbench, which
// measures the encoder's throughput in sentences per second, in every precision, against its
// peers (PyTorch fp32/bf16, ONNX Runtime fp32/int8) on the same shapes and thread counts,
// measured in the same run (FIGURE encoder.*).
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
	flag.StringVar(&o.Threads, "threads", o.Threads, "thread counts")
	flag.StringVar(&o.Python, "python", o.Python, "python with the peers (empty: the venv -python-ref installs)")
	flag.StringVar(&o.PythonRef, "python-ref", o.PythonRef, "script installing the peers' Python venv")
	flag.StringVar(&o.PeerScript, "peer-script", o.PeerScript, "the peers' benchmark")
	flag.StringVar(&o.DefaultDir, "default-dir", o.DefaultDir, "folder of the default model, for the peers")
	flag.StringVar(&o.ModelRoot, "model-root", o.ModelRoot, "folder holding fetched models (other -models names)")
	flag.BoolVar(&o.NoPeers, "no-peers", o.NoPeers, "measure the encoder alone (no ratio figures)")
	flag.IntVar(&o.Rounds, "rounds", o.Rounds, "alternating peer/Go measurement rounds per model and length")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := encbench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "encbench:", err)
		os.Exit(1)
	}
}
