package worker

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/redistest"
)

// slowProxy is a loopback TCP proxy in front of Redis that, while slow, holds every chunk of
// Redis' replies for delay before passing it on: Redis slowed on purpose, as a saturated or
// remote Redis looks to the worker.
type slowProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration
	slow   atomic.Bool
	wg     sync.WaitGroup
}

func startSlowProxy(t *testing.T, target string, delay time.Duration) *slowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProxy{ln: ln, target: target, delay: delay}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *slowProxy) Addr() string { return p.ln.Addr().String() }

func (p *slowProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(s, c); s.Close() }()
		go func() {
			defer p.wg.Done()
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 {
					if p.slow.Load() {
						time.Sleep(p.delay)
					}
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// TestBackpressureChild is the worker process of TestBackpressureSlowRedis (its resident
// memory is measured from outside, apart from the broker and the test's own buffers). It runs
// only when that test starts it.
func TestBackpressureChild(t *testing.T) {
	if os.Getenv("BP_CHILD") != "1" {
		t.Skip("the worker process of TestBackpressureSlowRedis")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ring, err := privacy.ParseKeyRing(os.Getenv("BP_KEYS"))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encoder.Load(tinyModel, encoder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{
		Consumer:        consumer.Config{Brokers: strings.Split(os.Getenv("BP_BROKERS"), ","), BatchSize: 256, QueueBatches: 2},
		RedisAddrs:      []string{os.Getenv("BP_REDIS")},
		Keys:            ring,
		Encoder:         enc,
		MetricsAddr:     "127.0.0.1:0",
		DisableSegments: true,
	}, zerolog.New(os.Stderr).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for w.MetricsAddr() == "" && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		fmt.Printf("METRICS %s\n", w.MetricsAddr())
	}()
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// vmRSS reads a process' resident set size in bytes from /proc.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// TestBackpressureSlowRedis: with Redis slowed on purpose (every reply held 200 ms by a proxy),
// a backlog far larger than the pipeline's bounded queues is produced. The worker (a separate
// process, so its resident memory is its own) must slow down instead of buffering: its RSS
// stays within a generous bound while the lag grows, and once Redis is fast again it catches
// up with every event folded exactly once (nothing lost, nothing doubled). No speed is asserted.
func TestBackpressureSlowRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end, a few tens of seconds")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the worker's resident memory")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	k := kafkatest.StartT(t, 3, "clicks", "reviews", "erasure", "profilestream.dlq")
	rs := redistest.Start(t)
	proxy := startSlowProxy(t, rs.Addr, 200*time.Millisecond)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBackpressureChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), "BP_CHILD=1", "BP_BROKERS="+strings.Join(k.Brokers(), ","), "BP_REDIS="+proxy.Addr(),
		"BP_KEYS=k1:"+base64.StdEncoding.EncodeToString(secret), "GOMAXPROCS=2",
		// GC slack is not what this test measures: on a starved CPU the collector runs late and
		// the heap target (2x live with the default GOGC) alone nearly reached the bound. A
		// tighter target keeps RSS close to live memory; a backlog buffered in memory would
		// still be live, and still fail the bound.
		"GOGC=50")
	var stderr syncBuf
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	pid := cmd.Process.Pid
	diag := func() string {
		return fmt.Sprintf("broker lag %d; worker stderr tail:\n%s", brokerLag(t, ctx, k.Brokers()), tail(stderr.String(), 10))
	}

	// 2 KiB per message (an ignored padding field), 2,000 users.
	pad := strings.Repeat("p", 2<<10)
	produced := 0
	produce := func(n int) {
		t.Helper()
		recs := make([]*kgo.Record, n)
		for i := range recs {
			id := produced + i
			recs[i] = &kgo.Record{Topic: "clicks", Partition: int32(id % 3), Value: []byte(fmt.Sprintf(
				`{"user_id":"u%d","item_id":"i%d","action":"view","category":"c%d","ts":%d,"pad":"%s"}`,
				id%2000, id, id%50, 1700000000+id, pad))}
		}
		if err := k.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		produced += n
	}

	// Warm up with Redis fast: the worker's steady-state memory is the baseline.
	produce(2000)
	eventually(t, ctx, 2*time.Minute, "warm-up consumed", func() bool { return brokerLag(t, ctx, k.Brokers()) == 0 }, diag)
	var baseline int64
	for i := 0; i < 5; i++ {
		rss, err := vmRSS(pid)
		if err != nil {
			t.Fatal(err)
		}
		baseline = max(baseline, rss)
		time.Sleep(100 * time.Millisecond)
	}

	// Slow Redis, then a backlog in two steps: 20,000 messages (40 MiB), then 40,000 more
	// (80 MiB), each far more than the queues hold. Bounded memory does not follow the backlog
	// (the log line shows what the second, larger step added to the peak; it is not asserted,
	// the first step's peak depends on how far the Kafka reader had filled its buffers).
	proxy.slow.Store(true)
	var peak atomic.Int64
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for sampleCtx.Err() == nil {
			if rss, err := vmRSS(pid); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	lagBefore := brokerLag(t, ctx, k.Brokers())
	msgMB := float64(len(pad)+100) / (1 << 20)
	var peaks []int64
	var lagSlow int64
	for _, n := range []int{20000, 40000} {
		for i := 0; i < n; i += 5000 {
			produce(5000)
		}
		// Let the slowed worker work through part of its backlog: it keeps committing, slowly.
		lagProduced := brokerLag(t, ctx, k.Brokers())
		eventually(t, ctx, 2*time.Minute, "progress while Redis is slow", func() bool {
			return brokerLag(t, ctx, k.Brokers()) <= lagProduced-1500
		}, diag)
		lagSlow = brokerLag(t, ctx, k.Brokers())
		peaks = append(peaks, peak.Load())
	}
	backlogMB := float64(produced-2000) * msgMB
	if lagSlow <= lagBefore {
		t.Errorf("lag %d while Redis was slow (before %d): the worker did not fall behind, the test proves nothing", lagSlow, lagBefore)
	}

	// Redis fast again: the worker catches up.
	proxy.slow.Store(false)
	eventually(t, ctx, 3*time.Minute, "catch-up", func() bool { return brokerLag(t, ctx, k.Brokers()) == 0 }, diag)
	stopSampling()
	<-sampled

	// Nothing lost, nothing doubled: the profiles' event counts add up to what was produced.
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	var folded int64
	users := 0
	iter := rdb.Scan(ctx, 0, "ps:v1:p:{*", 500).Iterator()
	for iter.Next(ctx) {
		if !strings.HasSuffix(iter.Val(), "}") {
			continue // the user's item set, not the profile hash
		}
		n, err := rdb.HGet(ctx, iter.Val(), "n").Int64()
		if err != nil {
			t.Fatalf("%s: %v", iter.Val(), err)
		}
		folded += n
		users++
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if folded != int64(produced) || users != 2000 {
		t.Errorf("profiles hold %d events of %d users, produced %d events of 2000 users", folded, users, produced)
	}

	growth := float64(peak.Load()-baseline) / (1 << 20)
	second := float64(peaks[1]-peaks[0]) / (1 << 20)
	fmt.Printf("FIGURE ops.backpressure_rss_growth_mb %.1f\n", growth)
	t.Logf("worker RSS %.1f MiB at baseline, peak %.1f MiB (+%.1f) with a backlog of %.0f MiB; the second, 80 MiB step added %.1f MiB; lag %d while slow",
		float64(baseline)/(1<<20), float64(peak.Load())/(1<<20), growth, backlogMB, second, lagSlow)
	// Generous bounds. The queues hold ~1,800 messages (3.5 MiB); the Kafka reader keeps up to
	// one 8 MiB fetch per partition (6 here): tens of MiB, whatever the backlog, seen from 47 to
	// 106 MiB on a machine busy with other tests. Buffering the backlog would add its 120 MiB of
	// payload plus decoded copies, well over the backlog's own size.
	if limit := backlogMB; growth > limit {
		t.Errorf("worker RSS grew by %.1f MiB with Redis slow (limit %.0f MiB, backlog %.0f MiB): memory is not bounded by the queues", growth, limit, backlogMB)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
