package schema

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The compact encodings of profile layout 2 (ProfileSchema; docs/schema.md, "Compact
// encodings"). A profile whose "schema" field is 2 stores "vec" and "dvec" as Q8 vectors and
// "cats", "items", "terms", "bitems" as binary lists; a profile of layout 1 (or without the field)
// keeps the float32/float16 vectors and JSON lists, and DecodeProfile reads both.
//
// Q8 vector: a little-endian float32 scale s followed by dim signed bytes q_i; the value is
// q_i*s (s = max|x_i|/127, so |q_i| <= 127). Rounding is stochastic (unbiased: a fixed table
// of uniform dithers read from an offset a seed picks), so that a running mean re-quantized on every write drifts as a random walk instead of
// freezing once its per-event change falls below half a step (measured in
// internal/profilestore's TestQ8Drift).
//
// Binary list: one format byte ListFormatBinary, then the entries back to back. A string is a
// uvarint byte length and the bytes; a weight is a little-endian float32.
//   - cats, terms, bitems: string (category, term, item id), weight.
//   - items: string (item id), kind byte (1 view, 2 cart, 3 fav, 4 buy, 5 review; 0: a string
//     with the kind follows), time: the first entry's as a uvarint Unix ms, every further entry's
//     as the uvarint of the previous entry's time minus its own (newest first, so never negative).

// ProfileSchema is the profile layout version written to the "schema" field by the current
// writer: 2, the compact encodings. Key names keep Version ("v1").
const ProfileSchema = 2

// ListFormatBinary is the first byte of a binary list field (a JSON list starts with '[').
const ListFormatBinary byte = 0x02

// ItemKinds are the interaction kinds of "items" by their binary code minus one.
var ItemKinds = [...]string{"view", "cart", "fav", "buy", "review"}

// Q8Len returns the byte length of a Q8 vector of dim values.
func Q8Len(dim int) int { return 4 + dim }

// EncodeVectorQ8 appends v as a Q8 vector to b. seed drives the stochastic rounding (the same
// seed and vector give the same bytes). A nil or empty v appends nothing.
func EncodeVectorQ8(b []byte, v []float32, seed uint64) []byte {
	if len(v) == 0 {
		return b
	}
	var m float32
	for _, x := range v {
		if x < 0 {
			x = -x
		}
		if x > m {
			m = x
		}
	}
	s := m / 127
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s))
	if s == 0 || math.IsInf(float64(s), 0) || math.IsNaN(float64(s)) {
		for range v {
			b = append(b, 0)
		}
		return b
	}
	inv := 1 / s
	// floor(y+u) with u from a fixed table of uniform dithers, read from an offset the seed
	// picks: unbiased over writes, and no random number generation per value. Truncation of
	// y+u+128 (always positive for |y| <= 127) is the floor.
	n := len(b)
	b = slices.Grow(b, len(v))[:n+len(v)]
	out := b[n:]
	off := int(splitmix(seed) & (ditherLen - 1))
	for i, x := range v {
		u := q8Dither[(off+i)&(ditherLen-1)]
		q := int32(x*inv+u+128) - 128
		if q > 127 {
			q = 127
		} else if q < -127 {
			q = -127
		}
		out[i] = byte(int8(q))
	}
	return b
}

const ditherLen = 4096

// q8Dither holds uniform values in [0, 1), fixed at start-up (read only).
var q8Dither = func() (d [ditherLen]float32) {
	state := uint64(0x5eed)
	for i := range d {
		state += 0x9e3779b97f4a7c15
		d[i] = float32(splitmix(state)>>40) / (1 << 24)
	}
	return d
}()

func splitmix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// DecodeVectorQ8 parses a Q8 vector of dim values; an empty blob is a nil vector.
func DecodeVectorQ8(b []byte, dim int) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) != Q8Len(dim) {
		return nil, fmt.Errorf("schema: Q8 vector of %d bytes, want %d for dim %d", len(b), Q8Len(dim), dim)
	}
	s := math.Float32frombits(binary.LittleEndian.Uint32(b))
	v := make([]float32, dim)
	for i, q := range b[4:] {
		v[i] = float32(int8(q)) * s
	}
	return v, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendWeight(b []byte, w float64) []byte {
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(w)))
}

