// Package e2ebench measures the whole worker end to end: the real `streamer run` binary (a
// subprocess) against an embedded Kafka broker (kfake, in this process) and a private
// redis-server, consuming a backlog that was produced before the worker started, at full speed.
//
// Every rate is timed from the moment the worker owns its partitions (its /readyz answers 200:
// partitions assigned, Redis reachable; for the null worker, partitions assigned) to lag 0 on
// the broker, and counts the events committed in between: the worker's start-up, model loading
// and group join are not counted. In the same run:
//
//   - clicks: the worker on the Taobao click slice (a click's text is its category id, encoded
//     once per distinct category thanks to the embedding cache), and a null worker on the same
//     backlog: the same consumer (internal/consumer: group settings, batching, decoding,
//     commits), then one pipelined HSET of a vector-sized blob (384 float32) per event and
//     nothing else (no privacy, no encoder, no profile, no segments). The null worker runs in
//     this process (next to the broker); the real worker is a separate process.
//   - reviews: the worker on Amazon reviews, and the standalone encoder (the same bundled model,
//     default threads, the same embedding cache size, batches of the worker's batch size) on the
//     same texts, decoded and scrubbed as the worker does.
//
// A CPU profile of the worker (pprof over its metrics address) is taken during the clicks run
// and summarized (top functions), to say where a click event's time goes.
//
// Both backlogs are produced keyed by user id (the co-partitioning contract of docs/events.md).
// Every result is printed as a line and as "FIGURE <name> <value>".
package e2ebench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/pii"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/replay"
)

// Options configure a run.
type Options struct {
	Streamer    string        // path of the streamer binary (required)
	ClicksFile  string        // Taobao UserBehavior CSV (gzip allowed)
	ReviewsFile string        // Amazon reviews JSON lines (gzip allowed)
	Clicks      int           // at most this many click events (0 = all)
	Reviews     int           // at most this many reviews (0 = all)
	Partitions  int           // partitions of every topic (default 4)
	BatchSize   int           // the worker's --batch-size, also the encoder's batch (default 256)
	Timeout     time.Duration // per run, from start to lag 0 (default 10 minutes)
	ProfileDir  string        // where the worker's CPU profile is written (default a temp dir)
	ProfileSecs int           // seconds of CPU profile (default 5; <0 none)
}

func (o *Options) defaults() error {
	if o.Streamer == "" {
		return errors.New("e2ebench: the streamer binary is required")
	}
	if o.Partitions <= 0 {
		o.Partitions = 4
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.ProfileSecs == 0 {
		o.ProfileSecs = 5
	}
	return nil
}

// Result holds the measured rates (events/s).
type Result struct {
	Clicks, ClicksNull, Reviews, Encoder float64
}

// Run runs the benchmark and prints its lines and FIGURE lines to out.
func Run(ctx context.Context, o Options, out io.Writer) (Result, error) {
	var res Result
	if err := o.defaults(); err != nil {
		return res, err
	}
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	clicks, err := readRecords(o.ClicksFile, o.Clicks)
	if err != nil {
		return res, err
	}
	reviews, err := readRecords(o.ReviewsFile, o.Reviews)
	if err != nil {
		return res, err
	}
	topics := []string{"e2e.clicks", "e2e.clicks.none", "e2e.reviews", "e2e.reviews.none", "erasure", "profilestream.dlq"}
	kc, err := kafkatest.Start(0, o.Partitions, topics...)
	if err != nil {
		return res, err
	}
	defer kc.Close()
	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return res, err
	}
	defer proc.Stop()
	say("e2ebench: kfake on %s (%d partitions per topic), redis-server on %s; %d clicks, %d reviews, batch %d",
		strings.Join(kc.Brokers(), ","), o.Partitions, proc.Addr, len(clicks), len(reviews), o.BatchSize)

	w, err := replay.NewWriter(kc.Brokers())
	if err != nil {
		return res, err
	}
	for _, p := range []struct {
		topic string
		recs  []replay.Record
	}{{"e2e.clicks", clicks}, {"e2e.reviews", reviews}} {
		start := time.Now()
		n, err := replay.Produce(ctx, w, p.recs, replay.Options{ClicksTopic: p.topic, ReviewsTopic: p.topic, KeyByUser: true})
		if err != nil {
			w.Close()
			return res, err
		}
		say("e2ebench: produced %d messages to %s in %.1fs (keyed by user)", n, p.topic, time.Since(start).Seconds())
	}
	w.Close()

	// clicks: the real worker, then the null worker, on the same backlog (separate groups)
	res.Clicks, err = runWorker(ctx, o, kc.Brokers(), proc.Addr, "e2e-clicks", "e2e.clicks", "e2e.clicks.none", "e2e1", out, true)
	if err != nil {
		return res, fmt.Errorf("clicks: %w", err)
	}
	say("e2ebench: clicks, streamer run: %.0f events/s", res.Clicks)
	res.ClicksNull, err = runNull(ctx, o, kc.Brokers(), proc.Addr, "e2e-null", "e2e.clicks", "e2e.clicks.none")
	if err != nil {
		return res, fmt.Errorf("null worker: %w", err)
	}
	say("e2ebench: clicks, null worker: %.0f events/s", res.ClicksNull)

	// reviews: the real worker, then the standalone encoder on the same texts
	res.Reviews, err = runWorker(ctx, o, kc.Brokers(), proc.Addr, "e2e-reviews", "e2e.reviews.none", "e2e.reviews", "e2e2", out, false)
	if err != nil {
		return res, fmt.Errorf("reviews: %w", err)
	}
	say("e2ebench: reviews, streamer run: %.1f events/s", res.Reviews)
	res.Encoder, err = encoderRate(ctx, reviews, o.BatchSize)
	if err != nil {
		return res, fmt.Errorf("encoder: %w", err)
	}
	say("e2ebench: reviews, standalone encoder on the same texts: %.1f events/s", res.Encoder)

	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		say("e2ebench: load average at the end: %s", strings.TrimSpace(string(load)))
	}
	fmt.Fprintf(out, "FIGURE e2e.clicks.events_per_s %.4g\n", res.Clicks)
	fmt.Fprintf(out, "FIGURE e2e.clicks.null_events_per_s %.4g\n", res.ClicksNull)
	fmt.Fprintf(out, "FIGURE e2e.clicks.ratio_vs_null %.4g\n", res.Clicks/res.ClicksNull)
	fmt.Fprintf(out, "FIGURE e2e.reviews.events_per_s %.4g\n", res.Reviews)
	fmt.Fprintf(out, "FIGURE e2e.reviews.encoder_events_per_s %.4g\n", res.Encoder)
	fmt.Fprintf(out, "FIGURE e2e.reviews.ratio_vs_encoder %.4g\n", res.Reviews/res.Encoder)
	return res, nil
}

