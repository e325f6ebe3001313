// Package consumer reads the input topics as a member of a Kafka consumer group and feeds the
// pipeline in micro-batches.
//
// Three ideas carry it. A generation is one period of stable partition ownership in the group:
// when a worker joins or leaves, the generation ends, every member stops reading, and the
// partitions are dealt out again; messages read but not committed in the old generation are
// delivered again in the new one. A micro-batch is a run of messages, bounded in size and in
// time, that travels through the stages together, so that each stage does one round trip per
// batch instead of one per event. A commit records, per partition, where a restarted reader
// should begin; here it serves restart and monitoring only, because the profile store skips
// redelivered events by itself (exactly-once folding with per-partition watermarks), so a lost
// or late commit costs a little re-reading and never a double count.
//
// The stages are connected by bounded queues: fetch -> batch -> prepare (decode, privacy,
// encode) -> apply (profile store, segments, dead letters) -> commit. When a later stage slows
// down, the queues fill and fetching waits, so memory stays bounded by the queue sizes.
//
// Malformed messages never stop the worker: each goes unchanged to the dead-letter topic with
// the reason and its origin in headers, is counted, and its offset is committed with the batch.
package consumer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/retry"
)

// Config configures a Consumer. Zero fields take the documented defaults.
type Config struct {
	Brokers []string
	// Group is the consumer group id (default "profilestream"). Workers with the same group share
	// the partitions; more workers than partitions leaves some idle.
	Group string
	// ClicksTopic, ReviewsTopic and ErasureTopic name the input topics (defaults "clicks",
	// "reviews", "erasure"; an empty name means the default). ErasureTopic "-" disables erasure
	// intake: the worker then consumes no erasure topic, and erasure goes through
	// `streamer forget` only.
	ClicksTopic, ReviewsTopic, ErasureTopic string
	// DLQTopic receives malformed messages (default "profilestream.dlq").
	DLQTopic string
	// BatchSize bounds a micro-batch in messages (default 256). Larger batches amortize round trips
	// and encoder calls; smaller ones cut latency and the work redone after a crash.
	BatchSize int
	// BatchTimeout closes a batch that is not full after this long (default 200 ms).
	BatchTimeout time.Duration
	// QueueBatches is the capacity of each queue between stages, in batches (default 2). Memory is
	// bounded by about (2*QueueBatches+3) * BatchSize messages.
	QueueBatches int
	// Limits bound message and field sizes (see Limits).
	Limits Limits
	// SessionTimeout is how long the coordinator waits without a heartbeat before it evicts a
	// member and moves its partitions (default 6 s, the smallest Apache Kafka accepts by
	// default, group.min.session.timeout.ms). It bounds how fast a SIGKILLed worker's
	// partitions move: about SessionTimeout + HeartbeatInterval + one rejoin.
	SessionTimeout time.Duration
	// RebalanceTimeout is how long the coordinator waits for every member to rejoin during a
	// rebalance before it evicts the missing ones, and how long a member that joined may take to
	// sync (default 4 s). Live workers rejoin within about a heartbeat interval; a worker killed
	// while it joins holds partitions in the new generation until this expires (or its session
	// does, if sooner), so it bounds recovery under back-to-back faults (docs/operations.md).
	RebalanceTimeout time.Duration
	// HeartbeatInterval is how often a member heartbeats; survivors learn of a rebalance at
	// their next heartbeat (default 1 s; must be well below SessionTimeout).
	HeartbeatInterval time.Duration
	// JoinGroupBackoff is the pause before joining again after a failed join (default 500 ms).
	JoinGroupBackoff time.Duration
	// ClientID names this worker to the brokers (default "profilestream-<host>-<pid>"); the
	// coordinator reports it as the member's client id, so `streamer lag` and the stall
	// watchdog can tell which process owns a partition.
	ClientID string
	// DialFunc, when set, opens the TCP connections of the group and the readers (a proxy, or
	// a test that cuts a worker's connections as a SIGKILL would).
	DialFunc func(ctx context.Context, network, address string) (net.Conn, error)
	// KafkaDebug routes kafka-go's own informational log lines (joins, syncs, assignments,
	// heartbeats) to the logger at debug level. kafka-go's errors are always logged at warn.
	KafkaDebug bool
	// Retry is the backoff policy for broker faults (DLQ writes, commits).
	Retry retry.Policy
	// Dialer connects the group and the partition readers: TLS and SASL come through it
	// (internal/secure). nil = plaintext.
	Dialer *kafka.Dialer
	// ProducerOpts are franz-go client options of the dead-letter producer: TLS and SASL
	// (internal/secure's FranzOpts).
	ProducerOpts []kgo.Opt
}

