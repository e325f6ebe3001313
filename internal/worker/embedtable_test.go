package worker

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/encoder"
)

// countingEncoder counts the texts the transformer is asked to encode.
type countingEncoder struct {
	encoder.Encoder
	mu    sync.Mutex
	texts []string
}

func (c *countingEncoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	c.mu.Lock()
	c.texts = append(c.texts, texts...)
	c.mu.Unlock()
	return c.Encoder.Encode(ctx, texts)
}

func (c *countingEncoder) encoded() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts...)
}

// TestRestartDoesNotReencodeKnownTexts: a worker encodes the worded clicks' texts (category name
// and title) once; a second worker start (a fresh process: empty in-process cache) on the same
// Redis finds them in the shared embedding table and runs the transformer only on the one text
// it has never seen.
func TestRestartDoesNotReencodeKnownTexts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rig := newRig(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	produce := func(user string, clicks [][2]string) {
		var recs []*kgo.Record
		for i, c := range clicks {
			v := fmt.Sprintf(`{"user_id":%q,"item_id":"i%d","action":"view","category":%q,"item_title":%q,"ts":%d}`,
				user, i, c[0], c[1], t0.Add(time.Duration(i)*time.Second).Unix())
			recs = append(recs, &kgo.Record{Topic: "clicks", Partition: 0, Value: []byte(v)})
		}
		if err := rig.kafka.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	run := func(want int64, log *lockedBuffer) *countingEncoder {
		enc := &countingEncoder{Encoder: rig.enc}
		w, err := New(Config{
			Consumer:   consumer.Config{Brokers: rig.kafka.Brokers(), BatchSize: 16, BatchTimeout: 20 * time.Millisecond},
			RedisAddrs: []string{rig.redis.Addr}, Keys: rig.ring, Encoder: enc, LagInterval: -1, DisableSegments: true,
		}, zerolog.New(log))
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(runCtx) }()
		waitUntil(t, ctx, "the worker to fold the clicks", time.Minute, func() bool { return w.Totals().Applied >= want },
			func() string { return tail(log.String(), 30) })
		stop()
		if err := <-done; err != nil {
			t.Fatalf("worker: %v", err)
		}
		return enc
	}
	known := [][2]string{{"electronics.smartphone", "samsung"}, {"computers.notebook", "lenovo"}, {"electronics.smartphone", "apple"}}
	produce("u1", known)
	var log1, log2 lockedBuffer
	first := run(3, &log1)
	if n := len(first.encoded()); n < 3 {
		t.Fatalf("first start encoded %d texts (%q), want the 3 click texts at least", n, first.encoded())
	}
	produce("u2", append(known, [2]string{"appliances.kitchen.washer", "bosch"}))
	second := run(4, &log2)
	if got := second.encoded(); len(got) != 1 || got[0] != "appliances.kitchen.washer. bosch" {
		t.Fatalf("second start encoded %q, want only the new text", got)
	}
}