func readRecords(path string, limit int) ([]replay.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("e2ebench: %w", err)
	}
	defer f.Close()
	recs, _, _, err := replay.Read(f)
	if err != nil {
		return nil, fmt.Errorf("e2ebench: %s: %w", path, err)
	}
	if limit > 0 && len(recs) > limit {
		recs = recs[:limit]
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("e2ebench: %s: no records", path)
	}
	return recs, nil
}

// timeToLagZero polls the group's lag and returns the rate from the first poll at which started
// reports true to lag 0, or an error when done reports one first or the timeout passes.
func timeToLagZero(ctx context.Context, brokers []string, group string, topics []string, timeout time.Duration,
	done <-chan error, started func() bool, onStart func()) (float64, error) {
	mon, err := lag.New(brokers, group, topics, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		return 0, err
	}
	defer mon.Close()
	deadline := time.Now().Add(timeout)
	var t0 time.Time
	var committed0 int64
	last := ""
	for {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("group %s not at lag 0 after %v (last poll: %s)", group, timeout, last)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case err := <-done:
			return 0, fmt.Errorf("worker stopped before lag 0: %v (last poll: %s)", err, last)
		case <-time.After(100 * time.Millisecond):
		}
		snap, err := mon.Poll(ctx)
		if err != nil {
			last = err.Error()
			continue
		}
		var committed, end int64
		for _, p := range snap.Partitions {
			end += p.End
			if p.Committed > 0 {
				committed += p.Committed
			}
		}
		last = fmt.Sprintf("committed %d of %d, lag %d, members %d", committed, end, snap.TotalLag, snap.Members)
		if t0.IsZero() && started() {
			t0, committed0 = time.Now(), committed
			if onStart != nil {
				onStart()
			}
		}
		if !t0.IsZero() && snap.TotalLag == 0 && committed == end {
			secs := time.Since(t0).Seconds()
			if committed == committed0 || secs <= 0 {
				return 0, fmt.Errorf("group %s: the backlog was consumed before the worker reported ready; use a larger backlog", group)
			}
			return float64(committed-committed0) / secs, nil
		}
	}
}

// runWorker runs `streamer run` on the two topics until the group's lag is 0.
func runWorker(ctx context.Context, o Options, brokers []string, redisAddr, group, clicksTopic, reviewsTopic, prefix string, out io.Writer, profile bool) (float64, error) {
	port, err := redisproc.FreePort()
	if err != nil {
		return 0, err
	}
	metrics := "127.0.0.1:" + strconv.Itoa(port)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.Streamer, "run", "--brokers", strings.Join(brokers, ","), "--redis", redisAddr,
		"--key-prefix", prefix, "--group", group, "--clicks-topic", clicksTopic, "--reviews-topic", reviewsTopic,
		"--erasure-topic", "-", "--batch-size", strconv.Itoa(o.BatchSize), "--metrics-addr", metrics, "--pprof",
		"--lag-interval", "-1s", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "STREAMER_PSEUDONYM_KEYS=e2e:"+base64.StdEncoding.EncodeToString(key))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	profDone := make(chan string, 1)
	onStart := func() {
		if !profile || o.ProfileSecs < 0 {
			close(profDone)
			return
		}
		go func() { profDone <- takeProfile(ctx, o, metrics) }()
	}
	ready := func() bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+metrics+"/readyz", nil)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	rate, err := timeToLagZero(ctx, brokers, group, []string{clicksTopic, reviewsTopic}, o.Timeout, done, ready, onStart)
	if err != nil {
		cancel()
		<-done
		return 0, fmt.Errorf("%w; worker log tail:\n%s", err, tail(logs.String(), 2000))
	}
	if profile {
		if summary, ok := <-profDone; ok && summary != "" {
			fmt.Fprint(out, summary)
		}
	}
	cancel()
	if err := <-done; err != nil && ctx.Err() == nil {
		return 0, fmt.Errorf("worker exit: %w", err)
	}
	return rate, nil
}

