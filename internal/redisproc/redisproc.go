// Package redisproc runs a private redis-server as a child process: the demo's Redis, the
// benchmarks' Redis, and (through internal/redistest) every test's Redis.
//
// The child listens on a loopback port of its own, keeps its files in a directory of its own,
// and dies with its parent (PR_SET_PDEATHSIG), so a crashed demo or test leaves nothing behind.
// It is never the machine's shared Redis: whoever started a Proc may flush or kill it freely.
package redisproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinary means redis-server is not on PATH.
var ErrNoBinary = errors.New("redis-server not found on PATH (apt-get install -y redis-server)")

// Options configure a server. The zero value is an in-memory server on a free port.
type Options struct {
	// Port to listen on (0 = a free one).
	Port int
	// Dir for logs and persistence files (empty = a new temporary directory, removed by Stop).
	Dir string
	// AppendOnly turns on AOF with fsync on every write, so a Kill+Restart keeps all data.
	AppendOnly bool
	// Cluster starts the node in cluster mode (slots must then be assigned by the caller).
	Cluster bool
	// Args are extra redis-server arguments.
	Args []string
}

// Proc is one redis-server child process.
type Proc struct {
	Addr string
	Port int
	Dir  string

	ownDir bool
	args   []string
	cmd    *exec.Cmd
	done   chan struct{}
}

// Binary returns the path of redis-server or ErrNoBinary.
func Binary() (string, error) {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", ErrNoBinary
	}
	return p, nil
}

// Start starts a server and waits until it answers PING.
func Start(ctx context.Context, o Options) (*Proc, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	p := &Proc{Port: o.Port, Dir: o.Dir}
	if p.Port == 0 {
		if p.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if p.Dir == "" {
		if p.Dir, err = os.MkdirTemp("", "profilestream-redis-"); err != nil {
			return nil, fmt.Errorf("redisproc: temp dir: %w", err)
		}
		p.ownDir = true
	}
	p.Addr = fmt.Sprintf("127.0.0.1:%d", p.Port)
	args := []string{bin, "--port", strconv.Itoa(p.Port), "--bind", "127.0.0.1", "--dir", p.Dir,
		"--save", "", "--daemonize", "no", "--logfile", filepath.Join(p.Dir, "redis.log"), "--protected-mode", "no"}
	if o.AppendOnly {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if o.Cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(p.Dir, "nodes.conf"),
			"--cluster-node-timeout", "2000")
	}
	p.args = append(args, o.Args...)
	if err := p.start(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Proc) start(ctx context.Context) error {
	p.cmd = exec.Command(p.args[0], p.args[1:]...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		p.cmd = nil
		return fmt.Errorf("redisproc: start redis-server: %w", err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(p.cmd, p.done)
	if err := waitPing(ctx, p.Addr, 10*time.Second); err != nil {
		return fmt.Errorf("redisproc: redis-server on %s did not answer: %w (log: %s)", p.Addr, err, p.LogTail())
	}
	return nil
}

// Kill stops the server with SIGKILL, as a crash would.
func (p *Proc) Kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p.cmd = nil
}

// Restart starts the server again on the same port and directory (after Kill, or kills first).
func (p *Proc) Restart(ctx context.Context) error {
	p.Kill()
	return p.start(ctx)
}

// Stop shuts the server down (SIGTERM, SIGKILL after 5 s) and removes its directory when
// Start made it. Safe to call twice.
func (p *Proc) Stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		p.cmd = nil
	}
	if p.ownDir {
		_ = os.RemoveAll(p.Dir)
		p.ownDir = false
	}
}

// LogTail returns the end of the server's log file.
func (p *Proc) LogTail() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redisproc: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitPing(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
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