func (c *Config) defaults() {
	if c.Group == "" {
		c.Group = "profilestream"
	}
	if c.ClicksTopic == "" {
		c.ClicksTopic = "clicks"
	}
	if c.ReviewsTopic == "" {
		c.ReviewsTopic = "reviews"
	}
	if c.ErasureTopic == "" {
		c.ErasureTopic = "erasure"
	}
	if c.DLQTopic == "" {
		c.DLQTopic = "profilestream.dlq"
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.BatchTimeout <= 0 {
		c.BatchTimeout = 200 * time.Millisecond
	}
	if c.QueueBatches <= 0 {
		c.QueueBatches = 2
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 6 * time.Second
	}
	if c.RebalanceTimeout <= 0 {
		c.RebalanceTimeout = DefaultRebalanceTimeout
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = time.Second
		if third := c.SessionTimeout / 3; third < c.HeartbeatInterval {
			c.HeartbeatInterval = third
		}
	}
	if c.JoinGroupBackoff <= 0 {
		c.JoinGroupBackoff = 500 * time.Millisecond
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID()
	}
}

// DefaultRebalanceTimeout is Config.RebalanceTimeout's default. Measured with
// TestChaosBackToBack (docs/operations.md, "Recovery after a crash"): 4 s instead of 10 s
// took the worst recovery from a kill during a rebalance from 12.4 s to 8.5 s.
const DefaultRebalanceTimeout = 4 * time.Second

// Topics returns the input topics the consumer subscribes to.
func (c Config) Topics() []string {
	c.defaults()
	t := []string{c.ClicksTopic, c.ReviewsTopic}
	if c.ErasureTopic != "-" {
		t = append(t, c.ErasureTopic)
	}
	return t
}

// Handler is the rest of the pipeline, seen from the consumer.
type Handler interface {
	// Prepare does the CPU work of a batch (pseudonymize, scrub, encode). It runs for batch n+1
	// while Apply runs for batch n.
	Prepare(ctx context.Context, b *Batch) error
	// Apply makes the batch durable (profiles, segments). It retries transient faults itself and
	// returns an error only when ctx ends or on a fault that retrying cannot fix.
	Apply(ctx context.Context, b *Batch) error
}

// Rejected is a malformed message on its way to the dead-letter topic.
type Rejected struct {
	Msg       kafka.Message
	Rejection *Rejection
}

// Batch is one micro-batch. Events and Erasures are in offset order per partition.
type Batch struct {
	Events   []event.Event
	Erasures []Erasure
	Rejected []Rejected
	// Consumed counts the batch's messages per topic.
	Consumed map[string]int

	commits []commit
}

// Size is the number of messages in the batch.
func (b *Batch) Size() int { return len(b.Events) + len(b.Erasures) + len(b.Rejected) }

type commit struct {
	gen       *kafka.Generation
	topic     string
	partition int
	next      int64
}

type fetched struct {
	msg kafka.Message
	gen *kafka.Generation
}

// Consumer is one worker's membership in the group.
type Consumer struct {
	cfg     Config
	h       Handler
	m       *metrics.Metrics
	log     zerolog.Logger
	roles   map[string]TopicRole
	dlq     *kgo.Client
	parts   atomic.Int64
	paused  atomic.Bool
	stats   Stats
	statsMu sync.Mutex

	rejoin        chan string
	memberMu      sync.Mutex
	member        string
	applyingSince atomic.Int64 // unix ns when the batch in apply entered it; 0 = idle
	commits       commitHealth
}

// commitHealth tracks a run of failed offset commits: the time of the first failure since the
// last successful commit or the last new generation (0 = none). A generation starts the run
// over, so a worker whose partitions are idle after a rebalance (nothing to commit) is not
// read as failing.
type commitHealth struct{ failingSince atomic.Int64 }

func (h *commitHealth) failed(now time.Time) { h.failingSince.CompareAndSwap(0, now.UnixNano()) }
func (h *commitHealth) reset()               { h.failingSince.Store(0) }

// failingFor is how long commits have failed without a success or a new generation.
func (h *commitHealth) failingFor(now time.Time) time.Duration {
	t := h.failingSince.Load()
	if t == 0 {
		return 0
	}
	return now.Sub(time.Unix(0, t))
}

// Stats are running totals, for progress lines and tests.
type Stats struct {
	Consumed     int64
	Processed    int64
	DeadLettered int64
	Erasures     int64
	Batches      int64
	Generations  int64
}

// New builds a consumer. m may be nil (no metrics).
func New(cfg Config, h Handler, m *metrics.Metrics, log zerolog.Logger) (*Consumer, error) {
	cfg.defaults()
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("consumer: no brokers configured")
	}
	if m == nil {
		m = metrics.New(nil)
	}
	c := &Consumer{cfg: cfg, h: h, m: m, log: log, rejoin: make(chan string, 1),
		roles: map[string]TopicRole{cfg.ClicksTopic: RoleClicks, cfg.ReviewsTopic: RoleReviews}}
	if cfg.ErasureTopic != "-" {
		c.roles[cfg.ErasureTopic] = RoleErasure
	}
	gc := c.groupConfig()
	if err := gc.Validate(); err != nil {
		return nil, fmt.Errorf("consumer: group %s: %w", cfg.Group, err)
	}
	// The dead-letter producer is franz-go's idempotent client: a batch retried through a
	// broker death or a leader move is written once, and a record is reported failed only when
	// it did not land. Messages keep their original key (or topic/partition), so the hash
	// partitioner keeps one origin partition's dead letters in order.
	dlq, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		kgo.DefaultProduceTopic(cfg.DLQTopic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowAutoTopicCreation(),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RecordDeliveryTimeout(2 * time.Minute),
		kgo.WithLogger(FranzLogger(log, "dlq-writer", cfg.KafkaDebug)),
	}, cfg.ProducerOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("consumer: dead-letter producer: %w", err)
	}
	c.dlq = dlq
	return c, nil
}

