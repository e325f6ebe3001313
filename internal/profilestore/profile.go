package profilestore

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/schema"
)

// CategoryCount is one category with its decayed, action-weighted count.
type CategoryCount struct {
	Category string  `json:"category"`
	Count    float64 `json:"count"`
}

// ItemInteraction is one entry of a profile's bounded recent-items list.
type ItemInteraction struct {
	ItemID string     `json:"item"`
	Kind   event.Kind `json:"kind"`
	TS     time.Time  `json:"ts"`
}

// Profile is one user's profile as stored in Redis (the hash at ProfileKey). All decayed
// quantities (DecayedWeight, Activity, Categories) are stored as of DecayedAt, the newest event
// time folded so far; the *At helpers decay them to any later time.
type Profile struct {
	Pseudonym  string
	Schema     int
	Version    int64  // bumped by every fold write; the compare-and-set token
	CreationID string // random id set when the hash is created; guards the version against ABA after Forget
	KeyID      string
	ModelID    string
	Dim        int
	HalfLife   time.Duration

	Events int64                // events folded
	Kinds  map[event.Kind]int64 // events per kind

	// Vector is the lifetime mean embedding, weighted by action weight over the events that
	// carried text (not normalized; nil before the first text). VectorWeight is its total weight.
	Vector       []float32
	VectorWeight float64
	// DecayedVector is the time-decayed weighted mean embedding: every event's weight is
	// multiplied by 2^(-age/HalfLife). The mean itself does not change as time passes (numerator
	// and denominator decay alike); DecayedWeight (as of DecayedAt) does.
	DecayedVector []float32
	DecayedWeight float64
	// Activity is the decayed sum of action weights of all events (with or without text), as of
	// DecayedAt: a recency-weighted frequency for churn scoring.
	Activity  float64
	DecayedAt time.Time

	RatingSum   float64
	RatingCount int64

	FirstSeen time.Time // oldest event time folded
	LastSeen  time.Time // newest event time folded
	UpdatedAt time.Time // wall-clock time of the last fold write

	// Categories holds the kept categories with decayed counts as of DecayedAt, highest first
	// (up to 2*TopCategories; Top returns the reported top-N).
	Categories []CategoryCount
	// RecentItems lists the most recent item interactions, newest first, one entry per item.
	RecentItems []ItemInteraction

	// Segment is the assigned segment (-1 when unassigned), written by SetSegments.
	Segment         int
	SegmentDistance float32
	CentroidVersion int64
	SegmentAt       time.Time

	// Watermarks maps "topic:partition" to the highest offset folded from that partition.
	Watermarks map[string]int64

	// MovedTo is set on a profile that Move is moving (or has moved) to another pseudonym; such
	// a profile is frozen (or a tombstone) and Fold redirects its events to MovedTo.
	MovedTo string

	// dvecF16: DecayedVector is (to be) stored as float16 (Options.DecayedFloat16).
	dvecF16 bool
}

// MeanRating returns the mean review rating, 0 when the user rated nothing.
func (p *Profile) MeanRating() float64 {
	if p.RatingCount == 0 {
		return 0
	}
	return p.RatingSum / float64(p.RatingCount)
}

// decayFactor returns 2^(-(to-from)/halfLife), 1 when to is not after from.
func decayFactor(from, to time.Time, halfLife time.Duration) float64 {
	d := to.Sub(from)
	if d <= 0 || halfLife <= 0 {
		return 1
	}
	return math.Exp2(-float64(d) / float64(halfLife))
}

// DecayedWeightAt returns the decayed text weight at time now.
func (p *Profile) DecayedWeightAt(now time.Time) float64 {
	return p.DecayedWeight * decayFactor(p.DecayedAt, now, p.HalfLife)
}

// ActivityAt returns the decayed activity at time now.
func (p *Profile) ActivityAt(now time.Time) float64 {
	return p.Activity * decayFactor(p.DecayedAt, now, p.HalfLife)
}

// CategoriesAt returns the top n categories with counts decayed to now (all kept ones if n <= 0).
func (p *Profile) CategoriesAt(now time.Time, n int) []CategoryCount {
	f := decayFactor(p.DecayedAt, now, p.HalfLife)
	if n <= 0 || n > len(p.Categories) {
		n = len(p.Categories)
	}
	out := make([]CategoryCount, n)
	for i := range out {
		out[i] = CategoryCount{p.Categories[i].Category, p.Categories[i].Count * f}
	}
	return out
}

// Recency returns how long before now the user's newest event happened.
func (p *Profile) Recency(now time.Time) time.Duration { return now.Sub(p.LastSeen) }

