// Package demo runs the whole pipeline on the bundled sample, for `streamer demo` (`make demo`).
//
// A demo is a worker like any other, only with everything it needs started around it: an
// embedded Kafka broker (kfake, in this process), a private redis-server child process (unless
// Options.Worker names a Redis), and an ephemeral pseudonym key that lives only for the run. It
// then replays the bundled sample in two phases, the Taobao clicks first and the Amazon and
// Chinese reviews second, through the real producer code (internal/replay), waits for the
// worker to consume each phase while it prints a progress line, stops the worker (which commits
// and merges its last segment updates), and prints a summary read back from Redis: three example
// profiles, the segments, and FIGURE lines with the end-to-end rate of each phase.
//
// The worker is exactly the one `streamer run` starts (internal/worker); only the surroundings
// are embedded. Everything the demo started is stopped when Run returns, on success, on error
// and on cancellation.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/embedkafka"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/replay"
	"github.com/profilestream/profilestream/internal/worker"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// Options configure a demo. The zero value runs the bundled sample with a default worker.
type Options struct {
	// Worker is the worker's configuration. Consumer.Brokers is always the embedded broker's;
	// RedisAddrs empty (the default) starts a private redis-server for the run; Keys is the
	// demo's ephemeral key ring.
	Worker worker.Config
	// Partitions of each embedded topic. Default 4: enough for the consumer group to spread
	// over, few enough that small phases fill every partition.
	Partitions int
	// Data, when set, is where the sample files are read instead of the bundled copy (same file
	// names). DataDir is the same as a folder on disk.
	Data    fs.FS
	DataDir string
	// Limit replays at most this many events per file (0 = all).
	Limit int
	// RedisClient opens the client the summary reads through, for the given addresses (the
	// command applies its TLS and ACL settings there). Nil: a plain client.
	RedisClient func(ctx context.Context, addrs []string) (redis.UniversalClient, error)
	// Progress is true when Out is a terminal: the progress line is redrawn in place.
	Progress bool
}

// phases is what the demo replays, in order.
var phases = []struct {
	name  string
	files []string
}{
	{"clicks", []string{"taobao-clicks.csv.gz", "rees46-clicks.csv.gz"}},
	{"reviews", []string{"amazon-multicat.jsonl.gz", "amazon-reviews.jsonl.gz", "chinese-reviews.csv.gz"}},
}

