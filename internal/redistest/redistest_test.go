package redistest

import (
	"context"
	"testing"
)

func TestStartAndRestart(t *testing.T) {
	s := Start(t, WithAppendOnly())
	ctx := context.Background()
	c := s.Client()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	s.Restart()
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after restart with AOF: got %q, %v", got, err)
	}
}

func TestCluster(t *testing.T) {
	cl := StartCluster(t).Client()
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c", "{u1}x", "{u1}y"} {
		if err := cl.Set(ctx, k, "1", 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	n, err := cl.DBSize(ctx).Result()
	if err != nil || n < 1 {
		t.Fatalf("dbsize %d %v", n, err)
	}
}
