// Package redistest starts private redis-server processes for tests.
//
// Every test that needs Redis gets its own server on a free loopback port, in a temporary
// directory, started from the real redis-server binary and stopped when the test ends. A test
// never touches a Redis it did not start, so it may flush or kill its server freely. StartCluster
// starts three masters and joins them into a Redis Cluster for tests of slot-correctness.
//
// When redis-server is not on PATH the tests are skipped with a clear message (make test installs
// it; see .ci/run).
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one private redis-server child process.
type Server struct {
	Addr string // host:port
	Port int
	Dir  string // working directory (AOF/RDB files live here)

	args []string
	cmd  *exec.Cmd
	done chan struct{}
	tb   testing.TB
}

// Option changes how a server is started.
type Option func(*config)

type config struct {
	appendOnly bool
	cluster    bool
	extra      []string
}

// WithAppendOnly turns on AOF persistence (appendfsync always), so that a Kill+Restart keeps data.
func WithAppendOnly() Option { return func(c *config) { c.appendOnly = true } }

// WithArgs passes extra redis-server arguments such as "--maxmemory", "10mb".
func WithArgs(args ...string) Option { return func(c *config) { c.extra = append(c.extra, args...) } }

func withCluster() Option { return func(c *config) { c.cluster = true } }

// Binary returns the path of redis-server, or "" when it is not installed.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Start starts a private redis-server on a free port and registers its shutdown with t.Cleanup.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		tb.Skip("redis-server not found on PATH: install it (apt-get install -y redis-server) to run this test")
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	port := FreePort(tb)
	dir := tb.TempDir()
	args := []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"),
		"--protected-mode", "no",
	}
	if c.appendOnly {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if c.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "2000")
	}
	args = append(args, c.extra...)
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Dir: dir, args: append([]string{bin}, args...), tb: tb}
	s.start()
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.tb.Helper()
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("redistest: start redis-server: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)
	if err := waitPing(s.Addr, 10*time.Second); err != nil {
		s.Stop()
		s.tb.Fatalf("redistest: redis-server on %s did not answer: %v (log: %s)", s.Addr, err, s.logTail())
	}
}

// Client returns a new client for this server, closed at the end of the test.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill stops the server with SIGKILL, as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port and directory after Kill or Stop.
func (s *Server) Restart() {
	s.tb.Helper()
	if s.cmd != nil {
		s.Kill()
	}
	s.start()
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 5 s). It is safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
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

// FreePort asks the kernel for a free loopback TCP port.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPing(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(time.Second))
			_, _ = conn.Write([]byte("PING\r\n"))
			line, err := bufio.NewReader(conn).ReadString('\n')
			_ = conn.Close()
			if err == nil && strings.HasPrefix(line, "+PONG") {
				return nil
			}
			last = fmt.Errorf("ping: %q %v", line, err)
		} else {
			last = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}