// Run runs the demo, writing its narration, progress and summary to out and the worker's log
// to log.
func Run(ctx context.Context, o Options, out io.Writer, log zerolog.Logger) error {
	if o.Partitions <= 0 {
		o.Partitions = 4
	}
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	cfg := o.Worker

	ring, err := privacy.NewEphemeralKeyRing()
	if err != nil {
		return err
	}
	cfg.Keys = ring
	say("demo: generated an ephemeral pseudonym key %q for this run only (never persisted; `streamer run` refuses to start without a real key)", ring.Active())

	cc := cfg.Consumer
	topics := []string{orDefault(cc.ClicksTopic, "clicks"), orDefault(cc.ReviewsTopic, "reviews"),
		orDefault(cc.ErasureTopic, "erasure"), orDefault(cc.DLQTopic, "profilestream.dlq")}
	kafka, err := embedkafka.Start(0, o.Partitions, topics...)
	if err != nil {
		return err
	}
	defer kafka.Close()
	cfg.Consumer.Brokers = kafka.Brokers()
	say("demo: embedded Kafka (kfake) on %s, topics %v with %d partitions", strings.Join(kafka.Brokers(), ","), topics, o.Partitions)

	if len(cfg.RedisAddrs) == 0 {
		proc, err := redisproc.Start(ctx, redisproc.Options{})
		switch {
		case errors.Is(err, redisproc.ErrNoBinary):
			return fmt.Errorf("demo: redis-server is not installed: run `make demo` (it installs it with scripts/ensure-deps.sh) or give --redis ADDR: %w", err)
		case err != nil:
			return err
		}
		defer proc.Stop()
		cfg.RedisAddrs = []string{proc.Addr}
		say("demo: private redis-server on %s (data in %s, removed at exit)", proc.Addr, proc.Dir)
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
	// Wait for the metrics listener, but not for a worker that failed (a busy metrics address)
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

	data := o.Data
	switch {
	case data == nil && o.DataDir != "":
		data = os.DirFS(o.DataDir)
	case data == nil:
		data = sample.FS
	}
	writer, err := replay.NewWriter(kafka.Brokers(), kgo.WithLogger(consumer.FranzLogger(log, "replay-writer", cfg.Consumer.KafkaDebug)))
	if err != nil {
		return err
	}
	defer writer.Close()
	rates := map[string]float64{}
	produced := 0
	for _, ph := range phases {
		var recs []replay.Record
		for _, name := range ph.files {
			r, err := readFile(data, name)
			if err != nil {
				return err
			}
			if o.Limit > 0 && len(r) > o.Limit {
				r = r[:o.Limit]
			}
			recs = append(recs, r...)
		}
		say("demo: phase %s: replaying %d events from %s", ph.name, len(recs), strings.Join(ph.files, ", "))
		base := consumed(w)
		start := time.Now()
		prodErr := make(chan error, 1)
		go func() {
			_, err := replay.Produce(ctx, writer, recs, replay.Options{ClicksTopic: topics[0], ReviewsTopic: topics[1]})
			prodErr <- err
		}()
		produced += len(recs)
		last, lastN := time.Now(), base
		tick := time.NewTicker(50 * time.Millisecond)
		for consumed(w) < base+int64(len(recs)) {
			select {
			case <-ctx.Done():
				tick.Stop()
				return ctx.Err()
			case err := <-done:
				tick.Stop()
				running = false
				return fmt.Errorf("worker stopped: %w", err)
			case err := <-prodErr:
				if err != nil {
					tick.Stop()
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
				if o.Progress {
					fmt.Fprintf(out, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(out, line)
				}
			}
		}
		tick.Stop()
		secs := time.Since(start).Seconds()
		rates[ph.name] = float64(len(recs)) / secs
		if o.Progress {
			fmt.Fprint(out, "\r\033[K")
		}
		say("demo: phase %s done: %d events in %.1fs, %.0f events/s end to end", ph.name, len(recs), secs, rates[ph.name])
	}
	// Stop the worker: it commits, and the segment model merges its last local updates.
	stopWorker()
	running = false
	if err := <-done; err != nil {
		return err
	}
	open := o.RedisClient
	if open == nil {
		open = func(_ context.Context, addrs []string) (redis.UniversalClient, error) {
			return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs}), nil
		}
	}
	rdb, err := open(ctx, cfg.RedisAddrs)
	if err != nil {
		return err
	}
	defer rdb.Close()
	prefix := cfg.Store.Prefix
	if prefix == "" {
		prefix = schema.DefaultPrefix
	}
	return summary(ctx, out, w, rates, rdb, prefix)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func readFile(data fs.FS, name string) ([]replay.Record, error) {
	f, err := data.Open(filepath.ToSlash(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, _, _, err := replay.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return recs, nil
}

func consumed(w *worker.Worker) int64 { return w.Consumer().Stats().Consumed }

func progressLine(w *worker.Worker, phase string, done, total int64, rate float64, lag int64) string {
	t := w.Totals()
	cs := w.CacheStats()
	return fmt.Sprintf("[%s] %d/%d events  %.0f ev/s  lag %d  folded %d  duplicates %d  dead-lettered %d  cache hits %d/%d",
		phase, done, total, rate, lag, t.Applied, t.Duplicates, t.DeadLettered, cs.Hits, cs.Hits+cs.Misses)
}

// summary prints the totals, three example profiles, the segments and the FIGURE lines.
func summary(ctx context.Context, out io.Writer, w *worker.Worker, rates map[string]float64, rdb redis.UniversalClient, prefix string) error {
	t := w.Totals()
	fmt.Fprintf(out, "\n== Summary ==\n")
	fmt.Fprintf(out, "events: %d clicks, %d reviews valid; %d folded, %d redeliveries skipped, %d dead-lettered\n",
		t.Clicks, t.Reviews, t.Applied, t.Duplicates, t.DeadLettered)
	cs := w.CacheStats()
	ts := w.EmbeddingTableStats()
	fmt.Fprintf(out, "embedding cache: %d hits, %d misses; %d found in the shared embedding table in Redis, %d texts encoded by the transformer\n",
		cs.Hits, cs.Misses, ts.Hits, cs.Misses-ts.Hits)
	r, err := reader.New(rdb, reader.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	profiles, err := downstream.WriteExampleProfiles(ctx, out, r)
	if err != nil {
		return err
	}
	if err := writeWordedClicker(ctx, out, r); err != nil {
		return err
	}
	if err := downstream.WriteSegments(ctx, out, rdb, prefix); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nFIGURE demo.events_per_s.clicks %.1f\n", rates["clicks"])
	fmt.Fprintf(out, "FIGURE demo.events_per_s.reviews %.1f\n", rates["reviews"])
	fmt.Fprintf(out, "FIGURE demo.profiles %d\n", profiles)
	return nil
}

// writeWordedClicker prints the most active click-only profile whose top category is words
// rather than an id (in the sample: a REES46 shopper, whose categories are codes such as
// electronics.smartphone and whose brands are terms), to show interests a person can read from
// clicks alone.
func writeWordedClicker(ctx context.Context, out io.Writer, r *reader.Reader) error {
	var best *reader.Profile
	err := r.Scan(ctx, func(p *reader.Profile) error {
		if p.Kinds["review"] > 0 || len(p.Categories) == 0 || schema.IsOpaqueID(p.Categories[0].Category) {
			return nil
		}
		if best == nil || p.Events > best.Events || (p.Events == best.Events && p.Pseudonym < best.Pseudonym) {
			best = p
		}
		return nil
	})
	if err != nil || best == nil {
		return err
	}
	in, err := r.Interests(ctx, best, best.LastSeen, 5)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nThe most active shopper of a click stream with readable categories and brands (REES46 sample, clicks only):\n\n")
	downstream.WriteProfile(out, best, in, best.LastSeen)
	return nil
}
