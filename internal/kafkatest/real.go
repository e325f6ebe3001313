package kafkatest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// RealOptions configure a Real cluster. The zero value starts one combined broker+controller.
type RealOptions struct {
	// Nodes is the number of KRaft nodes, each a combined broker and controller (a voter).
	// 1 (default) or 3; with 3 every topic has replication factor 3 and one node may die.
	Nodes int
	// Partitions of each topic in Topics (and of auto-created topics). Default 1.
	Partitions int
	// Topics are created before Start returns.
	Topics []string
	// Dir holds the nodes' configuration, data and logs. Default: a new temporary directory,
	// removed by Close.
	Dir string
	// Libs is the directory with the broker's jars. Default: LibsDir().
	Libs string
	// HeapMB is each JVM's maximum heap. Default 512.
	HeapMB int
	// StartTimeout bounds Start and RestartNode. Default 3 minutes.
	StartTimeout time.Duration
	// SASLSSL, if set, adds a SASL_SSL listener to every node (see SASLSSLBrokers). The
	// PLAINTEXT listener stays: brokers talk to each other on it, and the harness's own
	// readiness checks, Produce and Leaders use it.
	SASLSSL *SASLSSLListener
	// Props are extra broker settings (server.properties keys); they replace the harness's
	// own values for the same keys. A test that needs retention to act within seconds sets
	// log.retention.check.interval.ms here, for example.
	Props map[string]string
}

// SASLSSLListener is a broker listener that speaks TLS and requires SASL authentication with
// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. With no authorizer configured every authenticated
// user may do everything.
type SASLSSLListener struct {
	// CertFile (the server certificate, then any intermediates) and KeyFile (its unencrypted
	// PKCS#8 private key, "PRIVATE KEY") are PEM files; the broker reads them as a PEM keystore.
	CertFile, KeyFile string
	// CAFile (PEM) is the broker's truststore: the CAs whose client certificates it accepts.
	CAFile string
	// ClientAuth is ssl.client.auth: "none", "requested" (default) or "required".
	ClientAuth string
	// Users maps user names to passwords, accepted with all three mechanisms (PLAIN through the
	// listener's JAAS configuration, SCRAM through credentials added when the storage is
	// formatted). Names and passwords must not contain '"', ',', '=', '[' or ']'.
	Users map[string]string
}

// Real is an Apache Kafka cluster in KRaft mode made of local JVM processes on loopback ports.
// It is slower to start than kfake (seconds, a few hundred MB per node) but it is the real
// broker: its group coordinator, replication and leader election. Methods are safe for
// concurrent use.
type Real struct {
	o         RealOptions
	dir       string
	ownDir    bool
	clusterID string

	mu     sync.Mutex
	nodes  []*realNode
	closed bool
}

type realNode struct {
	id               int
	port, ctrlPort   int
	saslPort         int // 0 without a SASL_SSL listener
	dir, props, logf string
	cmd              *exec.Cmd
	done             chan struct{} // closed when the current process has exited
}

// errNodeExited: a node's JVM died while the cluster was starting.
var errNodeExited = errors.New("node exited")

// StartReal formats and starts a cluster, creates the topics and returns once producing,
// fetching and group coordination work, or an error carrying the tail of each node's log.
// The ports are picked free but only bound by the JVM later; a node that dies at start (a port
// taken in between) makes StartReal try again with new ports, three times at most.
func StartReal(ctx context.Context, o RealOptions) (*Real, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var c *Real
		if c, err = startReal(ctx, o); err == nil || !errors.Is(err, errNodeExited) || ctx.Err() != nil {
			return c, err
		}
	}
	return nil, err
}

