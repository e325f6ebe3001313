// Package kafkatest runs an in-process Kafka cluster for tests and the demo.
//
// The cluster is franz-go's kfake: it speaks the real Kafka wire protocol (produce, fetch,
// consumer groups, offset commits, list offsets), so the worker's kafka-go consumer group talks
// to it exactly as it talks to a real broker. Nothing is persisted: the cluster lives as long
// as the process.
package kafkatest

import (
	"context"
	"fmt"
	"testing"

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

// StartT starts a cluster for a test and closes it at the end.
func StartT(tb testing.TB, partitions int, topics ...string) *Cluster {
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
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}
