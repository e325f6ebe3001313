package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/behavior"
	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/embedtable"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/internal/worker"
	"github.com/profilestream/profilestream/schema"
)

// logFlags are on every command that logs.
type logFlags struct{ format, level string }

func addLogFlags(c *cli.Command) *logFlags {
	f := &logFlags{}
	c.StringVar(&f.format, "log-format", "auto", "log format: json, console, or auto (console on a terminal, JSON otherwise)")
	c.StringVar(&f.level, "log-level", "info", "log level: debug, info, warn, error")
	return f
}

// redisFlags select the Redis deployment.
type redisFlags struct {
	addrs    cli.StringList
	cluster  bool
	password string
	prefix   string
	sec      *secure.RedisConfig
}

func addRedisFlags(c *cli.Command) *redisFlags {
	f := &redisFlags{addrs: cli.StringList{"127.0.0.1:6379"}}
	c.Var(&f.addrs, "redis", "Redis address; several comma-separated addresses (or --redis-cluster) mean Redis Cluster")
	c.BoolVar(&f.cluster, "redis-cluster", false, "treat --redis as a Redis Cluster even with one seed address")
	c.StringVar(&f.password, "redis-password", "", "Redis password (prefer --redis-password-file: a value given here shows in the process list)")
	c.StringVar(&f.prefix, "key-prefix", "ps", "prefix of every Redis key (keys are <prefix>:v1:...; see docs/schema.md)")
	f.sec = secure.AddRedisFlags(c.FlagSet)
	return f
}

// security loads the Redis TLS files and password (see internal/secure).
func (f *redisFlags) security() (*secure.Redis, error) {
	cfg := *f.sec
	cfg.Password = secure.Secret(f.password)
	return secure.NewRedis(cfg)
}

// client connects to Redis and pings it, so that a refused certificate or login fails the
// command at once with a message naming the flag to check (secure.Describe).
func (f *redisFlags) client(ctx context.Context) (redis.UniversalClient, error) {
	sec, err := f.security()
	if err != nil {
		return nil, err
	}
	o := &redis.UniversalOptions{Addrs: f.addrs, IsClusterMode: f.cluster}
	sec.ApplyUniversal(o)
	rdb := redis.NewUniversalClient(o)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, secure.Describe(secure.ServiceRedis, err)
	}
	return rdb, nil
}

// keyFlags locate the pseudonym key ring and say which namespace raw ids belong to.
type keyFlags struct {
	keys, file, namespace string
	nsTopics              cli.StringList
}

func addKeyFlags(c *cli.Command) *keyFlags {
	f := &keyFlags{}
	c.StringVar(&f.namespace, "pseudonym-namespace", "", "pseudonym namespace (tenant or source, [a-z0-9._-]) of raw user ids; empty keeps the pseudonyms made before namespaces\n(changing it is a migration: see docs/privacy.md)")
	c.Var(&f.nsTopics, "pseudonym-namespace-topic", "per-topic namespace overrides `topic=namespace[,...]` (run only)")
	c.StringVar(&f.keys, "pseudonym-keys", "", "pseudonym key ring `id:base64secret[,id:secret...]`, active key first, secrets of at least 32 bytes\n(prefer the environment variable or --pseudonym-key-file; see docs/privacy.md)")
	c.StringVar(&f.file, "pseudonym-key-file", "", "file with one `id:base64secret` per line, active key first")
	return f
}

func (f *keyFlags) namespaces() (privacy.Namespaces, error) {
	return privacy.ParseNamespaces(f.namespace, f.nsTopics)
}

// pseudonymizer returns the ring's pseudonymizer in the --pseudonym-namespace namespace.
func (f *keyFlags) pseudonymizer(ring *privacy.KeyRing) (*privacy.Pseudonymizer, error) {
	ns, err := f.namespaces()
	if err != nil {
		return nil, err
	}
	return privacy.NewPseudonymizer(ring).WithNamespace(ns.Default), nil
}

func (f *keyFlags) ring() (*privacy.KeyRing, error) {
	if f.keys == "" && f.file == "" {
		return nil, fmt.Errorf("no pseudonym key: set STREAMER_PSEUDONYM_KEYS or --pseudonym-key-file (the worker never stores raw user ids; see docs/privacy.md): %w", privacy.ErrNoKey)
	}
	if f.keys != "" {
		return privacy.ParseKeyRing(f.keys)
	}
	return privacy.LoadKeyRing("", f.file)
}

// workerFlags are the flags of `run` (and, minus Kafka and Redis addresses, of `demo`).
type workerFlags struct {
	brokers                              cli.StringList
	group, clicks, reviews, erasure, dlq string
	batchSize                            int
	batchTimeout                         time.Duration
	queue                                int
	modelDir                             string
	encoderPrecision                     string
	cacheMB                              int
	embTableEntries                      int64
	profileCache                         int
	dvecF16                              bool
	halfLife                             time.Duration
	wView, wCart, wFav, wBuy, wReview    float64
	migrateSettings                      bool
	topCats                              int
	ttl                                  time.Duration
	k                                    int
	margin                               float64
	mergeEvery                           time.Duration
	sweepRate                            int
	kMin, kMax                           int
	refitEvery                           time.Duration
	behaviorEvery                        time.Duration
	behaviorProfiles                     int
	noSegments                           bool
	metricsAddr                          string
	pprof                                bool
	lagInterval                          time.Duration
	sessionTimeout                       time.Duration
	heartbeat, rebalanceTimeout          time.Duration
	stallAfter                           time.Duration
	kafkaDebug                           bool
	kafkaSec                             *secure.KafkaConfig
}

