package profilestore

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/schema"
)

func cloneProfile(p *schema.Profile) *schema.Profile {
	q := *p
	q.Kinds = make(map[string]int64, len(p.Kinds))
	for k, v := range p.Kinds {
		q.Kinds[k] = v
	}
	q.Vector = append([]float32(nil), p.Vector...)
	q.DecayedMean = append([]float32(nil), p.DecayedMean...)
	if p.Vector == nil {
		q.Vector = nil
	}
	if p.DecayedMean == nil {
		q.DecayedMean = nil
	}
	q.Categories = append([]schema.CategoryCount(nil), p.Categories...)
	q.RecentItems = append([]schema.RecentItem(nil), p.RecentItems...)
	q.Terms = append([]schema.TermWeight(nil), p.Terms...)
	q.ItemSketch = append([]schema.ItemWeight(nil), p.ItemSketch...)
	if p.BehaviorVector != nil {
		q.BehaviorVector = append([]float32(nil), p.BehaviorVector...)
	}
	q.Watermarks = make(map[string]int64, len(p.Watermarks))
	for k, v := range p.Watermarks {
		q.Watermarks[k] = v
	}
	return &q
}

// The value encoders of the profile fields whose encoding layout 2 (schema.ProfileSchema)
// changed: Q8 vectors and binary lists (codecs in package schema). The cached profile keeps the
// unrounded values; a profile read back from Redis continues from the stored ones.

// vecSeed is the seed of the stochastic rounding of a profile's vectors: a hash of the
// pseudonym, the event count and which vector, so that a write is reproducible.
func vecSeed(p *schema.Profile, which uint64) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(p.Pseudonym); i++ {
		h = (h ^ uint64(p.Pseudonym[i])) * 1099511628211
	}
	return h ^ uint64(p.Events)*0x9e3779b97f4a7c15 ^ which
}

func vecQ8(p *schema.Profile) []byte {
	return schema.EncodeVectorQ8(make([]byte, 0, schema.Q8Len(len(p.Vector))), p.Vector, vecSeed(p, 1))
}

func dvecQ8(p *schema.Profile) []byte {
	return schema.EncodeVectorQ8(make([]byte, 0, schema.Q8Len(len(p.DecayedMean))), p.DecayedMean, vecSeed(p, 2))
}

func catsBin(cs []schema.CategoryCount) []byte {
	return schema.AppendNamedWeightsBinary(make([]byte, 0, 1+16*len(cs)), len(cs), func(i int) (string, float64) {
		return cs[i].Category, cs[i].Count
	})
}

func itemsBin(is []schema.RecentItem) []byte {
	return schema.AppendRecentItemsBinary(make([]byte, 0, 8+20*len(is)), is)
}

func termsBin(ts []schema.TermWeight) []byte {
	return schema.AppendNamedWeightsBinary(make([]byte, 0, 1+12*len(ts)), len(ts), func(i int) (string, float64) {
		return ts[i].Term, ts[i].Weight
	})
}

