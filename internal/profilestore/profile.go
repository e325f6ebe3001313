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

// dvecBlob returns the decayed mean as stored: float32, or float16 with Options.DecayedFloat16.
func dvecBlob(p *schema.Profile) []byte {
	if p.DecayedF16 {
		return schema.EncodeVectorF16(p.DecayedMean)
	}
	return vectorBlob(p.DecayedMean)
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
	if nb || base.Schema != schema.Version {
		add(schema.FieldSchema, strconv.Itoa(schema.Version))
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
	if (nb && p.Vector != nil) || (!nb && !sameVector(base.Vector, p.Vector)) {
		add(schema.FieldVector, vectorBlob(p.Vector))
	}
	if (nb && p.VectorWeight != 0) || (!nb && base.VectorWeight != p.VectorWeight) {
		add(schema.FieldVectorWeight, fmtFloat(p.VectorWeight))
	}
	if (nb && p.DecayedMean != nil) || (!nb && !sameVector(base.DecayedMean, p.DecayedMean)) {
		add(schema.FieldDecayedVector, dvecBlob(p))
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
	if (nb && len(p.Categories) > 0) || (!nb && !sameCategories(base.Categories, p.Categories)) {
		add(schema.FieldCategories, appendCatsJSON(make([]byte, 0, 2+48*len(p.Categories)), p.Categories))
	}
	if (nb && len(p.RecentItems) > 0) || (!nb && !sameItems(base.RecentItems, p.RecentItems)) {
		add(schema.FieldRecentItems, appendItemsJSON(make([]byte, 0, 2+56*len(p.RecentItems)), p.RecentItems))
	}
	if (nb && len(p.Terms) > 0) || (!nb && !sameTerms(base.Terms, p.Terms)) {
		a = append(a, schema.FieldTerms, appendTermsJSON(make([]byte, 0, 2+24*len(p.Terms)), p.Terms))
	}
	if (nb && len(p.ItemSketch) > 0) || (!nb && !sameItemSketch(base.ItemSketch, p.ItemSketch)) {
		a = append(a, schema.FieldItemSketch, appendItemSketchJSON(make([]byte, 0, 2+24*len(p.ItemSketch)), p.ItemSketch))
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
		add(schema.FieldVector, vectorBlob(p.Vector))
		add(schema.FieldDecayedVector, dvecBlob(p))
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
		add(schema.FieldCategories, appendCatsJSON(make([]byte, 0, 2+48*len(p.Categories)), p.Categories))
	}
	if ch.items {
		add(schema.FieldRecentItems, appendItemsJSON(make([]byte, 0, 2+56*len(p.RecentItems)), p.RecentItems))
	}
	if ch.terms {
		add(schema.FieldTerms, appendTermsJSON(make([]byte, 0, 2+24*len(p.Terms)), p.Terms))
	}
	if ch.bitems {
		add(schema.FieldItemSketch, appendItemSketchJSON(make([]byte, 0, 2+24*len(p.ItemSketch)), p.ItemSketch))
	}
	if ch.bvec {
		add(schema.FieldBehaviorVector, schema.EncodeVectorF16(p.BehaviorVector))
	}
	for _, k := range ch.wm {
		add(schema.FieldWatermarkPfx+k, fmtInt(p.Watermarks[k]))
	}
	return a
}

// appendCatsJSON appends [{"c":"<category>","n":<count>},...] (what json.Marshal of []catJSON
// gives, without reflection).
func appendCatsJSON(b []byte, cs []schema.CategoryCount) []byte {
	return appendNamedWeights(b, `{"c":`, cs, 64, func(c schema.CategoryCount) (string, float64) { return c.Category, c.Count })
}

// appendItemsJSON appends [{"i":"<item>","k":"<kind>","t":<ms>},...].
func appendItemsJSON(b []byte, is []schema.RecentItem) []byte {
	b = append(b, '[')
	for i, it := range is {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"i":`...)
		b = appendJSONString(b, it.ItemID)
		b = append(b, `,"k":`...)
		b = appendJSONString(b, it.Kind)
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
