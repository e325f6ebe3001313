package online

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/schema"
)

// keys names every Redis key of the package, as package schema builds them (docs/schema.md,
// section Segments).
type keys struct{ prefix string }

// Centroids is the one hash holding the shared model: version, shape, and per segment the
// running sum (float32 LE blob), count, normalized centroid and the anchor (centroid at the last
// version bump).
func (k keys) Centroids() string { return schema.SegmentCentroidsKey(k.prefix) }

// Members is segment seg's membership set of pseudonyms.
func (k keys) Members(seg int) string { return schema.SegmentMembersKey(k.prefix, seg) }

// Stats is segment seg's statistics hash (decayed category counts, rating sums).
func (k keys) Stats(seg int) string { return schema.SegmentStatsKey(k.prefix, seg) }

// Changes is the stream of segment changes.
func (k keys) Changes() string { return schema.SegmentChangesKey(k.prefix) }

// sharedState is the parsed content of the centroids hash.
type sharedState struct {
	version int64
	merges  int64
	k, dim  int
	initBy  string
	updated time.Time
	sums    [][]float64
	counts  []float64
}

func encodeF64as32(v []float64) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return b
}

func decodeF32(b []byte, dim int) ([]float32, error) {
	if len(b) != 4*dim {
		return nil, fmt.Errorf("online: vector blob has %d bytes, want %d", len(b), 4*dim)
	}
	return schema.DecodeVector(b)
}

// parseState parses HGETALL of the centroids hash; ok is false when the model does not exist.
func parseState(h map[string]string) (st sharedState, ok bool, err error) {
	if len(h) == 0 || h["version"] == "" {
		return st, false, nil
	}
	atoi := func(f string) int64 {
		if err != nil {
			return 0
		}
		var n int64
		n, err = strconv.ParseInt(h[f], 10, 64)
		if err != nil {
			err = fmt.Errorf("online: centroids field %q: %w", f, err)
		}
		return n
	}
	st.version = atoi("version")
	st.k = int(atoi("k"))
	st.dim = int(atoi("dim"))
	if h["merges"] != "" {
		st.merges = atoi("merges")
	}
	if h["updated_ms"] != "" {
		st.updated = time.UnixMilli(atoi("updated_ms"))
	}
	if err != nil {
		return st, false, err
	}
	st.initBy = h["init_by"]
	st.sums = make([][]float64, st.k)
	st.counts = make([]float64, st.k)
	for i := 0; i < st.k; i++ {
		v, err := decodeF32([]byte(h["sum:"+strconv.Itoa(i)]), st.dim)
		if err != nil {
			return st, false, fmt.Errorf("online: segment %d: %w", i, err)
		}
		s := make([]float64, st.dim)
		for j, x := range v {
			s[j] = float64(x)
		}
		st.sums[i] = s
		c, err := strconv.ParseFloat(h["count:"+strconv.Itoa(i)], 64)
		if err != nil {
			return st, false, fmt.Errorf("online: segment %d count: %w", i, err)
		}
		st.counts[i] = c
	}
	return st, true, nil
}

// initScript publishes initial centroids unless a model already exists (first worker wins).
// KEYS[1] centroids hash. ARGV: k, dim, worker, now_ms, then k times (sum blob, count, centroid
// blob). Returns 1 when this call initialized the model, 0 when one existed.
var initScript = redis.NewScript(`
local key = KEYS[1]
if redis.call('HEXISTS', key, 'version') == 1 then return 0 end
local k = tonumber(ARGV[1])
redis.call('HSET', key, 'version', 1, 'merges', 0, 'k', ARGV[1], 'dim', ARGV[2],
  'init_by', ARGV[3], 'init_ms', ARGV[4], 'updated_ms', ARGV[4], 'decay_ms', ARGV[4])
for i = 0, k - 1 do
  local a = 5 + 3 * i
  redis.call('HSET', key, 'sum:' .. i, ARGV[a], 'count:' .. i, ARGV[a + 1],
    'centroid:' .. i, ARGV[a + 2], 'anchor:' .. i, ARGV[a + 2])
end
return 1
`)

// mergeScript adds one worker's deltas into the shared model atomically.
// KEYS[1] centroids hash.
// ARGV: now_ms, halflife_ms (0 = none), k, dim, drift, reseed_frac, n_reseed,
// then k times (delta count, delta sum blob or ""), then n_reseed times (segment, vector blob).
// Steps: decay sums and counts by 2^(-(now-decay_ms)/halflife); add the deltas; replace every
// proposed segment that is still starved (count < reseed_frac * max count, or zero) by its
// proposed vector, with the smallest count of the segments that are not starved (as sklearn's
// MiniBatchKMeans does, so that a reseeded segment is not reseeded again at once); recompute the normalized centroids; bump the version when a
// segment was reseeded or some centroid moved farther than drift (cosine distance) from its
// anchor, and then reset the anchors. Returns the whole hash (HGETALL).
var mergeScript = redis.NewScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local hl = tonumber(ARGV[2])
local k = tonumber(ARGV[3])
local dim = tonumber(ARGV[4])
local drift = tonumber(ARGV[5])
local frac = tonumber(ARGV[6])
local nres = tonumber(ARGV[7])
if redis.call('HEXISTS', key, 'version') == 0 then return redis.error_reply('ONLINE_NOINIT model not initialized') end
if tonumber(redis.call('HGET', key, 'k')) ~= k or tonumber(redis.call('HGET', key, 'dim')) ~= dim then
  return redis.error_reply('ONLINE_SHAPE stored k/dim differ from this worker')
