package chaos

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
)

// proc is one `streamer run` child process.
type proc struct {
	name    string // streamer-wN: the binary's name, so kafka-go's client id names the worker
	cmd     *exec.Cmd
	metrics string
	logPath string
	log     *os.File
	state   string // running, killed, stopped
}

// rig runs workers against one Kafka cluster and one Redis, and watches the group's lag from
// the broker with internal/lag (the same reading `streamer lag` shows).
type rig struct {
	t       *testing.T
	bin     string
	kafka   kafkatest.Broker
	brokers []string
	redis   string
	keys    string
	dir     string
	extra   []string // CHAOS_WORKER_ARGS
	n       int
	procs   []*proc
	mons    map[string]*lag.Monitor
}

func newRig(t *testing.T, bin string, kf kafkatest.Broker, keys string) *rig {
	r := &rig{t: t, bin: bin, kafka: kf, brokers: kf.Brokers(), keys: keys, dir: t.TempDir(),
		extra: strings.Fields(os.Getenv("CHAOS_WORKER_ARGS")), mons: map[string]*lag.Monitor{}}
	t.Cleanup(func() {
		for _, p := range r.procs {
			if p.state == "running" {
				p.kill()
			}
		}
		for _, m := range r.mons {
			m.Close()
		}
	})
	return r
}

// start starts a worker. The group's timing (session timeout, heartbeats) is the worker's
// default, the one that ships; CHAOS_WORKER_ARGS appends flags (later ones win).
func (r *rig) start(group, dlq string) *proc {
	r.t.Helper()
	r.n++
	port, err := freePort()
	if err != nil {
		r.t.Fatal(err)
	}
	name := fmt.Sprintf("streamer-w%d", r.n)
	// A link per worker names it in logs and, should the client id fall back to kafka-go's
	// default "<program name>@<host> (...)", still identifies its group membership.
	link := filepath.Join(r.dir, name)
	if err := os.Symlink(r.bin, link); err != nil {
		r.t.Fatal(err)
	}
	logPath := filepath.Join(r.dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		r.t.Fatal(err)
	}
	args := []string{"run", "--brokers", strings.Join(r.brokers, ","), "--redis", r.redis,
		"--group", group, "--dlq-topic", dlq, "--model-dir", tinyModel, "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--batch-size", "200", "--batch-timeout", "50ms", "--log-format", "json", "--centroid-merge-interval", "1s",
		"--lag-interval", "-1s"}
	cmd := exec.Command(link, append(args, r.extra...)...)
	cmd.Env = append(os.Environ(), "STREAMER_PSEUDONYM_KEYS="+r.keys)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, metrics: fmt.Sprintf("127.0.0.1:%d", port), logPath: logPath, log: logf, state: "running"}
	r.procs = append(r.procs, p)
	return p
}

// owns reports whether a partition owner (a member's client id) is this worker: the worker's
// default client id "profilestream-<host>-<pid>", or kafka-go's own default
// "<program name>@<host> (...)" where the program name is the worker's link.
func (p *proc) owns(owner string) bool {
	return strings.HasSuffix(owner, fmt.Sprintf("-%d", p.cmd.Process.Pid)) || strings.HasPrefix(owner, p.name+"@")
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.log.Close()
	p.state = "killed"
}

func (p *proc) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker %s did not exit cleanly on SIGTERM: %v", p.name, err)
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		t.Errorf("worker %s did not stop within 60s of SIGTERM", p.name)
	}
	p.log.Close()
	p.state = "stopped"
}

// monitor returns the rig's lag monitor of a group (one per group, so the stall status
// windows accumulate).
func (r *rig) monitor(group string) *lag.Monitor {
	if m := r.mons[group]; m != nil {
		return m
	}
	m, err := lag.New(r.brokers, group, inputTopics, lag.Options{TimeLag: lag.TimeLagOff, Window: 5})
	if err != nil {
		r.t.Fatal(err)
	}
	r.mons[group] = m
	return m
}

// poll reads the group's lag from the broker, bounded by 10 s.
func (r *rig) poll(ctx context.Context, group string) (lag.Snapshot, error) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return r.monitor(group).Poll(pctx)
}

// diagnostics describes the group and the workers: per partition the committed and end
// offsets, lag, owner and status as read from the broker, then the last 30 lines of each
// worker's log (newest worker first) and, for a real cluster, of each Kafka node's log.
func (r *rig) diagnostics(group string) string {
	var b strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	snap, err := r.poll(ctx, group)
	if err != nil {
		fmt.Fprintf(&b, "group %s: lag unknown: %v\n", group, err)
	} else {
		b.WriteString(describe(snap))
	}
	for i := len(r.procs) - 1; i >= 0; i-- {
		p := r.procs[i]
		fmt.Fprintf(&b, "--- worker %s (%s, pid %d), last 30 lines of %s:\n%s", p.name, p.state, p.cmd.Process.Pid, p.logPath, tailFile(p.logPath, 30))
	}
	if real, ok := r.kafka.(*kafkatest.Real); ok {
		b.WriteString(real.LogTails(30))
	}
	return b.String()
}

