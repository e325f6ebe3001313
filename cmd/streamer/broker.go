package main

import (
	"context"
	"fmt"
	"io"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/embedkafka"
)

func cmdBroker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("broker", "streamer broker [flags]", "Run the embedded Kafka broker standalone.", `
The broker is franz-go's kfake: it speaks the real Kafka protocol (produce, fetch, consumer
groups, offsets), keeps everything in memory and forgets it on exit. It is for local development
and tests only; production uses a real Kafka cluster (see docker-compose.yml).`)
	c.SetOutput(stderr)
	port := c.Int("port", 9092, "TCP port to listen on (127.0.0.1)")
	partitions := c.Int("partitions", 4, "partitions of each seeded topic")
	var topics cli.StringList = cli.StringList{"clicks", "reviews", "erasure", "profilestream.dlq"}
	c.Var(&topics, "topics", "topics to create at start (others are created on first use)")
	if err := c.Parse(args); err != nil {
		return err
	}
	cl, err := embedkafka.Start(*port, *partitions, topics...)
	if err != nil {
		return err
	}
	defer cl.Close()
	fmt.Fprintf(stdout, "embedded Kafka broker (kfake) listening on %v with topics %v (%d partitions each); Ctrl-C stops it\n",
		cl.Brokers(), []string(topics), *partitions)
	<-ctx.Done()
	return nil
}
