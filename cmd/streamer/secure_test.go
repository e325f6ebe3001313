package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/securetest"
)

const (
	serverKafkaPW = "srv-kafka-PW-93be1f"
	serverRedisPW = "srv-redis-PW-4c02da"
	clientKafkaPW = "cli-kafka-PW-d71e08" // wrong on purpose
	clientRedisPW = "cli-redis-PW-a6f3b2" // wrong on purpose
)

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type secureEnv struct {
	pki   *securetest.PKI
	kafka *securetest.Kafka
	redis *securetest.Redis
	// flags for the wrong client passwords
	kafkaFlags, redisFlags []string
}

// newSecureEnv starts a TLS-only Redis with an ACL user and a SASL_SSL Kafka of the given mode
// (kfake, or Apache Kafka's SASL_SSL listener).
func newSecureEnv(t *testing.T, mode kafkatest.Mode) *secureEnv {
	pki := securetest.NewPKI(t)
	e := &secureEnv{
		pki:   pki,
		kafka: securetest.StartKafkaMode(context.Background(), t, mode, pki, securetest.KafkaOptions{Pass: serverKafkaPW, Topics: []string{"clicks", "reviews", "erasure", "profilestream.dlq"}}),
		redis: securetest.StartRedis(t, pki, securetest.RedisOptions{Pass: serverRedisPW}),
	}
	e.kafkaFlags, e.redisFlags = e.flags(t, clientKafkaPW, clientRedisPW)
	return e
}

// flags returns the Kafka and Redis flags of a client with these passwords.
func (e *secureEnv) flags(t *testing.T, kafkaPW, redisPW string) (kafkaFlags, redisFlags []string) {
	dir := t.TempDir()
	kafkaFlags = []string{"--brokers", strings.Join(e.kafka.Brokers(), ","), "--kafka-tls", "--kafka-tls-ca", e.pki.CAFile,
		"--kafka-sasl-mechanism", "scram-sha-256", "--kafka-sasl-username", e.kafka.User,
		"--kafka-sasl-password-file", securetest.WriteSecret(t, dir, "kafka-pw", kafkaPW)}
	redisFlags = []string{"--redis", e.redis.Addr, "--redis-tls", "--redis-tls-ca", e.pki.CAFile,
		"--redis-tls-cert", e.pki.ClientCert, "--redis-tls-key", e.pki.ClientKey, "--redis-username", e.redis.User,
		"--redis-password-file", securetest.WriteSecret(t, dir, "redis-pw", redisPW)}
	return kafkaFlags, redisFlags
}

func assertNoPassword(t *testing.T, where, out string) {
	t.Helper()
	for _, pw := range []string{serverKafkaPW, serverRedisPW, clientKafkaPW, clientRedisPW} {
		if strings.Contains(out, pw) {
			t.Fatalf("%s contains password %s...:\n%s", where, pw[:8], out)
		}
	}
}

// TestRunWithRefusedCredentials runs `streamer run` as an operator would, with wrong passwords
// for both Kafka and Redis and debug logging (so go-redis's pool messages and kafka-go's own
// lines, --kafka-debug, are in the log too): the worker stays up, /readyz is 503 with a reason naming the flag, both refusals are
// logged as errors, and neither password appears anywhere in the output.
func TestRunWithRefusedCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	kafkatest.ForEachMode(t, testRunWithRefusedCredentials)
}

func testRunWithRefusedCredentials(t *testing.T, mode kafkatest.Mode) {
	e := newSecureEnv(t, mode)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	t.Setenv("STREAMER_PSEUDONYM_KEYS", "k1:"+base64.StdEncoding.EncodeToString(key))
	args := append(append([]string{"--model-dir", "../../internal/encoder/testdata/tiny-bert", "--metrics-addr", "127.0.0.1:0",
		"--log-format", "json", "--log-level", "debug", "--kafka-debug", "--lag-interval", "200ms"}, e.kafkaFlags...), e.redisFlags...)
	var stdout, stderr syncBuf
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- cmdRun(runCtx, args, &stdout, &stderr) }()

	wait := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s; output:\n%s", what, stderr.String())
			case err := <-done:
				t.Fatalf("streamer run ended while waiting for %s: %v\n%s", what, err, stderr.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	var addr string
	wait("the metrics address", func() bool {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "serving /metrics, /healthz, /readyz" {
				addr, _ = m["addr"].(string)
			}
		}
		return addr != ""
	})
	var body string
	wait("/readyz 503 naming the Redis login", func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		return resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(body, "--redis-password-file")
	})
	wait("both refusals logged as errors", func() bool {
		out := stderr.String()
		return strings.Contains(out, `"level":"error"`) && strings.Contains(out, "kafka refuses the connection") &&
			strings.Contains(out, "redis refuses the connection") && strings.Contains(out, "--kafka-sasl-password-file")
	})
	stop()
	if err := <-done; err != nil {
		t.Fatalf("streamer run: %v", err)
	}
	out := stderr.String() + stdout.String()
	assertNoPassword(t, "streamer run output", out+body)
	if !strings.Contains(out, `"kafka_security":"sasl_ssl SCRAM-SHA-256 user=profilestream"`) || !strings.Contains(out, `"redis_security":"tls user=profilestream"`) {
		t.Errorf("the start line should describe the connection security:\n%s", out)
	}
}

