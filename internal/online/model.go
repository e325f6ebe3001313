package online

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/schema"
)

// Options configure a Model. Every worker of one deployment must use the same K, Prefix,
// HalfLife, VersionDrift and ReseedFraction (the shared model records K and the dimension and
// refuses workers that differ).
type Options struct {
	// K is the number of segments; 0 (the default) chooses k from the data: the k in
	// [KMin, KMax] whose clustering of the initialization sample has the highest mean cosine
	// silhouette (see ChooseK), re-examined at every Refit on the user sample (k changes only
	// when another k's silhouette is higher by KSwitchGain). With a fixed K, changing it needs a
	// new Prefix or deleting the model key.
	K int
	// KMin and KMax bound the automatic k (defaults DefaultKMin 4 and DefaultKMax 16).
	KMin, KMax int
	// Prefix starts every Redis key (default "ps").
	Prefix string
	// MinUsersToInit is how many profile updates with a vector this worker must have seen
	// before it initializes the centroids (default 10*K, or 10*KMax with the automatic k; a user updated twice counts twice). Lower starts segmenting sooner from a poorer
	// sample; before initialization users stay unassigned (segment -1).
	MinUsersToInit int
	// ReservoirSize is the size of the uniform sample kept for initialization and reseeding
	// (default max(1000, MinUsersToInit)). Larger gives a better k-means++ start and costs
	// ReservoirSize*dim*4 bytes.
	ReservoirSize int
	// HalfLife is the forgetting half-life of centroid sums and counts and of segment statistics
	// (default 0 = no forgetting). With a half-life the centroids follow a changing population
	// (drift); without one they converge to the all-time means and move less and less.
	HalfLife time.Duration
	// Margin is the hysteresis in cosine distance (default 0.05): a user changes segment only
	// when the new centroid is closer than the current one by at least Margin. Larger means
	// fewer flapping moves but users may sit in a slightly worse segment. Set a negative value
	// for no hysteresis (0 is replaced by the default).
	Margin float64
	// MergeInterval is how often Run merges local deltas into Redis (default 5s). Shorter keeps
	// workers closer together at the price of one Lua call (O(K*dim)) per worker per interval.
	MergeInterval time.Duration
	// SweepRate bounds the staleness sweep to this many profiles per second (default 200).
	// Higher re-assigns stale users sooner and costs more Redis reads and writes.
	SweepRate int
	// InitTrials is how many k-means++ seedings (each refined by Lloyd iterations on the
	// sample) initialization tries, keeping the one with the lowest inertia on the sample
	// (default 10, like sklearn KMeans's n_init). Costs InitTrials*|sample|*K*dim per Lloyd
	// iteration, once.
	InitTrials int
	// ReseedFraction: a centroid whose count falls below this fraction of the largest count is
	// reseeded from a far reservoir point at the next merge (default 0.01, as sklearn).
	ReseedFraction float64
	// VersionDrift is the cosine distance a centroid must move from where it was at the last
	// version bump before the version is bumped again (default 0.01). Smaller keeps assignments
	// fresher and makes the sweep run more often.
	VersionDrift float64
	// UserSampleSize is how many users' latest vectors the worker keeps for Refit (default
	// 2000; a bottom-k sample by pseudonym hash, so every worker samples the same users). Costs
	// UserSampleSize*dim*4 bytes; a refit costs about (1+InitTrials)*20*UserSampleSize*K*dim.
	UserSampleSize int
	// RefitInterval is how often Run re-clusters the user sample and, when that lowers its
	// inertia, replaces the shared centroids (default 10m; negative = never). See Model.Refit.
	RefitInterval time.Duration
	// WorkerID names this worker in the model's init_by field (default hostname:pid).
	WorkerID string
	// Seed makes initialization deterministic (default derived from WorkerID).
	Seed uint64
	// Now is the clock (default time.Now); tests and simulations replace it.
	Now func() time.Time
	// Logger receives merge and sweep errors from Run (default: no logging).
	Logger *zerolog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.K < 0 {
		return o, fmt.Errorf("online: K must be at least 1 (or 0 to choose from the data), got %d", o.K)
	}
	if o.KMin == 0 {
		o.KMin = DefaultKMin
	}
	if o.KMax == 0 {
		o.KMax = max(DefaultKMax, o.KMin)
	}
	if o.K == 0 && (o.KMin < 2 || o.KMax < o.KMin) {
		return o, fmt.Errorf("online: want 2 <= KMin <= KMax, got KMin %d, KMax %d", o.KMin, o.KMax)
	}
	kInit := o.K // the largest k initialization may need
	if kInit == 0 {
		kInit = o.KMax
	}
	if o.Prefix == "" {
		o.Prefix = "ps"
	}
	if o.MinUsersToInit == 0 {
		o.MinUsersToInit = 10 * kInit
	}
	if o.MinUsersToInit < kInit {
		return o, fmt.Errorf("online: MinUsersToInit (%d) must be at least K (%d)", o.MinUsersToInit, kInit)
	}
	if o.ReservoirSize == 0 {
		o.ReservoirSize = max(1000, o.MinUsersToInit)
	}
	if o.ReservoirSize < o.MinUsersToInit {
		return o, fmt.Errorf("online: ReservoirSize (%d) must be at least MinUsersToInit (%d)", o.ReservoirSize, o.MinUsersToInit)
	}
	if o.HalfLife < 0 {
		return o, fmt.Errorf("online: negative HalfLife %v", o.HalfLife)
	}
	if o.Margin == 0 {
		o.Margin = 0.05
	}
	if o.Margin < 0 {
		o.Margin = 0
	}
	if o.MergeInterval <= 0 {
		o.MergeInterval = 5 * time.Second
	}
	if o.SweepRate <= 0 {
		o.SweepRate = 200
	}
	if o.InitTrials <= 0 {
		o.InitTrials = 10
	}
	if o.ReseedFraction == 0 {
		o.ReseedFraction = 0.01
	}
	if o.VersionDrift == 0 {
		o.VersionDrift = 0.01
	}
	if o.UserSampleSize == 0 {
		o.UserSampleSize = 2000
	}
	if o.RefitInterval == 0 {
		o.RefitInterval = 10 * time.Minute
	}
	if o.WorkerID == "" {
		h, _ := os.Hostname()
		o.WorkerID = h + ":" + strconv.Itoa(os.Getpid())
	}
	if o.Seed == 0 {
		f := fnv.New64a()
		_, _ = f.Write([]byte(o.WorkerID))
		o.Seed = f.Sum64() | 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// Model is one worker's view of the shared segment model. It is safe for concurrent use.
type Model struct {
	rdb   redis.UniversalClient
	store SegmentWriter
	opts  Options
	keys  keys
	log   zerolog.Logger

	mu      sync.Mutex
	dim     int
	cl      *Clusterer // nil until initialized or adopted
	version int64
	merges  int64
	res     *Reservoir
	users   *UserSample // latest vectors of sampled users, for Refit
	// refitBase is the user sample's size at the last refit (0 = none yet), for RefitDue.
	refitBase int
	rng       *rand.Rand
	// local deltas since the last merge
	dSum   []float64
	dCount []float64
	// local statistics deltas per segment
	stats []segDelta

	sweepMu  sync.Mutex
	progress SweepProgress
}

type segDelta struct {
	cats     map[string]float64
	ratingS  float64
	ratingN  float64
	observed float64
}

// New returns a model that keeps its shared state under opts.Prefix in client and writes
// assignments through store (which may be nil in tools that only read). It does not touch Redis;
// the first Observe or Merge adopts a model that other workers already initialized.
func New(client redis.UniversalClient, store SegmentWriter, opts Options) (*Model, error) {
	if client == nil {
		return nil, errors.New("online: nil redis client")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Model{
		rdb: client, store: store, opts: o, keys: keys{o.Prefix},
		res: NewReservoir(o.ReservoirSize, o.Seed), users: NewUserSample(o.UserSampleSize),
		rng: rand.New(rand.NewPCG(o.Seed, o.Seed*31+7)),
	}
	if o.Logger != nil {
		m.log = *o.Logger
	} else {
		m.log = zerolog.Nop()
	}
	m.stats = make([]segDelta, o.K)
	return m, nil
}

// Options returns the options in effect (defaults filled in).
func (m *Model) Options() Options { return m.opts }

// Version returns the centroid version this worker holds (0 before initialization).
func (m *Model) Version() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version
}

// Centroids returns a copy of this worker's current centroids (local deltas included), nil
// before initialization.
func (m *Model) Centroids() [][]float32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cl == nil {
		return nil
	}
	return m.cl.Centroids()
}

// Observe assigns a segment to every user in ups that has a vector, adds each vector to its
// segment's local delta, and writes the assignments through the SegmentWriter, the changes to
// the membership sets and the change stream. Before the model is initialized users are written
// as unassigned (-1) and the result says how many users are still needed.
//
// It runs in three steps: assign (decides every segment on a scratch copy of the centroids and
// the sample, changing nothing local), the writes, and commit (folds the vectors into the local
// centroids, deltas, statistics and sample). The commit runs only after every write succeeded,
// so an Observe that fails on Redis changed nothing local, and retrying it (as the pipeline
// does) applies each vector exactly once.
func (m *Model) Observe(ctx context.Context, ups []Update) (ObserveResult, error) {
	o, err := m.assign(ctx, ups)
	if err != nil {
		return o.res, err
	}
	if err := m.write(ctx, o); err != nil {
		return o.res, err
	}
	m.commit(o)
	return o.res, nil
}

// observation is the outcome of assign: what to write and, after the writes, what to commit.
type observation struct {
	res     ObserveResult
	as      []Assignment
	changes []segChange
	ver     int64
	vecs    [][]float32 // every valid vector, in order: offered to the sample at commit
	users   []string    // the pseudonym of each of vecs: offered to the user sample at commit
	adds    []segAdd    // assigned users: folded into the local model at commit
}

type segChange struct {
	pseudo   string
	from, to int
	dist     float32
}

type segAdd struct {
	seg    int
	x      []float32
	cats   []schema.CategoryCount
	rating float64
}

// assign validates the vectors and decides each user's segment. It changes no local state:
// the sequential online k-means steps within the batch (each vector moves its centroid before
// the next user is assigned) run on a scratch copy of the centroids, and the sample on a
// scratch copy of the reservoir. It may read the shared model and publish the initial
// centroids in Redis (both idempotent).
func (m *Model) assign(ctx context.Context, ups []Update) (observation, error) {
	var o observation
	if err := m.ensureAdopted(ctx); err != nil {
		return o, err
	}
	// A user assigned by a newer model version than ours (another worker merged since our last
	// pull): pull first, so that our assignment is not older than the stored one (the store
	// ignores older versions, and the membership sets must agree with the profile).
	newer := false
	cur := m.Version()
	for _, u := range ups {
		if u.CentroidVersion > cur {
			newer = true
			break
		}
	}
	if newer {
		if err := m.pull(ctx); err != nil {
			return o, err
		}
	}
	// Validate, sample (on a copy), maybe initialize.
	m.mu.Lock()
	vecs := make([][]float32, len(ups))
	res := m.res.clone()
	for i, u := range ups {
		if u.Vector == nil {
			continue
		}
		x := schema.Normalize(u.Vector)
		if x == nil {
			continue
		}
		if m.dim == 0 {
			m.dim = len(x)
		}
		if len(x) != m.dim {
			m.mu.Unlock()
			return o, fmt.Errorf("online: user %s: vector dimension %d, model has %d", u.Pseudonym, len(x), m.dim)
		}
		vecs[i] = x
		o.vecs = append(o.vecs, x)
		o.users = append(o.users, u.Pseudonym)
		res.Offer(x)
	}
	needInit := m.cl == nil && res.Seen() >= int64(m.opts.MinUsersToInit)
	var initCl *Clusterer
	if needInit {
		initCl = m.initClusterer(append([][]float32(nil), res.Sample()...), m.dim)
	}
	m.mu.Unlock()
	if initCl != nil {
		if err := m.publishInit(ctx, initCl); err != nil {
			return o, err
		}
	}

	// Assign on a scratch copy of the centroids.
	m.mu.Lock()
	defer m.mu.Unlock()
	var cl *Clusterer
	if m.cl != nil {
		cl = m.cl.clone()
	}
	o.ver = m.version
	for i, u := range ups {
		x := vecs[i]
		if x == nil {
			o.res.Skipped++
			continue
		}
		if cl == nil {
			o.res.Unassigned++
			o.as = append(o.as, Assignment{Pseudonym: u.Pseudonym, Segment: -1, CentroidVersion: 0})
			continue
		}
		seg, dist := cl.Assign(x, u.Segment, m.opts.Margin)
		cl.Add(seg, x, 1)
		o.adds = append(o.adds, segAdd{seg: seg, x: x, cats: u.Categories, rating: u.MeanRating})
		o.as = append(o.as, Assignment{Pseudonym: u.Pseudonym, Segment: seg, Distance: dist, CentroidVersion: o.ver})
		o.res.Assigned++
		if seg != u.Segment {
			o.res.Moved++
			o.changes = append(o.changes, segChange{u.Pseudonym, u.Segment, seg, dist})
		}
	}
	if cl == nil {
		o.res.Seen, o.res.NeedToInit = res.Seen(), int64(m.opts.MinUsersToInit)
	}
	return o, nil
}

// write makes an observation durable: assignments, membership sets, change stream.
func (m *Model) write(ctx context.Context, o observation) error {
	if len(o.as) > 0 && m.store != nil {
		if err := m.store.SetSegments(ctx, o.as); err != nil {
			return fmt.Errorf("online: set segments: %w", err)
		}
	}
	if len(o.changes) > 0 {
		now := m.opts.Now().UnixMilli()
		pipe := m.rdb.Pipeline()
		for _, c := range o.changes {
			m.addChange(ctx, pipe, c.pseudo, c.from, c.to, c.dist, o.ver, now)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("online: membership: %w", err)
		}
	}
	return nil
}

// commit folds a written observation into the local state: the sample, the centroids, the
// deltas the next merge publishes, and the segment statistics.
func (m *Model) commit(o observation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range o.vecs {
		m.res.Offer(x)
		m.users.Offer(o.users[i], x)
	}
	if m.cl == nil {
		return
	}
	for _, a := range o.adds {
		if a.seg >= m.cl.K() || len(a.x) != m.dim {
			continue // the model changed shape meanwhile (adopt refuses that; defensive)
		}
		m.cl.Add(a.seg, a.x, 1)
		d := m.dSum[a.seg*m.dim : (a.seg+1)*m.dim]
		for j, v := range a.x {
			d[j] += float64(v)
		}
		m.dCount[a.seg]++
		m.addStats(a.seg, a.cats, a.rating)
	}
}

// addChange queues the membership move and the change-stream entry of one user.
func (m *Model) addChange(ctx context.Context, pipe redis.Pipeliner, pseudo string, from, to int, dist float32, ver, nowMS int64) {
	if from >= 0 && from != to {
		pipe.SRem(ctx, m.keys.Members(from), pseudo)
	}
	if to >= 0 {
		pipe.SAdd(ctx, m.keys.Members(to), pseudo)
	}
	if from != to {
		pipe.XAdd(ctx, &redis.XAddArgs{
			Stream: m.keys.Changes(), MaxLen: 100000, Approx: true,
			Values: []any{"pseudonym", pseudo, "from", from, "to", to,
				"distance", strconv.FormatFloat(float64(dist), 'f', 6, 32),
				"centroid_version", ver, "ts", nowMS},
		})
	}
}

func (m *Model) addStats(seg int, cats []schema.CategoryCount, rating float64) {
	sd := &m.stats[seg]
	sd.observed++
	var total float64
	for _, c := range cats {
		if c.Count > 0 {
			total += c.Count
		}
	}
	if total > 0 {
		if sd.cats == nil {
			sd.cats = map[string]float64{}
		}
		for _, c := range cats {
			if c.Count > 0 && c.Category != "" {
				sd.cats[c.Category] += c.Count / total
			}
		}
	}
	if rating > 0 {
		sd.ratingS += rating
		sd.ratingN++
	}
}

// ensureAdopted pulls the shared model when this worker has none yet.
func (m *Model) ensureAdopted(ctx context.Context) error {
	m.mu.Lock()
	have := m.cl != nil
	m.mu.Unlock()
	if have {
		return nil
	}
	return m.pull(ctx)
}

// pull reads the shared model and adopts it (keeping local deltas on top).
func (m *Model) pull(ctx context.Context) error {
	h, err := m.rdb.HGetAll(ctx, m.keys.Centroids()).Result()
	if err != nil {
		return fmt.Errorf("online: read centroids: %w", err)
	}
	st, ok, err := parseState(h)
	if err != nil || !ok {
		return err
	}
	return m.adopt(st)
}

func (m *Model) adopt(st sharedState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.opts.K > 0 && st.k != m.opts.K {
		return fmt.Errorf("online: the shared model has K=%d, this worker K=%d (use another Prefix or delete %s)", st.k, m.opts.K, m.keys.Centroids())
	}
	if m.dim != 0 && st.dim != m.dim {
		return fmt.Errorf("online: the shared model has dimension %d, this worker's vectors %d", st.dim, m.dim)
	}
	m.dim = st.dim
	if m.cl == nil || m.cl.Dim() != st.dim || m.cl.K() != st.k {
		// First adoption, or the shared k changed (automatic k): local deltas of another k
		// cannot be merged and are dropped.
		m.cl = NewClusterer(st.k, st.dim)
		m.dSum = make([]float64, st.k*st.dim)
		m.dCount = make([]float64, st.k)
		m.stats = make([]segDelta, st.k)
	}
	for i := 0; i < st.k; i++ {
		s := append([]float64(nil), st.sums[i]...)
		d := m.dSum[i*st.dim : (i+1)*st.dim]
		for j := range s {
			s[j] += d[j]
		}
		m.cl.SetSegment(i, s, st.counts[i]+m.dCount[i])
	}
	m.version, m.merges = st.version, st.merges
	return nil
}

// publishInit tries to publish initial centroids; whoever won, the worker then adopts the
// shared model.
func (m *Model) publishInit(ctx context.Context, c *Clusterer) error {
	args := []any{c.K(), c.Dim(), m.opts.WorkerID, m.opts.Now().UnixMilli()}
	for i := 0; i < c.K(); i++ {
		args = append(args, encodeF64as32(c.Sum(i)), strconv.FormatFloat(c.Count(i), 'g', -1, 64), schema.EncodeVector(c.Centroid(i)))
	}
	if err := initScript.Run(ctx, m.rdb, []string{m.keys.Centroids()}, args...).Err(); err != nil {
		return fmt.Errorf("online: init centroids: %w", err)
	}
	return m.pull(ctx)
}

// Merge adds this worker's local deltas into the shared model atomically, reseeds starved
// segments, and adopts the merged centroids. Before initialization it only adopts a model that
// another worker published. It also flushes the local segment statistics.
func (m *Model) Merge(ctx context.Context) error {
	m.mu.Lock()
	if m.cl == nil {
		m.mu.Unlock()
		return m.pull(ctx)
	}
	k, dim := m.cl.K(), m.dim
	dSum, dCount := m.dSum, m.dCount
	m.dSum, m.dCount = make([]float64, k*dim), make([]float64, k)
	stats := m.stats
	m.stats = make([]segDelta, k)
	var reseed []int
	var seeds [][]float32
	if starved := m.cl.Starved(m.opts.ReseedFraction); len(starved) > 0 {
		seeds = m.cl.FarPoints(m.res.Sample(), len(starved), m.rng)
		reseed = starved[:len(seeds)]
	}
	m.mu.Unlock()

	now := m.opts.Now().UnixMilli()
	args := []any{now, m.opts.HalfLife.Milliseconds(), k, dim, m.opts.VersionDrift, m.opts.ReseedFraction, len(reseed)}
	for i := 0; i < k; i++ {
		if dCount[i] > 0 {
			args = append(args, strconv.FormatFloat(dCount[i], 'g', -1, 64), encodeF64as32(dSum[i*dim:(i+1)*dim]))
		} else {
			args = append(args, 0, "")
		}
	}
	for r, i := range reseed {
		args = append(args, i, schema.EncodeVector(seeds[r]))
	}
	raw, err := mergeScript.Run(ctx, m.rdb, []string{m.keys.Centroids()}, args...).StringSlice()
	if err != nil {
		m.restoreDeltas(dSum, dCount, stats)
		if m.opts.K == 0 && strings.Contains(err.Error(), "ONLINE_SHAPE") {
			// Another worker's refit changed k: adopt the new model (dropping our deltas).
			return m.pull(ctx)
		}
		return fmt.Errorf("online: merge: %w", err)
	}
	h := make(map[string]string, len(raw)/2)
	for i := 0; i+1 < len(raw); i += 2 {
		h[raw[i]] = raw[i+1]
	}
	st, _, err := parseState(h)
	if err != nil {
		return err
	}
	if err := m.adopt(st); err != nil {
		return err
	}
	return m.flushStats(ctx, stats, now)
}

func (m *Model) restoreDeltas(dSum, dCount []float64, stats []segDelta) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for j, v := range dSum {
		m.dSum[j] += v
	}
	for i, v := range dCount {
		m.dCount[i] += v
	}
	for i, sd := range stats {
		t := &m.stats[i]
		t.observed += sd.observed
		t.ratingS += sd.ratingS
		t.ratingN += sd.ratingN
		for c, v := range sd.cats {
			if t.cats == nil {
				t.cats = map[string]float64{}
			}
			t.cats[c] += v
		}
	}
}

