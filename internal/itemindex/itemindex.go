// Package itemindex is the write side of the item index: the worker observes every folded
// batch into it (each item's decayed popularity, category and vector, each user's interacted
// items, item co-occurrence), a catalog registers items with Upsert, and Trim bounds it. The
// layout is docs/schema.md's (schema.ItemKey, ItemPopularityKey, ItemCooccurKey, UserItemsKey);
// internal/apps reads it to recommend. It imports nothing of the read side.
//
// Popularity is a decayed counter: every interaction adds its action weight, and the sum halves
// every HalfLife. It is stored in a sorted set in a form that makes the decay implicit
// (score = log2(sum_i w_i 2^(t_i/HalfLife))): the order of the scores is the order of the
// decayed popularities at any time, so nothing has to be rewritten as time passes, and the
// popularity at time now is 2^(score - now/HalfLife). Trim evicts the items with the lowest
// decayed popularity (ZPOPMIN) when there are more than MaxItems.
//
// A user's item set is next to the profile in the same Redis Cluster slot, and its write is
// fenced by the erasure ledger like the profile's. Co-occurrence counts each user once per pair,
// when the second item is new to the user (redeliveries and erased users add nothing).
package itemindex

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/schema"
)

// Defaults of the options readers and writers of one Redis must agree on.
const (
	DefaultHalfLife      = schema.DefaultItemHalfLife
	DefaultMaxUserItems  = 200
	DefaultMaxCooccur    = 200
	DefaultCooccurRecent = 50
)

// TextEncoder turns texts into L2-normalized vectors (internal/encoder's Model and Cache are
// TextEncoders).
type TextEncoder interface {
	Encode(ctx context.Context, texts []string) ([][]float32, error)
}

// NoPopularity is the sorted-set score of an item that was registered (Upsert) but never
// interacted with: its decayed popularity reads as 0 and Trim evicts it first.
const NoPopularity = -1e9

// Options configure a Writer. ModelID is required; every other field has a default that New
// fills in when left at its zero value. Readers of the index (internal/apps) must be given the
// same Prefix, HalfLife, MaxUserItems, MaxCooccur and CooccurRecent.
type Options struct {
	// Prefix starts every key ("<prefix>:v1:..."), as configured for profilestore. Default "ps".
	Prefix string
	// ModelID names the encoder model of the item vectors; Recommend compares an item only with
	// profiles whose "model" field is the same. Required (the encoder's ModelID()).
	ModelID string
	// Encoder encodes "<category>. <title>" of items that arrive in reviews with a title and of
	// catalog items (Upsert). Optional: without it, review items get the running mean of their
	// reviews' vectors and Upsert fails.
	Encoder TextEncoder
	// HalfLife of the decayed popularity. Default 168h (7 days): shorter follows trends faster
	// but forgets steady sellers; it must be the same for every writer of one Redis.
	HalfLife time.Duration
	// ActionWeights weigh an interaction in popularity, as in profilestore (default view 1,
	// cart 2, fav 2, buy 4, review 3; a kind missing from a non-nil map weighs 1).
	ActionWeights map[event.Kind]float64
	// MaxItems bounds the index: Trim evicts the lowest decayed popularity above it. Default
	// 100000. Memory: about (4*dim + 150) bytes per item in Redis and 4*dim+100 in each reader's
	// in-memory copy.
	MaxItems int
	// MaxUserItems bounds each user's interacted-items set (newest kept). Default 200; negative
	// turns the set off (then only the profile's RecentItems, 20 by default, are excluded).
	MaxUserItems int
	// MaxCooccur bounds each item's co-occurrence list (the items most often interacted with by
	// the same users, with counts). Default 200; negative turns co-occurrence off (it also needs
	// the user item sets, MaxUserItems > 0). When the list is full, the least frequent entries
	// are dropped first.
	MaxCooccur int
	// CooccurRecent is how many of a user's newest items a new item is paired with (on write)
	// and how many of the user's items Recommend reads the lists of. Default 50.
	CooccurRecent int
}