// TestToolsWithRefusedCredentials: lag, replay, profile get, segments and forget fail with a
// clear message instead of retrying, and do not print the password. PROFILESTREAM_KAFKA selects
// the Kafka (kfake, Apache Kafka, or both) here and in the other tests of this file.
func TestToolsWithRefusedCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	kafkatest.ForEachMode(t, testToolsWithRefusedCredentials)
}

func testToolsWithRefusedCredentials(t *testing.T, mode kafkatest.Mode) {
	e := newSecureEnv(t, mode)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	t.Setenv("STREAMER_PSEUDONYM_KEYS", "k1:"+base64.StdEncoding.EncodeToString(key))
	sample := filepath.Join(t.TempDir(), "clicks.csv")
	if err := os.WriteFile(sample, []byte("1,2,3,pv,1511544070\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
		args []string
		want string
	}{
		{"lag", cmdLag, append([]string{"--once"}, e.kafkaFlags...), "--kafka-sasl-password-file"},
		{"replay", cmdReplay, append(append([]string{}, e.kafkaFlags...), sample), "--kafka-sasl-password-file"},
		{"profile get", cmdProfile, append(append([]string{"get"}, e.redisFlags...), "some-user"), "--redis-password-file"},
		{"segments", cmdSegments, e.redisFlags, "--redis-password-file"},
		{"forget", cmdForget, append(append([]string{}, e.redisFlags...), "some-user"), "--redis-password-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr syncBuf
			start := time.Now()
			err := tc.run(ctx, tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v to fail", d)
			}
			assertNoPassword(t, tc.name, err.Error()+stdout.String()+stderr.String())
			t.Logf("%s: %v", tc.name, err)
		})
	}
}

// TestHelpListsSecurityFlags: --help of each command lists its security flags with their
// variables, and never shows a secret given in the environment.
func TestHelpListsSecurityFlags(t *testing.T) {
	t.Setenv("STREAMER_REDIS_PASSWORD", serverRedisPW)
	kafkaFlags := []string{"kafka-tls", "kafka-tls-ca", "kafka-tls-cert", "kafka-tls-key", "kafka-tls-server-name",
		"kafka-sasl-mechanism", "kafka-sasl-username", "kafka-sasl-password-file"}
	redisFlags := []string{"redis-tls", "redis-tls-ca", "redis-tls-cert", "redis-tls-key", "redis-tls-server-name",
		"redis-username", "redis-password-file", "redis-password"}
	for _, tc := range []struct {
		cmd   string
		run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
		args  []string
		flags []string
	}{
		{"run", cmdRun, nil, append(append([]string{}, kafkaFlags...), redisFlags...)},
		{"lag", cmdLag, nil, append(append([]string{}, kafkaFlags...), redisFlags...)},
		{"replay", cmdReplay, nil, kafkaFlags},
		{"profile get", cmdProfile, []string{"get"}, redisFlags},
		{"segments", cmdSegments, nil, redisFlags},
		{"forget", cmdForget, nil, redisFlags},
	} {
		var stdout, stderr syncBuf
		_ = tc.run(context.Background(), append(tc.args, "--help"), &stdout, &stderr)
		help := stderr.String() + stdout.String()
		for _, f := range tc.flags {
			env := "STREAMER_" + strings.ToUpper(strings.ReplaceAll(f, "-", "_"))
			if !strings.Contains(help, "--"+f+"  (env "+env+",") {
				t.Errorf("%s --help lacks --%s (env %s)", tc.cmd, f, env)
			}
		}
		assertNoPassword(t, tc.cmd+" --help", help)
	}
}

// TestToolsOverTLSAndSASL: with the right credentials the tools work through TLS and SASL:
// replay produces, lag reads the group, segments and forget reach Redis.
func TestToolsOverTLSAndSASL(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	kafkatest.ForEachMode(t, testToolsOverTLSAndSASL)
}

func testToolsOverTLSAndSASL(t *testing.T, mode kafkatest.Mode) {
	e := newSecureEnv(t, mode)
	kf, rf := e.flags(t, serverKafkaPW, serverRedisPW)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	t.Setenv("STREAMER_PSEUDONYM_KEYS", "k1:"+base64.StdEncoding.EncodeToString(key))
	sample := filepath.Join(t.TempDir(), "clicks.csv")
	if err := os.WriteFile(sample, []byte("1,2,3,pv,1511544070\n4,5,6,buy,1511544071\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
		args []string
		want string // in stdout
	}{
		{"replay", cmdReplay, append(append([]string{}, kf...), sample), "FIGURE replay.events 2"},
		{"lag", cmdLag, append([]string{"--json", "--topics", "clicks"}, kf...), `"partitions"`},
		{"segments", cmdSegments, rf, ""},
		{"forget", cmdForget, append(append([]string{}, rf...), "some-user"), "erase done"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr syncBuf
			if err := tc.run(ctx, tc.args, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Fatalf("stdout lacks %q:\n%s", tc.want, stdout.String())
			}
			assertNoPassword(t, tc.name, stdout.String()+stderr.String())
		})
	}
}