// Group is the consumer group id.
func (c *Consumer) Group() string { return c.cfg.Group }

// AssignedPartitions is the number of partitions this worker owns now.
func (c *Consumer) AssignedPartitions() int { return int(c.parts.Load()) }

// Stats returns a copy of the running totals.
func (c *Consumer) Stats() Stats {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	return c.stats
}

// Pause stops fetching (the group membership stays) until Resume; for tests and operators.
func (c *Consumer) Pause()  { c.paused.Store(true) }
func (c *Consumer) Resume() { c.paused.Store(false) }

// Run consumes until ctx ends, then finishes the batches in flight, commits them and leaves
// the group. It returns nil after a clean shutdown. When a stage fails with an error it cannot
// retry away, Run stops fetching at once, leaves the group and returns that error.
func (c *Consumer) Run(ctx context.Context) error {
	defer c.dlq.Close()

	// stop ends fetching: on shutdown (ctx) or after a stage error; the stages then drain.
	// work is the context of the stages: it outlives a shutdown so the last batches are written
	// and committed, and a stage error cancels it.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	stop := fetchCtx.Done()

	fetchQ := make(chan fetched, c.cfg.BatchSize)
	prepQ := make(chan *Batch, c.cfg.QueueBatches)
	applyQ := make(chan *Batch, c.cfg.QueueBatches)
	stageErr := make(chan error, 3)
	fail := func(err error) {
		stageErr <- err
		cancelWork()
		stopFetch()
	}

	var stages sync.WaitGroup
	stages.Add(3)
	go func() { defer stages.Done(); defer close(prepQ); c.batcher(fetchQ, prepQ, stop) }()
	go func() {
		defer stages.Done()
		defer close(applyQ)
		for b := range prepQ {
			c.m.StageQueueDepth.WithLabelValues("prepare").Set(float64(len(prepQ)))
			if err := c.h.Prepare(work, b); err != nil {
				fail(fmt.Errorf("prepare: %w", err))
				for range prepQ {
				}
				return
			}
			applyQ <- b
		}
	}()
	go func() {
		defer stages.Done()
		for b := range applyQ {
			c.m.StageQueueDepth.WithLabelValues("apply").Set(float64(len(applyQ)))
			c.applyingSince.Store(time.Now().UnixNano())
			err := c.apply(work, b)
			c.applyingSince.Store(0)
			if err != nil {
				fail(fmt.Errorf("apply: %w", err))
				for range applyQ {
				}
				return
			}
		}
	}()

	// One membership per iteration: the watchdog may ask to leave and join again (Rejoin).
	var readers sync.WaitGroup
	var group *kafka.ConsumerGroup
	var err error
	for fetchCtx.Err() == nil {
		group, err = kafka.NewConsumerGroup(c.groupConfig())
		if err != nil {
			fail(fmt.Errorf("consumer: group %s: %w", c.cfg.Group, err))
			break
		}
		reason := c.membership(fetchCtx, group, stop, fetchQ, &readers)
		if fetchCtx.Err() != nil {
			break // keep the membership: the final commits go through it
		}
		c.log.Warn().Str("group", c.cfg.Group).Str("reason", reason).Msg("leaving the consumer group to join again")
		c.setMember("")
		c.parts.Store(0)
		c.m.AssignedPartitions.Set(0)
		_ = group.Close() // LeaveGroup: the coordinator rebalances without waiting for our session to expire
		group = nil
	}
	// Shutdown: readers stopped sending on stop; the batcher flushes and the stages drain while
	// the generation is still alive, so the final commits are accepted. Then leave the group.
	c.log.Info().Msg("shutting down: finishing batches in flight")
	stages.Wait()
	close(stageErr)
	err = <-stageErr
	c.parts.Store(0)
	c.m.AssignedPartitions.Set(0)
	c.setMember("")
	if group != nil {
		_ = group.Close()
	}
	readers.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// membership runs the generations of one group membership until ctx ends (shutdown or stage
// error; it returns "") or a rejoin is requested (it returns the reason).
func (c *Consumer) membership(ctx context.Context, group *kafka.ConsumerGroup, stop <-chan struct{}, fetchQ chan<- fetched, readers *sync.WaitGroup) string {
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reasonCh := make(chan string, 1)
	go func() {
		select {
		case r := <-c.rejoin:
			reasonCh <- r
			cancel()
		case <-mctx.Done():
		}
	}()
	genErr := false
	for {
		gen, err := group.Next(mctx)
		if err != nil {
			if mctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				break
			}
			if !genErr {
				c.log.Warn().Err(err).Str("group", c.cfg.Group).Msg("joining consumer group failed; retrying")
				genErr = true
			}
			select {
			case <-mctx.Done():
			case <-time.After(c.cfg.JoinGroupBackoff):
			}
			continue
		}
		if genErr {
			c.log.Info().Str("group", c.cfg.Group).Msg("consumer group joined again")
			genErr = false
		}
		c.m.Rebalances.Inc()
		c.commits.reset()
		c.setMember(gen.MemberID)
		n := 0
		for topic, parts := range gen.Assignments {
			for _, p := range parts {
				n++
				topic, p := topic, p
				readers.Add(1)
				gen.Start(func(gctx context.Context) {
					defer readers.Done()
					c.readPartition(gctx, stop, gen, topic, p, fetchQ)
				})
			}
		}
		c.parts.Store(int64(n))
		c.m.AssignedPartitions.Set(float64(n))
		c.statsMu.Lock()
		c.stats.Generations++
		c.statsMu.Unlock()
		c.log.Info().Int32("generation", gen.ID).Str("member", gen.MemberID).Int("partitions", n).Msg("partitions assigned")
		if n == 0 {
			// Nothing to read in this generation; wait for the next one (or shutdown) while
			// keeping the generation alive.
			gen.Start(func(gctx context.Context) {
				select {
				case <-gctx.Done():
				case <-stop:
					<-gctx.Done()
				}
			})
		}
	}
	select {
	case r := <-reasonCh:
		if ctx.Err() == nil {
			return r
		}
	default:
	}
	return ""
}

