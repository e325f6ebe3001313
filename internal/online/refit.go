package online

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/schema"
)

// refitLloyd bounds the Lloyd iterations of a refit and of initialization (they stop earlier
// when no point changes segment).
const refitLloyd = 100

// RefitMinGain is the relative decrease of the sample's inertia a refit must reach to be
// published: every publication bumps the version and so makes the sweep re-assign every user,
// which is not worth a negligible improvement.
const RefitMinGain = 0.01

// RefitResult says what one Refit did.
type RefitResult struct {
	// Published is true when this worker's refit replaced the shared centroids (and bumped the
	// version); false when there was nothing to refit or another worker changed the version
	// first.
	Published bool
	// Sample is the number of users the refit clustered.
	Sample int
	// Before and After are the mean cosine inertia of the sample under the centroids before and
	// after the refit; Fresh is true when a fresh k-means++ start beat the warm start.
	Before, After float64
	Fresh         bool
	// K is the number of segments after the refit; with an automatic k (Options.K = 0) Scores
	// are the silhouettes of the candidate k on the sample (see ChooseK).
	K      int
	Scores []KScore
}

// Refit re-clusters this worker's user sample (the latest vector of up to UserSampleSize users,
// see UserSample) and, when that lowers the sample's inertia, publishes the result as the new
// shared centroids with a version bump, so that the staleness sweep re-assigns every user. It
// publishes only when the inertia drops by at least RefitMinGain (relative), or k changed.
//
// Online updates alone leave k-means where its early centroids and each user's early, partial
// profile put it: a centroid is the mean of every sample ever added to it, including vectors of
// users who have since drifted away, and a poor start is never undone. A refit runs spherical
// Lloyd iterations from the current centroids (warm start, segment ids stay) and InitTrials
// fresh k-means++ starts on the users' current vectors, and keeps the start with the lowest
// inertia; a fresh winner's segments are matched to the current ones by centroid similarity so
// that ids stay as stable as possible. Shared sums are replaced by the sample's sums scaled to
// the shared total count, so later online updates keep their 1/n learning rate. Run calls it
// every RefitInterval, and after a merge when RefitDue.
func (m *Model) Refit(ctx context.Context) (RefitResult, error) {
	m.mu.Lock()
	if m.cl == nil || m.users.Len() < 2*m.cl.K() {
		m.mu.Unlock()
		return RefitResult{}, nil
	}
	k, dim := m.cl.K(), m.cl.Dim()
	sample := m.users.Vectors()
	cur := NewClusterer(k, dim)
	var total float64
	for i := 0; i < k; i++ {
		cur.SetSegment(i, m.cl.Sum(i), m.cl.Count(i))
		total += m.cl.Count(i)
	}
	base := m.version
	m.refitBase = len(sample)
	seed := m.opts.Seed ^ uint64(m.merges+1)*0x9e3779b97f4a7c15 ^ uint64(base)
	m.mu.Unlock()

	res := RefitResult{Sample: len(sample), Before: cur.Inertia(sample) / float64(len(sample)), K: k}
	rng := rand.New(rand.NewPCG(seed, uint64(len(sample))))
	warm := NewClusterer(k, dim)
	for i := 0; i < k; i++ {
		warm.SetSegment(i, f32to64(cur.Centroid(i)), 0)
	}
	warm.lloyd(sample, refitLloyd)
	if m.opts.K == 0 {
		kc, scores, err := ChooseK(ctx, sample, m.opts.KMin, m.opts.KMax, rng, warm)
		if err != nil {
			return res, err
		}
		res.Scores = scores
		curS, bestS := -2.0, -2.0
		for _, sc := range scores {
			if sc.K == k {
				curS = sc.Silhouette
			}
			if sc.K == kc {
				bestS = sc.Silhouette
			}
		}
		if kc != k && bestS > curS+KSwitchGain {
			// A new k: a fresh clustering, matched to the current segments where it can be.
			fresh := NewClusterer(kc, dim)
			fresh.InitBest(sample, rng, refitLloyd, m.opts.InitTrials)
			res.K, res.Fresh = kc, true
			res.After = fresh.Inertia(sample) / float64(len(sample))
			return m.publishRefit(ctx, res, fresh.matchedTo(cur), base, total, len(sample))
		}
	}
	best, bestIn := warm, warm.Inertia(sample)
	fresh := NewClusterer(k, dim)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	fresh.InitBest(sample, rng, refitLloyd, m.opts.InitTrials)
	if in := fresh.Inertia(sample); in < bestIn {
		best, bestIn, res.Fresh = fresh.matchedTo(cur), in, true
	}
	res.After = bestIn / float64(len(sample))
	if res.After > res.Before*(1-RefitMinGain) {
		return res, nil
	}
	return m.publishRefit(ctx, res, best, base, total, len(sample))
}

