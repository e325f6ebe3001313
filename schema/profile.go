package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Field names of the profile hash at ProfileKey (docs/schema.md gives each one's encoding and
// meaning). Names ending in ':' are prefixes followed by a variable part.
const (
	FieldSchema         = "schema" // int: profile layout version (ProfileSchema; 1 when absent)
	FieldVersion        = "ver"    // int: bumped by every fold write (compare-and-set token)
	FieldCreationID     = "cid"    // string: random id set when the hash is created
	FieldKeyID          = "kid"    // string: id of the pseudonymization key
	FieldModel          = "model"  // string: encoder model id of vec/dvec
	FieldDim            = "dim"    // int: vector dimension
	FieldHalfLife       = "hl"     // ms: half-life of the decayed quantities
	FieldEvents         = "n"      // int: events folded
	FieldKindPrefix     = "n:"     // n:<kind> int: events per kind
	FieldVector         = "vec"    // vector (Q8; layout 1: float32): lifetime action-weighted mean embedding
	FieldVectorWeight   = "vw"     // float: total weight of vec
	FieldDecayedVector  = "dvec"   // vector (Q8; layout 1: float32 or float16): time-decayed mean
	FieldDecayedWeight  = "dw"     // float: decayed weight of dvec as of dts
	FieldActivity       = "act"    // float: decayed action weight of all events as of dts
	FieldDecayedAt      = "dts"    // ms: reference time of the decayed quantities
	FieldRatingSum      = "rsum"   // float: sum of review ratings
	FieldRatingCount    = "rn"     // int: number of ratings
	FieldFirstSeen      = "first"  // ms: oldest event time
	FieldLastSeen       = "last"   // ms: newest event time
	FieldUpdatedAt      = "upd"    // ms: wall-clock time of the last write
	FieldCategories     = "cats"   // binary list (layout 1: JSON [{"c":<category>,"n":<count>}]), highest first
	FieldRecentItems    = "items"  // binary list (layout 1: JSON [{"i":<item>,"k":<kind>,"t":<ms>}]), newest first
	FieldSegment        = "seg"    // int: segment, -1 or absent when unassigned
	FieldSegmentDist    = "segd"   // float: cosine distance to the centroid at assignment
	FieldSegmentVersion = "segv"   // int: centroid version of the assignment
	FieldSegmentAt      = "segt"   // ms: time of the assignment
	FieldWatermarkPfx   = "wm:"    // wm:<topic>:<partition> int: highest offset folded
	FieldMovedTo        = "mv"     // string: new pseudonym of a moved profile (treat as absent)
	FieldMovedFromPfx   = "mvf:"   // mvf:<old pseudonym> string: merge marker (old cid)
)

// ProfileFields lists every profile hash field name (prefixes with their trailing ':').
var ProfileFields = []string{
	FieldSchema, FieldVersion, FieldCreationID, FieldKeyID, FieldModel, FieldDim, FieldHalfLife,
	FieldEvents, FieldKindPrefix, FieldVector, FieldVectorWeight, FieldDecayedVector,
	FieldDecayedWeight, FieldActivity, FieldDecayedAt, FieldRatingSum, FieldRatingCount,
	FieldFirstSeen, FieldLastSeen, FieldUpdatedAt, FieldCategories, FieldRecentItems,
	FieldSegment, FieldSegmentDist, FieldSegmentVersion, FieldSegmentAt, FieldWatermarkPfx,
	FieldMovedTo, FieldMovedFromPfx, FieldTerms, FieldItemSketch, FieldBehaviorVector,
}

// CategoryCount is a category with its decayed, action-weighted count (one entry of "cats").
type CategoryCount struct {
	Category string  `json:"category"`
	Count    float64 `json:"count"`
}

// RecentItem is one entry of "items": an item, the kind of the interaction ("view", "cart",
// "fav", "buy", "review") and its time.
type RecentItem struct {
	ItemID string    `json:"item"`
	Kind   string    `json:"kind"`
	TS     time.Time `json:"ts"`
}

// Profile is one user's decoded profile hash: the one profile type of the project (the writer
// folds into it, reader and every downstream package read it). Absent fields are zero (Segment
// is -1 when unassigned). Decayed fields hold their value as of DecayedAt, the user's newest
// event time; the methods decay them to any later time, so a user who went quiet fades without
// any write. Adding a field: one constant and one case in DecodeProfile here, the fold and the
// encoder in the writer, one row in docs/schema.md.
type Profile struct {
	// Pseudonym is the user's pseudonym, taken from the key (not a hash field).
	Pseudonym  string        `json:"pseudonym"`
	Schema     int           `json:"schema"`
	Version    int64         `json:"-"` // bumped by every fold write: the writer's compare-and-set token
	CreationID string        `json:"-"` // random id set when the hash is created (guards Version against ABA)
	KeyID      string        `json:"key_id"`
	ModelID    string        `json:"model_id"`
	Dim        int           `json:"dim"`
	HalfLife   time.Duration `json:"half_life_ns"`

	Events int64            `json:"events"`
	Kinds  map[string]int64 `json:"kinds"` // non-zero counts per kind: "view", "cart", "fav", "buy", "review"

	// Vector is the lifetime action-weighted mean embedding (not normalized; nil without text).
	Vector       []float32 `json:"vector,omitempty"`
	VectorWeight float64   `json:"vector_weight"`
	// DecayedMean is the time-decayed mean embedding (its direction does not decay; its weight
	// does).
	DecayedMean   []float32 `json:"decayed_mean,omitempty"`
	DecayedF16    bool      `json:"-"`              // "dvec" is stored as float16
	DecayedWeight float64   `json:"decayed_weight"` // as of DecayedAt
	Activity      float64   `json:"activity"`       // decayed action weight of all events, as of DecayedAt
	DecayedAt     time.Time `json:"decayed_at"`

	RatingSum   float64 `json:"rating_sum"`
	RatingCount int64   `json:"rating_count"`

	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	UpdatedAt time.Time `json:"updated_at"` // wall-clock time of the last fold write

	Categories  []CategoryCount `json:"categories"` // as of DecayedAt, highest first
	RecentItems []RecentItem    `json:"recent_items"`

	// Terms is the lexical sketch: the words (Chinese: character bigrams) of the user's texts
	// with decayed weights as of DecayedAt, highest first (Terms gives the rule).
	Terms []TermWeight `json:"terms,omitempty"`
	// ItemSketch holds the items with the highest decayed, action-weighted interaction counts as
	// of DecayedAt, highest first.
	ItemSketch []ItemWeight `json:"top_items,omitempty"`
	// BehaviorVector is the decayed sum, as of DecayedAt, of the hashed projections (AddBehavior)
	// of the user's categories and items, action-weighted: a dense behavioural vector of
	// BehaviorDim for users without text. Nil before the first category or item.
	BehaviorVector []float32 `json:"behavior_vector,omitempty"`

	Segment         int       `json:"segment"` // -1: unassigned
	SegmentDistance float32   `json:"segment_distance"`
	CentroidVersion int64     `json:"centroid_version"`
	SegmentAt       time.Time `json:"segment_at"`

	Watermarks map[string]int64 `json:"-"` // "topic:partition" -> highest offset folded
	MovedTo    string           `json:"-"` // non-empty: moved or tombstone; readers treat it as absent
}

// ParseMS parses a time field (Unix ms); "0" is the zero time.
func ParseMS(s string) (time.Time, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v == 0 {
		return time.Time{}, err
	}
	return time.UnixMilli(v).UTC(), nil
}

// DecodeProfile parses a profile hash as HGETALL returns it (Pseudonym is left empty: the
// caller knows the key). Unknown fields are ignored; a field
// that does not parse is an error naming it.
func DecodeProfile(h map[string]string) (*Profile, error) {
	p := &Profile{Kinds: map[string]int64{}, Watermarks: map[string]int64{}, Segment: -1}
	var err error
	var vec, dvec string
	for f, v := range h {
		switch {
		case f == FieldSchema:
			p.Schema, err = strconv.Atoi(v)
		case f == FieldVersion:
			p.Version, err = strconv.ParseInt(v, 10, 64)
		case f == FieldCreationID:
			p.CreationID = v
		case f == FieldKeyID:
			p.KeyID = v
		case f == FieldModel:
			p.ModelID = v
		case f == FieldDim:
			p.Dim, err = strconv.Atoi(v)
		case f == FieldHalfLife:
			var n int64
			n, err = strconv.ParseInt(v, 10, 64)
			p.HalfLife = time.Duration(n) * time.Millisecond
		case f == FieldEvents:
			p.Events, err = strconv.ParseInt(v, 10, 64)
		case strings.HasPrefix(f, FieldKindPrefix):
			var n int64
			if n, err = strconv.ParseInt(v, 10, 64); n != 0 {
				p.Kinds[f[len(FieldKindPrefix):]] = n
			}
		case f == FieldVector:
			vec = v // by the layout, once "schema" and "dim" are known
		case f == FieldVectorWeight:
			p.VectorWeight, err = strconv.ParseFloat(v, 64)
		case f == FieldDecayedVector:
			dvec = v // by the layout; in layout 1 float32 or float16, told apart by length once "dim" is known
		case f == FieldDecayedWeight:
			p.DecayedWeight, err = strconv.ParseFloat(v, 64)
		case f == FieldActivity:
			p.Activity, err = strconv.ParseFloat(v, 64)
		case f == FieldDecayedAt:
			p.DecayedAt, err = ParseMS(v)
		case f == FieldRatingSum:
			p.RatingSum, err = strconv.ParseFloat(v, 64)
		case f == FieldRatingCount:
			p.RatingCount, err = strconv.ParseInt(v, 10, 64)
		case f == FieldFirstSeen:
			p.FirstSeen, err = ParseMS(v)
		case f == FieldLastSeen:
			p.LastSeen, err = ParseMS(v)
		case f == FieldUpdatedAt:
			p.UpdatedAt, err = ParseMS(v)
		case f == FieldCategories:
			if isBinaryList(v) {
				p.Categories = []CategoryCount{}
				err = DecodeNamedWeightsBinary([]byte(v), func(c string, n float64) {
					p.Categories = append(p.Categories, CategoryCount{c, n})
				})
				break
			}
			var cs []struct {
				C string  `json:"c"`
				N float64 `json:"n"`
			}
			if err = json.Unmarshal([]byte(v), &cs); err == nil {
				p.Categories = make([]CategoryCount, len(cs))
				for i, c := range cs {
					p.Categories[i] = CategoryCount{c.C, c.N}
				}
			}
		case f == FieldRecentItems:
			if isBinaryList(v) {
				p.RecentItems, err = DecodeRecentItemsBinary([]byte(v))
				break
			}
			var is []struct {
				I string `json:"i"`
				K string `json:"k"`
				T int64  `json:"t"`
			}
			if err = json.Unmarshal([]byte(v), &is); err == nil {
				p.RecentItems = make([]RecentItem, len(is))
				for i, it := range is {
					p.RecentItems[i] = RecentItem{it.I, it.K, time.UnixMilli(it.T).UTC()}
				}
			}
		case f == FieldTerms:
			if isBinaryList(v) {
				p.Terms = []TermWeight{}
				err = DecodeNamedWeightsBinary([]byte(v), func(t string, n float64) {
					p.Terms = append(p.Terms, TermWeight{t, n})
				})
				break
			}
			var ts []struct {
				T string  `json:"t"`
				N float64 `json:"n"`
			}
			if err = json.Unmarshal([]byte(v), &ts); err == nil {
				p.Terms = make([]TermWeight, len(ts))
				for i, t := range ts {
					p.Terms[i] = TermWeight{t.T, t.N}
				}
			}
		case f == FieldItemSketch:
			if isBinaryList(v) {
				p.ItemSketch = []ItemWeight{}
				err = DecodeNamedWeightsBinary([]byte(v), func(i string, n float64) {
					p.ItemSketch = append(p.ItemSketch, ItemWeight{i, n})
				})
				break
			}
			var is []struct {
				I string  `json:"i"`
				N float64 `json:"n"`
			}
			if err = json.Unmarshal([]byte(v), &is); err == nil {
				p.ItemSketch = make([]ItemWeight, len(is))
				for i, it := range is {
					p.ItemSketch[i] = ItemWeight{it.I, it.N}
				}
			}
		case f == FieldBehaviorVector:
			p.BehaviorVector, err = DecodeVectorF16([]byte(v))
		case f == FieldSegment:
			p.Segment, err = strconv.Atoi(v)
		case f == FieldSegmentDist:
			var d float64
			d, err = strconv.ParseFloat(v, 32)
			p.SegmentDistance = float32(d)
		case f == FieldSegmentVersion:
			p.CentroidVersion, err = strconv.ParseInt(v, 10, 64)
		case f == FieldSegmentAt:
			p.SegmentAt, err = ParseMS(v)
		case f == FieldMovedTo:
			p.MovedTo = v
		case strings.HasPrefix(f, FieldWatermarkPfx):
			var n int64
			n, err = strconv.ParseInt(v, 10, 64)
			p.Watermarks[f[len(FieldWatermarkPfx):]] = n
		}
		if err != nil {
			return nil, fmt.Errorf("schema: field %q: %w", f, err)
		}
	}
	if p.Schema >= 2 {
		if p.Vector, err = DecodeVectorQ8([]byte(vec), p.Dim); err != nil {
			return nil, fmt.Errorf("schema: field %q: %w", FieldVector, err)
		}
		if p.DecayedMean, err = DecodeVectorQ8([]byte(dvec), p.Dim); err != nil {
			return nil, fmt.Errorf("schema: field %q: %w", FieldDecayedVector, err)
		}
		return p, nil
	}
	if p.Vector, err = DecodeVector([]byte(vec)); err != nil {
		return nil, fmt.Errorf("schema: field %q: %w", FieldVector, err)
	}
	if p.DecayedMean, p.DecayedF16, err = DecodeDecayedVector([]byte(dvec), p.Dim); err != nil {
		return nil, fmt.Errorf("schema: field %q: %w", FieldDecayedVector, err)
	}
	return p, nil
}

// isBinaryList reports whether a list field holds the binary encoding of layout 2 (JSON starts
// with '[').
func isBinaryList(v string) bool { return len(v) > 0 && v[0] == ListFormatBinary }