func addWorkerFlags(c *cli.Command, withKafka bool, metricsDefault string) *workerFlags {
	f := &workerFlags{brokers: cli.StringList{"127.0.0.1:9092"}}
	if withKafka {
		c.Var(&f.brokers, "brokers", "Kafka bootstrap brokers, comma-separated")
		f.kafkaSec = secure.AddKafkaFlags(c.FlagSet)
	}
	c.StringVar(&f.group, "group", "profilestream", "Kafka consumer group; workers in one group share the partitions")
	c.StringVar(&f.clicks, "clicks-topic", "clicks", "topic of click events")
	c.StringVar(&f.reviews, "reviews-topic", "reviews", "topic of review events")
	c.StringVar(&f.erasure, "erasure-topic", "erasure", "topic of erasure requests (\"-\" disables erasure intake)")
	c.StringVar(&f.dlq, "dlq-topic", "profilestream.dlq", "dead-letter topic: malformed messages, unchanged, with reason and origin headers")
	c.IntVar(&f.batchSize, "batch-size", 256, "messages per micro-batch: larger amortizes round trips and encoder calls, smaller cuts latency")
	c.DurationVar(&f.batchTimeout, "batch-timeout", 200*time.Millisecond, "close a batch that is not full after this long")
	c.DurationVar(&f.sessionTimeout, "session-timeout", 6*time.Second, "consumer group session timeout: a worker that dies is noticed after this long; shorter moves its partitions sooner but risks evictions during long GC or batch pauses (Apache Kafka refuses less than its group.min.session.timeout.ms, 6s by default)")
	c.DurationVar(&f.heartbeat, "heartbeat-interval", time.Second, "consumer group heartbeat interval: live workers learn of a rebalance at their next heartbeat (at most a third of --session-timeout)")
	c.DurationVar(&f.rebalanceTimeout, "rebalance-timeout", consumer.DefaultRebalanceTimeout, "how long the coordinator waits for every worker to rejoin (and a joined one to sync) during a rebalance before it evicts the missing ones; also how long offset commits may fail before /readyz does")
	c.DurationVar(&f.stallAfter, "stall-after", 30*time.Second, "stall watchdog: a lagging partition whose committed offset has not moved for this long is logged at error, counted, and forces a rejoin; own stalled partitions make /readyz false (negative = off)")
	c.BoolVar(&f.kafkaDebug, "kafka-debug", false, "log kafka-go's own joins, syncs, assignments and heartbeats at debug level (with --log-level debug); its errors are always logged at warn")
	c.IntVar(&f.queue, "queue-batches", 2, "batches queued between stages; bounds memory (about (2*queue+3)*batch-size messages)")
	c.StringVar(&f.modelDir, "model-dir", "", "Hugging Face model folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin); empty = the bundled default model")
	c.StringVar(&f.encoderPrecision, "encoder-precision", "auto", "number format of the encoder's matrix products: fp32, bf16 (AVX512-BF16), int8 (AVX512-VNNI), or auto = the fastest this CPU runs whose measured agreement with fp32 holds; profiles record it in their model id, so a change re-starts their vectors")
	c.IntVar(&f.cacheMB, "embedding-cache-mb", 64, "embedding cache size in MiB (repeated texts such as item titles are encoded once)")
	c.Int64Var(&f.embTableEntries, "embedding-table-entries", embedtable.DefaultMaxEntries, "bound of the shared embedding table of short texts (category names, titles) in Redis: a text is encoded once per deployment, not once per worker start (negative = off)")
	c.BoolVar(&f.dvecF16, "decayed-float16", false, "no effect since profile layout 2, which stores vec and dvec as Q8 (docs/schema.md, Layouts); kept for existing configurations")
	c.IntVar(&f.profileCache, "profile-cache", 4096, "profiles kept in memory (about 8*dim bytes each) so that a fold writes without reading first; size it to the users of the worker's partitions (negative = off)")
	dw := schema.DefaultActionWeights()
	c.DurationVar(&f.halfLife, "half-life", schema.DefaultHalfLife, "half-life of the time-decayed profile vector and category counts")
	c.Float64Var(&f.wView, "weight-view", dw["view"], "weight of a view in the profile means, the activity, the categories and item popularity")
	c.Float64Var(&f.wCart, "weight-cart", dw["cart"], "weight of an add-to-cart")
	c.Float64Var(&f.wFav, "weight-fav", dw["fav"], "weight of a favourite")
	c.Float64Var(&f.wBuy, "weight-buy", dw["buy"], "weight of a purchase")
	c.Float64Var(&f.wReview, "weight-review", dw["review"], "weight of a review")
	c.BoolVar(&f.migrateSettings, "migrate-settings", false, "start even though the settings stored in Redis (<prefix>:v1:settings: weights, half-life, model, ...) differ from this worker's, and replace them (docs/schema.md, \"Settings\")")
	c.IntVar(&f.topCats, "top-categories", schema.DefaultTopCategories, "categories kept per profile (decayed counts)")
	c.DurationVar(&f.ttl, "profile-ttl", 0, "expire profiles this long after their last event (0 = never); must exceed Kafka retention")
	c.IntVar(&f.k, "k", 0, "number of segments (online k-means); 0 = chosen from the data by silhouette within --k-min..--k-max, re-examined at every refit")
	c.IntVar(&f.kMin, "k-min", online.DefaultKMin, "lower bound of the automatic k (--k 0)")
	c.IntVar(&f.kMax, "k-max", online.DefaultKMax, "upper bound of the automatic k (--k 0)")
	c.DurationVar(&f.refitEvery, "segment-refit-interval", 10*time.Minute, "how often segments are re-clustered on a sample of users' current vectors (negative = never)")
	c.DurationVar(&f.behaviorEvery, "behavior-refit-interval", 10*time.Minute, "how often one worker refits the learned behaviour table (category and item embeddings from their co-occurrence in profiles; docs/schema.md) on a sample of profiles (negative = never: behaviour is compared by hashing only)")
	c.IntVar(&f.behaviorProfiles, "behavior-fit-profiles", 20000, "profiles one behaviour-table refit reads (SCAN order)")
	c.Float64Var(&f.margin, "segment-margin", 0.05, "hysteresis: a user moves only to a segment closer by this cosine distance")
	c.DurationVar(&f.mergeEvery, "centroid-merge-interval", 5*time.Second, "how often local centroid updates are merged into the shared centroids in Redis")
	c.IntVar(&f.sweepRate, "sweep-rate", 200, "users per second the background sweep re-assigns after centroids move")
	c.BoolVar(&f.noSegments, "no-segments", false, "do not assign segments")
	c.StringVar(&f.metricsAddr, "metrics-addr", metricsDefault, "address of /metrics, /healthz and /readyz (empty = off)")
	c.BoolVar(&f.pprof, "pprof", false, "also serve /debug/pprof/ on the metrics address")
	c.DurationVar(&f.lagInterval, "lag-interval", 5*time.Second, "how often the group's lag is read from the broker and exported as metrics (negative = off)")
	return f
}

