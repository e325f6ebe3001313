package chaos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/replay"
)

// TestReplayBrokerKill runs `streamer replay` on the bundled sample against a 3-node Apache
// Kafka cluster (replication factor 3, min.insync.replicas 2) and kills with SIGKILL, twice,
// the node that leads the most partitions while it produces, restarting it after the replay
// has moved on without it. The replay must exit 0, report exactly the records that are in the
// topics, and no record may be there twice (FIGURE chaos.kafka.replay_duplicates). It needs
// three JVMs: it runs with `make chaos` (CHAOS_FULL) or CHAOS_REPLAY=1, on real Kafka only.
func TestReplayBrokerKill(t *testing.T) {
	realOnly(t)
	if os.Getenv("CHAOS_FULL") == "" && os.Getenv("CHAOS_REPLAY") == "" {
		t.Skip("3-node cluster: make chaos (CHAOS_FULL=1) or CHAOS_REPLAY=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	bin := buildStreamer(t)
	kf := kafkatest.StartMode(ctx, t, kafkatest.ModeReal, kafkatest.RealOptions{Nodes: 3, Partitions: partitions,
		Topics: []string{"clicks", "reviews"}, Props: map[string]string{"min.insync.replicas": "2"}})
	real := kf.(*kafkatest.Real)
	cl, err := kgo.NewClient(kgo.SeedBrokers(kf.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	var files []string
	want := 0
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
		want += len(recs)
		files = append(files, filepath.Join("../../data/sample", name))
	}
	var stdout bytes.Buffer
	logPath := filepath.Join(t.TempDir(), "replay.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	// Paced so that the kills and the restarts land while it produces (about 40 s).
	args := append([]string{"replay", "--brokers", kf.Brokers()[0] + "," + kf.Brokers()[1] + "," + kf.Brokers()[2], "--rate", "400"}, files...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fail := func(format string, args ...any) {
		t.Helper()
		_ = cmd.Process.Kill()
		t.Fatalf("%s\nreplay output:\n%s\nreplay log:\n%s\n%s", fmt.Sprintf(format, args...), stdout.String(), tailFile(logPath, 30), real.LogTails(20))
	}
	produced := func() int64 {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		ends, err := adm.ListEndOffsets(lctx, "clicks", "reviews")
		if err != nil {
			return -1
		}
		var n int64
		ends.Each(func(o kadm.ListedOffset) { n += max(o.Offset, 0) })
		return n
	}
	waitProduced := func(what string, n int64) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		for produced() < n {
			select {
			case err := <-exited:
				exited <- err
				if n < int64(want) {
					fail("replay exited (%v) before %s", err, what)
				}
				return
			default:
			}
			if time.Now().After(deadline) {
				fail("waiting for %s: %d records in the topics after 3 min", what, produced())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for kill := 1; kill <= 2; kill++ {
		waitProduced(fmt.Sprintf("%d%% of the records", 25*kill), int64(want*25*kill/100))
		victim := busiestLeader(t, ctx, real)
		at := produced()
		if err := real.KillNode(int(victim)); err != nil {
			t.Fatal(err)
		}
		t.Logf("replay: SIGKILL of Kafka node %d (leader of the most partitions) at %d records", victim, at)
		// The replay carries on without the node (its partitions get new leaders) ...
		waitProduced(fmt.Sprintf("1000 records after node %d's SIGKILL", victim), at+1000)
		t.Logf("replay: %d records in the topics with node %d down", produced(), victim)
		// ... and the node comes back.
		if err := real.RestartNode(ctx, int(victim)); err != nil {
			t.Fatal(err)
		}
		t.Logf("replay: Kafka node %d restarted", victim)
	}
	select {
	case err := <-exited:
		if err != nil {
			fail("streamer replay failed: %v", err)
		}
	case <-time.After(5 * time.Minute):
		fail("streamer replay did not finish within 5 min")
	}
	m := regexp.MustCompile(`(?m)^FIGURE replay\.events (\d+)$`).FindStringSubmatch(stdout.String())
	if m == nil {
		fail("no FIGURE replay.events line")
	}
	reported, _ := strconv.Atoi(m[1])

	rctx, rcancel := context.WithTimeout(ctx, 3*time.Minute)
	defer rcancel()
	seen := map[string]int{}
	inTopics := 0
	for _, topic := range []string{"clicks", "reviews"} {
		recs, err := kafkatest.ReadAll(rctx, kf.Brokers(), topic)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			inTopics++
			var src, idx string
			for _, h := range r.Headers {
				switch h.Key {
				case replay.HeaderSource:
					src = string(h.Value)
				case replay.HeaderIndex:
					idx = string(h.Value)
				}
			}
			seen[src+"/"+idx]++
		}
	}
	dups := inTopics - len(seen)
	fmt.Printf("FIGURE chaos.kafka.replay_duplicates %d\nFIGURE chaos.kafka.replay_reported %d\nFIGURE chaos.kafka.replay_in_topics %d\n", dups, reported, inTopics)
	t.Logf("replay: %d records in the files, %d reported, %d in the topics, %d distinct", want, reported, inTopics, len(seen))
	if dups != 0 {
		t.Errorf("%d records written twice", dups)
	}
	if reported != inTopics || reported != want {
		t.Errorf("replay reported %d records, the topics hold %d, the files have %d", reported, inTopics, want)
	}
}

// busiestLeader is the node leading the most partitions of the input topics.
func busiestLeader(t *testing.T, ctx context.Context, real *kafkatest.Real) int32 {
	t.Helper()
	count := map[int32]int{}
	for _, topic := range inputTopics {
		leaders, err := real.Leaders(ctx, topic)
		if err != nil {
			t.Fatalf("leaders of %s: %v", topic, err)
		}
		for _, l := range leaders {
			count[l]++
		}
	}
	victim, most := int32(-1), -1
	for id, n := range count {
		if id >= 0 && (n > most || n == most && id < victim) {
			victim, most = id, n
		}
	}
	return victim
}