// RefitDue reports whether the user sample has at least doubled since the last refit (or since
// this worker first saw the model initialized). Run then refits at once instead of waiting for
// RefitInterval, so that a young model, initialized from its first MinUsersToInit updates, is
// refitted on 2x, 4x, ... as many users while its sample fills up.
func (m *Model) RefitDue() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cl == nil || m.opts.RefitInterval < 0 {
		return false
	}
	if m.refitBase == 0 {
		m.refitBase = max(1, m.users.Len())
		return false
	}
	return m.users.Len() >= 2*m.refitBase
}

func (m *Model) refitAndLog(ctx context.Context) {
	r, err := m.Refit(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn().Err(err).Msg("segment refit failed; retrying at the next interval")
		}
		return
	}
	if r.Published {
		m.log.Info().Int("sample", r.Sample).Int("k", r.K).Float64("inertia_before", r.Before).
			Float64("inertia_after", r.After).Bool("fresh_start", r.Fresh).Msg("segments refitted")
	}
}

// publishRefit replaces the shared model by best (sums scaled from n sample points to the
// shared total count) if the shared version is still base, and adopts the result.
func (m *Model) publishRefit(ctx context.Context, res RefitResult, best *Clusterer, base int64, total float64, n int) (RefitResult, error) {
	if total <= 0 {
		total = float64(n)
	}
	k, dim := best.K(), best.Dim()
	scale := total / float64(n)
	args := []any{base, m.opts.Now().UnixMilli(), k, dim}
	for i := 0; i < k; i++ {
		s := make([]float64, dim)
		for j, v := range best.Sum(i) {
			s[j] = v * scale
		}
		args = append(args, encodeF64as32(s), strconv.FormatFloat(best.Count(i)*scale, 'g', -1, 64), schema.EncodeVector(best.Centroid(i)))
	}
	ok, err := refitScript.Run(ctx, m.rdb, []string{m.keys.Centroids()}, args...).Int()
	if err != nil {
		return res, fmt.Errorf("online: refit: %w", err)
	}
	res.Published = ok == 1
	return res, m.pull(ctx)
}

// matchedTo returns c with its segments renumbered so that each keeps the id of the most
// similar segment of ref (greedy over all pairs by descending cosine; ids are < c.K(), so when
// ref has more segments some of them have no successor, and when it has fewer the unmatched
// segments of c take the free ids).
func (c *Clusterer) matchedTo(ref *Clusterer) *Clusterer {
	k := c.k
	type pair struct {
		i, j int
		s    float32
	}
	var ps []pair
	for i := 0; i < k; i++ {
		ci := c.Centroid(i)
		for j := 0; j < min(k, ref.k); j++ {
			ps = append(ps, pair{i, j, dot(ci, ref.Centroid(j))})
		}
	}
	usedC, usedID := make([]bool, k), make([]bool, k)
	out := NewClusterer(k, c.dim)
	for {
		bi := -1
		for x, p := range ps {
			if usedC[p.i] || usedID[p.j] {
				continue
			}
			if bi < 0 || p.s > ps[bi].s {
				bi = x
			}
		}
		if bi < 0 {
			break
		}
		p := ps[bi]
		usedC[p.i], usedID[p.j] = true, true
		out.SetSegment(p.j, c.Sum(p.i), c.Count(p.i))
	}
	id := 0
	for i := 0; i < k; i++ {
		if usedC[i] {
			continue
		}
		for usedID[id] {
			id++
		}
		usedID[id] = true
		out.SetSegment(id, c.Sum(i), c.Count(i))
	}
	return out
}

func f32to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// refitScript replaces the shared sums, counts and centroids (and k, when an automatic k
// changed) when the version is still the one the refit started from, and bumps the version.
// KEYS[1] centroids hash. ARGV: base_version, now_ms, k, dim, then k times (sum blob, count,
// centroid blob). Returns 1 when replaced, 0 when the version had changed.
var refitScript = redis.NewScript(`
local key = KEYS[1]
local v = redis.call('HGET', key, 'version')
if not v or tonumber(v) ~= tonumber(ARGV[1]) then return 0 end
if tonumber(redis.call('HGET', key, 'dim')) ~= tonumber(ARGV[4]) then
  return redis.error_reply('ONLINE_SHAPE stored dim differs from this worker')
end
local k = tonumber(ARGV[3])
local oldk = tonumber(redis.call('HGET', key, 'k'))
for i = k, oldk - 1 do
  redis.call('HDEL', key, 'sum:' .. i, 'count:' .. i, 'centroid:' .. i, 'anchor:' .. i)
end
redis.call('HSET', key, 'k', k)
for i = 0, k - 1 do
  local a = 5 + 3 * i
  redis.call('HSET', key, 'sum:' .. i, ARGV[a], 'count:' .. i, ARGV[a + 1],
    'centroid:' .. i, ARGV[a + 2], 'anchor:' .. i, ARGV[a + 2])
end
redis.call('HSET', key, 'version', tonumber(v) + 1, 'updated_ms', ARGV[2], 'refit_ms', ARGV[2])
redis.call('HINCRBY', key, 'refits', 1)
return 1
`)
