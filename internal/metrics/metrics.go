// Package metrics holds every Prometheus series the worker exports, in one struct.
//
// There is no global registry: New registers the series on the Registerer it is given, so a
// test can build a private registry, and two workers in one process (as in tests) do not
// collide. Names follow the Prometheus conventions: the profilestream_ prefix, base units in
// the name (_seconds, _bytes), and _total on counters. The lint test checks them.
//
// Labels never carry a user id, a pseudonym or any text: only topics, partitions, reasons,
// PII types, operations and segment ids, so cardinality stays bounded.
package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics is the set of series of one worker.
type Metrics struct {
	EventsConsumed     *prometheus.CounterVec // {topic}
	EventsProcessed    *prometheus.CounterVec // {topic}
	EventsDeadLettered *prometheus.CounterVec // {topic, reason}
	EventsDuplicate    *prometheus.CounterVec // {topic}: redeliveries skipped by the exactly-once watermark
	EventsErased       *prometheus.CounterVec // {topic}: events of erased users refused at ingestion
	Erasures           prometheus.Counter

	BatchSize       prometheus.Histogram
	BatchDuration   prometheus.Histogram
	StageQueueDepth *prometheus.GaugeVec // {stage}

	EncodeDuration      prometheus.Histogram
	EncodedTexts        prometheus.Counter
	EmbeddingCacheHits  prometheus.Counter
	EmbeddingCacheMiss  prometheus.Counter
	EmbeddingTableHits  prometheus.Counter
	EmbeddingCacheBytes prometheus.Gauge

	RedisDuration *prometheus.HistogramVec // {op}
	RedisErrors   *prometheus.CounterVec   // {op}

	Rebalances         prometheus.Counter
	AssignedPartitions prometheus.Gauge
	CommitErrors       prometheus.Counter
	SkippedOffsets     *prometheus.CounterVec // {topic}

	PIIRedactions *prometheus.CounterVec // {type}

	SegmentMembers  *prometheus.GaugeVec // {segment}
	SegmentChanges  prometheus.Counter
	CentroidVersion prometheus.Gauge

	LagMessages   *prometheus.GaugeVec // {group, topic, partition}
	LagSeconds    *prometheus.GaugeVec // {group, topic, partition}: interpolated time lag, NaN when unknown
	LagMessageAge *prometheus.GaugeVec // {group, topic, partition}: message-timestamp age, NaN when unknown
	LagPollErrors prometheus.Counter

	Ready prometheus.Gauge
}

const ns = "profilestream"

