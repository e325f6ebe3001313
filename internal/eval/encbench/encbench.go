// Package encbench is `make bench`'s encoder half (cmd/encbench wires its flags): it measures
// the encoder's throughput in sentences per second, in every precision this CPU runs, and
// measures its peers itself in the same run, on the same shapes and thread counts.
//
// The peers (tools/peers/bench_peers.py, in the Python venv scripts/python-peers.sh installs:
// PyPI torch and onnxruntime) are PyTorch in float32 and bfloat16 with the forward
// `transformers` uses (fused scaled-dot-product attention), and ONNX Runtime on the module
// exported to ONNX, in float32 and quantized to int8 by its quantize_dynamic (per-channel).
// One peer process serves one thread count, with OMP/MKL/OpenBLAS and ORT threads all pinned
// to it; every peer measurement reports the process's CPU time over wall time, which is
// printed, so a peer that used more cores than it was given shows. Without the peers the run
// fails (or, with NoPeers, prints the encoder's own figures and no ratio): it never prints a
// ratio without its reference.
//
// Agreement: the encoder's float32 vectors of the agreement texts (encoder.AgreementTexts) are
// the reference; every precision of the encoder and every peer is compared with them by
// cosine, each text run alone (no padding). Only peers whose minimum cosine is >= 0.99 count
// as "best peer"; the int8 peers are compared separately.
//
// Models: "default" (the bundled model) and any other name is a folder under ModelRoot (a
// model fetched by `streamer model fetch NAME`). Every case encodes batches of Batch sentences
// of exactly L tokens. Peer and Go measurements of one model and length alternate for Rounds
// rounds; throughputs are the best of the rounds, ratios the median over rounds of each
// round's ratio, so that a burst of load from other processes, which hits one round, moves
// them little.
//
// Output, per model M, length L, threads T (the "default path" is what PrecisionAuto chose for
// the model, as the worker does):
//
//	FIGURE encoder.M.len<L>.threads<T>.sent_per_s <v>                 (the default path)
//	FIGURE encoder.M.len<L>.threads<T>.<precision>.sent_per_s <v>     (every precision)
//	FIGURE encoder.M.len<L>.threads<T>.peer.<peer>.sent_per_s <v>
//	FIGURE encoder.M.len<L>.threads<T>.best_peer_sent_per_s <v>       (peers with min cosine >= 0.99)
//	FIGURE encoder.M.len<L>.threads<T>.ratio_vs_best_peer <v>
//	FIGURE encoder.M.len<L>.threads<T>.ratio_vs_best_int8_peer <v>
//	FIGURE encoder.M.<precision>.min_cosine <v>, .mean_cosine <v>    (vs the encoder's fp32)
//	FIGURE encoder.M.peer.<peer>.min_cosine <v>
//	FIGURE encoder.M.default_min_cosine <v>
package encbench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/profilestream/profilestream/internal/encoder"
)

// agreementMin is the minimum cosine to float32 a path needs to count.
const agreementMin = 0.99

// Options are encbench's settings; DefaultOptions gives the defaults of `make bench`.
type Options struct {
	Batch      int     // sentences per batch (default 64)
	MinSeconds float64 // measure each case at least this long, in whole batches (default 1.5)
	Models     string  // comma-separated models to measure (default "all-minilm-l6-v2,default")
	Lens       string  // comma-separated sequence lengths in tokens (default "32,128")
	Threads    string  // comma-separated thread counts (default "1,2")
	Python     string  // python with the peers; empty: the venv of PythonRef (default)
	PythonRef  string  // script installing the peers' venv (default scripts/python-peers.sh)
	PeerScript string  // the peers' benchmark (default tools/peers/bench_peers.py)
	DefaultDir string  // folder of the default model, for the peers (default models/default)
	ModelRoot  string  // folder holding fetched models, the other Models names (default models)
	NoPeers    bool    // measure the encoder only (no ratio figures)
	Rounds     int     // alternating peer/Go measurement rounds per model and length (default 3)
}

// DefaultOptions returns the settings `make bench` runs with.
func DefaultOptions() Options {
	return Options{
		Batch: 64, MinSeconds: 1.5, Models: "all-minilm-l6-v2,default", Lens: "32,128", Threads: "1,2",
		PythonRef: "scripts/python-peers.sh", PeerScript: "tools/peers/bench_peers.py",
		DefaultDir: "models/default", ModelRoot: "models", Rounds: 3,
	}
}

func ints(s, flag string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad %s %q", flag, s)
		}
		out = append(out, v)
	}
	return out, nil
}

