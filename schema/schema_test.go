package schema_test

import (
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/schema"
)

// keyPatterns returns every key pattern the package builds, with placeholders as docs/schema.md
// writes them, and the writer's own keys the doc lists as not for readers (their builders live
// with the writer: profilestore's version token and scratch keys, the lag monitor's tables).
func keyPatterns() map[string]string {
	const pf, ps, item, group, seg = "<prefix>", "<pseudonym>", "<item id>", "<group>", 7
	id := func(k string) string { return strings.Replace(k, ":7:", ":<id>:", 1) }
	return map[string]string{
		"ProfileKey":          schema.ProfileKey(pf, ps),
		"VersionKey":          profilestore.VersionKey(pf, ps),
		"ErasureKey":          schema.ErasureKey(pf, ps),
		"AsideKey":            profilestore.AsideKey(pf, ps),
		"AsideUndoKey":        profilestore.AsideUndoKey(pf),
		"UserItemsKey":        schema.UserItemsKey(pf, ps),
		"SegmentCentroidsKey": schema.SegmentCentroidsKey(pf),
		"SegmentMembersKey":   id(schema.SegmentMembersKey(pf, seg)),
		"SegmentStatsKey":     id(schema.SegmentStatsKey(pf, seg)),
		"SegmentChangesKey":   schema.SegmentChangesKey(pf),
		"ItemKey":             schema.ItemKey(pf, item),
		"ItemCooccurKey":      schema.ItemCooccurKey(pf, item),
		"ItemPopularityKey":   schema.ItemPopularityKey(pf),
		"SettingsKey":         schema.SettingsKey(pf),
		"LagTableKey":         lag.TableKey(pf, group),
		"DFKey":               schema.DFKey(pf),
		"BehaviorTableKey":    schema.BehaviorTableKey(pf),
		"BehaviorStagingKey":  schema.BehaviorTableStagingKey(pf),
		"BehaviorLockKey":     schema.BehaviorTableLockKey(pf),
		// the model id is hashed into the key; the doc names it <model>
		"EmbeddingTableKey": regexp.MustCompile(`emb:\{[0-9a-f]+\}$`).ReplaceAllString(schema.EmbeddingTableKey(pf, "m"), "emb:{<model>}"),
	}
}

// TestDocAgreesWithPackage keeps docs/schema.md and this package in agreement both ways.
func TestDocAgreesWithPackage(t *testing.T) {
	b, err := os.ReadFile("../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	built := map[string]bool{}
	for name, k := range keyPatterns() {
		built[k] = true
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("%s builds %q, which docs/schema.md does not mention (as `%s`)", name, k, k)
		}
	}
	for _, f := range schema.SettingsFields {
		if !strings.Contains(doc, "| `"+f) {
			t.Errorf("settings field %q is not a row of docs/schema.md", f)
		}
	}
	for _, f := range schema.ProfileFields {
		if !strings.Contains(doc, "`"+f) {
			t.Errorf("profile field %q is not in docs/schema.md", f)
		}
	}
	// Every concrete key pattern in the doc comes from a builder (patterns ending in ":", "*" or "..."
	// are families, not keys).
	re := regexp.MustCompile("`(<prefix>:v1:[^`]*)`")
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		k := m[1]
		if strings.HasSuffix(k, ":") || strings.HasSuffix(k, "*") || strings.HasSuffix(k, "...") {
			continue
		}
		if !built[k] {
			t.Errorf("docs/schema.md names key %q, which no builder in package schema produces", k)
		}
	}
	// Every field row of the profile table is a field the package knows.
	known := map[string]bool{}
	for _, f := range schema.ProfileFields {
		known[f] = true
	}
	start := strings.Index(doc, "## Profile hash")
	end := strings.Index(doc[start+1:], "\n## ") + start + 1
	row := regexp.MustCompile("(?m)^\\| `([^`]+)`")
	for _, m := range row.FindAllStringSubmatch(doc[start:end], -1) {
		f := m[1]
		if i := strings.Index(f, ":"); i >= 0 {
			f = f[:i+1]
		}
		if !known[f] {
			t.Errorf("docs/schema.md lists profile field %q, which package schema does not define", m[1])
		}
	}
	// Every item field is in the item field table, and every row of that table is an item field.
	items := doc[strings.Index(doc, "Item hash fields:"):]
	if i := strings.Index(items, "\n\n"+"Popularity"); i > 0 {
		items = items[:i]
	}
	knownItem := map[string]bool{}
	for _, f := range schema.ItemFields {
		knownItem[f] = true
		if !strings.Contains(items, "`"+f+"`") {
			t.Errorf("item field %q is not in the item field table of docs/schema.md", f)
		}
	}
	for _, m := range row.FindAllStringSubmatch(items, -1) {
		if !knownItem[m[1]] {
			t.Errorf("docs/schema.md lists item field %q, which package schema does not define", m[1])
		}
	}
	if v := "<prefix>:v" + "1:"; !strings.Contains(doc, "`"+v+"`") || schema.Version != 1 {
		t.Errorf("docs/schema.md is written for %s, package schema for version %d", v, schema.Version)
	}
}

