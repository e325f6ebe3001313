package consumer

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
)

// BenchmarkKillRecovery measures, with the default group settings, the time from a SIGKILL of
// one of two workers (its TCP connections cut, no LeaveGroup) until every partition commits
// up to its end again, on the embedded broker. It prints
// FIGURE consumer.kfake.kill_recovery_s.p50 and .max over five kills
// (go test -run '^$' -bench KillRecovery ./internal/consumer/).
func BenchmarkKillRecovery(b *testing.B) {
	const parts = 2
	topics := []string{"clicks", "reviews", "erasure"}
	c := kafkatest.StartT(b, parts, append(topics, "profilestream.dlq")...)
	brokers := c.Brokers()
	// Five kills per iteration: one iteration outlasts the default -benchtime, so the FIGURE
	// lines are printed once, over five kills.
	const kills = 5
	var secs []float64
	for i := 0; i < b.N; i++ {
		for k := 0; k < kills; k++ {
			secs = append(secs, killRecoveryOnce(b, c, brokers, topics, parts, fmt.Sprintf("recovery-%d-%d", i, k)))
		}
	}
	slices.Sort(secs)
	p50, worst := secs[len(secs)/2], secs[len(secs)-1]
	b.ReportMetric(p50, "recovery_s_p50")
	fmt.Printf("FIGURE consumer.kfake.kill_recovery_s.p50 %.1f\nFIGURE consumer.kfake.kill_recovery_s.max %.1f\n", p50, worst)
}

func killRecoveryOnce(b *testing.B, c *kafkatest.Cluster, brokers, topics []string, parts int, group string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	mk := func(dial *killableDialer) (*Consumer, context.CancelFunc, chan error) {
		cfg := Config{Brokers: brokers, Group: group, BatchSize: 16, BatchTimeout: 20 * time.Millisecond}
		if dial != nil {
			cfg.DialFunc = dial.dial
		}
		cons, err := New(cfg, &recorder{events: map[string]int{}}, nil, zerolog.Nop())
		if err != nil {
			b.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- cons.Run(rctx) }()
		return cons, stop, done
	}
	a, stopA, doneA := mk(nil)
	kd := &killableDialer{}
	bb, stopB, doneB := mk(kd)
	defer func() {
		stopA()
		stopB()
		<-doneA
		<-doneB
	}()
	half := int64(len(topics) * parts / 2)
	waitFor(ctx, b, "both workers own half the partitions", func() bool {
		return int64(a.AssignedPartitions()) == half && int64(bb.AssignedPartitions()) == half
	}, func() string { return describeGroup(brokers, group) })

	mon, err := lag.New(brokers, group, topics, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		b.Fatal(err)
	}
	defer mon.Close()
	killed := time.Now()
	kd.kill()
	var recs []*kgo.Record
	for _, t := range topics {
		for p := 0; p < parts; p++ {
			recs = append(recs, &kgo.Record{Topic: t, Partition: int32(p),
				Value: []byte(fmt.Sprintf(`{"user_id":"u%d","item_id":"i%d","action":"pv","ts":1511544070}`, p, p))})
		}
	}
	if err := c.Produce(ctx, recs...); err != nil {
		b.Fatal(err)
	}
	var last lag.Snapshot
	waitFor(ctx, b, "every partition committed to its end after the kill", func() bool {
		s, err := mon.Poll(ctx)
		if err != nil {
			return false
		}
		last = s
		return s.TotalLag == 0 && len(s.Partitions) == len(topics)*parts
	}, func() string { return fmt.Sprintf("lag %+v; %s", last.Partitions, describeGroup(brokers, group)) })
	return time.Since(killed).Seconds()
}