// Rejoin asks the consumer to leave the group and join again, which makes the coordinator
// rebalance: partitions held by a member that is gone or wedged move to live members once it
// fails to rejoin within the rebalance timeout. It returns false when a rejoin is already
// pending. The stall watchdog calls it.
func (c *Consumer) Rejoin(reason string) bool {
	select {
	case c.rejoin <- reason:
		return true
	default:
		return false
	}
}

// MemberID is this worker's member id in the current generation ("" when not a member).
func (c *Consumer) MemberID() string {
	c.memberMu.Lock()
	defer c.memberMu.Unlock()
	return c.member
}

func (c *Consumer) setMember(id string) {
	c.memberMu.Lock()
	c.member = id
	c.memberMu.Unlock()
}

// ApplyingFor is how long the batch now in the apply stage has been there (0 when the stage is
// idle). A long time means the pipeline is blocked downstream (Redis), not in Kafka.
func (c *Consumer) ApplyingFor() time.Duration {
	t := c.applyingSince.Load()
	if t == 0 {
		return 0
	}
	return time.Since(time.Unix(0, t))
}

// readPartition fetches one partition of one generation into fetchQ. On stop it stops
// sending but keeps the generation alive until the group closes it, so that the batches in
// flight can still be committed.
func (c *Consumer) readPartition(gctx context.Context, stop <-chan struct{}, gen *kafka.Generation, topic string, p kafka.PartitionAssignment, out chan<- fetched) {
	rctx, cancel := context.WithCancel(gctx)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-rctx.Done():
		}
	}()
	logger, errLogger := KafkaLoggers(c.log, "reader", c.cfg.KafkaDebug)
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     c.cfg.Brokers,
		Dialer:      c.dialer(),
		Topic:       topic,
		Partition:   p.ID,
		MinBytes:    1,
		MaxBytes:    8 << 20,
		MaxWait:     250 * time.Millisecond,
		Logger:      logger,
		ErrorLogger: errLogger,
	})
	defer r.Close()
	if err := r.SetOffset(p.Offset); err != nil {
		c.log.Error().Err(err).Str("topic", topic).Int("partition", p.ID).Msg("set offset")
	}
	failing := false
	// expect is the next offset this partition should deliver: the committed offset, then one
	// past each message. A message past it means offsets were skipped (see checkGap).
	expect := p.Offset
	for rctx.Err() == nil {
		for c.paused.Load() && rctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		m, err := r.FetchMessage(rctx)
		if err != nil {
			if rctx.Err() != nil {
				break
			}
			if !failing {
				c.log.Warn().Err(err).Str("topic", topic).Int("partition", p.ID).Msg("fetch failing; retrying")
				failing = true
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if failing {
			c.log.Info().Str("topic", topic).Int("partition", p.ID).Msg("fetch recovered")
			failing = false
		}
		if expect >= 0 && m.Offset > expect {
			c.checkGap(rctx, topic, p.ID, expect, m.Offset)
		}
		expect = m.Offset + 1
		select {
		case out <- fetched{msg: m, gen: gen}:
		case <-rctx.Done():
		}
	}
	select {
	case <-stop:
		<-gctx.Done() // hold the generation until the group closes
	default:
	}
}

// checkGap is called when a partition delivers offset got where it should have delivered
// want. Offsets can be absent legitimately (transaction markers, compaction), but when the log
// now starts past want, the records from want on were deleted (by retention, or
// DeleteRecords) before this group processed them, and kafka-go's reader silently moved to the
// log start: that is data loss, logged at error with the range and counted in
// consumer_skipped_offsets_total.
func (c *Consumer) checkGap(ctx context.Context, topic string, partition int, want, got int64) {
	start, err := c.logStart(ctx, topic, partition)
	if err != nil {
		c.log.Warn().Err(err).Str("topic", topic).Int("partition", partition).Int64("expected_offset", want).Int64("offset", got).
			Msg("offsets skipped; could not read the log start to tell deleted records from transaction markers")
		return
	}
	if start <= want {
		return // a gap inside the log: transaction markers or compaction, nothing lost
	}
	to := min(start, got) // first offset not lost
	n := to - want
	c.m.SkippedOffsets.WithLabelValues(topic).Add(float64(n))
	c.log.Error().Str("topic", topic).Int("partition", partition).Int64("skipped_from", want).Int64("skipped_to", to-1).
		Int64("skipped", n).Int64("log_start", start).Str("group", c.cfg.Group).
		Msg("records deleted before they were processed (retention or DeleteRecords ran ahead of the group): offsets skipped, their events are lost to the profiles")
}

// logStart reads the first offset of a partition from its leader.
func (c *Consumer) logStart(ctx context.Context, topic string, partition int) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var last error
	for _, b := range c.cfg.Brokers {
		conn, err := c.dialer().DialLeader(ctx, "tcp", b, topic, partition)
		if err != nil {
			last = err
			continue
		}
		first, err := conn.ReadFirstOffset()
		conn.Close()
		if err == nil {
			return first, nil
		}
		last = err
	}
	return 0, fmt.Errorf("consumer: log start of %s/%d: %w", topic, partition, last)
}

