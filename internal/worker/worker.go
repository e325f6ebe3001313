// Package worker wires the stages of profilestream into one always-on process.
//
// A worker is one member of the consumer group. It owns a Redis client, the encoder with its
// embedding cache, the profile store, the segment model and the consumer, and it serves
// /metrics, /healthz and /readyz. Data flows one way through it: consumer -> privacy ->
// encoder -> profilestore -> online. Any number of workers may run against the same Kafka
// group and Redis: partitions are shared by the group, profiles are folded exactly once by the
// store, and centroids are merged through Redis.
package worker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/behavior"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/embedtable"
	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/itemindex"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/metrics"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/pii"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/retry"
	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/reader"
)

// Config is everything a worker needs. cmd/streamer fills it from flags.
type Config struct {
	Consumer consumer.Config
	// RedisAddrs: one address for a single Redis, several (or RedisCluster) for Redis Cluster.
	RedisAddrs    []string
	RedisCluster  bool
	RedisPassword string
	// KafkaSecurity and RedisSecurity carry TLS and authentication for every connection the
	// worker makes (internal/secure); nil = plaintext. A password in RedisSecurity takes
	// precedence over RedisPassword.
	KafkaSecurity *secure.Kafka
	RedisSecurity *secure.Redis
	// Keys is the pseudonym key ring (required: the worker never stores raw ids).
	Keys *privacy.KeyRing
	// Namespaces is the pseudonym namespace of each input topic (zero value: the legacy,
	// un-namespaced pseudonyms; see docs/privacy.md, "Namespaces").
	Namespaces privacy.Namespaces
	// Encoder is the model to use; nil loads ModelDir, or the bundled default when that is empty.
	Encoder  encoder.Encoder
	ModelDir string
	// EncoderPrecision is the loaded encoder's precision (encoder.Options.Precision; the zero
	// value is auto).
	EncoderPrecision encoder.Precision
	// CacheBytes bounds the embedding cache (default 64 MiB).
	CacheBytes int64
	// Store and Segments configure profiles and segments (ModelID/Dim are filled from the encoder).
	Store    profilestore.Options
	Segments online.Options
	// DisableSegments turns segment assignment off.
	DisableSegments bool
	// EmbeddingTable configures the shared embedding table of short texts (internal/embedtable:
	// category names and titles encoded once per deployment, not once per worker start);
	// EmbeddingTable.MaxEntries < 0 turns it off. Its Prefix is the store's.
	EmbeddingTable embedtable.Options
	// Behavior configures the learned behaviour table (internal/behavior): every
	// Behavior.Interval one worker of the deployment (whichever takes the lock) refits it from a
	// sample of profiles; negative Interval = never. Its Prefix is the store's.
	Behavior behavior.Options
	// MigrateSettings lets the worker start when the settings stored in Redis
	// (schema.SettingsKey: weights, half-lives, model, ...) differ from its own, and replaces
	// them; without it such a worker refuses to start (Run returns ErrSettingsDiffer).
	MigrateSettings bool
	// MetricsAddr serves /metrics, /healthz, /readyz ("" = no server). Pprof adds /debug/pprof/.
	MetricsAddr string
	Pprof       bool
	// LagInterval is how often the worker polls the broker for its group's lag and exports it
	// (profilestream_consumer_lag_messages/_seconds). Default 5 s; negative turns it off. Every
	// worker of a group exports the whole group's lag, so dashboards take max() over instances.
	LagInterval time.Duration
	// StallAfter is the stall watchdog's threshold (consumer.WatchdogConfig.StallAfter; 0 =
	// consumer.DefaultStallAfter, negative turns the watchdog off). A stall of the worker's own
	// partitions makes /readyz false.
	StallAfter time.Duration
	// Registry receives the metrics (default: a new one).
	Registry *prometheus.Registry
	Retry    retry.Policy
}