func (o Options) withDefaults() (Options, error) {
	if o.Prefix == "" {
		o.Prefix = schema.DefaultPrefix
	}
	if o.ModelID == "" {
		if m, ok := o.Encoder.(interface{ ModelID() string }); ok {
			o.ModelID = m.ModelID()
		}
	}
	if o.ModelID == "" {
		return o, errors.New("itemindex: Options.ModelID is required")
	}
	if o.HalfLife == 0 {
		o.HalfLife = DefaultHalfLife
	}
	if o.HalfLife < 0 {
		return o, errors.New("itemindex: HalfLife must be > 0")
	}
	w := map[event.Kind]float64{}
	for _, k := range event.Kinds {
		w[k] = schema.DefaultActionWeights()[k.String()]
	}
	if o.ActionWeights != nil {
		for _, k := range event.Kinds {
			v, ok := o.ActionWeights[k]
			if !ok {
				v = 1
			}
			if v <= 0 {
				return o, fmt.Errorf("itemindex: action weight of %s must be > 0", k)
			}
			w[k] = v
		}
	}
	o.ActionWeights = w
	if o.MaxItems == 0 {
		o.MaxItems = 100000
	}
	if o.MaxItems < 0 {
		return o, errors.New("itemindex: MaxItems must be > 0")
	}
	if o.MaxUserItems == 0 {
		o.MaxUserItems = DefaultMaxUserItems
	}
	if o.MaxCooccur == 0 {
		o.MaxCooccur = DefaultMaxCooccur
	}
	if o.CooccurRecent <= 0 {
		o.CooccurRecent = DefaultCooccurRecent
	}
	return o, nil
}

// Writer writes the item index. It is safe for concurrent use; several Writers (in several
// processes) may write the same Redis.
type Writer struct {
	rdb  redis.UniversalClient
	opts Options
}

