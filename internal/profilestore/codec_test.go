package profilestore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/profilestream/profilestream/schema"
)

type catJSON struct {
	C string  `json:"c"`
	N float64 `json:"n"`
}

type itemJSON struct {
	I string `json:"i"`
	K string `json:"k"`
	T int64  `json:"t"`
}

func TestJSONFieldsRoundTrip(t *testing.T) {
	for _, name := range []string{"books", `a "quoted" \ name`, "tab\tnew\nline\x01", "日本語 <b>&", "bad\xffutf8", ""} {
		cats := []schema.CategoryCount{{Category: name, Count: 1.5}, {Category: "x", Count: 1e-7}}
		var cj []catJSON
		if err := json.Unmarshal(appendCatsJSON(nil, cats), &cj); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		want := name
		if name == "bad\xffutf8" {
			want = "bad\ufffdutf8"
		}
		if cj[0].C != want || cj[0].N != 1.5 || cj[1].N != 1e-7 {
			t.Fatalf("%q: got %+v", name, cj)
		}
		items := []schema.RecentItem{{ItemID: name, Kind: "buy", TS: time.UnixMilli(1234567)}}
		var ij []itemJSON
		if err := json.Unmarshal(appendItemsJSON(nil, items), &ij); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if ij[0].I != want || ij[0].K != "buy" || ij[0].T != 1234567 {
			t.Fatalf("%q: got %+v", name, ij)
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