func TestPseudonymFromProfileKey(t *testing.T) {
	for _, tc := range []struct{ prefix, key, want string }{
		{"ps", "ps:v1:p:{k1.abc}", "k1.abc"},
		{"ps", "ps:v1:p:{k1.abc}:items", ""},
		{"ps", "xx:v1:p:{k1.abc}", ""},
		{"ps", "ps:v1:erased:{k1.abc}", ""},
		{"a:b", schema.ProfileKey("a:b", "u"), "u"},
	} {
		if got := schema.PseudonymFromProfileKey(tc.prefix, tc.key); got != tc.want {
			t.Errorf("PseudonymFromProfileKey(%q, %q) = %q, want %q", tc.prefix, tc.key, got, tc.want)
		}
	}
}

func TestHashTags(t *testing.T) {
	// Every key of one user carries the same hash tag, so one slot holds them all.
	tag := regexp.MustCompile(`\{([^}]*)\}`)
	keys := append(schema.UserKeys("ps", "u1"), schema.ErasureKey("ps", "u1"), profilestore.VersionKey("ps", "u1"), profilestore.AsideKey("ps", "u1"))
	for _, k := range keys {
		if m := tag.FindStringSubmatch(k); m == nil || m[1] != "u1" {
			t.Errorf("key %q does not carry the hash tag {u1}", k)
		}
	}
	if m := tag.FindStringSubmatch(schema.ItemCooccurKey("ps", "i9")); m == nil || m[1] != "i9" {
		t.Errorf("co-occurrence key lacks the item's hash tag")
	}
}

