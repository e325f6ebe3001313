package evalsegments

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// sklearn is a running tools/sklearn_ref/segments_ref.py holding one set's final user vectors.
type sklearn struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	file    string
	Version string
}

// errNoReference explains how to get the reference when its Python is missing.
const errNoReference = "the sklearn reference needs a python3 that imports sklearn, numpy and threadpoolctl: `make eval-segments` installs them (scripts/python-ref.sh), or pass -python"

// checkSklearn fails unless python imports what the reference script needs, so that the
// evaluation stops before its replays instead of printing figures without their reference.
func checkSklearn(ctx context.Context, python string) error {
	if _, err := os.Stat(python); err != nil {
		return fmt.Errorf("%s not found: %s", python, errNoReference)
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import sklearn, numpy, threadpoolctl").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s (%s)", python, err, bytes.TrimSpace(out), errNoReference)
	}
	return nil
}

// startSklearn writes xs to a temporary file and starts the reference server on it.
func startSklearn(ctx context.Context, python, script string, xs [][]float32) (*sklearn, error) {
	if err := checkSklearn(ctx, python); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "evalsegments-*.f32")
	if err != nil {
		return nil, err
	}
	var b []byte
	for _, x := range xs {
		b = appendF32(b, x)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	cmd := exec.CommandContext(ctx, python, script, f.Name(), fmt.Sprint(len(xs)), fmt.Sprint(len(xs[0])))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("sklearn reference: %w", err)
	}
	s := &sklearn{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20), file: f.Name()}
	var hello struct {
		Sklearn string `json:"sklearn"`
		Error   string `json:"error"`
	}
	if err := s.read(&hello); err != nil {
		s.Close()
		return nil, err
	}
	if hello.Error != "" {
		s.Close()
		return nil, fmt.Errorf("sklearn reference: %s", hello.Error)
	}
	s.Version = hello.Sklearn
	return s, nil
}

func (s *sklearn) read(v any) error {
	line, err := s.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("sklearn reference: %w", err)
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(line, &e) == nil && e.Error != "" {
		return fmt.Errorf("sklearn reference: %s", e.Error)
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("sklearn reference output: %w", err)
	}
	return nil
}

func (s *sklearn) call(req map[string]any, resp any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("sklearn reference: %w", err)
	}
	return s.read(resp)
}

// KMeans runs KMeans(k, n_init=10) on the vectors and returns its labels.
func (s *sklearn) KMeans(k int) ([]int, error) {
	var r struct {
		Labels []int `json:"labels"`
	}
	err := s.call(map[string]any{"cmd": "kmeans", "k": k}, &r)
	return r.Labels, err
}

// MiniBatch runs MiniBatchKMeans(k, batch 1024) with seeds 0..seeds-1.
func (s *sklearn) MiniBatch(k, seeds int) ([][]int, error) {
	var r struct {
		Labels [][]int `json:"labels"`
	}
	err := s.call(map[string]any{"cmd": "minibatch", "k": k, "seeds": seeds}, &r)
	return r.Labels, err
}

// PartialFitInit prepares the timed partial_fit batches: rows [b*1024, (b+1)*1024) for b < batches.
func (s *sklearn) PartialFitInit(k, batches int) error {
	var r struct{}
	return s.call(map[string]any{"cmd": "pf_init", "k": k, "batches": batches}, &r)
}

// PartialFitTime runs calls partial_fit calls with at most threads threads (0 = sklearn's
// default) and returns each call's seconds.
func (s *sklearn) PartialFitTime(calls, threads int) ([]float64, error) {
	var r struct {
		Seconds []float64 `json:"seconds"`
	}
	err := s.call(map[string]any{"cmd": "pf_time", "calls": calls, "threads": threads}, &r)
	return r.Seconds, err
}

// Close stops the server and removes its vector file.
func (s *sklearn) Close() error {
	s.in.Close()
	err := s.cmd.Wait()
	os.Remove(s.file)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil // killed by the context, or exited after stdin closed
	}
	return err
}