func describe(s lag.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "group %s: state %s, %d members, total lag %d, status %s\n", s.Group, s.State, s.Members, s.TotalLag, s.Status)
	for _, p := range s.Partitions {
		owner := p.Owner
		if owner == "" {
			owner = "-"
		} else if i := strings.Index(owner, " ("); i > 0 {
			owner = owner[:i]
		}
		fmt.Fprintf(&b, "  %s/%d committed %d end %d lag %d owner %s status %s\n", p.Topic, p.Partition, p.Committed, p.End, p.Lag, owner, p.Status)
	}
	return b.String()
}

func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return "(empty)\n"
	}
	return strings.Join(lines, "\n") + "\n"
}

// waitSnap polls the group's lag until cond holds and returns the snapshot that satisfied it;
// on failure (see waitSnapErr) it fails the test with the diagnostics.
func (r *rig) waitSnap(ctx context.Context, group, what string, maxWait, stuck time.Duration, cond func(lag.Snapshot) bool) lag.Snapshot {
	r.t.Helper()
	s, err := r.waitSnapErr(ctx, group, what, maxWait, stuck, cond)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// waitSnapErr polls the group's lag until cond holds. It gives up with an error carrying
// r.diagnostics when maxWait passes, when ctx ends, or (stuck > 0) when no committed offset
// moved for stuck while cond did not hold: a stall is reported in a minute or two, not at go
// test's timeout.
func (r *rig) waitSnapErr(ctx context.Context, group, what string, maxWait, stuck time.Duration, cond func(lag.Snapshot) bool) (lag.Snapshot, error) {
	deadline := time.Now().Add(maxWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	lastMove, lastSum := time.Now(), int64(-1)
	var lastErr error
	for {
		snap, err := r.poll(ctx, group)
		if err == nil {
			if cond(snap) {
				return snap, nil
			}
			var sum int64
			for _, p := range snap.Partitions {
				sum += max(p.Committed, 0)
			}
			if sum != lastSum {
				lastSum, lastMove = sum, time.Now()
			}
		}
		lastErr = err
		now := time.Now()
		switch {
		case stuck > 0 && now.Sub(lastMove) >= stuck:
			return lag.Snapshot{}, fmt.Errorf("waiting for %s: no committed offset of group %s moved for %s (stalled)\n%s", what, group, stuck, r.diagnostics(group))
		case now.After(deadline) || ctx.Err() != nil:
			return lag.Snapshot{}, fmt.Errorf("waiting for %s: gave up after %s (last poll error: %v)\n%s", what, maxWait, lastErr, r.diagnostics(group))
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitLagZero waits until the group has committed everything. It fails with diagnostics after
// maxWait, or as soon as the group made no progress for 90 s while lag remained.
func (r *rig) waitLagZero(ctx context.Context, group string, maxWait time.Duration) {
	r.t.Helper()
	r.waitSnap(ctx, group, "lag 0", maxWait, 90*time.Second, lagZero)
}

func lagZero(s lag.Snapshot) bool { return s.TotalLag == 0 && len(s.MissingTopics) == 0 }

// ownedBy returns the partitions (topic/partition -> committed offset) the worker owns in snap.
func ownedBy(snap lag.Snapshot, p *proc) map[string]int64 {
	out := map[string]int64{}
	for _, pl := range snap.Partitions {
		if p.owns(pl.Owner) {
			out[fmt.Sprintf("%s/%d", pl.Topic, pl.Partition)] = pl.Committed
		}
	}
	return out
}

// ownsLagging reports whether the worker owns a partition with lag in snap.
func ownsLagging(snap lag.Snapshot, p *proc) bool {
	for _, pl := range snap.Partitions {
		if pl.Lag > 0 && p.owns(pl.Owner) {
			return true
		}
	}
	return false
}

// committedAgain reports whether every partition in base has committed past its offset in base
// or has nothing left to do (lag 0).
func committedAgain(snap lag.Snapshot, base map[string]int64) bool {
	for _, pl := range snap.Partitions {
		c0, ok := base[fmt.Sprintf("%s/%d", pl.Topic, pl.Partition)]
		if ok && pl.Lag > 0 && pl.Committed <= c0 {
			return false
		}
	}
	return true
}

// percentile of sorted-on-demand durations in seconds (nearest rank).
func percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
