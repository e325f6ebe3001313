// Package embedkafka is the embedded Kafka broker of `streamer demo` and `streamer broker`:
// franz-go's kfake, in-process. It speaks the real Kafka wire protocol (produce, fetch, consumer
// groups, offset commits, list offsets), so the worker's kafka-go consumer group talks to it as
// it talks to a real broker. Nothing is persisted: the cluster lives as long as the process.
//
// It is the only Kafka the production binary links; the test harnesses (internal/kafkatest,
// with its Apache Kafka JVM launcher) build on it and stay out of `streamer`.
package embedkafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Cluster is an embedded Kafka cluster of one broker.
type Cluster struct {
	*kfake.Cluster
}

// Start starts an embedded cluster with the given topics, each with partitions partitions
// (topics not seeded are created on first use). port 0 picks a free port.
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
		return nil, fmt.Errorf("embedkafka: start kfake: %w", err)
	}
	return &Cluster{c}, nil
}

// Brokers returns the bootstrap addresses.
func (c *Cluster) Brokers() []string { return c.ListenAddrs() }

// Produce writes records synchronously with a franz-go client (an independent producer, so
// tests do not exercise our own code to feed our own code).
func (c *Cluster) Produce(ctx context.Context, recs ...*kgo.Record) error {
	return Produce(ctx, c.Brokers(), recs...)
}

// Produce writes records synchronously to brokers with a franz-go client, to the partition
// each record names.
func Produce(ctx context.Context, brokers []string, recs ...*kgo.Record) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(4<<20))
	if err != nil {
		return fmt.Errorf("embedkafka: produce: %w", err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("embedkafka: produce: %w", err)
	}
	return nil
}
