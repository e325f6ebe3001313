package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/replay"
	"github.com/profilestream/profilestream/internal/worker"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("demo", "streamer demo [flags]", "Run the whole pipeline on the bundled sample.", `
Starts an embedded Kafka broker (kfake) and a private redis-server child process (installed by
`+"`make demo`"+`; without it the demo says so and stops, unless --redis names one), generates an ephemeral
pseudonym key, starts a worker, replays the bundled sample (Taobao clicks first, then Amazon and
Chinese reviews) through the whole pipeline with a live progress line, and ends with a summary:
segments with size and top categories, three example profiles, and FIGURE lines.`)
	c.SetOutput(stderr)
	wf := addWorkerFlags(c, false, "127.0.0.1:0")
	rf := addRedisFlags(c)
	rf.addrs = nil
	lf := addLogFlags(c)
	partitions := c.Int("partitions", 4, "partitions of each embedded topic")
	dataDir := c.String("data-dir", "", "replay the sample files from this folder instead of the bundled copy (same file names)")
	limit := c.Int("limit", 0, "replay at most this many events per file (0 = all)")
	lf.level = "warn"
	c.Lookup("log-level").DefValue = "warn"
	c.Lookup("redis").Usage = "use this Redis instead of a private one (the demo never flushes it; use a disposable instance)"
	c.Lookup("redis").DefValue = ""
	if err := c.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, lf.format, lf.level)
	if err != nil {
		return err
	}
	say := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }

	ring, err := privacy.NewEphemeralKeyRing()
	if err != nil {
		return err
	}
	say("demo: generated an ephemeral pseudonym key %q for this run only (never persisted; `streamer run` refuses to start without a real key)", ring.Active())

	topics := []string{wf.clicks, wf.reviews, wf.erasure, wf.dlq}
	kafka, err := kafkatest.Start(0, *partitions, topics...)
	if err != nil {
		return err
	}
	defer kafka.Close()
	wf.brokers = kafka.Brokers()
	say("demo: embedded Kafka (kfake) on %s, topics %v with %d partitions", strings.Join(kafka.Brokers(), ","), topics, *partitions)

	if len(rf.addrs) == 0 {
		proc, err := redisproc.Start(ctx, redisproc.Options{})
		switch {
		case errors.Is(err, redisproc.ErrNoBinary):
			return fmt.Errorf("demo: redis-server is not installed: run `make demo` (it installs it with scripts/ensure-deps.sh) or give --redis ADDR: %w", err)
		case err != nil:
			return err
		default:
			defer proc.Stop()
			rf.addrs = cli.StringList{proc.Addr}
			say("demo: private redis-server on %s (data in %s, removed at exit)", proc.Addr, proc.Dir)
		}
	}

	cfg := wf.config(rf)
	cfg.Keys = ring
	if err := wf.security(&cfg, rf); err != nil {
		return err
	}
	loadStart := time.Now()
	w, err := worker.New(cfg, log)
	if err != nil {
		return err
	}
	say("demo: encoder %s (dim %d) loaded in %.1fs", w.Encoder().ModelID(), w.Encoder().Dim(), time.Since(loadStart).Seconds())

	wctx, stopWorker := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	running := true
	defer func() {
		if running {
			stopWorker()
			<-done
		}
	}()
	// Wait for the metrics listener, but not for a worker that failed (a busy --metrics-addr)
	// or a signal: returning runs the deferred cleanup (private Redis and its directory).
	for w.MetricsAddr() == "" && cfg.MetricsAddr != "" {
		select {
		case err := <-done:
			running = false
			if err == nil {
				err = errors.New("stopped before serving metrics")
			}
			return fmt.Errorf("demo: worker: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	if a := w.MetricsAddr(); a != "" {
		say("demo: metrics on http://%s/metrics (also /healthz, /readyz)", a)
	}

	open := func(name string) (io.ReadCloser, error) {
		if *dataDir != "" {
			return os.Open(filepath.Join(*dataDir, name))
		}
		return sample.FS.Open(name)
	}
	phases := []struct {
		name  string
		files []string
	}{
		{"clicks", []string{"taobao-clicks.csv.gz"}},
		{"reviews", []string{"amazon-multicat.jsonl.gz", "amazon-reviews.jsonl.gz", "chinese-reviews.csv.gz"}},
	}
	writer := replay.NewWriter(kafka.Brokers())
	writer.Logger, writer.ErrorLogger = consumer.KafkaLoggers(log, "replay-writer", wf.kafkaDebug)
	defer writer.Close()
	rates := map[string]float64{}
	tty := isTerminal(stdout)
	produced := 0
	for _, ph := range phases {
		var recs []replay.Record
		for _, name := range ph.files {
			f, err := open(name)
			if err != nil {
				return err
			}
			r, _, _, err := replay.Read(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if *limit > 0 && len(r) > *limit {
				r = r[:*limit]
			}
			recs = append(recs, r...)
		}
		say("demo: phase %s: replaying %d events from %s", ph.name, len(recs), strings.Join(ph.files, ", "))
		base := consumed(w)
		start := time.Now()
		prodErr := make(chan error, 1)
		go func() {
			_, err := replay.Produce(ctx, writer, recs, replay.Options{ClicksTopic: wf.clicks, ReviewsTopic: wf.reviews})
			prodErr <- err
		}()
		produced += len(recs)
		last, lastN := time.Now(), base
		tick := time.NewTicker(50 * time.Millisecond)
		for consumed(w) < base+int64(len(recs)) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-done:
				running = false
				return fmt.Errorf("worker stopped: %w", err)
			case err := <-prodErr:
				if err != nil {
					return err
				}
			case <-tick.C:
				if time.Since(last) < time.Second {
					continue
				}
				n := consumed(w)
				rate := float64(n-lastN) / time.Since(last).Seconds()
				last, lastN = time.Now(), n
				line := progressLine(w, ph.name, n-base, int64(len(recs)), rate, int64(produced)-n)
				if tty {
					fmt.Fprintf(stdout, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(stdout, line)
				}
			}
		}
		tick.Stop()
		secs := time.Since(start).Seconds()
		rates[ph.name] = float64(len(recs)) / secs
		if tty {
			fmt.Fprint(stdout, "\r\033[K")
		}
		say("demo: phase %s done: %d events in %.1fs, %.0f events/s end to end", ph.name, len(recs), secs, rates[ph.name])
	}
	// Stop the worker: it commits, and the segment model merges its last local updates.
	stopWorker()
	running = false
	if err := <-done; err != nil {
		return err
	}
	return summary(ctx, stdout, w, rates, rf)
}

func consumed(w *worker.Worker) int64 { return w.Consumer().Stats().Consumed }

func progressLine(w *worker.Worker, phase string, done, total int64, rate float64, lag int64) string {
	t := w.Totals()
	cs := w.CacheStats()
	return fmt.Sprintf("[%s] %d/%d events  %.0f ev/s  lag %d  folded %d  duplicates %d  dead-lettered %d  cache hits %d/%d",
		phase, done, total, rate, lag, t.Applied, t.Duplicates, t.DeadLettered, cs.Hits, cs.Hits+cs.Misses)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// summary prints segments, three example profiles and the FIGURE lines.
func summary(ctx context.Context, out io.Writer, w *worker.Worker, rates map[string]float64, rf *redisFlags) error {
	t := w.Totals()
	fmt.Fprintf(out, "\n== Summary ==\n")
	fmt.Fprintf(out, "events: %d clicks, %d reviews valid; %d folded, %d redeliveries skipped, %d dead-lettered\n",
		t.Clicks, t.Reviews, t.Applied, t.Duplicates, t.DeadLettered)
	cs := w.CacheStats()
	fmt.Fprintf(out, "embedding cache: %d hits, %d misses (%d texts encoded by the transformer)\n", cs.Hits, cs.Misses, cs.Misses)

	rdb, err := rf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	profiles, err := printProfilesSummary(ctx, out, rdb, rf.prefix)
	if err != nil {
		return err
	}
	if err := printSegments(ctx, out, rdb, rf.prefix); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nFIGURE demo.events_per_s.clicks %.1f\n", rates["clicks"])
	fmt.Fprintf(out, "FIGURE demo.events_per_s.reviews %.1f\n", rates["reviews"])
	fmt.Fprintf(out, "FIGURE demo.profiles %d\n", profiles)
	return nil
}