func (p *Profile) clone() *Profile {
	q := *p
	q.Kinds = make(map[event.Kind]int64, len(p.Kinds))
	for k, v := range p.Kinds {
		q.Kinds[k] = v
	}
	q.Vector = append([]float32(nil), p.Vector...)
	q.DecayedVector = append([]float32(nil), p.DecayedVector...)
	if p.Vector == nil {
		q.Vector = nil
	}
	if p.DecayedVector == nil {
		q.DecayedVector = nil
	}
	q.Categories = append([]CategoryCount(nil), p.Categories...)
	q.RecentItems = append([]ItemInteraction(nil), p.RecentItems...)
	q.Watermarks = make(map[string]int64, len(p.Watermarks))
	for k, v := range p.Watermarks {
		q.Watermarks[k] = v
	}
	return &q
}

// dvecBlob returns the decayed mean as stored: float32, or float16 with Options.DecayedFloat16.
func (p *Profile) dvecBlob() []byte {
	if p.dvecF16 {
		return schema.EncodeVectorF16(p.DecayedVector)
	}
	return vectorBlob(p.DecayedVector)
}

// vectorBlob returns v as a little-endian float32 blob for a write. On a little-endian machine
// it is v's memory itself (no copy): the caller must not modify v until the write is done; Fold
// never does (a folded state is copied before the next fold changes it).
func vectorBlob(v []float32) []byte {
	if !littleEndian || len(v) == 0 {
		return schema.EncodeVector(v)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// Field names of the profile hash, as package schema defines them.
const (
	fSchema   = schema.FieldSchema
	fVer      = schema.FieldVersion
	fCID      = schema.FieldCreationID
	fKeyID    = schema.FieldKeyID
	fModel    = schema.FieldModel
	fDim      = schema.FieldDim
	fHalfLife = schema.FieldHalfLife
	fEvents   = schema.FieldEvents
	fKindPfx  = schema.FieldKindPrefix
	fVec      = schema.FieldVector
	fVecW     = schema.FieldVectorWeight
	fDVec     = schema.FieldDecayedVector
	fDW       = schema.FieldDecayedWeight
	fAct      = schema.FieldActivity
	fDTS      = schema.FieldDecayedAt
	fRSum     = schema.FieldRatingSum
	fRN       = schema.FieldRatingCount
	fFirst    = schema.FieldFirstSeen
	fLast     = schema.FieldLastSeen
	fUpd      = schema.FieldUpdatedAt
	fCats     = schema.FieldCategories
	fItems    = schema.FieldRecentItems
	fSeg      = schema.FieldSegment
	fSegD     = schema.FieldSegmentDist
	fSegV     = schema.FieldSegmentVersion
	fSegT     = schema.FieldSegmentAt
	fWMPfx    = schema.FieldWatermarkPfx
	fMoved    = schema.FieldMovedTo
	// fMovedFromPfx + <old pseudonym> marks a merge done by Move (value: the old creation id).
	fMovedFromPfx = schema.FieldMovedFromPfx
)

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
func fmtInt(i int64) string     { return strconv.FormatInt(i, 10) }
func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return fmtInt(t.UnixMilli())
}

// encodeFields returns the field/value pairs a write of p must send when the stored profile is
// base (nil: absent, write everything): every non-segment field whose value differs from base,
// and the watermarks that moved. "ver" is left to the script, segment fields to SetSegments.
// Writing only what changed keeps the script's HSET small (most folds change about a dozen
// fields).
func (p *Profile) encodeFields(base *Profile) []interface{} {
	a := make([]interface{}, 0, 48)
	add := func(k string, v interface{}) { a = append(a, k, v) }
	nb := base == nil
	if nb || base.Schema != schema.Version {
		add(fSchema, strconv.Itoa(schema.Version))
	}
	if nb || base.CreationID != p.CreationID {
		add(fCID, p.CreationID)
	}
	if (nb && p.KeyID != "") || (!nb && base.KeyID != p.KeyID) {
		add(fKeyID, p.KeyID)
	}
	if nb || base.ModelID != p.ModelID {
		add(fModel, p.ModelID)
	}
	if nb || base.Dim != p.Dim {
		add(fDim, strconv.Itoa(p.Dim))
	}
	if nb || base.HalfLife != p.HalfLife {
		add(fHalfLife, fmtInt(p.HalfLife.Milliseconds()))
	}
	if nb || base.Events != p.Events {
		add(fEvents, fmtInt(p.Events))
	}
	for _, k := range event.Kinds {
		if (nb && p.Kinds[k] != 0) || (!nb && base.Kinds[k] != p.Kinds[k]) {
			add(fKindPfx+k.String(), fmtInt(p.Kinds[k]))
		}
	}
	// A new profile leaves out every field that is zero or empty (readers take an absent field
	// as zero; it saves the ~40 bytes of Redis memory each field costs). Vector fields of an
	// existing profile are written as an empty blob when a reset after a model change emptied
	// them, so that the old model's vectors are overwritten.
	if (nb && p.Vector != nil) || (!nb && !sameVector(base.Vector, p.Vector)) {
		add(fVec, vectorBlob(p.Vector))
	}
	if (nb && p.VectorWeight != 0) || (!nb && base.VectorWeight != p.VectorWeight) {
		add(fVecW, fmtFloat(p.VectorWeight))
	}
	if (nb && p.DecayedVector != nil) || (!nb && !sameVector(base.DecayedVector, p.DecayedVector)) {
		add(fDVec, p.dvecBlob())
	}
	if (nb && p.DecayedWeight != 0) || (!nb && base.DecayedWeight != p.DecayedWeight) {
		add(fDW, fmtFloat(p.DecayedWeight))
	}
	if nb || base.Activity != p.Activity {
		add(fAct, fmtFloat(p.Activity))
	}
	if nb || !base.DecayedAt.Equal(p.DecayedAt) {
		add(fDTS, ms(p.DecayedAt))
	}
	if (nb && p.RatingCount != 0) || (!nb && (base.RatingSum != p.RatingSum || base.RatingCount != p.RatingCount)) {
		add(fRSum, fmtFloat(p.RatingSum))
		add(fRN, fmtInt(p.RatingCount))
	}
	if nb || !base.FirstSeen.Equal(p.FirstSeen) {
		add(fFirst, ms(p.FirstSeen))
	}
	if nb || !base.LastSeen.Equal(p.LastSeen) {
		add(fLast, ms(p.LastSeen))
	}
	if nb || !base.UpdatedAt.Equal(p.UpdatedAt) {
		add(fUpd, ms(p.UpdatedAt))
	}
	if (nb && len(p.Categories) > 0) || (!nb && !sameCategories(base.Categories, p.Categories)) {
		add(fCats, appendCatsJSON(make([]byte, 0, 2+48*len(p.Categories)), p.Categories))
	}
	if (nb && len(p.RecentItems) > 0) || (!nb && !sameItems(base.RecentItems, p.RecentItems)) {
		add(fItems, appendItemsJSON(make([]byte, 0, 2+56*len(p.RecentItems)), p.RecentItems))
	}
	keys := make([]string, 0, 4)
	for k, v := range p.Watermarks {
		if nb {
			keys = append(keys, k)
		} else if old, ok := base.Watermarks[k]; !ok || old != v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(fWMPfx+k, fmtInt(p.Watermarks[k]))
	}
	return a
}

// encodeChanges returns the field/value pairs a write of p must send after apply changed it as
// ch says: everything (but zeros) for a new profile, else the scalar fields that differ from
// the state before the fold, the vectors, categories and recent items when they changed, and
// the watermarks that moved. Like encodeFields, it leaves "ver" to the write and the segment
// fields to SetSegments.
func (p *Profile) encodeChanges(ch *change) []interface{} {
	if ch.isNew {
		return p.encodeFields(nil)
	}
	o := &ch.old
	a := make([]interface{}, 0, 32)
	add := func(k string, v interface{}) { a = append(a, k, v) }
	if o.Schema != p.Schema {
		add(fSchema, strconv.Itoa(p.Schema))
	}
	if o.KeyID != p.KeyID {
		add(fKeyID, p.KeyID)
	}
	if o.ModelID != p.ModelID {
		add(fModel, p.ModelID)
	}
	if o.Dim != p.Dim {
		add(fDim, strconv.Itoa(p.Dim))
	}
	if o.HalfLife != p.HalfLife {
		add(fHalfLife, fmtInt(p.HalfLife.Milliseconds()))
	}
	if o.Events != p.Events {
		add(fEvents, fmtInt(p.Events))
	}
	for _, k := range event.Kinds {
		if ch.kinds[k] != p.Kinds[k] {
			add(fKindPfx+k.String(), fmtInt(p.Kinds[k]))
		}
	}
	if ch.vec {
		add(fVec, vectorBlob(p.Vector))
		add(fDVec, p.dvecBlob())
	}
	if o.VectorWeight != p.VectorWeight {
		add(fVecW, fmtFloat(p.VectorWeight))
	}
	if o.DecayedWeight != p.DecayedWeight {
		add(fDW, fmtFloat(p.DecayedWeight))
	}
	if o.Activity != p.Activity {
		add(fAct, fmtFloat(p.Activity))
	}
	if !o.DecayedAt.Equal(p.DecayedAt) {
		add(fDTS, ms(p.DecayedAt))
	}
	if o.RatingSum != p.RatingSum || o.RatingCount != p.RatingCount {
		add(fRSum, fmtFloat(p.RatingSum))
		add(fRN, fmtInt(p.RatingCount))
	}
	if !o.FirstSeen.Equal(p.FirstSeen) {
		add(fFirst, ms(p.FirstSeen))
	}
	if !o.LastSeen.Equal(p.LastSeen) {
		add(fLast, ms(p.LastSeen))
	}
	if !o.UpdatedAt.Equal(p.UpdatedAt) {
		add(fUpd, ms(p.UpdatedAt))
	}
	if ch.cats {
		add(fCats, appendCatsJSON(make([]byte, 0, 2+48*len(p.Categories)), p.Categories))
	}
	if ch.items {
		add(fItems, appendItemsJSON(make([]byte, 0, 2+56*len(p.RecentItems)), p.RecentItems))
	}
	for _, k := range ch.wm {
		add(fWMPfx+k, fmtInt(p.Watermarks[k]))
	}
	return a
}

// appendCatsJSON appends [{"c":"<category>","n":<count>},...] (what json.Marshal of []catJSON
// gives, without reflection).
func appendCatsJSON(b []byte, cs []CategoryCount) []byte {
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"c":`...)
		b = appendJSONString(b, c.Category)
		b = append(b, `,"n":`...)
		b = strconv.AppendFloat(b, c.Count, 'g', -1, 64)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendItemsJSON appends [{"i":"<item>","k":"<kind>","t":<ms>},...].
func appendItemsJSON(b []byte, is []ItemInteraction) []byte {
	b = append(b, '[')
	for i, it := range is {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"i":`...)
		b = appendJSONString(b, it.ItemID)
		b = append(b, `,"k":`...)
		b = appendJSONString(b, it.Kind.String())
		b = append(b, `,"t":`...)
		b = strconv.AppendInt(b, it.TS.UnixMilli(), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string; invalid UTF-8 falls back to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	plain := true // printable ASCII without quote or backslash: copied as is
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	if !utf8.ValidString(s) {
		j, _ := json.Marshal(s)
		return append(b, j...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func sameVector(a, b []float32) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func sameCategories(a, b []CategoryCount) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameItems(a, b []ItemInteraction) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ItemID != b[i].ItemID || a[i].Kind != b[i].Kind || !a[i].TS.Equal(b[i].TS) {
			return false
		}
	}
	return true
}

func parseKind(s string) event.Kind {
	for _, k := range event.Kinds {
		if k.String() == s {
			return k
		}
	}
	return 0
}

// decodeProfile parses a profile hash as returned by HGETALL, with package schema's decoder
// (the one readers use); the kinds and item kinds become event.Kind (unknown kinds are dropped).
func decodeProfile(pseudonym string, h map[string]string) (*Profile, error) {
	d, err := schema.DecodeProfile(h)
	if err != nil {
		return nil, fmt.Errorf("profilestore: profile %q: %w", pseudonym, err)
	}
	p := &Profile{
		Pseudonym: pseudonym, Schema: d.Schema, Version: d.Version, CreationID: d.CreationID,
		KeyID: d.KeyID, ModelID: d.ModelID, Dim: d.Dim, HalfLife: d.HalfLife,
		Events: d.Events, Kinds: make(map[event.Kind]int64, len(d.Kinds)),
		Vector: d.Vector, VectorWeight: d.VectorWeight,
		DecayedVector: d.DecayedVector, DecayedWeight: d.DecayedWeight, Activity: d.Activity,
		DecayedAt: d.DecayedAt, RatingSum: d.RatingSum, RatingCount: d.RatingCount,
		FirstSeen: d.FirstSeen, LastSeen: d.LastSeen, UpdatedAt: d.UpdatedAt,
		Segment: d.Segment, SegmentDistance: d.SegmentDistance, CentroidVersion: d.CentroidVersion,
		SegmentAt: d.SegmentAt, Watermarks: d.Watermarks, MovedTo: d.MovedTo, dvecF16: d.DecayedF16,
	}
	for name, n := range d.Kinds {
		if k := parseKind(name); k != 0 {
			p.Kinds[k] = n
		}
	}
	if d.Categories != nil {
		p.Categories = make([]CategoryCount, len(d.Categories))
		for i, c := range d.Categories {
			p.Categories[i] = CategoryCount(c)
		}
	}
	if d.RecentItems != nil {
		p.RecentItems = make([]ItemInteraction, len(d.RecentItems))
		for i, it := range d.RecentItems {
			p.RecentItems[i] = ItemInteraction{it.ItemID, parseKind(it.Kind), it.TS}
		}
	}
	return p, nil
}
