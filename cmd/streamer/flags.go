package main

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/worker"
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
}

func addRedisFlags(c *cli.Command) *redisFlags {
	f := &redisFlags{addrs: cli.StringList{"127.0.0.1:6379"}}
	c.Var(&f.addrs, "redis", "Redis address; several comma-separated addresses (or --redis-cluster) mean Redis Cluster")
	c.BoolVar(&f.cluster, "redis-cluster", false, "treat --redis as a Redis Cluster even with one seed address")
	c.StringVar(&f.password, "redis-password", "", "Redis password (prefer the environment variable)")
	c.StringVar(&f.prefix, "key-prefix", "ps", "prefix of every Redis key (keys are <prefix>:v1:...; see docs/schema.md)")
	return f
}

func (f *redisFlags) client() redis.UniversalClient {
	return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: f.addrs, IsClusterMode: f.cluster, Password: f.password})
}

// keyFlags locate the pseudonym key ring.
type keyFlags struct{ keys, file string }

func addKeyFlags(c *cli.Command) *keyFlags {
	f := &keyFlags{}
	c.StringVar(&f.keys, "pseudonym-keys", "", "pseudonym key ring `id:base64secret[,id:secret...]`, active key first, secrets of at least 32 bytes\n(prefer the environment variable or --pseudonym-key-file; see docs/privacy.md)")
	c.StringVar(&f.file, "pseudonym-key-file", "", "file with one `id:base64secret` per line, active key first")
	return f
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
	cacheMB                              int
	halfLife                             time.Duration
	wView, wCart, wFav, wBuy, wReview    float64
	topCats                              int
	ttl                                  time.Duration
	k                                    int
	margin                               float64
	mergeEvery                           time.Duration
	sweepRate                            int
	kMin, kMax                           int
	refitEvery                           time.Duration
	noSegments                           bool
	metricsAddr                          string
	pprof                                bool
	lagInterval                          time.Duration
	sessionTimeout                       time.Duration
}

func addWorkerFlags(c *cli.Command, withKafka bool, metricsDefault string) *workerFlags {
	f := &workerFlags{brokers: cli.StringList{"127.0.0.1:9092"}}
	if withKafka {
		c.Var(&f.brokers, "brokers", "Kafka bootstrap brokers, comma-separated")
	}
	c.StringVar(&f.group, "group", "profilestream", "Kafka consumer group; workers in one group share the partitions")
	c.StringVar(&f.clicks, "clicks-topic", "clicks", "topic of click events")
	c.StringVar(&f.reviews, "reviews-topic", "reviews", "topic of review events")
	c.StringVar(&f.erasure, "erasure-topic", "erasure", "topic of erasure requests (\"-\" disables erasure intake)")
	c.StringVar(&f.dlq, "dlq-topic", "profilestream.dlq", "dead-letter topic: malformed messages, unchanged, with reason and origin headers")
	c.IntVar(&f.batchSize, "batch-size", 256, "messages per micro-batch: larger amortizes round trips and encoder calls, smaller cuts latency")
	c.DurationVar(&f.batchTimeout, "batch-timeout", 200*time.Millisecond, "close a batch that is not full after this long")
	c.DurationVar(&f.sessionTimeout, "session-timeout", 10*time.Second, "consumer group session timeout: a worker that dies is noticed after this long; shorter moves its partitions sooner but risks evictions during long GC or batch pauses")
	c.IntVar(&f.queue, "queue-batches", 2, "batches queued between stages; bounds memory (about (2*queue+3)*batch-size messages)")
	c.StringVar(&f.modelDir, "model-dir", "", "Hugging Face model folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin); empty = the bundled default model")
	c.IntVar(&f.cacheMB, "embedding-cache-mb", 64, "embedding cache size in MiB (repeated texts such as item titles are encoded once)")
	c.DurationVar(&f.halfLife, "half-life", 720*time.Hour, "half-life of the time-decayed profile vector and category counts")
	c.Float64Var(&f.wView, "weight-view", 1, "weight of a view in the profile means")
	c.Float64Var(&f.wCart, "weight-cart", 2, "weight of an add-to-cart")
	c.Float64Var(&f.wFav, "weight-fav", 2, "weight of a favourite")
	c.Float64Var(&f.wBuy, "weight-buy", 4, "weight of a purchase")
	c.Float64Var(&f.wReview, "weight-review", 3, "weight of a review")
	c.IntVar(&f.topCats, "top-categories", 10, "categories kept per profile (decayed counts)")
	c.DurationVar(&f.ttl, "profile-ttl", 0, "expire profiles this long after their last event (0 = never); must exceed Kafka retention")
	c.IntVar(&f.k, "k", 0, "number of segments (online k-means); 0 = chosen from the data by silhouette within --k-min..--k-max, re-examined at every refit")
	c.IntVar(&f.kMin, "k-min", online.DefaultKMin, "lower bound of the automatic k (--k 0)")
	c.IntVar(&f.kMax, "k-max", online.DefaultKMax, "upper bound of the automatic k (--k 0)")
	c.DurationVar(&f.refitEvery, "segment-refit-interval", 10*time.Minute, "how often segments are re-clustered on a sample of users' current vectors (negative = never)")
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
		},
		RedisAddrs: r.addrs, RedisCluster: r.cluster, RedisPassword: r.password,
		ModelDir: f.modelDir, CacheBytes: int64(f.cacheMB) << 20,
		Store: profilestore.Options{
			Prefix: r.prefix, HalfLife: f.halfLife, TopCategories: f.topCats, TTL: f.ttl,
			ActionWeights: map[event.Kind]float64{event.KindView: f.wView, event.KindCart: f.wCart,
				event.KindFav: f.wFav, event.KindBuy: f.wBuy, event.KindReview: f.wReview},
		},
		Segments: online.Options{
			K: f.k, Prefix: r.prefix, Margin: f.margin, MergeInterval: f.mergeEvery, SweepRate: f.sweepRate,
			KMin: f.kMin, KMax: f.kMax, RefitInterval: f.refitEvery,
		},
		DisableSegments: f.noSegments,
		MetricsAddr:     f.metricsAddr,
		Pprof:           f.pprof,
		LagInterval:     f.lagInterval,
	}
}
