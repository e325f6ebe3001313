package encoder

import (
	"container/list"
	"context"
	"strings"
	"sync"
	"unicode"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/text/unicode/norm"
)

// DefaultCacheBytes is the cache bound NewCache uses when given maxBytes <= 0.
const DefaultCacheBytes = 64 << 20

// cacheEntryOverhead approximates the bytes an entry costs besides its vector: the list element,
// the map slot and the slice header.
const cacheEntryOverhead = 96

// Cache is an Encoder that remembers the vectors of another Encoder, keyed by the xxhash64 of the
// normalized text (NFC, runs of whitespace collapsed to one space, trimmed), so that "Great
// phone!" and " great  phone! " with different spacing share one entry; the normalized text is
// what the wrapped encoder sees, so a cached and an uncached call give the same vector. It is a least recently
// used cache bounded in bytes (vector bytes plus a fixed per-entry overhead). Within one Encode
// call, repeated texts are encoded once, and all misses go to the wrapped encoder in a single
// batch call. A 64-bit hash collision would return another text's vector; at the cache sizes
// this is meant for (millions of entries) the chance is below 1e-7 and the key is not stored
// to keep entries small. Safe for concurrent use; returned vectors are copies.
type Cache struct {
	enc      Encoder
	maxBytes int64

	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recent first
	byKey   map[uint64]*list.Element
	bytes   int64
	hits    uint64
	misses  uint64
	entries int
}

type cacheEntry struct {
	key uint64
	vec []float32
}

// CacheStats are the cache's counters. Hits and Misses count texts (a text repeated inside a
// batch counts as a hit after its first occurrence).
type CacheStats struct {
	Hits, Misses uint64
	Bytes        int64
	Entries      int
}

var _ Encoder = (*Cache)(nil)

// NewCache wraps enc with an LRU of at most maxBytes (DefaultCacheBytes when <= 0).
func NewCache(enc Encoder, maxBytes int64) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	return &Cache{enc: enc, maxBytes: maxBytes, lru: list.New(), byKey: make(map[uint64]*list.Element)}
}

// NormalizeText is the cache's text normalization: NFC, whitespace runs to one space, trimmed.
func NormalizeText(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func cacheKey(normalized string) uint64 { return xxhash.Sum64String(normalized) }

// Encode returns the vectors of texts, encoding only the distinct normalized texts not cached.
func (c *Cache) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	keys := make([]uint64, len(texts))
	var missTexts []string
	missIdx := map[uint64]int{} // key -> index into missTexts
	c.mu.Lock()
	for i, t := range texts {
		n := NormalizeText(t)
		k := cacheKey(n)
		keys[i] = k
		if el, ok := c.byKey[k]; ok {
			c.lru.MoveToFront(el)
			out[i] = append([]float32(nil), el.Value.(*cacheEntry).vec...)
			c.hits++
			continue
		}
		if _, ok := missIdx[k]; ok {
			c.hits++
			continue
		}
		missIdx[k] = len(missTexts)
		missTexts = append(missTexts, n)
		c.misses++
	}
	c.mu.Unlock()
	if len(missTexts) == 0 {
		return out, nil
	}
	vecs, err := c.enc.Encode(ctx, missTexts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, j := range missIdx {
		c.put(k, vecs[j])
	}
	for i := range out {
		if out[i] == nil {
			out[i] = append([]float32(nil), vecs[missIdx[keys[i]]]...)
		}
	}
	return out, nil
}

// put inserts or refreshes one entry and evicts least recently used ones over the bound.
func (c *Cache) put(k uint64, vec []float32) {
	size := int64(4*len(vec) + cacheEntryOverhead)
	if size > c.maxBytes {
		return
	}
	if el, ok := c.byKey[k]; ok {
		c.lru.MoveToFront(el)
		return
	}
	c.byKey[k] = c.lru.PushFront(&cacheEntry{key: k, vec: append([]float32(nil), vec...)})
	c.bytes += size
	c.entries++
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.bytes -= int64(4*len(e.vec) + cacheEntryOverhead)
	c.entries--
}

// Forget drops the entries of texts (after normalization), e.g. when a text must no longer be
// kept in memory.
func (c *Cache) Forget(texts ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range texts {
		if el, ok := c.byKey[cacheKey(NormalizeText(t))]; ok {
			c.remove(el)
		}
	}
}

// Stats returns the counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Hits: c.hits, Misses: c.misses, Bytes: c.bytes, Entries: c.entries}
}

// Dim is the wrapped encoder's dimension.
func (c *Cache) Dim() int { return c.enc.Dim() }

// ModelID is the wrapped encoder's model id: cached vectors are the model's vectors.
func (c *Cache) ModelID() string { return c.enc.ModelID() }