func itemSketchBin(is []schema.ItemWeight) []byte {
	return schema.AppendNamedWeightsBinary(make([]byte, 0, 1+16*len(is)), len(is), func(i int) (string, float64) {
		return is[i].ItemID, is[i].Weight
	})
}

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
func encodeFields(p, base *schema.Profile) []interface{} {
	a := make([]interface{}, 0, 48)
	add := func(k string, v interface{}) { a = append(a, k, v) }
	nb := base == nil
	// A stored profile of another layout gets every field whose encoding differs rewritten.
	re := nb || base.Schema != schema.ProfileSchema
	if re {
		add(schema.FieldSchema, strconv.Itoa(schema.ProfileSchema))
	}
	if nb || base.CreationID != p.CreationID {
		add(schema.FieldCreationID, p.CreationID)
	}
	if (nb && p.KeyID != "") || (!nb && base.KeyID != p.KeyID) {
		add(schema.FieldKeyID, p.KeyID)
	}
	if nb || base.ModelID != p.ModelID {
		add(schema.FieldModel, p.ModelID)
	}
	if nb || base.Dim != p.Dim {
		add(schema.FieldDim, strconv.Itoa(p.Dim))
	}
	if nb || base.HalfLife != p.HalfLife {
		add(schema.FieldHalfLife, fmtInt(p.HalfLife.Milliseconds()))
	}
	if nb || base.Events != p.Events {
		add(schema.FieldEvents, fmtInt(p.Events))
	}
	for _, k := range event.Kinds {
		if (nb && p.Kinds[k.String()] != 0) || (!nb && base.Kinds[k.String()] != p.Kinds[k.String()]) {
			add(schema.FieldKindPrefix+k.String(), fmtInt(p.Kinds[k.String()]))
		}
	}
	// A new profile leaves out every field that is zero or empty (readers take an absent field
	// as zero; it saves the ~40 bytes of Redis memory each field costs). Vector fields of an
	// existing profile are written as an empty blob when a reset after a model change emptied
	// them, so that the old model's vectors are overwritten.
	if (re && p.Vector != nil) || (!nb && !sameVector(base.Vector, p.Vector)) {
		add(schema.FieldVector, vecQ8(p))
	}
	if (nb && p.VectorWeight != 0) || (!nb && base.VectorWeight != p.VectorWeight) {
		add(schema.FieldVectorWeight, fmtFloat(p.VectorWeight))
	}
	if (re && p.DecayedMean != nil) || (!nb && !sameVector(base.DecayedMean, p.DecayedMean)) {
		add(schema.FieldDecayedVector, dvecQ8(p))
	}
	if (nb && p.DecayedWeight != 0) || (!nb && base.DecayedWeight != p.DecayedWeight) {
		add(schema.FieldDecayedWeight, fmtFloat(p.DecayedWeight))
	}
	if nb || base.Activity != p.Activity {
		add(schema.FieldActivity, fmtFloat(p.Activity))
	}
	if nb || !base.DecayedAt.Equal(p.DecayedAt) {
		add(schema.FieldDecayedAt, ms(p.DecayedAt))
	}
	if (nb && p.RatingCount != 0) || (!nb && (base.RatingSum != p.RatingSum || base.RatingCount != p.RatingCount)) {
		add(schema.FieldRatingSum, fmtFloat(p.RatingSum))
		add(schema.FieldRatingCount, fmtInt(p.RatingCount))
	}
	if nb || !base.FirstSeen.Equal(p.FirstSeen) {
		add(schema.FieldFirstSeen, ms(p.FirstSeen))
	}
	if nb || !base.LastSeen.Equal(p.LastSeen) {
		add(schema.FieldLastSeen, ms(p.LastSeen))
	}
	if nb || !base.UpdatedAt.Equal(p.UpdatedAt) {
		add(schema.FieldUpdatedAt, ms(p.UpdatedAt))
	}
	if (re && len(p.Categories) > 0) || (!nb && !sameCategories(base.Categories, p.Categories)) {
		add(schema.FieldCategories, catsBin(p.Categories))
	}
	if (re && len(p.RecentItems) > 0) || (!nb && !sameItems(base.RecentItems, p.RecentItems)) {
		add(schema.FieldRecentItems, itemsBin(p.RecentItems))
	}
	if (re && len(p.Terms) > 0) || (!nb && !sameTerms(base.Terms, p.Terms)) {
		add(schema.FieldTerms, termsBin(p.Terms))
	}
	if (re && len(p.ItemSketch) > 0) || (!nb && !sameItemSketch(base.ItemSketch, p.ItemSketch)) {
		add(schema.FieldItemSketch, itemSketchBin(p.ItemSketch))
	}
	if (nb && p.BehaviorVector != nil) || (!nb && !sameVector(base.BehaviorVector, p.BehaviorVector)) {
		a = append(a, schema.FieldBehaviorVector, schema.EncodeVectorF16(p.BehaviorVector))
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
		add(schema.FieldWatermarkPfx+k, fmtInt(p.Watermarks[k]))
	}
	return a
}

