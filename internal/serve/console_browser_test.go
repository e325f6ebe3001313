package serve

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/downstream/dstest"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/internal/replay"
	"github.com/profilestream/profilestream/internal/worker"
	"github.com/profilestream/profilestream/reader"
)

const consoleSegments = 4

// TestConsoleInBrowser runs the whole read side against a live worker: embedded Kafka (kfake), a
// private redis-server, a worker with the bundled model folding the bundled Amazon multi-category
// sample, then `streamer serve`'s server on a free port, and a playwright script in Debian's
// chromium that loads the console, enters the token and checks what a person sees
// (tools/console-test/check.mjs). `make test-console` installs chromium and playwright-core.
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("browser test: no chromium at %s (apt-get install -y chromium chromium-driver, or make test-console)", chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("browser test: node is not installed (make test-console)")
	}
	toolDir, _ := filepath.Abs("../../tools/console-test")
	if _, err := os.Stat(filepath.Join(toolDir, "node_modules", "playwright-core")); err != nil {
		t.Skipf("browser test: playwright-core is not installed in %s (npm ci there, or make test-console)", toolDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	// Kafka, Redis, the sample in Kafka.
	topics := []string{"clicks", "reviews", "erasure", "profilestream.dlq"}
	kafka := kafkatest.StartT(t, 2, topics...)
	rds := redistest.Start(t)
	f, err := sample.FS.Open("amazon-multicat.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	recs, _, _, err := replay.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	perUser := map[string]int{}
	var krecs []*kgo.Record
	for i, r := range recs {
		perUser[r.UserID]++
		krecs = append(krecs, &kgo.Record{Topic: "reviews", Partition: int32(i % 2), Value: r.Value})
	}
	busiest := ""
	for u, n := range perUser {
		if n > perUser[busiest] || (n == perUser[busiest] && u < busiest) {
			busiest = u
		}
	}
	if err := kafka.Produce(ctx, krecs...); err != nil {
		t.Fatal(err)
	}

	// A live worker.
	ring, err := privacy.ParseKeyRing(dstest.KeySpec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(worker.Config{
		Consumer:    consumer.Config{Brokers: kafka.Brokers(), BatchSize: 128, BatchTimeout: 50 * time.Millisecond},
		RedisAddrs:  []string{rds.Addr},
		Keys:        ring,
		MetricsAddr: "127.0.0.1:0",
		Segments:    online.Options{K: consoleSegments, MinUsersToInit: 60, MergeInterval: 200 * time.Millisecond, SweepRate: 5000},
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWorker := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stopWorker(); <-done }()

	// Wait until every event is folded and every user with text is in a segment.
	svc, err := downstream.New(rds.Client(), downstream.Options{Keys: ring.Public()})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := lag.New(kafka.Brokers(), "profilestream", []string{"clicks", "reviews"}, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	var last string
	deadline := time.Now().Add(5 * time.Minute)
	for {
		snap, lerr := mon.Poll(ctx)
		segs, serr := svc.Segments(ctx)
		// Every user gets a profile; a user whose texts carry no words (an opaque id, a lone
		// rating) may have no vector, and only users with a vector are put in segments.
		users, profiles := 0, 0
		_ = svc.Reader().Scan(ctx, func(p *reader.Profile) error {
			profiles++
			if p.Vector != nil {
				users++
			}
			return nil
		})
		var assigned int64
		for _, s := range segs.Segments {
			assigned += s.Size
		}
		last = fmt.Sprintf("lag %d (%v), %d profiles of %d users, %d with a vector, %d in segments (%v), worker consumed %d of %d",
			snap.TotalLag, lerr, profiles, len(perUser), users, assigned, serr, w.Consumer().Stats().Consumed, len(krecs))
		if lerr == nil && snap.TotalLag == 0 && profiles == len(perUser) && users > 0 && assigned == int64(users) {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("the worker did not finish the sample: %s", last)
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
	t.Logf("worker done: %s", last)

	// streamer serve's server on a free port.
	health := &Health{ReadyzURL: "http://" + w.MetricsAddr() + "/readyz"}
	if health.Lag, err = lag.New(kafka.Brokers(), "profilestream", []string{"clicks", "reviews", "erasure"}, lag.Options{TimeLag: lag.TimeLagTimestamp}); err != nil {
		t.Fatal(err)
	}
	defer health.Lag.Close()
	srv, err := New(Config{Service: svc, Tokens: []string{token}, Log: zerolog.Nop(), Health: health})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	defer func() { stopServe(); <-served }()

	shot := os.Getenv("CONSOLE_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "console.png")
	}
	cmd := exec.CommandContext(ctx, node, "check.mjs")
	cmd.Dir = toolDir
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL=http://"+ln.Addr().String()+"/",
		"CONSOLE_TOKEN="+token,
		"CONSOLE_USER="+busiest,
		"CONSOLE_PSEUDONYM="+privacy.NewPseudonymizer(ring).Pseudonym(busiest),
		fmt.Sprintf("CONSOLE_SEGMENTS=%d", consoleSegments),
		"CONSOLE_SCREENSHOT="+shot,
		"CHROMIUM="+chromium,
	)
	out, err := cmd.CombinedOutput()
	var passed, failed int
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "CHECK FAIL") {
			t.Error(line)
		}
		if strings.HasPrefix(line, "CHECKS ") {
			fmt.Sscanf(line, "CHECKS %d %d", &passed, &failed)
		}
	}
	if err != nil || failed > 0 || passed == 0 {
		t.Fatalf("browser checks: %d passed, %d failed, err %v\n%s", passed, failed, err, out)
	}
	t.Logf("screenshot: %s", shot)
	fmt.Printf("FIGURE console.browser_checks %d\n", passed)
}