// precisions are the encoder's precisions this CPU runs, float32 first.
func precisions() []encoder.Precision {
	out := []encoder.Precision{encoder.PrecisionFP32}
	for _, p := range []encoder.Precision{encoder.PrecisionBF16, encoder.PrecisionInt8} {
		if p.Supported() {
			out = append(out, p)
		}
	}
	return out
}

// Run measures every case and writes the report and its FIGURE lines to w. It stops between
// measurements when ctx is cancelled.
func Run(ctx context.Context, o Options, w io.Writer) error {
	lens, err := ints(o.Lens, "-lens")
	if err != nil {
		return err
	}
	threads, err := ints(o.Threads, "-threads")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "encbench: backend %s, precisions %v, batch %d, >= %.1fs per case\n",
		encoder.Backend, precisions(), o.Batch, o.MinSeconds)

	servers := map[int]*peerServer{}
	if !o.NoPeers {
		python := o.Python
		if python == "" {
			if python, err = installPeers(ctx, o.PythonRef); err != nil {
				return err
			}
		}
		for _, th := range threads {
			s, err := startPeers(python, o.PeerScript, th)
			if err != nil {
				return fmt.Errorf("peers at %d threads: %w", th, err)
			}
			defer s.close()
			fmt.Fprintf(w, "encbench: peers at %d threads: %s\n", th, s.info)
			servers[th] = s
		}
	}

	for _, name := range strings.Split(o.Models, ",") {
		name = strings.TrimSpace(name)
		base, dir, err := build(name, o.ModelRoot, o.DefaultDir)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		agree, peerNames, err := agreement(ctx, w, name, base, dir, servers)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, L := range lens {
			if L > base.Config().MaxPositionEmbeddings {
				fmt.Fprintf(w, "encbench: skip %s len %d: max_position_embeddings %d\n", name, L, base.Config().MaxPositionEmbeddings)
				continue
			}
			if err := runLength(ctx, w, o, name, base, L, threads, servers, peerNames, agree); err != nil {
				return fmt.Errorf("%s len %d: %w", name, L, err)
			}
		}
	}
	return nil
}

// agreement loads the model into the peers and compares every precision and peer with the
// encoder's float32 vectors of the agreement texts. It returns the minimum cosine of each
// precision ("go.<precision>") and peer, and the peers' names.
func agreement(ctx context.Context, w io.Writer, name string, base *encoder.Model, dir string, servers map[int]*peerServer) (map[string]float64, []string, error) {
	texts := encoder.AgreementTexts()
	ref, err := base.WithOptions(encoder.Options{Precision: encoder.PrecisionFP32, Threads: 1})
	if err != nil {
		return nil, nil, err
	}
	want, err := ref.Encode(ctx, texts)
	if err != nil {
		return nil, nil, err
	}
	agree := map[string]float64{}
	report := func(key, figure string, got [][]float32) {
		lo, mean := 1.0, 0.0
		for i := range got {
			c := cosine(got[i], want[i])
			lo = math.Min(lo, c)
			mean += c / float64(len(got))
		}
		agree[key] = lo
		fmt.Fprintf(w, "agreement %-22s %s: cosine to the encoder's fp32 over %d texts: min %.5f mean %.5f\n", key, name, len(got), lo, mean)
		fmt.Fprintf(w, "FIGURE encoder.%s.%s.min_cosine %.5f\n", name, figure, lo)
		fmt.Fprintf(w, "FIGURE encoder.%s.%s.mean_cosine %.5f\n", name, figure, mean)
	}
	for _, p := range precisions() {
		m, err := base.WithOptions(encoder.Options{Precision: p, Threads: 1})
		if err != nil {
			return nil, nil, err
		}
		got, err := m.Encode(ctx, texts)
		if err != nil {
			return nil, nil, err
		}
		report("go."+string(p), string(p), got)
	}
	fmt.Fprintf(w, "encbench: %s: the default path (auto) is %s (%s)\n", name, base.Precision(), base.ModelID())
	fmt.Fprintf(w, "FIGURE encoder.%s.default_min_cosine %.5f\n", name, agree["go."+string(base.Precision())])

	var peers []string
	for _, th := range sortedKeys(servers) {
		s := servers[th]
		pooling := "mean"
		if base.Pooling() == encoder.PoolCLS {
			pooling = "cls"
		}
		src := dir
		if src != "" {
			src = mustAbs(src)
		}
		got, err := s.ask(fmt.Sprintf("LOAD %s %s %s", name, src, pooling), "LOADED")
		if err != nil {
			return nil, nil, err
		}
		peers = strings.Fields(got)[2:]
		if len(peers) == 0 {
			return nil, nil, fmt.Errorf("peers loaded nothing")
		}
		if len(agree) > len(precisions()) {
			continue // embeddings do not depend on the thread count: compare once
		}
		vecs, err := s.embed(name, base, texts)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range peers {
			if len(vecs[p]) != len(texts) {
				return nil, nil, fmt.Errorf("peer %s embedded %d of %d texts", p, len(vecs[p]), len(texts))
			}
			report(p, "peer."+p, vecs[p])
		}
	}
	return agree, peers, nil
}