// batcher cuts the fetched stream into batches bounded by size and time and decodes them.
func (c *Consumer) batcher(in <-chan fetched, out chan<- *Batch, stop <-chan struct{}) {
	var cur *Batch
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if cur == nil || cur.Size() == 0 {
			return
		}
		c.m.BatchSize.Observe(float64(cur.Size()))
		out <- cur
		cur = nil
	}
	for {
		select {
		case f := <-in:
			if cur == nil {
				cur = &Batch{Consumed: map[string]int{}}
				timer.Reset(c.cfg.BatchTimeout)
			}
			c.add(cur, f)
			if cur.Size() >= c.cfg.BatchSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		case <-stop:
			// Take what the readers already handed over, then flush and end.
			for {
				select {
				case f := <-in:
					if cur == nil {
						cur = &Batch{Consumed: map[string]int{}}
					}
					c.add(cur, f)
					if cur.Size() >= c.cfg.BatchSize {
						flush()
					}
					continue
				default:
				}
				break
			}
			flush()
			return
		}
	}
}

func (c *Consumer) add(b *Batch, f fetched) {
	m := f.msg
	b.Consumed[m.Topic]++
	c.m.EventsConsumed.WithLabelValues(m.Topic).Inc()
	origin := event.Origin{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}
	role, ok := c.roles[m.Topic]
	var ev event.Event
	var er Erasure
	var rej *Rejection
	if !ok {
		rej = reject(ReasonUnknownTopic, "topic has no role")
	} else {
		ev, er, rej = Decode(role, m.Value, m.Time, c.cfg.Limits)
	}
	switch {
	case rej != nil:
		b.Rejected = append(b.Rejected, Rejected{Msg: m, Rejection: rej})
	case role == RoleErasure:
		er.Origin = origin
		b.Erasures = append(b.Erasures, er)
	default:
		ev.Origin = origin
		b.Events = append(b.Events, ev)
	}
	// The commit position of a partition is the last message's offset + 1, per generation.
	for i := range b.commits {
		cm := &b.commits[i]
		if cm.gen == f.gen && cm.topic == m.Topic && cm.partition == m.Partition {
			if m.Offset+1 > cm.next {
				cm.next = m.Offset + 1
			}
			return
		}
	}
	b.commits = append(b.commits, commit{gen: f.gen, topic: m.Topic, partition: m.Partition, next: m.Offset + 1})
}

