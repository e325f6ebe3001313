package chaos

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/internal/replay"
)

const (
	partitions = 4
	tinyModel  = "../encoder/testdata/tiny-bert"
)

var inputTopics = []string{"clicks", "reviews"}

// buildStreamer builds cmd/streamer once per test binary run.
func buildStreamer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "streamer")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/streamer")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build streamer: %v", err)
	}
	return bin
}

// input returns the messages of the run: the sample replayed reps times (each replay is a new
// set of messages; the same users keep accumulating events) plus malformed ones.
func input(t *testing.T, reps, maxPerFile int) []*kgo.Record {
	t.Helper()
	var out []*kgo.Record
	bad := []string{`{"user_id":"x","text":`, `{"text":"no user"}`, `{"user_id":"y","action":"fly"}`, ""}
	for rep := 0; rep < reps; rep++ {
		for _, name := range sample.Files {
			f, err := sample.FS.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			recs, _, _, err := replay.Read(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if maxPerFile > 0 && len(recs) > maxPerFile {
				recs = recs[:maxPerFile]
			}
			for i, r := range recs {
				topic := "clicks"
				if r.Kind == replay.Review {
					topic = "reviews"
				}
				// No key: round-robin over partitions, so one user's events span partitions.
				out = append(out, &kgo.Record{Topic: topic, Partition: int32(len(out) % partitions), Value: r.Value})
				if i%1000 == 500 {
					out = append(out, &kgo.Record{Topic: topic, Partition: int32(i % partitions), Value: []byte(bad[(i/1000)%len(bad)])})
				}
			}
		}
	}
	return out
}

// proc is one `streamer run` child process.
type proc struct {
	cmd     *exec.Cmd
	metrics string
	log     *os.File
}

type rig struct {
	t       *testing.T
	bin     string
	brokers []string
	redis   string
	keys    string
	dir     string
	n       int
}

func (r *rig) start(group, dlq string) *proc {
	r.t.Helper()
	r.n++
	port, err := freePort()
	if err != nil {
		r.t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(r.dir, fmt.Sprintf("worker-%d.log", r.n)))
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command(r.bin, "run", "--brokers", strings.Join(r.brokers, ","), "--redis", r.redis,
		"--group", group, "--dlq-topic", dlq, "--model-dir", tinyModel, "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--batch-size", "200", "--batch-timeout", "50ms", "--log-format", "json", "--centroid-merge-interval", "1s",
		"--session-timeout", "6s", "--lag-interval", "-1s")
	cmd.Env = append(os.Environ(), "STREAMER_PSEUDONYM_KEYS="+r.keys)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	return &proc{cmd: cmd, metrics: fmt.Sprintf("127.0.0.1:%d", port), log: logf}
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.log.Close()
}

func (p *proc) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("worker did not stop within 60s of SIGTERM")
	}
	p.log.Close()
}

func (p *proc) ready() bool {
	resp, err := http.Get("http://" + p.metrics + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// lag returns end - committed summed over the input partitions, or -1 when unknown.
func lag(ctx context.Context, brokers []string, group string) int64 {
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	offs := map[string][]kafka.OffsetRequest{}
	fetch := map[string][]int{}
	for _, tp := range inputTopics {
		for p := 0; p < partitions; p++ {
			offs[tp] = append(offs[tp], kafka.LastOffsetOf(p))
			fetch[tp] = append(fetch[tp], p)
		}
	}
	lo, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: offs})
	if err != nil {
		return -1
	}
	of, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: fetch})
	if err != nil || of.Error != nil {
		return -1
	}
	var total int64
	for _, tp := range inputTopics {
		committed := map[int]int64{}
		for _, p := range of.Topics[tp] {
			committed[p.Partition] = p.CommittedOffset
		}
		for _, p := range lo.Topics[tp] {
			c, ok := committed[p.Partition]
			if !ok || c < 0 {
				c = 0
			}
			total += p.LastOffset - c
		}
	}
	return total
}