func startReal(ctx context.Context, o RealOptions) (*Real, error) {
	if o.Nodes <= 0 {
		o.Nodes = 1
	}
	if o.Partitions <= 0 {
		o.Partitions = 1
	}
	if o.HeapMB <= 0 {
		o.HeapMB = 512
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 3 * time.Minute
	}
	if o.Libs == "" {
		libs, err := LibsDir(ctx)
		if err != nil {
			return nil, err
		}
		o.Libs = libs
	}
	c := &Real{o: o, dir: o.Dir}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "kafkatest-real-")
		if err != nil {
			return nil, fmt.Errorf("kafkatest: %w", err)
		}
		c.dir, c.ownDir = d, true
	}
	// A cluster id is a base64 UUID; like Kafka's Uuid.randomUuid, never one starting with '-',
	// which the storage tool's argument parser would take for an option.
	for c.clusterID == "" || strings.HasPrefix(c.clusterID, "-") {
		id := make([]byte, 16)
		_, _ = rand.Read(id)
		c.clusterID = base64.RawURLEncoding.EncodeToString(id)
	}

	var voters []string
	for i := 1; i <= o.Nodes; i++ {
		p, err := freeLoopbackPort()
		if err != nil {
			return nil, err
		}
		cp, err := freeLoopbackPort()
		if err != nil {
			return nil, err
		}
		n := &realNode{id: i, port: p, ctrlPort: cp, dir: filepath.Join(c.dir, fmt.Sprintf("node-%d", i))}
		if o.SASLSSL != nil {
			if n.saslPort, err = freeLoopbackPort(); err != nil {
				return nil, err
			}
		}
		n.props, n.logf = filepath.Join(n.dir, "server.properties"), filepath.Join(n.dir, "broker.log")
		c.nodes = append(c.nodes, n)
		voters = append(voters, fmt.Sprintf("%d@127.0.0.1:%d", i, cp))
	}
	if err := os.WriteFile(filepath.Join(c.dir, "log4j2.yaml"), []byte(log4jConfig), 0o644); err != nil {
		return nil, fmt.Errorf("kafkatest: %w", err)
	}
	if err := c.writeKeystore(); err != nil {
		return nil, err
	}
	for _, n := range c.nodes {
		_ = os.RemoveAll(n.dir) // a new cluster: nothing of an earlier attempt in o.Dir
		if err := os.MkdirAll(n.dir, 0o755); err != nil {
			return nil, fmt.Errorf("kafkatest: %w", err)
		}
		// 0600: with SASL_SSL the file holds the PLAIN users' passwords.
		if err := os.WriteFile(n.props, []byte(c.properties(n, strings.Join(voters, ","))), 0o600); err != nil {
			return nil, fmt.Errorf("kafkatest: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	// Format every node's storage (one JVM each, in parallel), then start them.
	errs := make(chan error, len(c.nodes))
	for _, n := range c.nodes {
		go func() { errs <- c.format(sctx, n) }()
	}
	var ferr error
	for range c.nodes {
		ferr = errors.Join(ferr, <-errs)
	}
	if ferr != nil {
		c.Close()
		return nil, ferr
	}
	for _, n := range c.nodes {
		if err := c.startNode(n); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.waitReady(sctx); err != nil {
		err = fmt.Errorf("kafkatest: real Kafka cluster (%d nodes) not ready: %w\n%s", o.Nodes, err, c.LogTails(30))
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Real) replication() int { return min(3, len(c.nodes)) }

// properties is one node's server.properties: a combined broker+controller tuned for a small
// test machine (small thread pools and buffers, no initial rebalance delay, short session and
// replica timeouts so a killed node is fenced and its leaderships move within seconds).
func (c *Real) properties(n *realNode, voters string) string {
	rf := c.replication()
	listeners := fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", n.port, n.ctrlPort)
	advertised := fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", n.port)
	protocols := "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
	if n.saslPort != 0 {
		sasl := fmt.Sprintf(",SASL_SSL://127.0.0.1:%d", n.saslPort)
		listeners, advertised, protocols = listeners+sasl, advertised+sasl, protocols+",SASL_SSL:SASL_SSL"
	}
	kv := [][2]string{
		{"process.roles", "broker,controller"},
		{"node.id", fmt.Sprint(n.id)},
		{"controller.quorum.voters", voters},
		{"listeners", listeners},
		{"advertised.listeners", advertised},
		{"controller.listener.names", "CONTROLLER"},
		{"inter.broker.listener.name", "PLAINTEXT"},
		{"listener.security.protocol.map", protocols},
		{"log.dirs", filepath.Join(n.dir, "data")},
		{"num.partitions", fmt.Sprint(c.o.Partitions)},
		{"default.replication.factor", fmt.Sprint(rf)},
		{"min.insync.replicas", "1"},
		{"auto.create.topics.enable", "true"},
		{"offsets.topic.replication.factor", fmt.Sprint(rf)},
		{"offsets.topic.num.partitions", "4"},
		{"transaction.state.log.replication.factor", fmt.Sprint(rf)},
		{"transaction.state.log.min.isr", "1"},
		{"transaction.state.log.num.partitions", "2"},
		{"share.coordinator.state.topic.replication.factor", fmt.Sprint(rf)},
		{"share.coordinator.state.topic.min.isr", "1"},
		{"share.coordinator.state.topic.num.partitions", "1"},
		{"group.initial.rebalance.delay.ms", "0"},
		{"group.min.session.timeout.ms", "1000"},
		{"broker.heartbeat.interval.ms", "500"},
		{"broker.session.timeout.ms", "3000"},
		{"replica.lag.time.max.ms", "5000"},
		{"num.network.threads", "2"},
		{"num.io.threads", "2"},
		{"background.threads", "2"},
		{"num.replica.fetchers", "1"},
		{"num.recovery.threads.per.data.dir", "1"},
		{"log.cleaner.threads", "1"},
		{"log.cleaner.dedupe.buffer.size", "8388608"},
		{"unclean.leader.election.enable", "false"},
	}
	kv = append(kv, c.saslSSLProperties()...)
	for _, k := range sortedKeys(c.o.Props) {
		replaced := false
		for i := range kv {
			if kv[i][0] == k {
				kv[i][1], replaced = c.o.Props[k], true
			}
		}
		if !replaced {
			kv = append(kv, [2]string{k, c.o.Props[k]})
		}
	}
	var b strings.Builder
	for _, p := range kv {
		fmt.Fprintf(&b, "%s=%s\n", p[0], p[1])
	}
	return b.String()
}

// keystorePath is the PEM keystore of the SASL_SSL listener: the private key, then the
// certificate chain (Kafka's PEM keystore format).
func (c *Real) keystorePath() string { return filepath.Join(c.dir, "keystore.pem") }

func (c *Real) writeKeystore() error {
	l := c.o.SASLSSL
	if l == nil {
		return nil
	}
	key, err := os.ReadFile(l.KeyFile)
	if err != nil {
		return fmt.Errorf("kafkatest: SASL_SSL key: %w", err)
	}
	cert, err := os.ReadFile(l.CertFile)
	if err != nil {
		return fmt.Errorf("kafkatest: SASL_SSL certificate: %w", err)
	}
	if len(l.Users) == 0 {
		return errors.New("kafkatest: SASL_SSL listener without users")
	}
	if err := os.WriteFile(c.keystorePath(), append(append(key, '\n'), cert...), 0o600); err != nil {
		return fmt.Errorf("kafkatest: %w", err)
	}
	return nil
}

// saslSSLProperties configure the SASL_SSL listener (nothing without one): a PEM keystore and
// truststore, the client-certificate policy, the three mechanisms, and their JAAS login
// modules (PLAIN lists its users; SCRAM reads credentials from the cluster metadata, put there
// by format's --add-scram).
func (c *Real) saslSSLProperties() [][2]string {
	l := c.o.SASLSSL
	if l == nil {
		return nil
	}
	auth := l.ClientAuth
	if auth == "" {
		auth = "requested"
	}
	var plain strings.Builder
	plain.WriteString("org.apache.kafka.common.security.plain.PlainLoginModule required")
	for _, u := range sortedKeys(l.Users) {
		fmt.Fprintf(&plain, " user_%s=\"%s\"", u, l.Users[u])
	}
	plain.WriteString(";")
	const p = "listener.name.sasl_ssl."
	return [][2]string{
		{p + "ssl.keystore.type", "PEM"},
		{p + "ssl.keystore.location", c.keystorePath()},
		{p + "ssl.truststore.type", "PEM"},
		{p + "ssl.truststore.location", l.CAFile},
		{p + "ssl.client.auth", auth},
		{p + "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"},
		{p + "plain.sasl.jaas.config", plain.String()},
		{p + "scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;"},
		{p + "scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;"},
	}
}

// scramArgs are format's --add-scram arguments: every user, with both SCRAM mechanisms.
func (c *Real) scramArgs() []string {
	if c.o.SASLSSL == nil {
		return nil
	}
	var args []string
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
		for _, u := range sortedKeys(c.o.SASLSSL.Users) {
			args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", mech, u, c.o.SASLSSL.Users[u]))
		}
	}
	return args
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

const log4jConfig = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.clients
        level: WARN
      - name: kafka.log.LogCleaner
        level: WARN
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
`

func (c *Real) javaArgs(main string, args ...string) []string {
	return append([]string{
		fmt.Sprintf("-Xmx%dm", c.o.HeapMB), "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-XX:-UsePerfData", "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
		"-Dlog4j2.configurationFile=" + filepath.Join(c.dir, "log4j2.yaml"),
		"-cp", filepath.Join(c.o.Libs, "*"), main,
	}, args...)
}

func (c *Real) format(ctx context.Context, n *realNode) error {
	cmd := exec.CommandContext(ctx, "java", c.javaArgs("kafka.tools.StorageTool", append([]string{"format", "-t", c.clusterID, "-c", n.props}, c.scramArgs()...)...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kafkatest: format node %d storage: %w\n%s", n.id, err, tailLines(string(out), 30))
	}
	return nil
}

func (c *Real) startNode(n *realNode) error {
	logf, err := os.OpenFile(n.logf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("kafkatest: %w", err)
	}
	fmt.Fprintf(logf, "=== kafkatest: starting node %d at %s\n", n.id, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command("java", c.javaArgs("kafka.Kafka", n.props)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group, so Close and KillNode reach the JVM and anything it forks; killed
	// with the test binary if that dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("kafkatest: start node %d: %w", n.id, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	n.cmd, n.done = cmd, done
	return nil
}

// waitReady returns once every running node is registered, the topics exist with a leader for
// every partition, and the group coordinator answers.
func (c *Real) waitReady(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...), kgo.RetryTimeout(5*time.Second))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var last error
	step := func(what string, ok func(context.Context) error) error {
		for {
			if err := c.exited(); err != nil {
				return err
			}
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			last = ok(rctx)
			cancel()
			if last == nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), last)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	want := c.running()
	if err := step(fmt.Sprintf("%d brokers registered", len(want)), func(ctx context.Context) error {
		bs, err := adm.ListBrokers(ctx)
		if err != nil {
			return err
		}
		have := map[int32]bool{}
		for _, b := range bs {
			have[b.NodeID] = true
		}
		for _, id := range want {
			if !have[int32(id)] {
				return fmt.Errorf("broker %d not registered (have %v)", id, bs.NodeIDs())
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if len(c.o.Topics) > 0 {
		if err := step("create topics", func(ctx context.Context) error {
			resps, err := adm.CreateTopics(ctx, int32(c.o.Partitions), int16(c.replication()), nil, c.o.Topics...)
			if err != nil {
				return err
			}
			for _, r := range resps.Sorted() {
				if r.Err != nil && !strings.Contains(r.Err.Error(), "TOPIC_ALREADY_EXISTS") {
					return fmt.Errorf("topic %s: %w", r.Topic, r.Err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := step("topic leaders", func(ctx context.Context) error {
			return c.leadersKnown(ctx, adm, c.o.Topics)
		}); err != nil {
			return err
		}
	}
	// Fetching a group's offsets makes the coordinator of __consumer_offsets answer (and creates
	// that topic), so the first JoinGroup of a test does not wait for it.
	return step("group coordinator", func(ctx context.Context) error {
		resps, err := adm.FetchOffsets(ctx, "kafkatest-ready")
		if err != nil {
			return err
		}
		return resps.Error()
	})
}

func (c *Real) leadersKnown(ctx context.Context, adm *kadm.Client, topics []string) error {
	md, err := adm.Metadata(ctx, topics...)
	if err != nil {
		return err
	}
	for _, t := range topics {
		td, ok := md.Topics[t]
		if !ok || td.Err != nil {
			return fmt.Errorf("topic %s: not in metadata (%v)", t, td.Err)
		}
		if len(td.Partitions) != c.o.Partitions {
			return fmt.Errorf("topic %s: %d partitions, want %d", t, len(td.Partitions), c.o.Partitions)
		}
		for _, p := range td.Partitions {
			if p.Err != nil || p.Leader < 0 {
				return fmt.Errorf("topic %s partition %d: no leader (%v)", t, p.Partition, p.Err)
			}
		}
	}
	return nil
}

// running lists the ids of nodes whose process is alive.
func (c *Real) running() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []int
	for _, n := range c.nodes {
		if n.cmd != nil && !isClosed(n.done) {
			ids = append(ids, n.id)
		}
	}
	return ids
}

// exited reports a node that should be running but died (a bad config, a port taken).
func (c *Real) exited() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.cmd != nil && isClosed(n.done) {
			return fmt.Errorf("node %d: %w: %v", n.id, errNodeExited, n.cmd.ProcessState)
		}
	}
	return nil
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Brokers returns the bootstrap addresses of all nodes (dead ones included: clients skip them).
func (c *Real) Brokers() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = fmt.Sprintf("127.0.0.1:%d", n.port)
	}
	return out
}

// SASLSSLBrokers returns the bootstrap addresses of the SASL_SSL listener of all nodes (nil
// without RealOptions.SASLSSL).
func (c *Real) SASLSSLBrokers() []string {
	if c.o.SASLSSL == nil {
		return nil
	}
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = fmt.Sprintf("127.0.0.1:%d", n.saslPort)
	}
	return out
}

// Nodes is the number of nodes.
func (c *Real) Nodes() int { return len(c.nodes) }

// Dir is the directory of the nodes' configuration, data and logs.
func (c *Real) Dir() string { return c.dir }

// KillNode kills node i (1-based) with SIGKILL and waits until its process is gone.
func (c *Real) KillNode(i int) error {
	c.mu.Lock()
	if i < 1 || i > len(c.nodes) {
		c.mu.Unlock()
		return fmt.Errorf("kafkatest: no node %d", i)
	}
	n := c.nodes[i-1]
	cmd, done := n.cmd, n.done
	n.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("kafkatest: node %d is not running", i)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("kafkatest: node %d (pid %d) still alive 30 s after SIGKILL", i, cmd.Process.Pid)
	}
}

// RestartNode starts node i again on its ports and data, and waits until it is registered
// with the controller again (its partitions then catch up and rejoin the ISR by themselves).
func (c *Real) RestartNode(ctx context.Context, i int) error {
	c.mu.Lock()
	if i < 1 || i > len(c.nodes) {
		c.mu.Unlock()
		return fmt.Errorf("kafkatest: no node %d", i)
	}
	n := c.nodes[i-1]
	if n.cmd != nil {
		c.mu.Unlock()
		return fmt.Errorf("kafkatest: node %d is running", i)
	}
	err := c.startNode(n)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, c.o.StartTimeout)
	defer cancel()
	if err := c.waitReady(sctx); err != nil {
		return fmt.Errorf("kafkatest: node %d not back: %w\n%s", i, err, c.LogTails(30))
	}
	return nil
}

// Leaders returns the leader node of every partition of topic, by partition.
func (c *Real) Leaders(ctx context.Context, topic string) (map[int32]int32, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers()...))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	md, err := kadm.NewClient(cl).Metadata(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := map[int32]int32{}
	for _, p := range md.Topics[topic].Partitions {
		out[p.Partition] = p.Leader
	}
	return out, nil
}

// LogTails returns the last n lines of every node's log, each under a header.
func (c *Real) LogTails(n int) string {
	var b strings.Builder
	for _, nd := range c.nodes {
		fmt.Fprintf(&b, "--- kafka node %d log (%s), last %d lines:\n", nd.id, nd.logf, n)
		data, err := os.ReadFile(nd.logf)
		if err != nil {
			fmt.Fprintf(&b, "(%v)\n", err)
			continue
		}
		b.WriteString(tailLines(string(data), n))
	}
	return b.String()
}

// Produce writes records synchronously with a franz-go client (acks from all in-sync replicas).
func (c *Real) Produce(ctx context.Context, recs ...*kgo.Record) error {
	return produce(ctx, c.Brokers(), recs...)
}

// Close kills every node (process group, SIGKILL: the data is thrown away) and removes the
// directory if Start created it.
func (c *Real) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	var dones []chan struct{}
	for _, n := range c.nodes {
		if n.cmd != nil {
			_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
			dones = append(dones, n.done)
			n.cmd = nil
		}
	}
	c.mu.Unlock()
	for _, d := range dones {
		select {
		case <-d:
		case <-time.After(30 * time.Second):
		}
	}
	if c.ownDir {
		_ = os.RemoveAll(c.dir)
	}
}

func tailLines(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("kafkatest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LibsDir returns the directory of Apache Kafka's jars: $PROFILESTREAM_KAFKA_LIBS if set, else
// what `scripts/kafka.sh libs` prints (it resolves them with Maven into a cache on first use).
// The error says plainly what failed: a test that asked for real Kafka must fail, not skip.
func LibsDir(ctx context.Context) (string, error) {
	if d := os.Getenv("PROFILESTREAM_KAFKA_LIBS"); d != "" {
		return d, nil
	}
	script, err := findScript()
	if err != nil {
		return "", err
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var stderr strings.Builder
	cmd := exec.CommandContext(cctx, script, "libs")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kafkatest: real Apache Kafka requested but its jars could not be resolved (%s libs: %w):\n%s",
			script, err, tailLines(stderr.String(), 30))
	}
	return strings.TrimSpace(string(out)), nil
}

// findScript locates scripts/kafka.sh in the enclosing module (tests run in package dirs).
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			s := filepath.Join(dir, "scripts", "kafka.sh")
			if _, err := os.Stat(s); err != nil {
				return "", fmt.Errorf("kafkatest: real Apache Kafka requested but %s is missing: %w", s, err)
			}
			return s, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kafkatest: real Apache Kafka requested but scripts/kafka.sh not found above the working directory; set PROFILESTREAM_KAFKA_LIBS")
		}
		dir = parent
	}
}