// apply writes the batch (handler), its dead letters, and commits its offsets.
func (c *Consumer) apply(ctx context.Context, b *Batch) error {
	start := time.Now()
	if err := c.h.Apply(ctx, b); err != nil {
		return err
	}
	if len(b.Rejected) > 0 {
		// Produced once: a retry here (after the delivery timeout) sends only the records
		// that did not land, so no dead letter is written twice.
		pending := make([]*kgo.Record, len(b.Rejected))
		for i, r := range b.Rejected {
			pending[i] = franzRecord(DeadLetter(r.Msg, r.Rejection))
		}
		err := retry.Do(ctx, c.cfg.Retry, &c.log, "dlq write", nil, func(ctx context.Context) error {
			res := c.dlq.ProduceSync(ctx, pending...)
			left := pending[:0]
			var first error
			for _, r := range res {
				if r.Err != nil {
					left = append(left, r.Record)
					first = cmp.Or(first, r.Err)
				}
			}
			pending = left
			return first
		})
		if err != nil {
			return fmt.Errorf("dead-letter write: %w", err)
		}
		for _, r := range b.Rejected {
			c.m.EventsDeadLettered.WithLabelValues(r.Msg.Topic, string(r.Rejection.Reason)).Inc()
			c.log.Warn().Str("topic", r.Msg.Topic).Int("partition", r.Msg.Partition).Int64("offset", r.Msg.Offset).
				Str("reason", string(r.Rejection.Reason)).Str("detail", r.Rejection.Detail).Msg("dead-lettered")
		}
	}
	c.commit(b)
	c.m.BatchDuration.Observe(time.Since(start).Seconds())
	c.statsMu.Lock()
	c.stats.Consumed += int64(b.Size())
	c.stats.Processed += int64(len(b.Events))
	c.stats.DeadLettered += int64(len(b.Rejected))
	c.stats.Erasures += int64(len(b.Erasures))
	c.stats.Batches++
	c.statsMu.Unlock()
	return nil
}