// New creates the series and registers them on reg (which may be nil: then nothing is registered).
func New(reg prometheus.Registerer) *Metrics {
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help})
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help})
	}
	gaugeVec := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	latency := prometheus.ExponentialBuckets(0.0005, 2, 16) // 0.5 ms .. ~16 s
	m := &Metrics{
		EventsConsumed:     counterVec("events_consumed_total", "Kafka messages read from the input topics.", "topic"),
		EventsProcessed:    counterVec("events_processed_total", "Valid events handled by the pipeline: folded, or skipped as a redelivery or as an erased user's.", "topic"),
		EventsDeadLettered: counterVec("events_dead_lettered_total", "Malformed messages written to the dead-letter topic, by reason.", "topic", "reason"),
		EventsDuplicate:    counterVec("events_duplicate_total", "Redelivered events skipped by the exactly-once watermark.", "topic"),
		EventsErased:       counterVec("events_erased_total", "Events of erased users refused at ingestion.", "topic"),
		Erasures:           counter("erasures_total", "Users erased (forget requests applied)."),

		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "batch_size_events",
			Help: "Messages per micro-batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		BatchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "batch_duration_seconds",
			Help: "Time to process one micro-batch through every stage.", Buckets: latency}),
		StageQueueDepth: gaugeVec("stage_queue_batches", "Batches waiting in the bounded queue in front of a stage.", "stage"),

		EncodeDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "encode_duration_seconds",
			Help: "Encoder latency per batch of texts (cache misses only).", Buckets: latency}),
		EncodedTexts:        counter("encoded_texts_total", "Texts run through the transformer (misses of the in-process cache not found in the shared embedding table)."),
		EmbeddingCacheHits:  counter("embedding_cache_hits_total", "Embedding cache hits."),
		EmbeddingCacheMiss:  counter("embedding_cache_misses_total", "Embedding cache misses."),
		EmbeddingTableHits:  counter("embedding_table_hits_total", "Short texts found in the shared embedding table in Redis (encoded by another worker or an earlier start, not by the transformer)."),
		EmbeddingCacheBytes: gauge("embedding_cache_bytes", "Bytes held by the embedding cache."),

		RedisDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "redis_duration_seconds",
			Help: "Latency of one Redis step (a pipeline round trip), by operation.", Buckets: latency}, []string{"op"}),
		RedisErrors: counterVec("redis_errors_total", "Failed Redis steps, by operation (each is retried).", "op"),

		Rebalances:         counter("rebalances_total", "Consumer group generations joined (rebalances)."),
		AssignedPartitions: gauge("assigned_partitions", "Partitions assigned to this worker."),
		CommitErrors:       counter("commit_errors_total", "Kafka offset commits the broker refused or that failed (not retried: the next batch's commit supersedes it; after a rebalance the new owner re-reads and the store skips duplicates)."),
		SkippedOffsets:     counterVec("consumer_skipped_offsets_total", "Offsets of input partitions deleted (retention, DeleteRecords) before the group processed them: events lost to the profiles.", "topic"),

		PIIRedactions: counterVec("pii_redactions_total", "PII spans replaced by a placeholder, by type.", "type"),

		SegmentMembers:  gaugeVec("segment_members", "Users in each segment, as last read from Redis.", "segment"),
		SegmentChanges:  counter("segment_changes_total", "Users that moved to another segment."),
		CentroidVersion: gauge("centroid_version", "Version of the shared centroids this worker uses."),

		LagMessages: gaugeVec("consumer_lag_messages", "Messages between the committed offset and the end offset.", "group", "topic", "partition"),
		LagSeconds: gaugeVec("consumer_lag_seconds",
			"How far behind in time the group is: now minus the interpolated time at which the end offset was the committed offset (NaN when unknown).",
			"group", "topic", "partition"),
		LagMessageAge: gaugeVec("consumer_lag_message_age_seconds",
			"Now minus the timestamp of the first unprocessed message (producer clock; NaN when unknown).",
			"group", "topic", "partition"),
		LagPollErrors: counter("lag_poll_errors_total", "Failed polls of the group's lag from the broker (retried with backoff)."),

		Ready: gauge("ready", "1 when partitions are assigned and Redis is reachable."),
	}
	if reg != nil {
		for _, c := range m.Collectors() {
			reg.MustRegister(c)
		}
	}
	return m
}

// Collectors returns every series, for registration and for the lint test.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.EventsConsumed, m.EventsProcessed, m.EventsDeadLettered, m.EventsDuplicate, m.EventsErased, m.Erasures,
		m.BatchSize, m.BatchDuration, m.StageQueueDepth,
		m.EncodeDuration, m.EncodedTexts, m.EmbeddingCacheHits, m.EmbeddingCacheMiss, m.EmbeddingTableHits, m.EmbeddingCacheBytes,
		m.RedisDuration, m.RedisErrors,
		m.Rebalances, m.AssignedPartitions, m.CommitErrors, m.SkippedOffsets,
		m.PIIRedactions,
		m.SegmentMembers, m.SegmentChanges, m.CentroidVersion,
		m.LagMessages, m.LagSeconds, m.LagMessageAge, m.LagPollErrors,
		m.Ready,
	}
}

// Labels are the label values known at start. Init creates every labelled child with them, so
// that each series exists (at 0) from the first scrape instead of appearing at its first
// increment: dashboards and alerts then see 0, not "no data".
type Labels struct {
	Topics   []string // input topics
	Reasons  []string // dead-letter reasons
	RedisOps []string // Redis operations
	Stages   []string // pipeline stages with a queue in front
	PIITypes []string // PII types of the scrubber
	Segments int      // number of segments (k)
}

// Init creates the children of every labelled series for the known label values (see Labels).
// Label values seen later are still added as they come.
func (m *Metrics) Init(l Labels) {
	for _, t := range l.Topics {
		m.EventsConsumed.WithLabelValues(t)
		m.EventsProcessed.WithLabelValues(t)
		m.EventsDuplicate.WithLabelValues(t)
		m.EventsErased.WithLabelValues(t)
		m.SkippedOffsets.WithLabelValues(t)
		for _, r := range l.Reasons {
			m.EventsDeadLettered.WithLabelValues(t, r)
		}
	}
	for _, op := range l.RedisOps {
		m.RedisErrors.WithLabelValues(op)
		m.RedisDuration.WithLabelValues(op)
	}
	for _, st := range l.Stages {
		m.StageQueueDepth.WithLabelValues(st)
	}
	for _, p := range l.PIITypes {
		m.PIIRedactions.WithLabelValues(p)
	}
	for i := 0; i < l.Segments; i++ {
		m.SegmentMembers.WithLabelValues(strconv.Itoa(i))
	}
}