// AppendNamedWeightsBinary appends a binary list of (name, weight) entries (cats, terms,
// bitems) to b, format byte included.
func AppendNamedWeightsBinary(b []byte, n int, entry func(i int) (string, float64)) []byte {
	b = append(b, ListFormatBinary)
	for i := 0; i < n; i++ {
		s, w := entry(i)
		b = appendWeight(appendString(b, s), w)
	}
	return b
}

// AppendRecentItemsBinary appends the binary list of recent items to b, format byte included.
// Items must be newest first (as the profile keeps them).
func AppendRecentItemsBinary(b []byte, items []RecentItem) []byte {
	b = append(b, ListFormatBinary)
	var prev int64
	for i, it := range items {
		b = appendString(b, it.ItemID)
		code := byte(0)
		for k, name := range ItemKinds {
			if name == it.Kind {
				code = byte(k + 1)
			}
		}
		b = append(b, code)
		if code == 0 {
			b = appendString(b, it.Kind)
		}
		t := it.TS.UnixMilli()
		if i == 0 {
			b = binary.AppendUvarint(b, uint64(t))
		} else {
			b = binary.AppendUvarint(b, uint64(prev-t))
		}
		prev = t
	}
	return b
}

var errShortList = errors.New("schema: binary list truncated")

type listReader struct{ b []byte }

func (r *listReader) str() (string, error) {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || uint64(len(r.b)-k) < n {
		return "", errShortList
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s, nil
}

func (r *listReader) weight() (float64, error) {
	if len(r.b) < 4 {
		return 0, errShortList
	}
	w := math.Float32frombits(binary.LittleEndian.Uint32(r.b))
	r.b = r.b[4:]
	return float64(w), nil
}

func (r *listReader) uvarint() (uint64, error) {
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		return 0, errShortList
	}
	r.b = r.b[k:]
	return n, nil
}

// DecodeNamedWeightsBinary parses a binary list of (name, weight) entries, calling add for each.
func DecodeNamedWeightsBinary(b []byte, add func(string, float64)) error {
	if len(b) == 0 || b[0] != ListFormatBinary {
		return errors.New("schema: not a binary list")
	}
	r := listReader{b[1:]}
	for len(r.b) > 0 {
		s, err := r.str()
		if err != nil {
			return err
		}
		w, err := r.weight()
		if err != nil {
			return err
		}
		add(s, w)
	}
	return nil
}

// DecodeRecentItemsBinary parses the binary list of recent items.
func DecodeRecentItemsBinary(b []byte) ([]RecentItem, error) {
	if len(b) == 0 || b[0] != ListFormatBinary {
		return nil, errors.New("schema: not a binary list")
	}
	r := listReader{b[1:]}
	out := []RecentItem{}
	var prev int64
	for len(r.b) > 0 {
		id, err := r.str()
		if err != nil {
			return nil, err
		}
		if len(r.b) == 0 {
			return nil, errShortList
		}
		code := r.b[0]
		r.b = r.b[1:]
		var kind string
		switch {
		case code == 0:
			if kind, err = r.str(); err != nil {
				return nil, err
			}
		case int(code) <= len(ItemKinds):
			kind = ItemKinds[code-1]
		default:
			return nil, fmt.Errorf("schema: item kind code %d", code)
		}
		d, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		t := int64(d)
		if len(out) > 0 {
			t = prev - int64(d)
		}
		prev = t
		out = append(out, RecentItem{ItemID: id, Kind: kind, TS: time.UnixMilli(t).UTC()})
	}
	return out, nil
}

// DecodeLifetimeVector decodes a profile's "vec" field given its "schema" field (layout; 0 when
// absent) and "dim": Q8 in layout 2, float32 before. For readers that fetch single fields
// (HMGET) instead of the whole hash.
func DecodeLifetimeVector(layout int, b []byte, dim int) ([]float32, error) {
	if layout >= 2 {
		return DecodeVectorQ8(b, dim)
	}
	return DecodeVector(b)
}