func waitLagZero(t *testing.T, ctx context.Context, brokers []string, group string) {
	t.Helper()
	for lag(ctx, brokers, group) != 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("group %s did not reach lag 0: %d left", group, lag(context.Background(), brokers, group))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// profiles reads every profile under a prefix.
func profiles(t *testing.T, ctx context.Context, addr string) map[string]*profilestore.Profile {
	t.Helper()
	srv := redisClient(addr)
	defer srv.Close()
	st, err := profilestore.New(srv, profilestore.Options{ModelID: "-", Dim: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*profilestore.Profile{}
	if err := st.Scan(ctx, func(p *profilestore.Profile) error { out[p.Pseudonym] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// compare returns the number of profiles checked and mismatched, logging the first mismatches.
func compare(t *testing.T, got, want map[string]*profilestore.Profile) (checked, mismatched int) {
	t.Helper()
	for ps, w := range want {
		checked++
		g := got[ps]
		why := ""
		switch {
		case g == nil:
			why = "missing"
		case g.Events != w.Events:
			why = fmt.Sprintf("events %d, want %d", g.Events, w.Events)
		case fmt.Sprint(g.Kinds) != fmt.Sprint(w.Kinds):
			why = fmt.Sprintf("kinds %v, want %v", g.Kinds, w.Kinds)
		case g.RatingCount != w.RatingCount || math.Abs(g.RatingSum-w.RatingSum) > 1e-9:
			why = "ratings differ"
		case maxDiff(g.Vector, w.Vector) > 1e-5:
			why = fmt.Sprintf("lifetime vector differs by %g", maxDiff(g.Vector, w.Vector))
		case maxDiff(g.DecayedVector, w.DecayedVector) > 1e-5:
			why = fmt.Sprintf("decayed vector differs by %g", maxDiff(g.DecayedVector, w.DecayedVector))
		}
		if why != "" {
			mismatched++
			if mismatched <= 5 {
				t.Errorf("profile %s: %s", ps, why)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d profiles after chaos, %d in the clean run", len(got), len(want))
		mismatched += int(math.Abs(float64(len(got) - len(want))))
	}
	return checked, mismatched
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// dlqOrigins returns the distinct origins (topic/partition/offset) in a dead-letter topic.
func dlqOrigins(t *testing.T, ctx context.Context, brokers []string, topic string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		for {
			fctx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
			m, err := r.ReadMessage(fctx)
			cancel()
			if err != nil {
				break
			}
			h := map[string]string{}
			for _, x := range m.Headers {
				h[x.Key] = string(x.Value)
			}
			out[h["dlq.origin.topic"]+"/"+h["dlq.origin.partition"]+"/"+h["dlq.origin.offset"]] = true
		}
		r.Close()
	}
	return out
}

func TestChaos(t *testing.T) {
	full := os.Getenv("CHAOS_FULL") != ""
	if testing.Short() && !full {
		t.Skip("chaos")
	}
	reps, perFile, kills := 1, 1500, 3
	if full {
		reps, perFile, kills = 3, 0, 12
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	bin := buildStreamer(t)
	kf := kafkatest.StartT(t, partitions, "clicks", "reviews", "erasure", "chaos.dlq", "clean.dlq")
	recs := input(t, reps, perFile)
	if err := kf.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("chaos: %d messages produced", len(recs))
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i * 7)
	}
	keys := "k1:" + base64.StdEncoding.EncodeToString(secret)

	chaosRedis := redistest.Start(t)
	cleanRedis := redistest.Start(t)
	r := &rig{t: t, bin: bin, brokers: kf.Brokers(), keys: keys, dir: t.TempDir()}

	// Chaos run.
	r.redis = chaosRedis.Addr
	rng := rand.New(rand.NewPCG(7, 11))
	a := r.start("chaos", "chaos.dlq")
	var b *proc
	done := 0
	for done < kills {
		// Kill at a random moment while the worker is making progress: wait until it has
		// committed something since it started, then a little more.
		before := lag(ctx, r.brokers, "chaos")
		if before < 0 { // nothing committed yet: the group is unknown to the coordinator
			before = int64(len(recs))
		}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if l := lag(ctx, r.brokers, "chaos"); l >= 0 && l < before {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		if lag(ctx, r.brokers, "chaos") == 0 {
			break // input exhausted before all kills; the kills so far count
		}
		a.kill()
		done++
		t.Logf("chaos: SIGKILL %d, lag %d", done, lag(ctx, r.brokers, "chaos"))
		a = r.start("chaos", "chaos.dlq")
		switch {
		case b == nil && done%3 == 1:
			b = r.start("chaos", "chaos.dlq")
			t.Logf("chaos: second worker joined")
		case b != nil && done%3 == 0:
			b.stop(t)
			b = nil
			t.Logf("chaos: second worker left")
		}
	}
	waitLagZero(t, ctx, r.brokers, "chaos")
	if b != nil {
		b.stop(t)
	}
	a.stop(t)

	// Clean run: one worker, never disturbed, its own group and Redis.
	r.redis = cleanRedis.Addr
	c := r.start("clean", "clean.dlq")
	waitLagZero(t, ctx, r.brokers, "clean")
	c.stop(t)

	checked, mismatched := compare(t, profiles(t, ctx, chaosRedis.Addr), profiles(t, ctx, cleanRedis.Addr))
	fmt.Printf("FIGURE chaos.kills %d\nFIGURE chaos.profiles_checked %d\nFIGURE chaos.profiles_mismatched %d\n", done, checked, mismatched)
	if done < min(kills, 3) {
		t.Errorf("only %d kills happened", done)
	}
	if checked == 0 {
		t.Fatal("no profiles to check")
	}
	if mismatched != 0 {
		t.Errorf("%d of %d profiles differ from the clean run", mismatched, checked)
	}
	chaosDLQ, cleanDLQ := dlqOrigins(t, ctx, r.brokers, "chaos.dlq"), dlqOrigins(t, ctx, r.brokers, "clean.dlq")
	if len(cleanDLQ) == 0 || fmt.Sprint(chaosDLQ) != fmt.Sprint(cleanDLQ) {
		t.Errorf("dead letters differ: chaos run %d distinct origins, clean run %d", len(chaosDLQ), len(cleanDLQ))
	}
}
