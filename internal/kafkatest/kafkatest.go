// Package kafkatest runs Kafka for tests, benchmarks and evaluations.
//
// Two kinds of cluster:
//
//   - Cluster is franz-go's kfake, in-process, the embedded broker of internal/embedkafka (which
//     the demo uses too): it speaks the real Kafka wire protocol, so the worker's kafka-go
//     consumer group talks to it as it talks to a real broker. Nothing is persisted; it starts
//     in milliseconds.
//   - Real is Apache Kafka itself (KRaft, one node or three) run from the jars that
//     scripts/kafka.sh resolves with Maven into a cache: the real group coordinator, replication
//     and leader election, and nodes that can be killed and restarted. With
//     RealOptions.SASLSSL each node also has a SASL_SSL listener (PEM key material, PLAIN and
//     SCRAM users), which internal/securetest uses for the security tests.
//
// The end-to-end and chaos tests run against either, chosen by the environment variable
// PROFILESTREAM_KAFKA (kfake, the default; real; or both), see Modes and StartMode.
//
// It is a test harness: the production binary does not link it (internal/archtest checks), the
// demo and `streamer broker` use internal/embedkafka. The helpers for tests take the small TB
// interface that *testing.T satisfies.
package kafkatest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/embedkafka"
)

// Cluster is the embedded kfake cluster of internal/embedkafka.
type Cluster = embedkafka.Cluster

// Start starts an embedded cluster with the given topics, each with partitions partitions.
// port 0 picks a free port.
func Start(port int, partitions int, topics ...string) (*Cluster, error) {
	return embedkafka.Start(port, partitions, topics...)
}

// TB is the part of testing.TB the helpers use (an interface, so that the evaluations and
// benchmarks that start clusters need not import testing).
type TB interface {
	Helper()
	Fatal(args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// StartT starts a kfake cluster for a test and closes it at the end.
func StartT(tb TB, partitions int, topics ...string) *Cluster {
	tb.Helper()
	c, err := Start(0, partitions, topics...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

func produce(ctx context.Context, brokers []string, recs ...*kgo.Record) error {
	return embedkafka.Produce(ctx, brokers, recs...)
}

// Broker is what the end-to-end and chaos tests need of either kind of cluster.
type Broker interface {
	Brokers() []string
	Produce(ctx context.Context, recs ...*kgo.Record) error
	Close()
}

// Mode names a kind of cluster: ModeKfake or ModeReal.
type Mode string

const (
	ModeKfake Mode = "kfake"
	ModeReal  Mode = "real"
)

// EnvMode is the environment variable that selects the modes of the tests that run against
// either cluster: "kfake" (default), "real", or "both".
const EnvMode = "PROFILESTREAM_KAFKA"

// Modes returns the modes selected by PROFILESTREAM_KAFKA.
func Modes() ([]Mode, error) {
	switch v := strings.TrimSpace(os.Getenv(EnvMode)); v {
	case "", "kfake":
		return []Mode{ModeKfake}, nil
	case "real":
		return []Mode{ModeReal}, nil
	case "both":
		return []Mode{ModeKfake, ModeReal}, nil
	default:
		return nil, fmt.Errorf("kafkatest: %s=%q: want kfake, real or both", EnvMode, v)
	}
}

// ForEachMode runs f as a subtest named after each selected mode (see Modes).
func ForEachMode[T interface {
	TB
	Run(string, func(T)) bool
}](t T, f func(t T, mode Mode)) {
	t.Helper()
	modes, err := Modes()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		t.Run(string(m), func(t T) { f(t, m) })
	}
}

// StartMode starts a cluster of the given mode for a test and closes it at the end: kfake with
// one broker, or real Apache Kafka with o.Nodes nodes (o.Partitions and o.Topics apply to both).
// A real cluster that cannot start (jars not resolvable, JVM failing) fails the test with the
// reason and the tail of the broker logs; it never skips.
func StartMode(ctx context.Context, tb TB, mode Mode, o RealOptions) Broker {
	tb.Helper()
	switch mode {
	case ModeKfake:
		return StartT(tb, max(o.Partitions, 1), o.Topics...)
	case ModeReal:
		start := time.Now()
		c, err := StartReal(ctx, o)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(c.Close)
		tb.Logf("kafkatest: Apache Kafka, %d node(s), ready in %.1fs at %v", c.Nodes(), time.Since(start).Seconds(), c.Brokers())
		return c
	default:
		tb.Fatal(fmt.Sprintf("kafkatest: unknown mode %q", mode))
		return nil
	}
}
