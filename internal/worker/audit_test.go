package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
)

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// seededPII returns the PII planted into review i: values each detector must catch.
func seededPII(i int) []string {
	return []string{
		fmt.Sprintf("jane.doe%d@example.com", i),
		fmt.Sprintf("+1 415 555 %04d", 1000+i),
		"4111 1111 1111 1111",
		fmt.Sprintf("10.20.%d.%d", i%250, (i*7)%250),
		fmt.Sprintf("https://tracking.example.com/u/%d", 100000+i),
	}
}

// TestPrivacyAudit replays sample events with known raw ids and seeded PII, then scans every Redis
// key and value, all log output and the metrics page for them; then erases some users and replays
// everything again: the erased users stay erased.
func TestPrivacyAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	rig := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	var recs []*kgo.Record
	var rawIDs, pii []string
	seen := map[string]bool{}
	addID := func(id string) {
		if !seen[id] {
			seen[id] = true
			rawIDs = append(rawIDs, id)
		}
	}
	for i, r := range sampleRecords(t, "amazon-multicat.jsonl.gz", 300) {
		var m map[string]any
		if err := json.Unmarshal(r.Value, &m); err != nil {
			t.Fatal(err)
		}
		id := "rawuser-" + fmt.Sprint(m["user_id"])
		m["user_id"] = id
		addID(id)
		p := seededPII(i)
		pii = append(pii, p...)
		m["text"] = fmt.Sprintf("%v Contact me at %s or %s. Paid with card %s from %s, see %s", m["text"], p[0], p[1], p[2], p[3], p[4])
		b, _ := json.Marshal(m)
		recs = append(recs, &kgo.Record{Topic: "reviews", Partition: int32(i % 3), Value: b})
	}
	for i, r := range sampleRecords(t, "taobao-clicks.csv.gz", 600) {
		var m map[string]any
		_ = json.Unmarshal(r.Value, &m)
		id := "rawuser-tb" + fmt.Sprint(m["user_id"])
		m["user_id"] = id
		addID(id)
		b, _ := json.Marshal(m)
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: int32(i % 3), Value: b})
	}
	if err := rig.kafka.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	w := rig.worker(t, zerolog.New(&logs).Level(zerolog.DebugLevel))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() { stop(); <-done }()
	produced := int64(len(recs))
	// Applied (folded, dead-lettered or erased) and committed, so every write the audit scans
	// has happened.
	settled := func() bool {
		st := w.Consumer().Stats()
		return st.Processed+st.DeadLettered+st.Erasures >= produced && brokerLag(t, ctx, rig.kafka.Brokers()) == 0
	}
	waitFor(t, ctx, settled)

	scan := func() (idHits, piiHits int) {
		dump := dumpRedis(t, ctx, rig.redis.Client()) + "\n" + logs.String() + "\n" + scrape(t, w.MetricsAddr())
		for _, id := range rawIDs {
			if strings.Contains(dump, id) {
				idHits++
				if idHits <= 3 {
					t.Errorf("raw id %q found", id)
				}
			}
		}
		for _, p := range pii {
			if strings.Contains(dump, p) {
				piiHits++
				if piiHits <= 3 {
					t.Errorf("seeded PII %q found", p)
				}
			}
		}
		return idHits, piiHits
	}
	idHits, piiHits := scan()
	fmt.Printf("FIGURE audit.raw_id_hits %d\nFIGURE audit.pii_hits %d\n", idHits, piiHits)

	// Erase ten users through the erasure topic, then replay everything.
	pz := privacy.NewPseudonymizer(rig.ring)
	erased := rawIDs[:10]
	var er []*kgo.Record
	for _, id := range erased {
		b, _ := json.Marshal(map[string]string{"user_id": id, "request": "erase"})
		er = append(er, &kgo.Record{Topic: "erasure", Partition: 0, Value: b})
	}
	if err := rig.kafka.Produce(ctx, er...); err != nil {
		t.Fatal(err)
	}
	produced += int64(len(er))
	waitFor(t, ctx, func() bool { return w.Consumer().Stats().Consumed >= produced })
	var again []*kgo.Record
	for _, r := range recs {
		again = append(again, &kgo.Record{Topic: r.Topic, Partition: r.Partition, Value: r.Value})
	}
	if err := rig.kafka.Produce(ctx, again...); err != nil {
		t.Fatal(err)
	}
	produced += int64(len(again))
	waitFor(t, ctx, func() bool { return w.Consumer().Stats().Consumed >= produced })
	for _, id := range erased {
		_, err := w.Store().Get(ctx, pz.Pseudonym(id))
		if !errors.Is(err, profilestore.ErrNotFound) {
			t.Errorf("erased user came back after replay (err %v)", err)
		}
		if ok, _ := w.Store().IsErased(ctx, pz.Pseudonym(id)); !ok {
			t.Errorf("erased user missing from the ledger")
		}
	}
	if w.Totals().Erased == 0 {
		t.Error("the replay folded no event as refused for an erased user")
	}
	if !strings.Contains(logs.String(), `"audit":"erase"`) {
		t.Error("no audit log line for the erasures")
	}
	if idHits2, piiHits2 := scan(); idHits2+piiHits2 > 0 {
		t.Errorf("after erasure and replay: %d raw id hits, %d PII hits", idHits2, piiHits2)
	}
}

// dumpRedis renders every key and value of a (test-owned) Redis as text.
func dumpRedis(t *testing.T, ctx context.Context, c *redis.Client) string {
	t.Helper()
	var b strings.Builder
	iter := c.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		b.WriteString(k + "\n")
		switch c.Type(ctx, k).Val() {
		case "string":
			b.WriteString(c.Get(ctx, k).Val())
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				b.WriteString(f + "=" + v + "\n")
			}
		case "set":
			b.WriteString(strings.Join(c.SMembers(ctx, k).Val(), "\n"))
		case "zset":
			b.WriteString(strings.Join(c.ZRange(ctx, k, 0, -1).Val(), "\n"))
		case "list":
			b.WriteString(strings.Join(c.LRange(ctx, k, 0, -1).Val(), "\n"))
		case "stream":
			for _, m := range c.XRange(ctx, k, "-", "+").Val() {
				b.WriteString(fmt.Sprint(m.Values) + "\n")
			}
		default:
			t.Errorf("key %s has an unexpected type", k)
		}
		b.WriteString("\n")
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
