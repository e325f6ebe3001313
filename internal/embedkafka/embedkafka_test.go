package embedkafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestStartProduce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Start(0, 3, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Brokers()) != 1 {
		t.Fatalf("brokers %v, want one", c.Brokers())
	}
	recs := []*kgo.Record{
		{Topic: "clicks", Partition: 2, Value: []byte("a")},
		{Topic: "clicks", Partition: 2, Value: []byte("b")},
	}
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		topic     string
		partition int32
		want      int64
	}{{"clicks", 0, 0}, {"clicks", 1, 0}, {"clicks", 2, 2}} {
		o, ok := ends.Lookup(tc.topic, tc.partition)
		if !ok || o.Err != nil || o.Offset != tc.want {
			t.Errorf("%s/%d: end offset %+v (found %v), want %d", tc.topic, tc.partition, o, ok, tc.want)
		}
	}
}