func (f *workerFlags) config(r *redisFlags) worker.Config {
	return worker.Config{
		Consumer: consumer.Config{
			Brokers: f.brokers, Group: f.group, ClicksTopic: f.clicks, ReviewsTopic: f.reviews,
			ErasureTopic: f.erasure, DLQTopic: f.dlq, BatchSize: f.batchSize, BatchTimeout: f.batchTimeout,
			QueueBatches: f.queue, SessionTimeout: f.sessionTimeout,
			HeartbeatInterval: f.heartbeat, RebalanceTimeout: f.rebalanceTimeout, KafkaDebug: f.kafkaDebug,
		},
		StallAfter: f.stallAfter,
		RedisAddrs: r.addrs, RedisCluster: r.cluster, RedisPassword: r.password,
		ModelDir: f.modelDir, EncoderPrecision: encoder.Precision(f.encoderPrecision), CacheBytes: int64(f.cacheMB) << 20,
		Store: profilestore.Options{
			Prefix: r.prefix, HalfLife: f.halfLife, TopCategories: f.topCats, TTL: f.ttl, CacheSize: f.profileCache,
			DecayedFloat16: f.dvecF16,
			ActionWeights: map[event.Kind]float64{event.KindView: f.wView, event.KindCart: f.wCart,
				event.KindFav: f.wFav, event.KindBuy: f.wBuy, event.KindReview: f.wReview},
		},
		Segments: online.Options{
			K: f.k, Prefix: r.prefix, Margin: f.margin, MergeInterval: f.mergeEvery, SweepRate: f.sweepRate,
			KMin: f.kMin, KMax: f.kMax, RefitInterval: f.refitEvery,
		},
		DisableSegments: f.noSegments,
		EmbeddingTable:  embedtable.Options{MaxEntries: f.embTableEntries},
		Behavior:        behavior.Options{Interval: f.behaviorEvery, MaxProfiles: f.behaviorProfiles},
		MigrateSettings: f.migrateSettings,
		MetricsAddr:     f.metricsAddr,
		Pprof:           f.pprof,
		LagInterval:     f.lagInterval,
	}
}

// security loads the Kafka and Redis TLS files and secrets into cfg (Kafka only when the
// command has the Kafka flags).
func (f *workerFlags) security(cfg *worker.Config, r *redisFlags) error {
	var err error
	if f.kafkaSec != nil {
		if cfg.KafkaSecurity, err = secure.NewKafka(*f.kafkaSec); err != nil {
			return err
		}
	}
	cfg.RedisSecurity, err = r.security()
	return err
}
