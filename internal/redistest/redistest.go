// Package redistest starts private redis-server processes for tests.
//
// Every test that needs Redis gets its own server on a free loopback port, in a temporary
// directory, started from the real redis-server binary and stopped when the test ends. A test
// never touches a Redis it did not start, so it may flush or kill its server freely. StartCluster
// starts three masters and joins them into a Redis Cluster for tests of slot-correctness.
//
// When redis-server is not on PATH the tests are skipped with a clear message, or fail under CI
// (make test installs it; see .ci/run).
package redistest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redisproc"
)

// Server is one private redis-server child process.
type Server struct {
	*redisproc.Proc
	tb testing.TB
}

// Option changes how a server is started.
type Option func(*redisproc.Options)

// WithAppendOnly turns on AOF persistence (appendfsync always), so that a Kill+Restart keeps data.
func WithAppendOnly() Option { return func(o *redisproc.Options) { o.AppendOnly = true } }

func withCluster() Option { return func(o *redisproc.Options) { o.Cluster = true } }

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	p, _ := redisproc.Binary()
	return p
}

// Start starts a private redis-server on a free port and registers its shutdown with t.Cleanup.
// Without redis-server on PATH the test is skipped, except under CI (CI=true), where a missing
// server is a broken set-up and fails the test.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	if Binary() == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal(redisproc.ErrNoBinary)
		}
		tb.Skip(redisproc.ErrNoBinary.Error())
	}
	o := redisproc.Options{Dir: tb.TempDir()}
	for _, opt := range opts {
		opt(&o)
	}
	p, err := redisproc.Start(context.Background(), o)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(p.Stop)
	return &Server{Proc: p, tb: tb}
}

// Client returns a new client for this server, closed at the end of the test.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Restart starts the server again on the same port and directory after Kill or Stop.
func (s *Server) Restart() {
	s.tb.Helper()
	if err := s.Proc.Restart(context.Background()); err != nil {
		s.tb.Fatalf("redistest: restart: %v", err)
	}
}

// Cluster is a local Redis Cluster of three masters (no replicas) with all 16384 slots assigned.
type Cluster struct {
	Nodes []*Server
	tb    testing.TB
}

// Addrs returns the node addresses.
func (c *Cluster) Addrs() []string {
	var a []string
	for _, n := range c.Nodes {
		a = append(a, n.Addr)
	}
	return a
}

// Client returns a cluster client, closed at the end of the test.
func (c *Cluster) Client() *redis.ClusterClient {
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	c.tb.Cleanup(func() { _ = cl.Close() })
	return cl
}

// StartCluster starts three cluster-enabled redis-server processes, splits the slots between
// them (CLUSTER ADDSLOTSRANGE), joins them (CLUSTER MEET) and waits for cluster_state:ok.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	c := &Cluster{tb: tb}
	for i := 0; i < 3; i++ {
		c.Nodes = append(c.Nodes, Start(tb, withCluster()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ranges := [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}
	for i, n := range c.Nodes {
		cl := redis.NewClient(&redis.Options{Addr: n.Addr})
		if err := cl.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", ranges[i][0], ranges[i][1]).Err(); err != nil {
			tb.Fatalf("redistest: CLUSTER ADDSLOTSRANGE on %s: %v", n.Addr, err)
		}
		if i > 0 {
			if err := cl.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", c.Nodes[0].Port).Err(); err != nil {
				tb.Fatalf("redistest: CLUSTER MEET: %v", err)
			}
		}
		_ = cl.Close()
	}
	for {
		ok := true
		for _, n := range c.Nodes {
			cl := redis.NewClient(&redis.Options{Addr: n.Addr})
			info, err := cl.ClusterInfo(ctx).Result()
			_ = cl.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				ok = false
			}
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("redistest: cluster did not reach cluster_state:ok in time")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return c
}