func TestVectorCodecs(t *testing.T) {
	v := []float32{0, 1, -2.5, 1e-3, 65504, float32(math.Inf(-1))}
	got, err := schema.DecodeVector(schema.EncodeVector(v))
	if err != nil || len(got) != len(v) {
		t.Fatalf("float32 round trip: %v, %v", got, err)
	}
	for i := range v {
		if math.Float32bits(got[i]) != math.Float32bits(v[i]) {
			t.Errorf("float32 [%d] = %v, want %v", i, got[i], v[i])
		}
	}
	h, f16, err := schema.DecodeDecayedVector(schema.EncodeVectorF16(v), len(v))
	if err != nil || !f16 {
		t.Fatalf("float16 blob of 2*dim bytes not decoded as float16: f16=%v err=%v", f16, err)
	}
	for i := range v {
		if d := math.Abs(float64(h[i] - v[i])); !(d <= math.Abs(float64(v[i]))/1024) && !math.IsInf(float64(v[i]), 0) {
			t.Errorf("float16 [%d] = %v, want about %v", i, h[i], v[i])
		}
	}
	if _, f16, _ := schema.DecodeDecayedVector(schema.EncodeVector(v), len(v)); f16 {
		t.Error("float32 blob decoded as float16")
	}
	if _, err := schema.DecodeVector([]byte{1, 2, 3}); err == nil {
		t.Error("3-byte float32 blob accepted")
	}
	for _, tc := range []struct {
		in   []float32
		want []float32
	}{
		{nil, nil},
		{[]float32{0, 0}, nil},
		{[]float32{float32(math.NaN()), 1}, nil},
		{[]float32{3, 4}, []float32{0.6, 0.8}},
	} {
		got := schema.Normalize(tc.in)
		if (got == nil) != (tc.want == nil) || len(got) != len(tc.want) {
			t.Errorf("Normalize(%v) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
				t.Errorf("Normalize(%v) = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
}

func TestDecodeProfile(t *testing.T) {
	h := map[string]string{
		"schema": "1", "ver": "3", "cid": "c1", "model": "m@1", "dim": "2", "hl": "1000",
		"n": "5", "n:view": "4", "n:buy": "1", "n:cart": "0",
		"vec": string(schema.EncodeVector([]float32{1, 2})), "vw": "2.5",
		"dvec": string(schema.EncodeVectorF16([]float32{0.5, -1})), "dw": "1.5",
		"last": "1700000000000", "cats": `[{"c":"books","n":2}]`,
		"items": `[{"i":"i1","k":"view","t":1700000000000}]`, "wm:ev:3": "42",
		"future_field": "ignored",
	}
	p, err := schema.DecodeProfile(h)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 3 || p.CreationID != "c1" || p.Dim != 2 || p.HalfLife != time.Second ||
		p.Events != 5 || len(p.Kinds) != 2 || p.Kinds["view"] != 4 || p.Segment != -1 ||
		!p.DecayedF16 || p.DecayedMean[1] != -1 || p.Watermarks["ev:3"] != 42 ||
		p.Categories[0] != (schema.CategoryCount{Category: "books", Count: 2}) ||
		p.RecentItems[0].Kind != "view" || !p.LastSeen.Equal(time.UnixMilli(1700000000000)) {
		t.Errorf("decoded %+v", p)
	}
	for _, bad := range []map[string]string{{"n": "x"}, {"vec": "abc"}, {"cats": "{"}, {"dim": "2", "dvec": "abc"}} {
		if _, err := schema.DecodeProfile(bad); err == nil || !strings.Contains(err.Error(), "field") {
			t.Errorf("DecodeProfile(%v) error = %v, want a field error", bad, err)
		}
	}
}

func TestSettingsRoundTripAndDiff(t *testing.T) {
	s := schema.DefaultSettings()
	s.ModelID, s.Dim, s.ActionWeights["buy"] = "m@1", 384, 8
	s.UpdatedAt = time.UnixMilli(1700000000000).UTC()
	h := map[string]string{}
	f := s.Fields()
	for i := 0; i < len(f); i += 2 {
		h[f[i].(string)] = f[i+1].(string)
	}
	got, err := schema.DecodeSettings(h)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Diff(s); len(d) != 0 || !got.UpdatedAt.Equal(s.UpdatedAt) {
		t.Fatalf("round trip differs: %v (updated %v, want %v)", d, got.UpdatedAt, s.UpdatedAt)
	}
	d := schema.DefaultSettings()
	d.ModelID, d.Dim = "m@1", 384
	diff := s.Diff(d)
	if len(diff) != 1 || diff[0] != "weight of buy 8 (stored 4)" {
		t.Fatalf("diff = %q", diff)
	}
	if _, err := schema.DecodeSettings(map[string]string{"w:buy": "x"}); err == nil {
		t.Fatal("a malformed weight decoded")
	}
	empty, err := schema.DecodeSettings(map[string]string{})
	if err != nil || len(empty.Diff(schema.DefaultSettings())) != 0 {
		t.Fatalf("empty hash: %v %v", err, empty.Diff(schema.DefaultSettings()))
	}
}

func TestProfileLanguage(t *testing.T) {
	tw := func(kv ...any) []schema.TermWeight {
		var out []schema.TermWeight
		for i := 0; i < len(kv); i += 2 {
			out = append(out, schema.TermWeight{Term: kv[i].(string), Weight: kv[i+1].(float64)})
		}
		return out
	}
	tests := []struct {
		name  string
		terms []schema.TermWeight
		want  schema.Language
	}{
		{"no terms", nil, schema.LangOther},
		{"english", tw("guitar", 1.0, "strings", 0.5), schema.LangOther},
		{"chinese", tw("质量", 1.0, "不错", 0.5), schema.LangCJK},
		{"mostly chinese", tw("质量", 1.0, "iphone", 0.4), schema.LangCJK},
		{"mostly english", tw("质量", 0.4, "iphone", 1.0), schema.LangOther},
		{"half and half", tw("质量", 1.0, "iphone", 1.0), schema.LangOther},
		{"japanese", tw("カメラ", 1.0), schema.LangCJK},
	}
	for _, tc := range tests {
		p := &schema.Profile{Terms: tc.terms}
		if got := p.Language(); got != tc.want {
			t.Errorf("%s: schema.Language() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
