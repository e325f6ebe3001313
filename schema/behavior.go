package schema

import (
	"encoding/json"
	"fmt"
	"math"
)

// The behaviour table (docs/schema.md, "Behaviour table"): learned embeddings of category and
// item ids, fitted from their co-occurrence in the profiles' sketches (which ids the same users
// clicked) by one worker at a time and shared through one Redis hash. A reader turns a
// profile's sketches ("cats" and "bitems") into a behavioural vector with the table it loaded
// (BehaviorTable.ProfileVector): every profile it compares is projected with the same table, so
// vectors of two table versions are never mixed. An id the table does not know (too rare, or
// newer than the fit) falls back to its hashed projection (AddBehavior), the floor.

// BehaviorTableKey returns the key of the shared behaviour table: "<prefix>:v1:{btab}", a hash
// with the fields "meta" (JSON: version, dim, fitted_ms, ids, profiles) and one float16 vector
// of BehaviorDim per id, "c:<category>" or "i:<item>".
func BehaviorTableKey(prefix string) string { return base(prefix) + "{btab}" }

// BehaviorTableStagingKey returns the key a new table is written to before it is renamed over
// BehaviorTableKey: "<prefix>:v1:{btab}:next" (the same hash tag, so the same Cluster slot).
func BehaviorTableStagingKey(prefix string) string { return BehaviorTableKey(prefix) + ":next" }

// BehaviorTableLockKey returns the key of the refit lock, "<prefix>:v1:{btab}:lock" (the
// worker holding it refits; it expires after one refit interval).
func BehaviorTableLockKey(prefix string) string { return BehaviorTableKey(prefix) + ":lock" }

// Field prefixes and the meta field of BehaviorTableKey.
const (
	BehaviorCategoryPrefix = "c:"
	BehaviorItemPrefix     = "i:"
	BehaviorMetaField      = "meta"
)

// BehaviorMeta describes one fitted behaviour table.
type BehaviorMeta struct {
	Version  int64 `json:"version"`   // bumped by every publication
	Dim      int   `json:"dim"`       // BehaviorDim
	FittedMS int64 `json:"fitted_ms"` // when it was fitted (Unix ms)
	IDs      int   `json:"ids"`       // vectors in the table
	Profiles int   `json:"profiles"`  // profiles the fit read
}

// BehaviorTable holds the learned unit vectors of one table version. The zero value and nil
// know no id (every id falls back to its hashed projection).
type BehaviorTable struct {
	Meta BehaviorMeta
	vecs map[string][]float32 // "c:<category>" / "i:<item>" -> unit vector of BehaviorDim
}

// NewBehaviorTable returns a table of the given vectors (keys "c:<category>", "i:<item>"; each
// vector of BehaviorDim, normalized here).
func NewBehaviorTable(meta BehaviorMeta, vecs map[string][]float32) *BehaviorTable {
	t := &BehaviorTable{Meta: meta, vecs: make(map[string][]float32, len(vecs))}
	for k, v := range vecs {
		if u := Normalize(v); len(u) == BehaviorDim {
			t.vecs[k] = u
		}
	}
	return t
}

// DecodeBehaviorTable decodes the fields of BehaviorTableKey (as HGETALL returns them). An
// empty hash gives nil, nil (no table yet); a table of another dimension is an error.
func DecodeBehaviorTable(h map[string]string) (*BehaviorTable, error) {
	if len(h) == 0 {
		return nil, nil
	}
	var meta BehaviorMeta
	if err := json.Unmarshal([]byte(h[BehaviorMetaField]), &meta); err != nil {
		return nil, fmt.Errorf("schema: behaviour table meta: %w", err)
	}
	if meta.Dim != BehaviorDim {
		return nil, fmt.Errorf("schema: behaviour table of dimension %d, want %d", meta.Dim, BehaviorDim)
	}
	vecs := make(map[string][]float32, len(h))
	for f, v := range h {
		if f == BehaviorMetaField {
			continue
		}
		x, err := DecodeVectorF16([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("schema: behaviour table field %q: %w", f, err)
		}
		vecs[f] = x
	}
	return NewBehaviorTable(meta, vecs), nil
}

// Len returns the number of ids the table knows.
func (t *BehaviorTable) Len() int {
	if t == nil {
		return 0
	}
	return len(t.vecs)
}

// Version returns the table's version, 0 for nil (hashing only).
func (t *BehaviorTable) Version() int64 {
	if t == nil {
		return 0
	}
	return t.Meta.Version
}

// add adds w times the vector of id (namespace "c" or "i") to v: the learned one when the table
// knows it, else the hashed projection (AddBehavior, also a unit vector).
func (t *BehaviorTable) add(v []float32, namespace, id string, w float64) {
	if t != nil {
		if u := t.vecs[namespace+":"+id]; u != nil {
			for i, x := range u {
				v[i] += float32(w) * x
			}
			return
		}
	}
	AddBehavior(v, namespace, id, w)
}

// ProfileVector returns the behavioural vector of p's sketches under the table (nil when p has
// no category and no item): the unit mean of its categories' vectors weighted by decayed count
// times idf(category) (idf may be nil: 1), plus the unit mean of its items' vectors weighted by
// the item sketch's weights. A nil table projects every id by hashing.
func (t *BehaviorTable) ProfileVector(p *Profile, idf func(category string) float64) []float32 {
	if p == nil || (len(p.Categories) == 0 && len(p.ItemSketch) == 0) {
		return nil
	}
	out := make([]float32, BehaviorDim)
	part := make([]float32, BehaviorDim)
	addPart := func() {
		var n float64
		for _, x := range part {
			n += float64(x) * float64(x)
		}
		if n > 0 {
			s := float32(1 / math.Sqrt(n))
			for i, x := range part {
				out[i] += s * x
			}
		}
		clear(part)
	}
	for _, c := range p.Categories {
		w := c.Count
		if idf != nil {
			w *= idf(c.Category)
		}
		t.add(part, "c", c.Category, w)
	}
	addPart()
	for _, it := range p.ItemSketch {
		t.add(part, "i", it.ItemID, it.Weight)
	}
	addPart()
	return out
}
