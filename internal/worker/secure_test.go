package worker

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/internal/securetest"
)

// Passwords the tests look for in the logs. Distinctive, so a leak cannot hide.
const (
	kafkaPW      = "kafka-PW-7f3a9c21e4"
	redisPW      = "redis-PW-0b8d55c6aa"
	wrongKafkaPW = "WRONG-kafka-PW-51d0e2"
	wrongRedisPW = "WRONG-redis-PW-c4a719"
)

// syncBuffer is a log sink safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type secureRig struct {
	pki   *securetest.PKI
	kafka *securetest.Kafka
	redis *securetest.Redis
	enc   encoder.Encoder
	ring  *privacy.KeyRing
	dir   string
}

// newSecureRig starts the PKI, a TLS-only Redis with an ACL user, and a SASL_SSL Kafka of the
// given mode: kfake, or Apache Kafka with a SASL_SSL listener.
func newSecureRig(t *testing.T, mode kafkatest.Mode) *secureRig {
	t.Helper()
	enc, err := encoder.Load(tinyModel, encoder.Options{})
	if err != nil {
		t.Fatalf("load tiny model: %v", err)
	}
	ring, err := privacy.NewEphemeralKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	pki := securetest.NewPKI(t)
	return &secureRig{
		pki:   pki,
		kafka: securetest.StartKafkaMode(context.Background(), t, mode, pki, securetest.KafkaOptions{Pass: kafkaPW, Topics: []string{"clicks", "reviews", "erasure", "profilestream.dlq"}}),
		redis: securetest.StartRedis(t, pki, securetest.RedisOptions{Pass: redisPW}),
		enc:   enc, ring: ring, dir: t.TempDir(),
	}
}

// configs returns the Kafka and Redis configurations the worker's flags would build: SASL
// SCRAM-SHA-512 over TLS, and TLS with a client certificate and an ACL user, passwords in files.
func (r *secureRig) configs(t *testing.T, kafkaPass, redisPass string) (secure.KafkaConfig, secure.RedisConfig) {
	t.Helper()
	kc := secure.KafkaConfig{TLS: r.pki.TLSFiles(false), SASLMechanism: "scram-sha-512", SASLUsername: r.kafka.User,
		SASLPasswordFile: securetest.WriteSecret(t, t.TempDir(), "kafka-pw", kafkaPass)}
	rc := secure.RedisConfig{TLS: r.pki.TLSFiles(true), Username: r.redis.User,
		PasswordFile: securetest.WriteSecret(t, t.TempDir(), "redis-pw", redisPass)}
	return kc, rc
}

func (r *secureRig) worker(t *testing.T, kc secure.KafkaConfig, rc secure.RedisConfig, log zerolog.Logger) *Worker {
	t.Helper()
	ks, err := secure.NewKafka(kc)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := secure.NewRedis(rc)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{
		Consumer:      consumer.Config{Brokers: r.kafka.Brokers(), BatchSize: 64, BatchTimeout: 50 * time.Millisecond},
		RedisAddrs:    []string{r.redis.Addr},
		KafkaSecurity: ks, RedisSecurity: rs,
		Keys: r.ring, Encoder: r.enc, MetricsAddr: "127.0.0.1:0", LagInterval: 200 * time.Millisecond,
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func readyz(addr string) (int, string) {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestWorkerOverTLSAndSASL runs the worker against a SASL_SSL broker (SCRAM-SHA-512) and a
// TLS-only Redis with an ACL user: it consumes through the encrypted group, dead-letters a bad
// message through the encrypted producer, folds profiles into Redis over TLS, exports its lag
// through the encrypted admin client, and is ready. PROFILESTREAM_KAFKA selects kfake, Apache
// Kafka's SASL_SSL listener, or both.
func TestWorkerOverTLSAndSASL(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	kafkatest.ForEachMode(t, testWorkerOverTLSAndSASL)
}

func testWorkerOverTLSAndSASL(t *testing.T, mode kafkatest.Mode) {
	rig := newSecureRig(t, mode)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clicks := sampleRecords(t, "taobao-clicks.csv.gz", 300)
	var recs []*kgo.Record
	for i, r := range clicks {
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: int32(i % 3), Value: r.Value})
	}
	recs = append(recs, &kgo.Record{Topic: "clicks", Partition: 0, Value: []byte(`{"user_id":"bad","action":"teleport"}`)})
	if err := rig.kafka.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	kc, rc := rig.configs(t, kafkaPW, redisPW)
	var logs syncBuffer
	w := rig.worker(t, kc, rc, zerolog.New(&logs))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() { stop(); <-done }()

	waitForMsg(t, ctx, &logs, func() bool { return w.Consumer().Stats().Consumed >= int64(len(recs)) })
	waitForMsg(t, ctx, &logs, func() bool { code, _ := readyz(w.MetricsAddr()); return code == http.StatusOK })
	if st := w.Consumer().Stats(); st.DeadLettered != 1 {
		t.Fatalf("dead-lettered %d, want 1", st.DeadLettered)
	}

	ks, _ := secure.NewKafka(kc)
	// Lag 0 as the broker sees it, read through the secure admin client.
	waitForMsg(t, ctx, &logs, func() bool {
		mon, err := lag.New(rig.kafka.Brokers(), "profilestream", []string{"clicks"}, lag.Options{ClientOpts: ks.FranzOpts(), TimeLag: lag.TimeLagOff})
		if err != nil {
			t.Fatal(err)
		}
		defer mon.Close()
		snap, err := mon.Poll(ctx)
		return err == nil && snap.TotalLag == 0
	})
	// The worker's own lag export works through TLS+SASL too.
	waitForMsg(t, ctx, &logs, func() bool {
		return strings.Contains(scrape(t, w.MetricsAddr()), `profilestream_consumer_lag_messages{group="profilestream",partition="0",topic="clicks"} 0`)
	})
	// The dead letter is on the DLQ topic (read back through the secure dialer).
	var found bool
	for p := 0; p < 3 && !found; p++ {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: rig.kafka.Brokers(), Topic: "profilestream.dlq", Partition: p, Dialer: ks.Dialer(), MaxWait: 100 * time.Millisecond})
		fctx, fcancel := context.WithTimeout(ctx, 2*time.Second)
		m, err := r.ReadMessage(fctx)
		fcancel()
		r.Close()
		found = err == nil && strings.Contains(string(m.Value), "teleport")
	}
	if !found {
		t.Fatal("dead letter not found on profilestream.dlq")
	}
	// Profiles are in the TLS Redis.
	rs, _ := secure.NewRedis(rc)
	o := &redis.Options{Addr: rig.redis.Addr}
	rs.ApplyClient(o)
	rdb := redis.NewClient(o)
	defer rdb.Close()
	// SCAN, not KEYS: the user has the ACL docs/operations.md recommends, without @dangerous.
	keys, _, err := rdb.Scan(ctx, 0, "ps:v1:p:*", 10000).Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("profiles in Redis: %d keys, %v", len(keys), err)
	}
	for _, pw := range []string{kafkaPW, redisPW} {
		if strings.Contains(logs.String(), pw) {
			t.Fatalf("a password is in the logs")
		}
	}
	t.Logf("%d events consumed over SASL_SSL, %d profiles over TLS", w.Consumer().Stats().Consumed, len(keys))
}