// Worker is one running member of the group.
type Worker struct {
	cfg      Config
	log      zerolog.Logger
	rdb      redis.UniversalClient
	enc      encoder.Encoder
	cache    *encoder.Cache
	table    *embedtable.Table // nil: off
	store    *profilestore.Store
	segments *online.Model
	behavior *behavior.Runner
	items    *itemindex.Writer
	cons     *consumer.Consumer
	m        *metrics.Metrics
	reg      *prometheus.Registry
	totals   *Totals
	stallM   *metrics.Stall
	watchdog *consumer.Watchdog

	readyMu   sync.Mutex
	redisOK   bool
	redisErr  error // described by secure.Describe
	redisSeen time.Time
	kafkaErr  error // from secure.Kafka.Probe while no partitions are assigned
	listener  net.Listener
}

// New builds a worker: loads the model, connects Redis (lazily: a Redis that is down at start is
// retried, not fatal) and prepares every stage.
func New(cfg Config, log zerolog.Logger) (*Worker, error) {
	if cfg.Keys == nil {
		return nil, errors.New("worker: no pseudonym key: set STREAMER_PSEUDONYM_KEYS or --pseudonym-key-file (see docs/privacy.md)")
	}
	if len(cfg.RedisAddrs) == 0 {
		return nil, errors.New("worker: no Redis address")
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = 64 << 20
	}
	w := &Worker{cfg: cfg, log: log, totals: newTotals()}
	w.reg = cfg.Registry
	if w.reg == nil {
		w.reg = prometheus.NewRegistry()
		w.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	w.m = metrics.New(w.reg)
	w.initSeries()
	w.stallM = metrics.NewStall(w.reg)

	w.enc = cfg.Encoder
	if w.enc == nil {
		var m *encoder.Model
		var err error
		opts := encoder.Options{Precision: cfg.EncoderPrecision}
		if cfg.ModelDir == "" {
			m, err = encoder.LoadDefault(opts)
		} else {
			m, err = encoder.Load(cfg.ModelDir, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("worker: load encoder: %w", err)
		}
		w.enc = m
	}
	w.cache = encoder.NewCache(w.enc, cfg.CacheBytes)

	ro := &redis.UniversalOptions{
		Addrs: cfg.RedisAddrs, IsClusterMode: cfg.RedisCluster, Password: cfg.RedisPassword,
		MaxRetries: -1, // the pipeline retries with backoff itself; one failure = one step to retry
	}
	cfg.RedisSecurity.ApplyUniversal(ro)
	w.rdb = redis.NewUniversalClient(ro)
	so := cfg.Store
	so.ModelID, so.Dim = w.enc.ModelID(), w.enc.Dim()
	if so.KeyID == "" {
		so.KeyID = cfg.Keys.Active()
	}
	var err error
	if w.store, err = profilestore.New(w.rdb, so); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	if cfg.EmbeddingTable.MaxEntries >= 0 {
		// the in-process cache in front of the shared table in front of the model
		to := cfg.EmbeddingTable
		to.Prefix = w.store.Options().Prefix
		w.table = embedtable.New(w.rdb, w.enc, to)
		w.cache = encoder.NewCache(w.table, cfg.CacheBytes)
	}
	if !cfg.DisableSegments {
		rd, err := reader.New(w.rdb, reader.Options{Prefix: w.store.Options().Prefix})
		if err != nil {
			return nil, fmt.Errorf("worker: %w", err)
		}
		if w.segments, err = online.New(w.rdb, segmentStore{w.store, rd}, cfg.Segments); err != nil {
			return nil, fmt.Errorf("worker: %w", err)
		}
	}
	bo := cfg.Behavior
	bo.Prefix = so.Prefix
	w.behavior = behavior.NewRunner(w.rdb, bo, fmt.Sprintf("%d:%d", os.Getpid(), time.Now().UnixNano()))
	// The item index (recommendations) is fed after each fold; its Prefix is the store's.
	if w.items, err = itemindex.New(w.rdb, itemindex.Options{Prefix: so.Prefix, ModelID: w.enc.ModelID(), Encoder: w.cache,
		ActionWeights: w.store.Options().ActionWeights, HalfLife: itemindex.DefaultHalfLife}); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	p := &pipeline{
		privacy: privacy.NewStage(privacy.NewPseudonymizer(cfg.Keys), pii.NewScrubber(), cfg.Namespaces), enc: w.enc, cache: w.cache, table: w.table,
		store: w.store, segments: w.segments, items: w.items, m: w.m, log: log, retry: cfg.Retry, totals: w.totals,
	}
	cc := cfg.Consumer
	cc.Retry = cfg.Retry
	if cfg.KafkaSecurity != nil {
		if cc.Dialer == nil {
			cc.Dialer = cfg.KafkaSecurity.Dialer()
		}
		if cc.ProducerOpts == nil {
			cc.ProducerOpts = cfg.KafkaSecurity.FranzOpts()
		}
	}
	if w.cons, err = consumer.New(cc, p, w.m, log); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	if cfg.StallAfter >= 0 {
		w.watchdog = consumer.NewWatchdog(w.cons, consumer.WatchdogConfig{StallAfter: cfg.StallAfter}, w.stallM, log)
	}
	return w, nil
}

// Redis returns the worker's Redis client.
func (w *Worker) Redis() redis.UniversalClient { return w.rdb }

// Store returns the profile store.
func (w *Worker) Store() *profilestore.Store { return w.store }

// Encoder returns the encoder (without the cache).
func (w *Worker) Encoder() encoder.Encoder { return w.enc }

// Consumer returns the consumer (stats, pause).
func (w *Worker) Consumer() *consumer.Consumer { return w.cons }

// Metrics returns the worker's metric series.
func (w *Worker) Metrics() *metrics.Metrics { return w.m }

// Totals returns the running totals (for progress lines and summaries).
func (w *Worker) Totals() TotalsSnapshot { return w.totals.snapshot() }

// CacheStats returns the embedding cache's counters.
func (w *Worker) CacheStats() encoder.CacheStats { return w.cache.Stats() }

// EmbeddingTableStats returns the shared embedding table's counters (zero when it is off).
func (w *Worker) EmbeddingTableStats() embedtable.Stats {
	if w.table == nil {
		return embedtable.Stats{}
	}
	return w.table.Stats()
}

// MetricsAddr returns the address the HTTP server listens on ("" before Run or when off).
func (w *Worker) MetricsAddr() string {
	w.readyMu.Lock()
	defer w.readyMu.Unlock()
	if w.listener == nil {
		return ""
	}
	return w.listener.Addr().String()
}

// Run runs until ctx ends (SIGINT/SIGTERM in cmd/streamer), then finishes the batches in
// flight, commits them, merges the local centroid updates, stops and joins every background
// loop it started, and returns. It returns nil after a clean shutdown; otherwise the
// consumer's error and the error of any background loop that failed (a failing loop stops the
// worker, see loops).
func (w *Worker) Run(ctx context.Context) error {
	defer w.rdb.Close()
	// Everything that can fail at start does so before any loop starts.
	var ln net.Listener
	if w.cfg.MetricsAddr != "" {
		var err error
		if ln, err = net.Listen("tcp", w.cfg.MetricsAddr); err != nil {
			return fmt.Errorf("worker: metrics listener %s: %w", w.cfg.MetricsAddr, err)
		}
	}
	var mon *lag.Monitor
	if w.cfg.LagInterval >= 0 {
		var err error
		mon, err = lag.New(w.cfg.Consumer.Brokers, w.cons.Group(), w.cfg.Consumer.Topics(), lag.Options{MessageAge: true,
			Tables: &redisTables{rdb: w.rdb, prefix: w.store.Options().Prefix, log: w.log}, ClientOpts: w.cfg.KafkaSecurity.FranzOpts()})
		if err != nil {
			if ln != nil {
				ln.Close()
			}
			return fmt.Errorf("worker: lag monitor: %w", err)
		}
		defer mon.Close() // after the loops are joined (deferred calls run last)
	}

	// The consumer runs on run; the loops on bg, which ends only after the consumer has
	// finished its last batches (the metrics stay served and the segment model merges the
	// last updates). A loop that fails cancels run, so the worker stops with its error.
	run, stopRun := context.WithCancel(ctx)
	defer stopRun()
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	bgLoops := &loops{fail: func(err error) {
		w.log.Error().Err(err).Msg("a background loop failed; stopping the worker")
		stopRun()
	}}
	if ln != nil {
		w.readyMu.Lock()
		w.listener = ln
		w.readyMu.Unlock()
		srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 5 * time.Second}
		bgLoops.Go(bg, "metrics server", func(ctx context.Context) error { return serveUntil(ctx, srv, ln) })
		w.log.Info().Str("addr", ln.Addr().String()).Bool("pprof", w.cfg.Pprof).Msg("serving /metrics, /healthz, /readyz")
	}
	bgLoops.Go(bg, "redis probe", func(ctx context.Context) error { w.watchRedis(ctx); return nil })
	bgLoops.Go(bg, "kafka probe", func(ctx context.Context) error { w.watchKafka(ctx); return nil })
	bgLoops.Go(bg, "item index trim", func(ctx context.Context) error { w.trimItems(ctx, time.Minute); return nil })
	if w.segments != nil {
		bgLoops.Go(bg, "segment model", func(ctx context.Context) error {
			err := w.segments.Run(ctx) // merges the last local updates when ctx ends
			if err != nil && ctx.Err() != nil {
				w.log.Warn().Err(err).Msg("final centroid merge failed; the local updates of the last interval are lost (centroids stay valid)")
				return nil
			}
			return err
		})
		bgLoops.Go(bg, "segment metrics", func(ctx context.Context) error { w.watchSegments(ctx, 5*time.Second); return nil })
	}
	bgLoops.Go(bg, "behaviour table refit", func(ctx context.Context) error {
		return w.behavior.Run(ctx, func(res behavior.Result, err error) {
			switch {
			case errors.Is(err, behavior.ErrTooFew):
				w.log.Debug().Int("profiles", res.Profiles).Msg("behaviour table: too few ids to fit yet")
			case err != nil:
				w.log.Warn().Err(err).Msg("behaviour table refit failed; retried at the next interval")
			default:
				w.log.Info().Int64("version", res.Meta.Version).Int("ids", res.Meta.IDs).Int("profiles", res.Profiles).
					Dur("took", res.Took).Msg("behaviour table refitted")
			}
		})
	})
	if mon != nil {
		interval := w.cfg.LagInterval
		if interval == 0 {
			interval = 5 * time.Second
		}
		exp := lag.NewExporter(w.m, w.reg)
		bgLoops.Go(bg, "lag exporter", func(ctx context.Context) error { w.runLag(ctx, mon, exp, interval); return nil })
	}
	if w.watchdog != nil {
		bgLoops.Go(bg, "stall watchdog", w.watchdog.Run)
	}

	// The settings are checked (or written) before anything is consumed: a worker whose weights,
	// half-lives or model differ from those the profiles were written with does not start.
	err := w.ensureSettings(run)
	if err == nil {
		err = w.cons.Run(run)
	}
	stopBG()
	err = errors.Join(err, bgLoops.Wait())
	w.log.Info().Msg("worker stopped")
	return err
}

// serveUntil serves srv on ln until ctx ends, then closes it.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err // Serve never returns nil; it failed on its own
	case <-ctx.Done():
		_ = srv.Close()
		<-errc
		return nil
	}
}

