// Package encbench is `make bench`'s encoder half (cmd/encbench wires its flags): it measures
// the encoder's throughput in sentences per second and compares it with PyTorch 1.13 on the same shapes and thread counts, measured in the same run.
//
// Models: "default" (the bundled model, package models), "minilm6" (a MiniLM-L6-shaped BERT:
// 6 layers, hidden 384, 12 heads, FFN 1536, vocabulary 30522, random weights), and any other name
// is a folder under -model-root (a model fetched by `streamer model fetch NAME`). Every case encodes
// batches of -batch sentences of exactly L tokens, for L in -lens, on 1 thread and on all cores.
// The PyTorch side is tools/torch_reference/bench_torch.py run with /usr/bin/python3 (a plain
// BERT in PyTorch, forward plus mean pooling under no_grad); when that python has no torch, the
// torch figures are skipped with a line saying so. Build with `-tags openblas` for the OpenBLAS
// matrix kernel; the pure-Go kernel works but is several times slower.
//
// PyTorch is measured at 1 thread, at all cores and at its own default (torch.get_num_threads()),
// and the fastest of these settings is the reference for every Go thread count: on a small
// machine PyTorch at 2 threads can be slower than at 1, and comparing Go's 2 threads with that
// would flatter Go. Go and PyTorch measurements of one model and length alternate for -rounds
// rounds. Throughputs are the best of the rounds; ratio_vs_best_torch is the median over rounds
// of each round's ratio (Go in that round over the fastest PyTorch setting in that round), so
// that a burst of load from other processes, which hits one round, moves it little.
//
// Output, per case:
//
//	FIGURE encoder.<model>.len<L>.threads<T>.sent_per_s <v>
//	FIGURE encoder.<model>.len<L>.threads<T>.torch_sent_per_s <v>            (PyTorch at T threads)
//	FIGURE encoder.<model>.len<L>.threads<T>.ratio_vs_torch <v>              (vs PyTorch at T threads)
//	FIGURE encoder.<model>.len<L>.best_torch_sent_per_s <v>                  (best PyTorch setting)
//	FIGURE encoder.<model>.len<L>.threads<T>.ratio_vs_best_torch <v>
package encbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/profilestream/profilestream/internal/encoder"
)

type benchCase struct {
	model   string
	length  int
	threads int
}

func (c benchCase) name() string {
	return fmt.Sprintf("encoder.%s.len%d.threads%d", c.model, c.length, c.threads)
}

// Options are encbench's settings; DefaultOptions gives the defaults of `make bench`.
type Options struct {
	Batch       int     // sentences per batch (default 64)
	MinSeconds  float64 // measure each case at least this long, in whole batches (default 1.5)
	Models      string  // comma-separated models to measure (default "default,minilm6")
	Lens        string  // comma-separated sequence lengths in tokens (default "32,128")
	Python      string  // python with torch for the reference (default /usr/bin/python3)
	TorchScript string  // PyTorch reference benchmark (default tools/torch_reference/bench_torch.py)
	DefaultDir  string  // folder of the default model, for the PyTorch side (default models/default)
	ModelRoot   string  // folder holding fetched models, the other Models names (default models)
	NoTorch     bool    // skip the PyTorch reference
	Rounds      int     // alternating PyTorch/Go measurement rounds per model and length (default 5)
}

// DefaultOptions returns the settings `make bench` runs with.
func DefaultOptions() Options {
	return Options{
		Batch: 64, MinSeconds: 1.5, Models: "default,minilm6", Lens: "32,128",
		Python: "/usr/bin/python3", TorchScript: "tools/torch_reference/bench_torch.py",
		DefaultDir: "models/default", ModelRoot: "models", Rounds: 5,
	}
}