func runLength(ctx context.Context, w io.Writer, o Options, name string, base *encoder.Model, L int, threads []int,
	servers map[int]*peerServer, peers []string, agree map[string]float64) error {
	auto := base.Precision()
	goSps := map[string]float64{} // "<threads>/<precision>"
	peerSps := map[string]float64{}
	peerUtil := map[string]float64{}
	ratios := map[int][]float64{}
	int8Ratios := map[int][]float64{}
	key := func(th int, s string) string { return fmt.Sprintf("%d/%s", th, s) }
	for r := 0; r < o.Rounds; r++ {
		for _, th := range threads {
			if err := ctx.Err(); err != nil {
				return err
			}
			bestAgree, bestInt8 := 0.0, 0.0
			if s := servers[th]; s != nil {
				for _, p := range peers {
					got, err := s.ask(fmt.Sprintf("BENCH %s %s %d %d %g", name, p, L, o.Batch, o.MinSeconds), "RESULT")
					if err != nil {
						return fmt.Errorf("peer %s at %d threads: %w", p, th, err)
					}
					f := strings.Fields(got)
					v, err1 := strconv.ParseFloat(f[2], 64)
					u, err2 := strconv.ParseFloat(f[3], 64)
					if err1 != nil || err2 != nil {
						return fmt.Errorf("peer answer %q", got)
					}
					peerSps[key(th, p)] = max(peerSps[key(th, p)], v)
					peerUtil[key(th, p)] = max(peerUtil[key(th, p)], u)
					if agree[p] >= agreementMin {
						bestAgree = max(bestAgree, v)
					}
					if strings.Contains(p, "int8") {
						bestInt8 = max(bestInt8, v)
					}
				}
			}
			for _, p := range precisions() {
				v, err := measure(ctx, base, L, th, p, o.Batch, o.MinSeconds)
				if err != nil {
					return err
				}
				goSps[key(th, string(p))] = max(goSps[key(th, string(p))], v)
				if p == auto && bestAgree > 0 {
					ratios[th] = append(ratios[th], v/bestAgree)
				}
				if p == auto && bestInt8 > 0 {
					int8Ratios[th] = append(int8Ratios[th], v/bestInt8)
				}
			}
		}
	}
	for _, th := range threads {
		fig := fmt.Sprintf("encoder.%s.len%d.threads%d", name, L, th)
		fmt.Fprintf(w, "%s len %d threads %d:\n", name, L, th)
		for _, p := range precisions() {
			v := goSps[key(th, string(p))]
			fmt.Fprintf(w, "  encoder %-5s %9.1f sentences/s\n", p, v)
			fmt.Fprintf(w, "FIGURE %s.%s.sent_per_s %.2f\n", fig, p, v)
		}
		fmt.Fprintf(w, "FIGURE %s.sent_per_s %.2f\n", fig, goSps[key(th, string(auto))])
		if servers[th] == nil {
			continue
		}
		best := 0.0
		for _, p := range peers {
			v := peerSps[key(th, p)]
			counts := "counts"
			if agree[p] < agreementMin {
				counts = fmt.Sprintf("does not count: min cosine %.4f < %.2f", agree[p], agreementMin)
			} else {
				best = max(best, v)
			}
			fmt.Fprintf(w, "  peer %-10s %9.1f sentences/s (cpu/wall %.2f; %s)\n", p, v, peerUtil[key(th, p)], counts)
			fmt.Fprintf(w, "FIGURE %s.peer.%s.sent_per_s %.2f\n", fig, p, v)
		}
		fmt.Fprintf(w, "FIGURE %s.best_peer_sent_per_s %.2f\n", fig, best)
		if len(ratios[th]) > 0 {
			fmt.Fprintf(w, "  default path (%s) vs best agreeing peer: %.2f (median of rounds %s)\n", auto, median(ratios[th]), fmtList(ratios[th]))
			fmt.Fprintf(w, "FIGURE %s.ratio_vs_best_peer %.3f\n", fig, median(ratios[th]))
		}
		if len(int8Ratios[th]) > 0 {
			fmt.Fprintf(w, "  default path (%s) vs best int8 peer: %.2f (median of rounds %s)\n", auto, median(int8Ratios[th]), fmtList(int8Ratios[th]))
			fmt.Fprintf(w, "FIGURE %s.ratio_vs_best_int8_peer %.3f\n", fig, median(int8Ratios[th]))
		}
	}
	return nil
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func sortedKeys(m map[int]*peerServer) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	n := len(s)
	return (s[n/2-1] + s[n/2]) / 2
}