// trimItems trims the item index to its MaxItems every interval. A failed trim is retried at
// the next tick; it is logged once when it starts failing and once when it recovers.
func (w *Worker) trimItems(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := w.items.Trim(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			w.log.Warn().Err(err).Msg("trimming the item index failed; retrying every interval")
			failing = true
		case err == nil && failing:
			w.log.Info().Msg("trimming the item index recovered")
			failing = false
		}
	}
}

// watchRedis pings Redis every second for /readyz and the ready gauge.
func (w *Worker) watchRedis(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err := secure.Describe(secure.ServiceRedis, w.rdb.Ping(pctx).Err())
		cancel()
		w.readyMu.Lock()
		changed := w.redisOK != (err == nil) || w.redisSeen.IsZero() ||
			(err != nil && secure.ProblemOf(err) != secure.ProblemOf(w.redisErr))
		w.redisOK, w.redisErr, w.redisSeen = err == nil, err, time.Now()
		w.readyMu.Unlock()
		if changed {
			switch {
			case err == nil:
				w.log.Info().Msg("redis reachable")
			case secure.ProblemOf(err).Permanent():
				// A refused certificate or login does not heal by retrying: say so loudly.
				// The worker keeps retrying (a fixed server-side setting heals it) and stays
				// not ready.
				w.log.Error().Err(err).Str("problem", secure.ProblemOf(err).String()).Msg("redis refuses the connection; fix the configuration (the worker stays not ready)")
			default:
				w.log.Warn().Err(err).Msg("redis unreachable")
			}
		}
		ready, _ := w.Ready()
		if ready {
			w.m.Ready.Set(1)
		} else {
			w.m.Ready.Set(0)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// How often watchKafka checks the brokers while no partitions are assigned: often while the
// check fails (so a fix shows quickly), rarely while it passes (an idle member of a group with
// more workers than partitions).
const (
	kafkaProbeFailing = 3 * time.Second
	kafkaProbeOK      = 30 * time.Second
)

// watchKafka explains a worker without partitions: while none are assigned it connects to the
// brokers with the worker's TLS and SASL settings (secure.Kafka.Probe), so that an untrusted
// certificate or a refused password shows in /readyz and as one error line, instead of as a
// consumer group that silently never joins.
func (w *Worker) watchKafka(ctx context.Context) {
	var lastProbe time.Time
	t := time.NewTicker(kafkaProbeFailing)
	defer t.Stop()
	for {
		w.readyMu.Lock()
		err := w.kafkaErr
		w.readyMu.Unlock()
		if w.cons.AssignedPartitions() > 0 {
			err = nil
		} else if err != nil || time.Since(lastProbe) >= kafkaProbeOK {
			lastProbe = time.Now()
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = w.cfg.KafkaSecurity.Probe(pctx, w.cfg.Consumer.Brokers)
			cancel()
			if ctx.Err() != nil {
				return
			}
		}
		w.readyMu.Lock()
		prev := w.kafkaErr
		w.kafkaErr = err
		w.readyMu.Unlock()
		switch {
		case err == nil && prev != nil:
			w.log.Info().Msg("kafka reachable")
		case err != nil && (prev == nil || secure.ProblemOf(err) != secure.ProblemOf(prev)):
			if secure.ProblemOf(err).Permanent() {
				w.log.Error().Err(err).Str("problem", secure.ProblemOf(err).String()).Msg("kafka refuses the connection; fix the configuration (the worker stays not ready)")
			} else {
				w.log.Warn().Err(err).Msg("kafka unreachable")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Ready reports whether the worker has partitions assigned, Redis answers, its offset commits
// have not been failing for longer than the rebalance timeout (consumer.CommitsFailing) and
// none of its own partitions is stalled (see consumer.Watchdog), and why not.
func (w *Worker) Ready() (bool, string) {
	w.readyMu.Lock()
	ok, rerr, kerr := w.redisOK, w.redisErr, w.kafkaErr
	w.readyMu.Unlock()
	parts := w.cons.AssignedPartitions()
	switch {
	case !ok && rerr != nil:
		return false, rerr.Error()
	case !ok:
		return false, "redis unreachable"
	case parts == 0 && kerr != nil:
		return false, kerr.Error()
	case parts == 0:
		return false, "no partitions assigned"
	}
	if failing, d := w.cons.CommitsFailing(); failing {
		return false, fmt.Sprintf("offset commits failing for %s, longer than the rebalance timeout: the group coordinator died or moved and the group has not found it again", d.Round(time.Second))
	}
	if w.watchdog != nil {
		if stalled, which := w.watchdog.OwnStalled(); stalled {
			return false, "own partitions stalled: " + which
		}
	}
	return true, "ok"
}

// Handler serves /metrics, /healthz, /readyz and, with Pprof, /debug/pprof/.
func (w *Worker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(w.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { _, _ = rw.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
		ok, why := w.Ready()
		if !ok {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = rw.Write([]byte(why + "\n"))
	})
	if w.cfg.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}