// TestWorkerRefusedNotReady: a wrong password or an untrusted certificate, on either side,
// leaves the worker running but not ready, with /readyz naming the problem and the flag, one
// error line in the log, and no password anywhere in the log. One cluster of each mode
// (PROFILESTREAM_KAFKA) serves every case.
func TestWorkerRefusedNotReady(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	kafkatest.ForEachMode(t, testWorkerRefusedNotReady)
}

func testWorkerRefusedNotReady(t *testing.T, mode kafkatest.Mode) {
	rig := newSecureRig(t, mode)
	for _, tc := range []struct {
		name     string
		mutate   func(k *secure.KafkaConfig, r *secure.RedisConfig)
		kafkaPW  string
		redisPW  string
		reason   string // in /readyz
		logError string // the error line's message
	}{
		{"kafka wrong password", nil, wrongKafkaPW, redisPW, "SASL SCRAM-SHA-512 authentication as \"profilestream\" failed", "kafka refuses the connection"},
		{"kafka untrusted ca", func(k *secure.KafkaConfig, _ *secure.RedisConfig) { k.TLS.CAFile = rig.pki.OtherCAFile }, kafkaPW, redisPW, "not signed by a trusted CA (check --kafka-tls-ca)", "kafka refuses the connection"},
		{"redis wrong password", nil, kafkaPW, wrongRedisPW, "wrong user name or password (check --redis-username and --redis-password-file)", "redis refuses the connection"},
		{"redis untrusted ca", func(_ *secure.KafkaConfig, r *secure.RedisConfig) { r.TLS.CAFile = rig.pki.OtherCAFile }, kafkaPW, redisPW, "not signed by a trusted CA (check --redis-tls-ca)", "redis refuses the connection"},
		{"redis without client certificate", func(_ *secure.KafkaConfig, r *secure.RedisConfig) {
			r.TLS.CertFile, r.TLS.KeyFile = "", ""
		}, kafkaPW, redisPW, "", ""}, // tls-auth-clients optional: must work
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			kc, rc := rig.configs(t, tc.kafkaPW, tc.redisPW)
			if tc.mutate != nil {
				tc.mutate(&kc, &rc)
			}
			var logs syncBuffer
			w := rig.worker(t, kc, rc, zerolog.New(&logs))
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- w.Run(runCtx) }()
			var code int
			var body string
			waitForMsg(t, ctx, &logs, func() bool {
				if w.MetricsAddr() == "" {
					return false
				}
				code, body = readyz(w.MetricsAddr())
				if tc.reason == "" {
					return code == http.StatusOK
				}
				return code == http.StatusServiceUnavailable && strings.Contains(body, tc.reason)
			})
			if tc.reason != "" {
				waitForMsg(t, ctx, &logs, func() bool { return strings.Contains(logs.String(), tc.logError) })
			}
			stop()
			if err := <-done; err != nil {
				t.Fatalf("worker: %v", err)
			}
			out := logs.String()
			for _, pw := range []string{kafkaPW, redisPW, wrongKafkaPW, wrongRedisPW} {
				if strings.Contains(out, pw) || strings.Contains(body, pw) {
					t.Fatalf("password %q... in the logs or /readyz", pw[:6])
				}
			}
			if tc.reason != "" && strings.Count(out, tc.logError) > 3 {
				t.Errorf("%d error lines for one persistent problem: want one per change of state\n%s", strings.Count(out, tc.logError), out)
			}
			t.Logf("/readyz %d %s", code, body)
		})
	}
}

func waitForMsg(t *testing.T, ctx context.Context, logs *syncBuffer, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			out := logs.String()
			if len(out) > 3000 {
				out = out[len(out)-3000:]
			}
			t.Fatalf("timed out waiting; last log lines:\n%s", out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