func fmtList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

// build loads a model and returns the folder the peers load it from.
func build(name, root, defaultDir string) (*encoder.Model, string, error) {
	if name == "default" {
		m, err := encoder.LoadDefault(encoder.Options{})
		return m, defaultDir, err
	}
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		return nil, "", fmt.Errorf("%s is not fetched: run `go run ./cmd/streamer model fetch %s` (make bench does)", dir, name)
	}
	m, err := encoder.Load(dir, encoder.Options{})
	return m, dir, err
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

func measure(ctx context.Context, base *encoder.Model, length, threads int, prec encoder.Precision, batch int, minSec float64) (float64, error) {
	m, err := base.WithOptions(encoder.Options{MaxLength: length, Threads: threads, BatchSize: batch, Precision: prec})
	if err != nil {
		return 0, err
	}
	in := texts(m, batch, length, uint64(length))
	if got := len(m.Tokenizer().Tokenize(in[0], m.MaxLength())); got != length {
		return 0, fmt.Errorf("test sentences have %d tokens, want %d", got, length)
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

// installPeers runs scripts/python-peers.sh, which installs the peers' venv when needed and
// prints its python.
func installPeers(ctx context.Context, script string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("installing the peers (%s): %w; run with -no-peers to measure the encoder alone", script, err)
	}
	py := strings.TrimSpace(lastLine(string(out)))
	if py == "" {
		return "", fmt.Errorf("%s printed no python", script)
	}
	return py, nil
}

// peerServer is bench_peers.py serving one thread count: one command per line in, one answer
// line out.
type peerServer struct {
	info   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *bytes.Buffer
}

func startPeers(python, script string, threads int) (*peerServer, error) {
	cmd := exec.Command(python, mustAbs(script), "--threads", strconv.Itoa(threads))
	t := strconv.Itoa(threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "MKL_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t,
		"NUMEXPR_NUM_THREADS="+t, "CUDA_VISIBLE_DEVICES=", "PYTHONUNBUFFERED=1")
	s := &peerServer{cmd: cmd, stderr: new(bytes.Buffer)}
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
	s.out.Buffer(make([]byte, 1<<20), 1<<20)
	if !s.out.Scan() || !strings.HasPrefix(s.out.Text(), "READY ") {
		s.close()
		return nil, fmt.Errorf("%s did not start: %s", script, lastLine(s.stderr.String()))
	}
	s.info = strings.TrimPrefix(s.out.Text(), "READY ")
	return s, nil
}

// ask sends one command and returns the answer line, which must start with want.
func (s *peerServer) ask(command, want string) (string, error) {
	if _, err := fmt.Fprintln(s.in, command); err != nil {
		return "", err
	}
	if !s.out.Scan() {
		return "", fmt.Errorf("no answer to %q: %s", command, lastLine(s.stderr.String()))
	}
	line := s.out.Text()
	if !strings.HasPrefix(line, want+" ") {
		return "", fmt.Errorf("%q answered %q", command, line)
	}
	return line, nil
}

// embed has the peers embed the token ids of texts, each text alone.
func (s *peerServer) embed(name string, m *encoder.Model, texts []string) (map[string][][]float32, error) {
	dir, err := os.MkdirTemp("", "encbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ids := make([][]int32, len(texts))
	for i, t := range texts {
		ids[i] = m.Tokenizer().Tokenize(t, m.MaxLength())
	}
	b, err := json.Marshal(map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	in, out := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.json")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		return nil, err
	}
	if _, err := s.ask(fmt.Sprintf("EMBED %s %s %s", name, in, out), "EMBEDDED"); err != nil {
		return nil, err
	}
	b, err = os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var vecs map[string][][]float32
	if err := json.Unmarshal(b, &vecs); err != nil {
		return nil, fmt.Errorf("peers' embeddings: %w", err)
	}
	return vecs, nil
}

func (s *peerServer) close() {
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