// New returns a Writer on client.
func New(client redis.UniversalClient, opts Options) (*Writer, error) {
	if client == nil {
		return nil, errors.New("itemindex: nil client")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Writer{rdb: client, opts: o}, nil
}

// Options returns the options with defaults filled in.
func (x *Writer) Options() Options { return x.opts }

// popScript adds a batch's popularity to an item. KEYS[1] popularity set; ARGV[1] item id,
// ARGV[2] log2 of the added decayed weight (in the time-free form, see the package doc).
// score' = log2(2^score + 2^x), computed stably.
var popScript = redisscript.New(`
local x = tonumber(ARGV[2])
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s then
  s = tonumber(s)
  local m = math.max(s, x)
  x = m + math.log(1 + math.pow(2, math.min(s, x) - m)) / math.log(2)
end
redis.call('ZADD', KEYS[1], x, ARGV[1])
return 1
`)

// itemTextScript sets an item's text vector. KEYS[1] item hash; ARGV model, dim, category,
// title, vector blob, last-seen ms. The text vector replaces any review mean.
var itemTextScript = redisscript.New(`
redis.call('HSET', KEYS[1], 'model', ARGV[1], 'dim', ARGV[2], 'src', 'text', 'vec', ARGV[5], 'vn', 1)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'cat', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'title', ARGV[4]) end
local l = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if tonumber(ARGV[6]) > l then redis.call('HSET', KEYS[1], 'last', ARGV[6]) end
return 1
`)

// itemMeanScript folds k review vectors (their sum) into an item's running mean unless the
// item has a text vector of the same model. KEYS[1] item hash; ARGV model, dim, category,
// sum blob, k, last-seen ms.
var itemMeanScript = redisscript.New(`
local cur = redis.call('HMGET', KEYS[1], 'model', 'src', 'vec', 'vn')
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'cat', ARGV[3]) end
local l = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if tonumber(ARGV[6]) > l then redis.call('HSET', KEYS[1], 'last', ARGV[6]) end
if cur[1] == ARGV[1] and cur[2] == 'text' then return 0 end
local k = tonumber(ARGV[5])
local sum = ARGV[4]
local d = tonumber(ARGV[2])
if cur[1] ~= ARGV[1] or not cur[3] or not cur[4] or string.len(cur[3]) ~= 4 * d then
  local out = {}
  for i = 0, d - 1 do
    out[i + 1] = struct.pack('<f', struct.unpack('<f', sum, 4 * i + 1) / k)
  end
  redis.call('HSET', KEYS[1], 'model', ARGV[1], 'dim', ARGV[2], 'src', 'reviews', 'vec', table.concat(out), 'vn', k)
  return 1
end
local n = tonumber(cur[4])
local old = cur[3]
local out = {}
for i = 0, d - 1 do
  local a = struct.unpack('<f', old, 4 * i + 1)
  local b = struct.unpack('<f', sum, 4 * i + 1)
  out[i + 1] = struct.pack('<f', (a * n + b) / (n + k))
end
redis.call('HSET', KEYS[1], 'vec', table.concat(out), 'vn', n + k)
return 1
`)

// userItemsScript records a user's items unless the user is erased. KEYS[1] user items set,
// KEYS[2] erasure ledger; ARGV[1] cap, ARGV[2] how many previous items to return, then (item,
// ms) pairs. Keeps the newest time per item. Returns 0 for an erased user, else
// {new items, previous items}: the items that were not in the set before, and the set's newest
// ARGV[2] items before this call (for co-occurrence).
var userItemsScript = redisscript.New(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local recent = tonumber(ARGV[2])
local prev = {}
if recent > 0 then prev = redis.call('ZREVRANGE', KEYS[1], 0, recent - 1) end
local new = {}
for i = 3, #ARGV, 2 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if not s then new[#new + 1] = ARGV[i] end
  if (not s) or tonumber(s) < tonumber(ARGV[i + 1]) then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  end
end
local cap = tonumber(ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(cap + 1))
return {new, prev}
`)

// cooccurScript adds 1 to the co-occurrence count of each ARGV[2..] in KEYS[1] (an item's
// co-occurrence set) and keeps the ARGV[1] most frequent.
var cooccurScript = redisscript.New(`
for i = 2, #ARGV do redis.call('ZINCRBY', KEYS[1], 1, ARGV[i]) end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
return 1
`)

// itemText is the text an item is encoded from: "<category>. <title>" (either part may be
// missing), the same text a click on it is encoded from (event.EncoderText).
func itemText(category, title string) string {
	e := event.Event{Kind: event.KindView, Category: category, ItemTitle: title}
	return e.EncoderText()
}

// Observe records a batch of events in one pipeline: each item's popularity, category and vector,
// and each user's interacted items. Events without an item id are ignored. Observe itself
// counts what it is given: a batch observed twice counts its popularity twice. The worker
// therefore observes only the events its fold applied (profilestore.FoldResult.Folded), which
// the profiles' watermarks make exactly once, so a redelivered batch adds nothing; what is lost
// is a crash between the fold and Observe (at most once). Vectors and user item sets are
// idempotent.
func (x *Writer) Observe(ctx context.Context, events []event.Event) error {
	type itemAcc struct {
		logw       float64 // log2 of the batch's popularity contribution
		has        bool
		cat, title string
		textVec    []float32
		revSum     []float32
		revN       int
		last       int64
		needEncode bool
	}
	items := map[string]*itemAcc{}
	var order []string
	users := map[string]map[string]int64{}
	var userOrder []string
	hl := float64(x.opts.HalfLife.Milliseconds())
	for i := range events {
		e := &events[i]
		if e.ItemID == "" || e.TS.IsZero() {
			continue
		}
		a := items[e.ItemID]
		if a == nil {
			a = &itemAcc{}
			items[e.ItemID] = a
			order = append(order, e.ItemID)
		}
		t := e.TS.UnixMilli()
		w := x.opts.ActionWeights[e.Kind]
		if w == 0 {
			w = 1
		}
		l := math.Log2(w) + float64(t)/hl
		if !a.has {
			a.logw, a.has = l, true
		} else {
			a.logw = logAdd2(a.logw, l)
		}
		if e.Category != "" {
			a.cat = e.Category
		}
		if e.ItemTitle != "" {
			a.title = e.ItemTitle
		}
		if t > a.last {
			a.last = t
		}
		switch {
		case e.Kind != event.KindReview && e.Vector != nil:
			a.textVec = e.Vector // encoded from itemText(category, title)
		case e.Kind == event.KindReview && e.ItemTitle != "" && x.opts.Encoder != nil:
			a.needEncode = true
		case e.Kind == event.KindReview && e.Vector != nil:
			if a.revSum == nil {
				a.revSum = make([]float32, len(e.Vector))
			}
			if len(a.revSum) == len(e.Vector) {
				for j, v := range e.Vector {
					a.revSum[j] += v
				}
				a.revN++
			}
		}
		if e.Pseudonym != "" && x.opts.MaxUserItems > 0 {
			m := users[e.Pseudonym]
			if m == nil {
				m = map[string]int64{}
				users[e.Pseudonym] = m
				userOrder = append(userOrder, e.Pseudonym)
			}
			if t > m[e.ItemID] {
				m[e.ItemID] = t
			}
		}
	}
	// Encode the titles of review items (clicks already carry the vector of the same text).
	var texts []string
	var textItems []*itemAcc
	for _, id := range order {
		if a := items[id]; a.needEncode && a.textVec == nil {
			texts = append(texts, itemText(a.cat, a.title))
			textItems = append(textItems, a)
		}
	}
	if len(texts) > 0 {
		vecs, err := x.opts.Encoder.Encode(ctx, texts)
		if err != nil {
			return fmt.Errorf("itemindex: observe: encode item titles: %w", err)
		}
		for i, a := range textItems {
			a.textVec = vecs[i]
		}
	}
	var calls []scriptCall
	var userCalls []int // index in calls of each user's userItemsScript call
	for _, id := range order {
		a := items[id]
		calls = append(calls, scriptCall{popScript, []string{schema.ItemPopularityKey(x.opts.Prefix)}, []interface{}{id, a.logw}})
		key := schema.ItemKey(x.opts.Prefix, id)
		switch {
		case a.textVec != nil:
			calls = append(calls, scriptCall{itemTextScript, []string{key}, []interface{}{
				x.opts.ModelID, len(a.textVec), a.cat, truncate(a.title, 300), schema.EncodeVector(a.textVec), a.last}})
		case a.revN > 0:
			calls = append(calls, scriptCall{itemMeanScript, []string{key}, []interface{}{
				x.opts.ModelID, len(a.revSum), a.cat, schema.EncodeVector(a.revSum), a.revN, a.last}})
		default:
			calls = append(calls, scriptCall{itemMetaScript, []string{key}, []interface{}{a.cat, truncate(a.title, 300), a.last}})
		}
	}
	for _, ps := range userOrder {
		m := users[ps]
		recent := 0
		if x.opts.MaxCooccur > 0 {
			recent = x.opts.CooccurRecent
		}
		args := []interface{}{x.opts.MaxUserItems, recent}
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			args = append(args, id, m[id])
		}
		userCalls = append(userCalls, len(calls))
		calls = append(calls, scriptCall{userItemsScript,
			[]string{schema.UserItemsKey(x.opts.Prefix, ps), schema.ErasureKey(x.opts.Prefix, ps)}, args})
	}
	cmds, err := runScripts(ctx, x.rdb, calls)
	if err != nil {
		return fmt.Errorf("itemindex: observe: %w", err)
	}
	if x.opts.MaxCooccur <= 0 {
		return nil
	}
	// Co-occurrence: each item new to a user pairs with the user's previous newest items and with
	// the other new items of the batch, once per user (a redelivered batch finds its items
	// already in the set and adds nothing).
	incr := map[string][]interface{}{}
	var incrOrder []string
	add := func(a, b string) {
		if a == b {
			return
		}
		if incr[a] == nil {
			incrOrder = append(incrOrder, a)
		}
		incr[a] = append(incr[a], b)
	}
	for _, ci := range userCalls {
		res, _ := cmds[ci].Slice()
		if len(res) != 2 {
			continue // erased user
		}
		fresh, prev := strs(res[0]), strs(res[1])
		for i, n := range fresh {
			for _, p := range prev {
				add(n, p)
				add(p, n)
			}
			for _, m := range fresh[:i] {
				add(n, m)
				add(m, n)
			}
		}
	}
	calls = calls[:0]
	for _, id := range incrOrder {
		calls = append(calls, scriptCall{cooccurScript, []string{schema.ItemCooccurKey(x.opts.Prefix, id)},
			append([]interface{}{x.opts.MaxCooccur}, incr[id]...)})
	}
	if _, err := runScripts(ctx, x.rdb, calls); err != nil {
		return fmt.Errorf("itemindex: observe co-occurrence: %w", err)
	}
	return nil
}

func strs(v interface{}) []string {
	l, _ := v.([]interface{})
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// itemMetaScript records category, title and last-seen of an item without a vector.
// KEYS[1] item hash; ARGV category, title, last ms.
var itemMetaScript = redisscript.New(`
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'cat', ARGV[1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'title', ARGV[2]) end
local l = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if tonumber(ARGV[3]) > l then redis.call('HSET', KEYS[1], 'last', ARGV[3]) end
return 1
`)

// CatalogItem is an item known from catalog metadata rather than from an interaction.
type CatalogItem struct {
	ID       string
	Category string
	Title    string
}

// Upsert registers catalog items with their text vector ("<category>. <title>", encoded with
// Options.Encoder) without counting an interaction: a new item gets popularity 0
// (NoPopularity) and can be recommended by content before anyone touched it. An existing item
// keeps its popularity.
func (x *Writer) Upsert(ctx context.Context, items []CatalogItem) error {
	if len(items) == 0 {
		return nil
	}
	if x.opts.Encoder == nil {
		return errors.New("itemindex: upsert: Options.Encoder is required")
	}
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = itemText(it.Category, it.Title)
	}
	vecs, err := x.opts.Encoder.Encode(ctx, texts)
	if err != nil {
		return fmt.Errorf("itemindex: upsert: encode: %w", err)
	}
	var calls []scriptCall
	for i, it := range items {
		calls = append(calls,
			scriptCall{itemTextScript, []string{schema.ItemKey(x.opts.Prefix, it.ID)}, []interface{}{
				x.opts.ModelID, len(vecs[i]), it.Category, truncate(it.Title, 300), schema.EncodeVector(vecs[i]), 0}},
			scriptCall{zaddNXScript, []string{schema.ItemPopularityKey(x.opts.Prefix)}, []interface{}{it.ID, NoPopularity}})
	}
	if _, err := runScripts(ctx, x.rdb, calls); err != nil {
		return fmt.Errorf("itemindex: upsert: %w", err)
	}
	return nil
}

var zaddNXScript = redisscript.New(`return redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])`)

// Trim evicts the items with the lowest decayed popularity until at most MaxItems remain, and
// returns how many it evicted. Run it periodically (the worker does, every minute). An Observe racing with Trim may
// re-create the hash of an item just evicted without its popularity entry; such an orphan hash is
// invisible to Recommend and is re-linked by the item's next Observe.
func (x *Writer) Trim(ctx context.Context) (int, error) {
	key := schema.ItemPopularityKey(x.opts.Prefix)
	evicted := 0
	for {
		n, err := x.rdb.ZCard(ctx, key).Result()
		if err != nil {
			return evicted, fmt.Errorf("itemindex: trim: %w", err)
		}
		over := n - int64(x.opts.MaxItems)
		if over <= 0 {
			return evicted, nil
		}
		if over > 1000 {
			over = 1000
		}
		zs, err := x.rdb.ZPopMin(ctx, key, over).Result()
		if err != nil {
			return evicted, fmt.Errorf("itemindex: trim: %w", err)
		}
		pipe := x.rdb.Pipeline()
		for _, z := range zs {
			pipe.Del(ctx, schema.ItemKey(x.opts.Prefix, z.Member.(string)), schema.ItemCooccurKey(x.opts.Prefix, z.Member.(string)))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return evicted, fmt.Errorf("itemindex: trim: delete items: %w", err)
		}
		evicted += len(zs)
	}
}

// logAdd2 returns log2(2^a + 2^b).
func logAdd2(a, b float64) float64 {
	m, n := a, b
	if n > m {
		m, n = n, m
	}
	return m + math.Log2(1+math.Exp2(n-m))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// scriptCall is one invocation of a script in a pipeline.
type scriptCall struct {
	sc   *redisscript.Script
	keys []string
	args []interface{}
}

// runScripts runs calls in one pipeline with redisscript.Run (EVALSHA, one retry after SCRIPT
// LOAD on NOSCRIPT).
func runScripts(ctx context.Context, rdb redis.UniversalClient, calls []scriptCall) ([]*redis.Cmd, error) {
	rc := make([]redisscript.Call, len(calls))
	for i, c := range calls {
		rc[i] = redisscript.Call{Script: c.sc, Keys: c.keys, Args: c.args}
	}
	return redisscript.Run(ctx, rdb, rc)
}