end
local fmt = '<' .. string.rep('f', dim)
local function unpackv(blob)
  local t = {struct.unpack(fmt, blob)}
  t[dim + 1] = nil
  return t
end
local function packv(v) return struct.pack(fmt, unpack(v)) end
local function num(x) return string.format('%.17g', x) end

local f = 1
local decay_ms = tonumber(redis.call('HGET', key, 'decay_ms') or now)
if hl > 0 and now > decay_ms then
  f = math.pow(0.5, (now - decay_ms) / hl)
end
local sums, counts = {}, {}
local maxc = 0
for i = 0, k - 1 do
  local s = unpackv(redis.call('HGET', key, 'sum:' .. i))
  local c = tonumber(redis.call('HGET', key, 'count:' .. i)) * f
  if f ~= 1 then for j = 1, dim do s[j] = s[j] * f end end
  local dc = tonumber(ARGV[8 + 2 * i])
  local db = ARGV[9 + 2 * i]
  if dc > 0 and string.len(db) == 4 * dim then
    local d = unpackv(db)
    for j = 1, dim do s[j] = s[j] + d[j] end
    c = c + dc
  end
  sums[i], counts[i] = s, c
  if c > maxc then maxc = c end
end
local bump = false
local base = 8 + 2 * k
local starved, minc = {}, nil
for i = 0, k - 1 do
  if counts[i] < frac * maxc or counts[i] == 0 then
    starved[i] = true
  elseif minc == nil or counts[i] < minc then
    minc = counts[i]
  end
end
for r = 0, nres - 1 do
  local i = tonumber(ARGV[base + 2 * r])
  if i >= 0 and i < k and starved[i] and minc ~= nil then
    local v = unpackv(ARGV[base + 2 * r + 1])
    for j = 1, dim do v[j] = v[j] * minc end
    sums[i] = v
    counts[i] = minc
    starved[i] = nil
    bump = true
  end
end
local cents = {}
for i = 0, k - 1 do
  local s = sums[i]
  local n = 0
  for j = 1, dim do n = n + s[j] * s[j] end
  local c = {}
  if n > 0 then
    local inv = 1 / math.sqrt(n)
    for j = 1, dim do c[j] = s[j] * inv end
  else
    c = unpackv(redis.call('HGET', key, 'centroid:' .. i))
  end
  cents[i] = c
  if not bump then
    local a = unpackv(redis.call('HGET', key, 'anchor:' .. i))
    local d = 0
    for j = 1, dim do d = d + a[j] * c[j] end
    if 1 - d > drift then bump = true end
  end
end
for i = 0, k - 1 do
  local cb = packv(cents[i])
  redis.call('HSET', key, 'sum:' .. i, packv(sums[i]), 'count:' .. i, num(counts[i]), 'centroid:' .. i, cb)
  if bump then redis.call('HSET', key, 'anchor:' .. i, cb) end
end
if bump then redis.call('HINCRBY', key, 'version', 1) end
redis.call('HINCRBY', key, 'merges', 1)
redis.call('HSET', key, 'updated_ms', ARGV[1])
if hl > 0 then redis.call('HSET', key, 'decay_ms', ARGV[1]) end
return redis.call('HGETALL', key)
`)

// statsScript decays one segment's statistics hash and adds increments. KEYS[1] stats hash.
// ARGV: now_ms, halflife_ms, prune, then field/increment pairs. Every numeric field except
// decay_ms is multiplied by 2^(-(now-decay_ms)/halflife); category fields ("c:<name>") that fall
// below prune are deleted, which bounds the hash.
var statsScript = redis.NewScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local hl = tonumber(ARGV[2])
local prune = tonumber(ARGV[3])
local last = tonumber(redis.call('HGET', key, 'decay_ms') or now)
if hl > 0 and now > last then
  local f = math.pow(0.5, (now - last) / hl)
  local h = redis.call('HGETALL', key)
  for i = 1, #h, 2 do
    local name = h[i]
    if name ~= 'decay_ms' then
      local v = tonumber(h[i + 1]) * f
      if string.sub(name, 1, 2) == 'c:' and v < prune then
        redis.call('HDEL', key, name)
      else
        redis.call('HSET', key, name, string.format('%.17g', v))
      end
    end
  end
end
for i = 4, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', key, ARGV[i], ARGV[i + 1])
end
redis.call('HSET', key, 'decay_ms', ARGV[1])
return 1
`)