// encodeChanges returns the field/value pairs a write of p must send after apply changed it as
// ch says: everything (but zeros) for a new profile, else the scalar fields that differ from
// the state before the fold, the vectors, categories and recent items when they changed, and
// the watermarks that moved. Like encodeFields, it leaves "ver" to the write and the segment
// fields to SetSegments.
func encodeChanges(p *schema.Profile, ch *change) []interface{} {
	if ch.isNew {
		return encodeFields(p, nil)
	}
	o := &ch.old
	a := make([]interface{}, 0, 32)
	add := func(k string, v interface{}) { a = append(a, k, v) }
	if o.Schema != p.Schema {
		add(schema.FieldSchema, strconv.Itoa(p.Schema))
	}
	if o.KeyID != p.KeyID {
		add(schema.FieldKeyID, p.KeyID)
	}
	if o.ModelID != p.ModelID {
		add(schema.FieldModel, p.ModelID)
	}
	if o.Dim != p.Dim {
		add(schema.FieldDim, strconv.Itoa(p.Dim))
	}
	if o.HalfLife != p.HalfLife {
		add(schema.FieldHalfLife, fmtInt(p.HalfLife.Milliseconds()))
	}
	if o.Events != p.Events {
		add(schema.FieldEvents, fmtInt(p.Events))
	}
	for _, k := range event.Kinds {
		if ch.kinds[k] != p.Kinds[k.String()] {
			add(schema.FieldKindPrefix+k.String(), fmtInt(p.Kinds[k.String()]))
		}
	}
	if ch.vec {
		add(schema.FieldVector, vecQ8(p))
		add(schema.FieldDecayedVector, dvecQ8(p))
	}
	if o.VectorWeight != p.VectorWeight {
		add(schema.FieldVectorWeight, fmtFloat(p.VectorWeight))
	}
	if o.DecayedWeight != p.DecayedWeight {
		add(schema.FieldDecayedWeight, fmtFloat(p.DecayedWeight))
	}
	if o.Activity != p.Activity {
		add(schema.FieldActivity, fmtFloat(p.Activity))
	}
	if !o.DecayedAt.Equal(p.DecayedAt) {
		add(schema.FieldDecayedAt, ms(p.DecayedAt))
	}
	if o.RatingSum != p.RatingSum || o.RatingCount != p.RatingCount {
		add(schema.FieldRatingSum, fmtFloat(p.RatingSum))
		add(schema.FieldRatingCount, fmtInt(p.RatingCount))
	}
	if !o.FirstSeen.Equal(p.FirstSeen) {
		add(schema.FieldFirstSeen, ms(p.FirstSeen))
	}
	if !o.LastSeen.Equal(p.LastSeen) {
		add(schema.FieldLastSeen, ms(p.LastSeen))
	}
	if !o.UpdatedAt.Equal(p.UpdatedAt) {
		add(schema.FieldUpdatedAt, ms(p.UpdatedAt))
	}
	if ch.cats {
		add(schema.FieldCategories, catsBin(p.Categories))
	}
	if ch.items {
		add(schema.FieldRecentItems, itemsBin(p.RecentItems))
	}
	if ch.terms {
		add(schema.FieldTerms, termsBin(p.Terms))
	}
	if ch.bitems {
		add(schema.FieldItemSketch, itemSketchBin(p.ItemSketch))
	}
	if ch.bvec {
		add(schema.FieldBehaviorVector, schema.EncodeVectorF16(p.BehaviorVector))
	}
	for _, k := range ch.wm {
		add(schema.FieldWatermarkPfx+k, fmtInt(p.Watermarks[k]))
	}
	return a
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

func sameCategories(a, b []schema.CategoryCount) bool {
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

func sameItems(a, b []schema.RecentItem) bool {
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

// decodeProfile parses a profile hash as returned by HGETALL with package schema's decoder (the
// one readers use) and sets the pseudonym.
func decodeProfile(pseudonym string, h map[string]string) (*schema.Profile, error) {
	p, err := schema.DecodeProfile(h)
	if err != nil {
		return nil, fmt.Errorf("profilestore: profile %q: %w", pseudonym, err)
	}
	p.Pseudonym = pseudonym
	return p, nil
}
