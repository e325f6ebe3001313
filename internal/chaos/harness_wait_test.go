package chaos

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/kafkatest"
)

// TestWaitLagZeroReportsStall: the wait that hung for 19 minutes in CI now gives up once no
// committed offset moved for its stall window, with lag, committed offset and owner per
// partition and the workers' last log lines. Here no worker runs at all.
func TestWaitLagZeroReportsStall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kf := kafkatest.StartT(t, partitions, inputTopics...)
	if err := kf.Produce(ctx, &kgo.Record{Topic: "clicks", Partition: 1, Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, "/bin/true", kf, "")
	p := r.start("stalled", "dlq") // exits at once; its (empty) log is part of the diagnostics
	_ = p.cmd.Wait()
	p.state = "exited"
	// The stall window (2 s) ends long before maxWait (50 s): the error must say "stalled".
	_, err := r.waitSnapErr(ctx, "stalled", "lag 0", 50*time.Second, 2*time.Second, lagZero)
	if err == nil {
		t.Fatal("waitSnapErr returned no error with lag left and nobody consuming")
	}
	msg := err.Error()
	for _, want := range []string{"(stalled)", "clicks/1 committed -1 end 1 lag 1", "--- worker streamer-w1 (exited"} {
		if !strings.Contains(msg, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, msg)
		}
	}
}
