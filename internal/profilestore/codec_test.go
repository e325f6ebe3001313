package profilestore

import (
	"testing"
	"time"

	"github.com/profilestream/profilestream/schema"
)

// TestListFieldsRoundTrip: the binary list fields of layout 2 decode (schema.DecodeProfile)
// to what was encoded, for any name bytes (quotes, control bytes, invalid UTF-8, empty).
func TestListFieldsRoundTrip(t *testing.T) {
	for _, name := range []string{"books", `a "quoted" \ name`, "tab\tnew\nline\x01", "日本語 <b>&", "bad\xffutf8", ""} {
		cats := []schema.CategoryCount{{Category: name, Count: 1.5}, {Category: "x", Count: 1e-7}}
		items := []schema.RecentItem{
			{ItemID: name, Kind: "buy", TS: time.UnixMilli(1234567).UTC()},
			{ItemID: "b", Kind: "other", TS: time.UnixMilli(1234000).UTC()},
			{ItemID: "c", Kind: "view", TS: time.UnixMilli(1234000).UTC()},
		}
		terms := []schema.TermWeight{{Term: name, Weight: 0.25}}
		bitems := []schema.ItemWeight{{ItemID: name, Weight: 3}}
		p, err := schema.DecodeProfile(map[string]string{
			schema.FieldSchema: "2", schema.FieldCategories: string(catsBin(cats)),
			schema.FieldRecentItems: string(itemsBin(items)), schema.FieldTerms: string(termsBin(terms)),
			schema.FieldItemSketch: string(itemSketchBin(bitems)),
		})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if len(p.Categories) != 2 || p.Categories[0] != cats[0] || p.Categories[1].Count != float64(float32(1e-7)) {
			t.Fatalf("%q: categories %+v", name, p.Categories)
		}
		if len(p.RecentItems) != 3 {
			t.Fatalf("%q: items %+v", name, p.RecentItems)
		}
		for i, it := range items {
			if g := p.RecentItems[i]; g.ItemID != it.ItemID || g.Kind != it.Kind || !g.TS.Equal(it.TS) {
				t.Fatalf("%q: item %d %+v, want %+v", name, i, g, it)
			}
		}
		if len(p.Terms) != 1 || p.Terms[0] != terms[0] || len(p.ItemSketch) != 1 || p.ItemSketch[0] != bitems[0] {
			t.Fatalf("%q: sketches %+v %+v", name, p.Terms, p.ItemSketch)
		}
	}
}

func TestSlot(t *testing.T) {
	// reference values from Redis CLUSTER KEYSLOT
	for k, want := range map[string]uint16{"foo": 12182, "bar": 5061, "123456789": 12739, "": 0} {
		if got := Slot(k); got != want {
			t.Errorf("Slot(%q) = %d, want %d", k, got, want)
		}
	}
}