// takeProfile fetches a CPU profile of the worker and returns a summary of its top functions
// (go tool pprof -top), or a line saying why not.
func takeProfile(ctx context.Context, o Options, addr string) string {
	dir := o.ProfileDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "e2ebench-"); err != nil {
			return "e2ebench: no profile: " + err.Error() + "\n"
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return "e2ebench: no profile: " + err.Error() + "\n"
	}
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, o.ProfileSecs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "e2ebench: no profile: " + err.Error() + "\n"
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "e2ebench: no profile: " + err.Error() + "\n"
	}
	defer resp.Body.Close()
	path := filepath.Join(dir, "worker-clicks.cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		return "e2ebench: no profile: " + err.Error() + "\n"
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return "e2ebench: no profile: " + err.Error() + "\n"
	}
	f.Close()
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount", "25", o.Streamer, path).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("e2ebench: worker CPU profile in %s (go tool pprof failed: %v)\n", path, err)
	}
	return fmt.Sprintf("e2ebench: worker CPU profile during the clicks run (%ds) in %s:\n%s", o.ProfileSecs, path, top)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// nullHandler is the null worker: nothing to prepare, one pipelined HSET per event.
type nullHandler struct {
	rdb  *redis.Client
	blob []byte
}

func (nullHandler) Prepare(context.Context, *consumer.Batch) error { return nil }

func (h nullHandler) Apply(ctx context.Context, b *consumer.Batch) error {
	if len(b.Events) == 0 {
		return nil
	}
	pipe := h.rdb.Pipeline()
	for i := range b.Events {
		e := &b.Events[i]
		// the user's key is a hash of the raw id: raw ids never reach Redis
		hs := fnv.New64a()
		_, _ = hs.Write([]byte(e.UserID))
		k := "e2enull:" + strconv.FormatUint(hs.Sum64(), 16)
		// the null worker encodes nothing: it writes a vector-sized blob (384 float32), what
		// writing the event's vector would cost
		pipe.HSet(ctx, k, "vec", h.blob)
	}
	_, err := pipe.Exec(ctx)
	return err
}

func encodeLE(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		u := math.Float32bits(x)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}

// runNull runs the null worker in this process until its group's lag is 0.
func runNull(ctx context.Context, o Options, brokers []string, redisAddr, group, clicksTopic, reviewsTopic string) (float64, error) {
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	c, err := consumer.New(consumer.Config{Brokers: brokers, Group: group, ClicksTopic: clicksTopic,
		ReviewsTopic: reviewsTopic, ErasureTopic: "-", BatchSize: o.BatchSize}, nullHandler{rdb, encodeLE(make([]float32, 384))}, nil, zerolog.Nop())
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	rate, err := timeToLagZero(ctx, brokers, group, []string{clicksTopic, reviewsTopic}, o.Timeout, done,
		func() bool { return c.AssignedPartitions() > 0 }, nil)
	cancel()
	if rerr := <-done; rerr != nil && !errors.Is(rerr, context.Canceled) && err == nil {
		return 0, rerr
	}
	return rate, err
}

// encoderRate encodes the reviews' texts, decoded and scrubbed as the worker does, with the
// bundled model behind the same embedding cache, in batches of batch, and returns reviews/s
// (reviews without text count, as in the worker).
func encoderRate(ctx context.Context, recs []replay.Record, batch int) (float64, error) {
	sc := pii.NewScrubber()
	var texts []string
	for _, r := range recs {
		ev, _, rej := consumer.Decode(consumer.RoleReviews, r.Value, r.TS, consumer.Limits{})
		if rej != nil {
			continue
		}
		ev.Summary, _ = sc.Scrub(ev.Summary)
		ev.Text, _ = sc.Scrub(ev.Text)
		texts = append(texts, ev.EncoderText())
	}
	m, err := encoder.LoadDefault(encoder.Options{})
	if err != nil {
		return 0, err
	}
	enc := encoder.NewCache(m, 64<<20)
	start := time.Now()
	for lo := 0; lo < len(texts); lo += batch {
		var nonEmpty []string
		for _, t := range texts[lo:min(lo+batch, len(texts))] {
			if t != "" {
				nonEmpty = append(nonEmpty, t)
			}
		}
		if len(nonEmpty) == 0 {
			continue
		}
		if _, err := enc.Encode(ctx, nonEmpty); err != nil {
			return 0, err
		}
	}
	return float64(len(recs)) / time.Since(start).Seconds(), nil
}