func (m *Model) flushStats(ctx context.Context, stats []segDelta, now int64) error {
	pipe := m.rdb.Pipeline()
	n := 0
	for i, sd := range stats {
		if sd.observed == 0 {
			continue
		}
		args := []any{now, m.opts.HalfLife.Milliseconds(), 0.01,
			"observed", sd.observed, "rating_sum", sd.ratingS, "rating_n", sd.ratingN}
		for c, v := range sd.cats {
			args = append(args, "c:"+c, v)
		}
		statsScript.Eval(ctx, pipe, []string{m.keys.Stats(i)}, args...)
		n++
	}
	if n == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("online: segment stats: %w", err)
	}
	return nil
}

// Run merges at every MergeInterval and, when the SegmentWriter is also a ProfileScanner, sweeps
// stale assignments, until ctx is done; it then merges once more (bounded by 5 s) and returns
// that merge's error, if any. Errors during the run are logged and retried at the next tick.
func (m *Model) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if sc, ok := m.store.(ProfileScanner); ok {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.sweepLoop(ctx, sc)
		}()
	}
	t := time.NewTicker(m.opts.MergeInterval)
	defer t.Stop()
	var refit <-chan time.Time
	if m.opts.RefitInterval > 0 {
		rt := time.NewTicker(m.opts.RefitInterval)
		defer rt.Stop()
		refit = rt.C
	}
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return m.Merge(fctx)
		case <-t.C:
			if err := m.Merge(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn().Err(err).Msg("segment merge failed; retrying at the next interval")
			} else if m.RefitDue() {
				m.refitAndLog(ctx)
			}
		case <-refit:
			if err := m.Merge(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn().Err(err).Msg("segment merge before refit failed; retrying at the next interval")
				continue
			}
			m.refitAndLog(ctx)
		}
	}
}