// Run measures every case and writes the report and its FIGURE lines to w. It stops between
// measurements when ctx is cancelled.
func Run(ctx context.Context, o Options, w io.Writer) error {
	threadCounts := []int{1}
	if n := runtime.NumCPU(); n > 1 {
		threadCounts = append(threadCounts, n)
	}
	var cases []benchCase
	for _, m := range strings.Split(o.Models, ",") {
		for _, l := range strings.Split(o.Lens, ",") {
			L, err := strconv.Atoi(l)
			if err != nil {
				return fmt.Errorf("bad -lens: %w", err)
			}
			for _, th := range threadCounts {
				cases = append(cases, benchCase{m, L, th})
			}
		}
	}
	fmt.Fprintf(w, "encbench: backend %s, %d CPUs, batch %d, >= %.1fs per case\n", encoder.Backend, runtime.NumCPU(), o.Batch, o.MinSeconds)

	models := map[string]*encoder.Model{}
	var runnable []benchCase
	for _, c := range cases {
		if _, ok := models[c.model]; !ok {
			m, err := build(c.model, o.ModelRoot)
			if err != nil {
				return fmt.Errorf("%s: %w", c.model, err)
			}
			models[c.model] = m
		}
		if c.length > models[c.model].Config().MaxPositionEmbeddings {
			fmt.Fprintf(w, "encbench: skip %s: model %s has max_position_embeddings %d < %d\n", c.name(), c.model, models[c.model].Config().MaxPositionEmbeddings, c.length)
			continue
		}
		runnable = append(runnable, c)
	}

	var ref *torchServer
	if !o.NoTorch {
		var err error
		ref, err = startTorch(w, o.Python, o.TorchScript, o.DefaultDir, o.ModelRoot, o.Batch, o.MinSeconds)
		if err != nil {
			fmt.Fprintf(w, "encbench: PyTorch reference skipped: %v\n", err)
		} else {
			defer ref.close()
		}
	}

	// The machine may be shared: for each model and length, PyTorch (every thread setting) and Go
	// (every thread count) are measured in turn for -rounds rounds, keeping the best of each.
	type group struct {
		model  string
		length int
		goTh   []int
	}
	var groups []*group
	for _, c := range runnable {
		if n := len(groups); n > 0 && groups[n-1].model == c.model && groups[n-1].length == c.length {
			groups[n-1].goTh = append(groups[n-1].goTh, c.threads)
			continue
		}
		groups = append(groups, &group{model: c.model, length: c.length, goTh: []int{c.threads}})
	}
	for _, g := range groups {
		torchTh := append([]int(nil), g.goTh...)
		if ref != nil && !contains(torchTh, ref.defaultThreads) {
			torchTh = append(torchTh, ref.defaultThreads)
		}
		sps := map[int]float64{}
		tps := map[int]float64{}
		roundRatios := map[int][]float64{}
		for r := 0; r < o.Rounds; r++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			roundBest := 0.0
			for _, th := range torchTh {
				if ref == nil {
					break
				}
				t, err := ref.measure(benchCase{g.model, g.length, th})
				if err != nil {
					fmt.Fprintf(w, "encbench: PyTorch reference stopped: %v\n", err)
					ref.close()
					ref = nil
					break
				}
				tps[th] = max(tps[th], t)
				roundBest = max(roundBest, t)
			}
			for _, th := range g.goTh {
				c := benchCase{g.model, g.length, th}
				v, err := measure(ctx, models[c.model], c, o.Batch, o.MinSeconds)
				if err != nil {
					return err
				}
				sps[th] = max(sps[th], v)
				if roundBest > 0 {
					roundRatios[th] = append(roundRatios[th], v/roundBest)
				}
			}
		}
		best, bestTh := 0.0, 0
		for th, t := range tps {
			if t > best || (t == best && th < bestTh) {
				best, bestTh = t, th
			}
		}
		if best > 0 {
			fmt.Fprintf(w, "torch    %-8s len %3d: best %8.1f sentences/s at %d threads (", g.model, g.length, best, bestTh)
			for i, th := range torchTh {
				if i > 0 {
					fmt.Fprint(w, ", ")
				}
				fmt.Fprintf(w, "%d threads %.1f", th, tps[th])
			}
			fmt.Fprintln(w, ")")
			fmt.Fprintf(w, "FIGURE encoder.%s.len%d.best_torch_sent_per_s %.2f\n", g.model, g.length, best)
		}
		for _, th := range g.goTh {
			c := benchCase{g.model, g.length, th}
			fmt.Fprintf(w, "encoder  %-8s len %3d threads %d: %8.1f sentences/s", c.model, c.length, c.threads, sps[th])
			med := median(roundRatios[th])
			if best > 0 {
				fmt.Fprintf(w, "   vs torch at %d threads %.2f, vs best torch %.2f (median of %d rounds; rounds %s)\n",
					th, sps[th]/tps[th], med, len(roundRatios[th]), fmtList(roundRatios[th]))
			} else {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "FIGURE %s.sent_per_s %.2f\n", c.name(), sps[th])
			if best > 0 {
				fmt.Fprintf(w, "FIGURE %s.torch_sent_per_s %.2f\n", c.name(), tps[th])
				fmt.Fprintf(w, "FIGURE %s.ratio_vs_torch %.3f\n", c.name(), sps[th]/tps[th])
				fmt.Fprintf(w, "FIGURE %s.ratio_vs_best_torch %.3f\n", c.name(), med)
			}
		}
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func fmtList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func build(name, root string) (*encoder.Model, error) {
	switch name {
	case "default":
		return encoder.LoadDefault(encoder.Options{})
	case "minilm6":
		vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
		for i := len(vocab); i < 30522; i++ {
			vocab = append(vocab, "w"+strconv.Itoa(i))
		}
		tok, err := encoder.NewTokenizer(vocab, encoder.TokenizerOptions{Lowercase: true})
		if err != nil {
			return nil, err
		}
		cfg := encoder.Config{HiddenSize: 384, NumHiddenLayers: 6, NumAttentionHeads: 12, IntermediateSize: 1536,
			MaxPositionEmbeddings: 512, HiddenAct: "gelu", LayerNormEps: 1e-12, TypeVocabSize: 2}
		return encoder.NewRandom(cfg, tok, 1, encoder.Options{})
	}
	return encoder.Load(filepath.Join(root, name), encoder.Options{})
}

// texts makes n sentences of whole-word vocabulary tokens, long enough that truncation to
// length tokens gives exactly length tokens.
func texts(m *encoder.Model, n, length int, seed uint64) []string {
	tok := m.Tokenizer()
	var words []string
	for id := 0; id < tok.VocabSize(); id++ {
		w := tok.Token(int32(id))
		if w == "" || strings.HasPrefix(w, "##") || strings.HasPrefix(w, "[") || len(tok.Tokenize(w, 8)) != 3 {
			continue
		}
		words = append(words, w)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for j := 0; j < length; j++ {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		out[i] = b.String()
	}
	return out
}

func measure(ctx context.Context, base *encoder.Model, c benchCase, batch int, minSec float64) (float64, error) {
	m, err := base.WithOptions(encoder.Options{MaxLength: c.length, Threads: c.threads, BatchSize: batch})
	if err != nil {
		return 0, err
	}
	in := texts(m, batch, c.length, uint64(c.length))
	if got := len(m.Tokenizer().Tokenize(in[0], m.MaxLength())); got != c.length {
		return 0, fmt.Errorf("%s: test sentences have %d tokens, want %d", c.name(), got, c.length)
	}
	if _, err := m.Encode(ctx, in[:min(8, len(in))]); err != nil { // warm-up
		return 0, err
	}
	n, t0 := 0, time.Now()
	for {
		if _, err := m.Encode(ctx, in); err != nil {
			return 0, err
		}
		n += len(in)
		if el := time.Since(t0).Seconds(); el >= minSec {
			return float64(n) / el, nil
		}
	}
}

// torchServer is bench_torch.py in --serve mode: one case per line in, one TORCH line out.
type torchServer struct {
	// defaultThreads is PyTorch's own thread count (torch.get_num_threads() at start).
	defaultThreads int
	cmd            *exec.Cmd
	in             io.WriteCloser
	out            *bufio.Scanner
	stderr         *bytes.Buffer
}

func startTorch(w io.Writer, python, script, defDir, root string, batch int, minSec float64) (*torchServer, error) {
	if _, err := os.Stat(python); err != nil {
		return nil, fmt.Errorf("%s not found", python)
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return nil, fmt.Errorf("%s has no torch (apt-get install python3-torch)", python)
	}
	cmd := exec.Command(python, filepath.Base(script), "--serve",
		"--default-dir", mustAbs(defDir), "--model-root", mustAbs(root), "--batch", strconv.Itoa(batch), "--min-seconds", fmt.Sprint(minSec))
	cmd.Dir = filepath.Dir(script)
	s := &torchServer{cmd: cmd, stderr: new(bytes.Buffer)}
	cmd.Stderr = s.stderr
	var err error
	if s.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", script, err)
	}
	s.out = bufio.NewScanner(stdout)
	var ready string
	var info strings.Builder
	for s.out.Scan() {
		if l, ok := strings.CutPrefix(s.out.Text(), "INFO "); ok {
			info.WriteString("  " + l + "\n")
			continue
		}
		ready = s.out.Text()
		break
	}
	if _, err := fmt.Sscanf(ready, "READY %d", &s.defaultThreads); err != nil {
		s.close()
		return nil, fmt.Errorf("%s did not start (%q)", script, ready)
	}
	fmt.Fprintf(w, "encbench: PyTorch default threads %d; its threading:\n%s", s.defaultThreads, info.String())
	return s, nil
}

func (s *torchServer) measure(c benchCase) (float64, error) {
	if _, err := fmt.Fprintf(s.in, "%s:%d:%d\n", c.model, c.length, c.threads); err != nil {
		return 0, err
	}
	if !s.out.Scan() {
		return 0, fmt.Errorf("no answer: %s", lastLine(s.stderr.String()))
	}
	f := strings.Fields(s.out.Text())
	if len(f) != 5 || f[0] != "TORCH" {
		return 0, fmt.Errorf("unexpected line %q", s.out.Text())
	}
	return strconv.ParseFloat(f[4], 64)
}

func (s *torchServer) close() {
	s.in.Close()
	s.cmd.Wait()
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