// commit commits per generation. A commit from an ended generation is refused by the broker:
// that is expected after a rebalance (the new owner re-reads, the store skips duplicates) and
// only counted.
func (c *Consumer) commit(b *Batch) {
	byGen := map[*kafka.Generation]map[string]map[int]int64{}
	for _, cm := range b.commits {
		g := byGen[cm.gen]
		if g == nil {
			g = map[string]map[int]int64{}
			byGen[cm.gen] = g
		}
		if g[cm.topic] == nil {
			g[cm.topic] = map[int]int64{}
		}
		g[cm.topic][cm.partition] = cm.next
	}
	for gen, offs := range byGen {
		if err := gen.CommitOffsets(offs); err != nil {
			c.commits.failed(time.Now())
			c.m.CommitErrors.Inc()
			c.log.Info().Err(err).Int32("generation", gen.ID).Str("group", c.cfg.Group).
				Msg("offset commit refused or failed, not retried (the next batch's commit supersedes it; after a rebalance the new owner re-reads and the store skips duplicates)")
		} else {
			c.commits.reset()
		}
	}
}

// CommitsFailing reports whether offset commits have failed for longer than the rebalance
// timeout without a successful commit or a new generation in between, and for how long. That
// is longer than any rebalance takes: the group coordinator died or moved and the group has
// not found it again, so the worker's progress is not being recorded. The worker's /readyz
// reports it.
func (c *Consumer) CommitsFailing() (bool, time.Duration) {
	d := c.commits.failingFor(time.Now())
	return d > c.cfg.RebalanceTimeout, d
}

// DLQ header names. The message value and key are the original bytes, unchanged.
const (
	HeaderReason    = "dlq.reason"
	HeaderDetail    = "dlq.detail"
	HeaderTopic     = "dlq.origin.topic"
	HeaderPartition = "dlq.origin.partition"
	HeaderOffset    = "dlq.origin.offset"
	HeaderTime      = "dlq.origin.timestamp"
)

// franzRecord converts a dead-letter message for the franz-go producer (topic: the client's
// default produce topic, Config.DLQTopic).
func franzRecord(m kafka.Message) *kgo.Record {
	r := &kgo.Record{Key: m.Key, Value: m.Value, Headers: make([]kgo.RecordHeader, len(m.Headers))}
	for i, h := range m.Headers {
		r.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
	}
	return r
}

// DeadLetter builds the dead-letter message for a rejected message: original key, value and
// headers, plus the reason and the origin.
func DeadLetter(m kafka.Message, r *Rejection) kafka.Message {
	h := append([]kafka.Header(nil), m.Headers...)
	h = append(h,
		kafka.Header{Key: HeaderReason, Value: []byte(r.Reason)},
		kafka.Header{Key: HeaderDetail, Value: []byte(r.Detail)},
		kafka.Header{Key: HeaderTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderPartition, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
		kafka.Header{Key: HeaderTime, Value: []byte(m.Time.UTC().Format(time.RFC3339Nano))},
	)
	key := m.Key
	if len(key) == 0 {
		key = []byte(m.Topic + "/" + strconv.Itoa(m.Partition))
	}
	return kafka.Message{Key: key, Value: m.Value, Headers: h}
}
