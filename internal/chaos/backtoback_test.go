package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/redistest"
)

// TestChaosBackToBack measures recovery when kills land during rebalances: one worker stays up
// the whole time; the other is SIGKILLed while settled, restarted, and the restarted one is
// SIGKILLed again 1-3 s after its start, while it joins and the group rebalances for the first
// kill; then it is restarted and left alone. CHAOS_B2B_KILLS kills in pairs (default 8). For
// each kill the recovery is the time until every partition that had lag at the kill has a
// committed offset past the one at the kill (kafka-go rebalances eagerly: every partition
// stops) (FIGURE chaos.kafka.recovery_s_p50_backtoback and _max_backtoback). First, as the
// baseline on the same measure, CHAOS_B2B_KILLS/2 isolated kills of the settled worker
// (FIGURE chaos.kafka.recovery_s_p50_isolated_groupwide and _max_isolated_groupwide; TestChaos's
// recovery_s figures count only the killed worker's partitions). Afterwards
// the group must drain to lag 0. Real Kafka only (3 nodes under CHAOS_FULL, else 1); it runs
// with make chaos or CHAOS_B2B=1.
func TestChaosBackToBack(t *testing.T) {
	realOnly(t)
	full := os.Getenv("CHAOS_FULL") != ""
	if !full && os.Getenv("CHAOS_B2B") == "" {
		t.Skip("make chaos (CHAOS_FULL=1) or CHAOS_B2B=1")
	}
	kills := 8
	if v, err := strconv.Atoi(os.Getenv("CHAOS_B2B_KILLS")); err == nil && v > 0 {
		kills = v
	}
	nodes := 1
	if full {
		nodes = 3
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bin := buildStreamer(t)
	kf := kafkatest.StartMode(ctx, t, kafkatest.ModeReal, kafkatest.RealOptions{Nodes: nodes, Partitions: partitions,
		Topics: []string{"clicks", "reviews", "erasure", "b2b.dlq"}})
	recs := input(t, 2, 0)
	if err := kf.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	rs := redistest.Start(t)
	r := newRig(t, bin, kf, testKeys())
	r.redis = rs.Addr
	const group = "b2b"
	stay := r.start(group, "b2b.dlq")
	v := r.start(group, "b2b.dlq")
	rng := rand.New(rand.NewPCG(3, 5))
	var recovery []float64
	topUps := 0
	type pend struct {
		k    int
		at   time.Time
		base map[string]int64
	}
	var isolated []float64
	// settled waits until v owns a partition with work left (topping the input up when the lag
	// runs low) and returns the snapshot.
	settled := func(k int) lag.Snapshot {
		var pre lag.Snapshot
		for {
			pre = r.waitSnap(ctx, group, fmt.Sprintf("%s to own a partition with lag", v.name), 3*time.Minute, 0,
				func(s lag.Snapshot) bool { return ownsLagging(s, v) || s.TotalLag < 3000 })
			if ownsLagging(pre, v) && pre.TotalLag >= 3000 || topUps >= 10 {
				break
			}
			if err := kf.Produce(ctx, input(t, 1, 0)...); err != nil {
				t.Fatal(err)
			}
			topUps++
		}
		if !ownsLagging(pre, v) {
			t.Fatalf("input exhausted after %d kills", k-1)
		}
		return pre
	}
	// lagging is every partition with work left, with its committed offset.
	lagging := func(k int) map[string]int64 {
		post, err := r.poll(ctx, group)
		if err != nil {
			t.Fatalf("lag after SIGKILL %d: %v\n%s", k, err, r.diagnostics(group))
		}
		base := map[string]int64{}
		for _, pl := range post.Partitions {
			if pl.Lag > 0 {
				base[fmt.Sprintf("%s/%d", pl.Topic, pl.Partition)] = pl.Committed
			}
		}
		return base
	}
	// Baseline with the same measure: isolated kills of a settled worker.
	for k := 1; k <= kills/2; k++ {
		settled(k)
		killed, at := v, time.Now()
		v.kill()
		base := lagging(k)
		v = r.start(group, "b2b.dlq")
		r.waitSnap(ctx, group, fmt.Sprintf("the group to commit again after isolated kill %d", k), 3*time.Minute, 0,
			func(s lag.Snapshot) bool { return committedAgain(s, base) })
		sec := time.Since(at).Seconds()
		isolated = append(isolated, sec)
		t.Logf("b2b: isolated SIGKILL %d of %s (settled): every lagging partition commits again in %.1fs", k, killed.name, sec)
	}
	for k := 1; k <= kills; k += 2 {
		// First kill of a pair: v is settled and owns a partition with work left.
		settled(k)
		var pairs []pend
		for second := 0; second < 2; second++ {
			killed := v
			at := time.Now()
			v.kill()
			// Every partition with work left must commit again: an eager rebalance stops them all.
			pairs = append(pairs, pend{k + second, at, lagging(k + second)})
			v = r.start(group, "b2b.dlq")
			if second == 0 {
				// Second kill of the pair: the restarted worker, 1-3 s after its start, while it
				// joins and the group rebalances for the first kill.
				t.Logf("b2b: SIGKILL %d of %s (settled)", k, killed.name)
				time.Sleep(time.Second + time.Duration(rng.IntN(2000))*time.Millisecond)
			} else {
				t.Logf("b2b: SIGKILL %d of %s (%.1fs after the previous kill, while joining)", k+1, killed.name, at.Sub(pairs[0].at).Seconds())
			}
		}
		done := map[int]bool{}
		r.waitSnap(ctx, group, fmt.Sprintf("the group to commit again after back-to-back kills %d and %d", k, k+1), 3*time.Minute, 0,
			func(s lag.Snapshot) bool {
				for _, p := range pairs {
					if !done[p.k] && committedAgain(s, p.base) {
						done[p.k] = true
						sec := time.Since(p.at).Seconds()
						recovery = append(recovery, sec)
						t.Logf("b2b: after SIGKILL %d every lagging partition commits again in %.1fs", p.k, sec)
					}
				}
				return len(done) == len(pairs)
			})
	}
	r.waitLagZero(ctx, group, 10*time.Minute)
	v.stop(t)
	stay.stop(t)
	fmt.Printf("FIGURE chaos.kafka.backtoback_kills %d\nFIGURE chaos.kafka.recovery_s_p50_backtoback %.1f\nFIGURE chaos.kafka.recovery_s_max_backtoback %.1f\n",
		len(recovery), percentile(recovery, 0.5), percentile(recovery, 1))
	fmt.Printf("FIGURE chaos.kafka.recovery_s_p50_isolated_groupwide %.1f\nFIGURE chaos.kafka.recovery_s_max_isolated_groupwide %.1f\n",
		percentile(isolated, 0.5), percentile(isolated, 1))
	t.Logf("b2b: recovery per kill (s): isolated %.1f, back-to-back %.1f; worker flags %q", isolated, recovery, os.Getenv("CHAOS_WORKER_ARGS"))
	if len(recovery) < kills/2 {
		t.Errorf("only %d of %d kills interrupted work", len(recovery), kills)
	}
}
