package chaos

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/internal/replay"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
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

// profiles reads every profile under a prefix.
func profiles(t *testing.T, ctx context.Context, addr string) map[string]*schema.Profile {
	t.Helper()
	srv := redisClient(addr)
	defer srv.Close()
	rd, err := reader.New(srv, reader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*schema.Profile{}
	if err := rd.Scan(ctx, func(p *schema.Profile) error { out[p.Pseudonym] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// compare returns the number of profiles checked and mismatched, logging the first mismatches.
func compare(t *testing.T, got, want map[string]*schema.Profile) (checked, mismatched int) {
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
		case math.Abs(g.VectorWeight-w.VectorWeight) > 1e-9*math.Max(1, w.VectorWeight):
			why = fmt.Sprintf("vector weight %v, want %v", g.VectorWeight, w.VectorWeight)
		// The vectors are stored as Q8 (profile layout 2), rounded on every write: two runs that
		// wrote in different batches agree within a few quantization steps (max|x|/127); the
		// weights and counts above are what tells a double fold.
		case maxDiff(g.Vector, w.Vector) > q8Tolerance(w.Vector):
			why = fmt.Sprintf("lifetime vector differs by %g", maxDiff(g.Vector, w.Vector))
		case maxDiff(g.DecayedMean, w.DecayedMean) > q8Tolerance(w.DecayedMean):
			why = fmt.Sprintf("decayed vector differs by %g", maxDiff(g.DecayedMean, w.DecayedMean))
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
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	recs, err := kafkatest.ReadAll(rctx, brokers, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range recs {
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		out[h["dlq.origin.topic"]+"/"+h["dlq.origin.partition"]+"/"+h["dlq.origin.offset"]] = true
	}
	return out
}

// TestChaos runs against kfake and, selected with PROFILESTREAM_KAFKA=real|both, against Apache
// Kafka: one node for the short run, three for the full one (CHAOS_FULL), where one node is
// also killed with SIGKILL and restarted mid-run so partition leadership moves.
func TestChaos(t *testing.T) {
	full := os.Getenv("CHAOS_FULL") != ""
	if testing.Short() && !full {
		t.Skip("chaos")
	}
	kafkatest.ForEachMode(t, func(t *testing.T, mode kafkatest.Mode) { runChaos(t, mode, full) })
}

func runChaos(t *testing.T, mode kafkatest.Mode, full bool) {
	reps, perFile, kills, nodes := 1, 3000, 3, 1
	if full {
		reps, perFile, kills, nodes = 3, 0, 12, 3
	}
	// Every wait below is bounded by this context, which ends well before go test's -timeout,
	// so a stall fails with diagnostics instead of a goroutine dump.
	end := time.Now().Add(25 * time.Minute)
	if d, ok := t.Deadline(); ok {
		end = d.Add(-90 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), end)
	defer cancel()
	bin := buildStreamer(t)
	kf := kafkatest.StartMode(ctx, t, mode, kafkatest.RealOptions{Nodes: nodes, Partitions: partitions,
		Topics: []string{"clicks", "reviews", "erasure", "chaos.dlq", "clean.dlq"}})
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
	r := newRig(t, bin, kf, keys)
	real, _ := kf.(*kafkatest.Real)

	// Chaos run.
	r.redis = chaosRedis.Addr
	rng := rand.New(rand.NewPCG(7, 11))
	a := r.start("chaos", "chaos.dlq")
	var b *proc
	done, brokerKills, topUps, produced := 0, 0, 0, len(recs)
	var recovery []float64
	// The first kill comes once the first worker commits.
	r.waitSnap(ctx, "chaos", "first commits", 3*time.Minute, 0, func(s lag.Snapshot) bool {
		for _, p := range s.Partitions {
			if p.Committed > 0 {
				return true
			}
		}
		return false
	})
	const lowWater, maxTopUps = 3000, 10
	for done < kills {
		// Kill while the worker is making progress: it owns a partition with work left (so
		// the kill interrupts something and its recovery can be measured), then at a random
		// moment. Each kill costs seconds of rebalancing while the workers are fast, so work is
		// kept queued: when the lag runs low the input is produced once more (the clean run
		// reads the same topics, so it sees the same messages).
		var pre lag.Snapshot
		for {
			pre = r.waitSnap(ctx, "chaos", fmt.Sprintf("%s to own a partition with lag", a.name), 3*time.Minute, 0,
				func(s lag.Snapshot) bool {
					return ownsLagging(s, a) || s.TotalLag < lowWater
				})
			if pre.TotalLag >= lowWater || topUps >= maxTopUps {
				break
			}
			more := input(t, 1, perFile)
			if err := kf.Produce(ctx, more...); err != nil {
				t.Fatal(err)
			}
			topUps++
			produced += len(more)
			t.Logf("chaos: %d more messages produced (lag was %d)", len(more), pre.TotalLag)
		}
		if !ownsLagging(pre, a) {
			t.Logf("chaos: input exhausted after %d kills (%d top-ups)", done, topUps)
			break
		}
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond) // jitter, not synchronisation
		killed := a
		at := time.Now()
		a.kill()
		done++
		// Right after the kill the dead member still holds its partitions: their committed
		// offsets are final for it. Recovered = each of them committed past that (or is done).
		post, err := r.poll(ctx, "chaos")
		if err != nil {
			t.Fatalf("chaos: lag after SIGKILL %d: %v\n%s", done, err, r.diagnostics("chaos"))
		}
		owned := ownedBy(post, killed)
		if len(owned) == 0 {
			owned = ownedBy(pre, killed)
		}
		// Only partitions with work left must commit again; the others have nothing to do.
		pending := map[string]int64{}
		for _, pl := range post.Partitions {
			k := fmt.Sprintf("%s/%d", pl.Topic, pl.Partition)
			if _, ok := owned[k]; ok && pl.Lag > 0 {
				pending[k] = pl.Committed
			}
		}
		t.Logf("chaos: SIGKILL %d of %s, lag %d, it owned %d partitions, %d with lag", done, killed.name, post.TotalLag, len(owned), len(pending))
		a = r.start("chaos", "chaos.dlq")
		if b == nil && done%3 == 1 {
			b = r.start("chaos", "chaos.dlq")
			t.Logf("chaos: second worker joined")
		}
		if len(pending) > 0 {
			r.waitSnap(ctx, "chaos", fmt.Sprintf("the partitions of %s killed %d to commit again", killed.name, done), 3*time.Minute, 0,
				func(s lag.Snapshot) bool { return committedAgain(s, pending) })
			sec := time.Since(at).Seconds()
			recovery = append(recovery, sec)
			t.Logf("chaos: partitions of %s commit again %.1fs after its SIGKILL", killed.name, sec)
		}
		if b != nil && done%3 == 0 {
			b.stop(t)
			b = nil
			t.Logf("chaos: second worker left")
		}
		if real != nil && real.Nodes() >= 3 && brokerKills == 0 && done >= kills/2 {
			killBroker(t, ctx, r, real)
			brokerKills++
		}
	}
	r.waitLagZero(ctx, "chaos", 10*time.Minute)
	if b != nil {
		b.stop(t)
	}
	a.stop(t)

	// Clean run: one worker, never disturbed, its own group and Redis.
	r.redis = cleanRedis.Addr
	c := r.start("clean", "clean.dlq")
	r.waitLagZero(ctx, "clean", 10*time.Minute)
	c.stop(t)

	checked, mismatched := compare(t, profiles(t, ctx, chaosRedis.Addr), profiles(t, ctx, cleanRedis.Addr))
	prefix := "chaos."
	if mode == kafkatest.ModeReal {
		prefix = "chaos.kafka."
		fmt.Printf("FIGURE %sbroker_kills %d\n", prefix, brokerKills)
	}
	fmt.Printf("FIGURE %skills %d\nFIGURE %sprofiles_checked %d\nFIGURE %sprofiles_mismatched %d\n",
		prefix, done, prefix, checked, prefix, mismatched)
	fmt.Printf("FIGURE %srecovery_s_p50 %.1f\nFIGURE %srecovery_s_max %.1f\n",
		prefix, percentile(recovery, 0.5), prefix, percentile(recovery, 1))
	t.Logf("chaos: %d messages in all; recovery after each SIGKILL (s): %.1f", produced, recovery)
	if done < min(kills, 3) {
		t.Errorf("only %d kills happened", done)
	}
	if real != nil && real.Nodes() >= 3 && brokerKills == 0 {
		t.Errorf("no Kafka node was killed")
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

// killBroker kills with SIGKILL the Kafka node leading the most input partitions, waits until
// those partitions have other leaders and the group commits on every lagging partition again,
// then restarts the node.
func killBroker(t *testing.T, ctx context.Context, r *rig, real *kafkatest.Real) {
	t.Helper()
	count := map[int32]int{}
	for _, topic := range inputTopics {
		leaders, err := real.Leaders(ctx, topic)
		if err != nil {
			t.Fatalf("chaos: leaders of %s: %v", topic, err)
		}
		for _, l := range leaders {
			count[l]++
		}
	}
	victim, most := int32(-1), -1
	for id, n := range count {
		if n > most || n == most && id < victim {
			victim, most = id, n
		}
	}
	pre, err := r.poll(ctx, "chaos")
	if err != nil {
		t.Fatalf("chaos: lag before the broker kill: %v", err)
	}
	base := map[string]int64{}
	for _, pl := range pre.Partitions {
		base[fmt.Sprintf("%s/%d", pl.Topic, pl.Partition)] = pl.Committed
	}
	at := time.Now()
	if err := real.KillNode(int(victim)); err != nil {
		t.Fatal(err)
	}
	t.Logf("chaos: SIGKILL of Kafka node %d, leader of %d input partitions", victim, most)
	moved := func() bool {
		for _, topic := range inputTopics {
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			leaders, err := real.Leaders(lctx, topic)
			cancel()
			if err != nil {
				return false
			}
			for _, l := range leaders {
				if l < 0 || l == victim {
					return false
				}
			}
		}
		return true
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !moved() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("chaos: leadership did not move off killed Kafka node %d within 2 min\n%s", victim, r.diagnostics("chaos"))
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Logf("chaos: leadership moved off node %d in %.1fs", victim, time.Since(at).Seconds())
	r.waitSnap(ctx, "chaos", fmt.Sprintf("commits on every lagging partition with Kafka node %d down", victim), 3*time.Minute, 0,
		func(s lag.Snapshot) bool { return committedAgain(s, base) })
	sec := time.Since(at).Seconds()
	t.Logf("chaos: the group commits on every lagging partition %.1fs after the node's SIGKILL", sec)
	fmt.Printf("FIGURE chaos.kafka.broker_recovery_s %.1f\n", sec)
	if err := real.RestartNode(ctx, int(victim)); err != nil {
		t.Fatal(err)
	}
	t.Logf("chaos: Kafka node %d restarted", victim)
}

// q8Tolerance is three Q8 quantization steps of v.
func q8Tolerance(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return 3 * m / 127
}
