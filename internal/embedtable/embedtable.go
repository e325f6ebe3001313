// Package embedtable shares the embeddings of short texts between every worker of a deployment
// through Redis, so that a short text that repeats (a click's category name and item title,
// "electronics.smartphone. samsung") is encoded by the transformer once per deployment, not
// once per worker start.
//
// Table is an encoder.Encoder that wraps the model: for each text of at most MaxTextBytes bytes
// (after encoder.NormalizeText) it looks up field xxhash64(text) (8 bytes, big-endian) of the
// Redis hash schema.EmbeddingTableKey(prefix, modelID); the texts it does not find go to the
// model in one batch, and their vectors are written back. Longer texts (reviews) go straight
// to the model and are never stored. The model id, which names the weights and the kernels'
// precision, is in the key, so vectors of two models never mix. Vectors are stored as float16
// (2 bytes per dimension); a vector the model just computed is rounded to float16 as well, so a
// text has the same vector whether it was found in the table or encoded.
//
// The table is bounded: a worker writes new entries only while the hash holds fewer than
// MaxEntries fields (checked with HLEN at every write; several workers may overshoot by a
// batch). It is a cache: deleting the key loses nothing but encoder time. The text itself is
// never stored, only its 64-bit hash; a collision would return another text's vector (at a
// million entries the chance is below 1e-7, as for the in-process encoder.Cache in front of it).
package embedtable

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/schema"
)

// Defaults of Options.
const (
	DefaultMaxEntries   = 200000
	DefaultMaxTextBytes = 128
)

// Options configures a Table.
type Options struct {
	Prefix string // key prefix (schema.DefaultPrefix when empty)
	// MaxEntries bounds the shared hash (default DefaultMaxEntries: about 100 MB at 256 dims).
	MaxEntries int64
	// MaxTextBytes: longer texts are not shared (default DefaultMaxTextBytes).
	MaxTextBytes int
}

// Stats counts the texts a Table served.
type Stats struct {
	Hits    uint64 // found in Redis
	Misses  uint64 // short texts encoded by the model (and offered to the table)
	Long    uint64 // texts longer than MaxTextBytes, encoded by the model, never stored
	Errors  uint64 // Redis failures (the texts were encoded by the model instead)
	Written uint64 // entries written
}

// Table is an encoder.Encoder backed by the shared Redis table. Safe for concurrent use.
type Table struct {
	rdb                               redis.UniversalClient
	enc                               encoder.Encoder
	key                               string
	o                                 Options
	hits, misses, long, errs, written atomic.Uint64
}

var _ encoder.Encoder = (*Table)(nil)

// New wraps enc with the table of its model under o.Prefix.
func New(rdb redis.UniversalClient, enc encoder.Encoder, o Options) *Table {
	if o.Prefix == "" {
		o.Prefix = schema.DefaultPrefix
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	return &Table{rdb: rdb, enc: enc, key: schema.EmbeddingTableKey(o.Prefix, enc.ModelID()), o: o}
}

// Dim is the model's dimension.
func (t *Table) Dim() int { return t.enc.Dim() }

// ModelID is the model's id: the table's vectors are the model's vectors.
func (t *Table) ModelID() string { return t.enc.ModelID() }

// Stats returns the counters.
func (t *Table) Stats() Stats {
	return Stats{Hits: t.hits.Load(), Misses: t.misses.Load(), Long: t.long.Load(), Errors: t.errs.Load(), Written: t.written.Load()}
}

func field(normalized string) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], xxhash.Sum64String(normalized))
	return string(b[:])
}

// Encode returns the vectors of texts: short ones from the table where it has them, the rest
// from the model (short ones then written to the table, while it is below its bound). A Redis
// failure is not an error: the texts are encoded by the model.
func (t *Table) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	norm := make([]string, len(texts))
	var short []int
	var fields []string
	for i, s := range texts {
		norm[i] = encoder.NormalizeText(s)
		if len(norm[i]) <= t.o.MaxTextBytes {
			short = append(short, i)
			fields = append(fields, field(norm[i]))
		}
	}
	if len(fields) > 0 {
		vals, err := t.rdb.HMGet(ctx, t.key, fields...).Result()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			t.errs.Add(uint64(len(fields)))
			vals = nil
		}
		for j, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue
			}
			vec, err := schema.DecodeVectorF16([]byte(s))
			if err != nil || len(vec) != t.enc.Dim() {
				continue
			}
			out[short[j]] = vec
			t.hits.Add(1)
		}
	}
	var todo []int
	var todoTexts []string
	for i := range texts {
		if out[i] == nil {
			todo = append(todo, i)
			todoTexts = append(todoTexts, norm[i])
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	vecs, err := t.enc.Encode(ctx, todoTexts)
	if err != nil {
		return nil, err
	}
	var args []any
	for j, i := range todo {
		v := vecs[j]
		if len(norm[i]) > t.o.MaxTextBytes {
			t.long.Add(1)
			out[i] = v
			continue
		}
		t.misses.Add(1)
		blob := schema.EncodeVectorF16(v)
		out[i], _ = schema.DecodeVectorF16(blob) // the same vector a later lookup returns
		args = append(args, field(norm[i]), blob)
	}
	if len(args) > 0 {
		if err := t.store(ctx, args); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			t.errs.Add(uint64(len(args) / 2))
		}
	}
	return out, nil
}

// store writes field/blob pairs while the table is below its bound.
func (t *Table) store(ctx context.Context, args []any) error {
	n, err := t.rdb.HLen(ctx, t.key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("embedtable: size: %w", err)
	}
	if n >= t.o.MaxEntries {
		return nil
	}
	added, err := t.rdb.HSet(ctx, t.key, args...).Result()
	if err != nil {
		return fmt.Errorf("embedtable: write: %w", err)
	}
	t.written.Add(uint64(added))
	return nil
}
