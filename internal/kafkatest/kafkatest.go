// Package kafkatest runs Kafka for tests and the demo.
//
// Two kinds of cluster:
//
//   - Cluster is franz-go's kfake, in-process: it speaks the real Kafka wire protocol (produce,
//     fetch, consumer groups, offset commits, list offsets), so the worker's kafka-go consumer
//     group talks to it as it talks to a real broker. Nothing is persisted: the cluster lives as
//     long as the process. The demo and the unit tests use it; it starts in milliseconds.
//   - Real is Apache Kafka itself (KRaft, one node or three) run from the jars that
//     scripts/kafka.sh resolves with Maven into a cache: the real group coordinator, replication
//     and leader election, and nodes that can be killed and restarted. With
//     RealOptions.SASLSSL each node also has a SASL_SSL listener (PEM key material, PLAIN and
//     SCRAM users), which internal/securetest uses for the security tests.
//
// The end-to-end and chaos tests run against either, chosen by the environment variable
// PROFILESTREAM_KAFKA (kfake, the default; real; or both), see Modes and StartMode.
//
// The package does not import testing (the production binary links it for the demo); the
// helpers for tests take the small TB interface that *testing.T satisfies.
package kafkatest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Cluster is an embedded Kafka cluster.
type Cluster struct {
	*kfake.Cluster
}

// Start starts an embedded cluster with the given topics, each with partitions partitions.
// port 0 picks a free port.
func Start(port int, partitions int, topics ...string) (*Cluster, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(partitions), kfake.AllowAutoTopicCreation()}
	if port != 0 {
		opts = append(opts, kfake.Ports(port))
	}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(partitions), topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafkatest: start kfake: %w", err)
	}
	return &Cluster{c}, nil
}

// TB is the part of testing.TB the helpers use (kept as an interface so that this package,
// linked into the production binary for the demo, does not import testing).
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

// Brokers returns the bootstrap addresses.
func (c *Cluster) Brokers() []string { return c.ListenAddrs() }

// Produce writes records synchronously with a franz-go client (an independent producer, so
// tests do not exercise our own code to feed our own code).
func (c *Cluster) Produce(ctx context.Context, recs ...*kgo.Record) error {
	return produce(ctx, c.Brokers(), recs...)
}

func produce(ctx context.Context, brokers []string, recs ...*kgo.Record) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(4<<20))
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("kafkatest: produce: %w", err)
	}
	return nil
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
