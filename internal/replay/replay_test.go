package replay

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/profilestream/profilestream/data/sample"
)

func TestReadSampleFormats(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		kind   Kind
		min    int
	}{
		{"taobao-clicks.csv.gz", FormatTaobaoCSV, Click, 10000},
		{"amazon-reviews.jsonl.gz", FormatAmazonJSONL, Review, 2000},
		{"amazon-multicat.jsonl.gz", FormatAmazonJSONL, Review, 1000},
		{"chinese-reviews.csv.gz", FormatChineseCSV, Review, 1400},
		{"rees46-clicks.csv.gz", FormatREES46CSV, Click, 2000},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := sample.FS.Open(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, format, skipped, err := Read(f)
			if err != nil || format != tc.format || len(recs) < tc.min || skipped.Total() > len(recs)/100 {
				t.Fatalf("format %s, %d records, %d skipped, err %v", format, len(recs), skipped, err)
			}
			var m map[string]any
			if err := json.Unmarshal(recs[0].Value, &m); err != nil || m["user_id"] == "" || recs[0].Kind != tc.kind {
				t.Fatalf("first record %s: %v", recs[0].Value, err)
			}
		})
	}
}

// TestReadSkipsByReason: a review with a title and an empty body is a review (produced); one
// with neither title nor body is skipped as NoText; only lines that do not parse are Unparseable.
func TestReadSkipsByReason(t *testing.T) {
	tests := []struct {
		name string
		in   string
		recs int
		want Skipped
	}{
		{"amazon", strings.Join([]string{
			`{"user_id":"a","item_id":"i","rating":5,"ts":1,"summary":"Five Stars","text":""}`,
			`{"user_id":"b","item_id":"i","rating":5,"ts":2,"summary":"","text":"fine"}`,
			`{"user_id":"c","item_id":"i","rating":5,"ts":3,"summary":" ","text":"  "}`,
			`{"user_id":"d","item_id":"i"`,
			`{"item_id":"i","text":"no user"}`,
		}, "\n"), 2, Skipped{Unparseable: 2, NoText: 1}},
		{"chinese", "cat,label,review\n书籍,1,好书\n书籍,0,\n书籍,1\n", 1, Skipped{Unparseable: 1, NoText: 1}},
		{"taobao", "1,2,3,pv,1511544070\n1,2,3,pv\n1,2,3,pv,soon\n", 1, Skipped{Unparseable: 2}},
		{"rees46", strings.Join([]string{
			"event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\r",
			"2019-10-01 00:00:00 UTC,view,1,2053013552326770905,electronics.smartphone,samsung,1.00,7,s\r",
			"2019-10-01 00:00:01 UTC,purchase,2,2053013552326770905,,,1.00,7,s\r",
			"2019-10-01 00:00:02 UTC,remove_from_cart,2,2053013552326770905,,,1.00,7,s\r",
			"2019-10-01 00:00:03 UTC,wishlist,2,2053013552326770905,,,1.00,7,s\r",
			"yesterday,view,2,2053013552326770905,,,1.00,7,s\r",
			"2019-10-01 00:00:04 UTC,view,2,3,,,1.00,,s\r",
		}, "\n"), 2, Skipped{Unparseable: 3, Removed: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, _, skipped, err := Read(strings.NewReader(tc.in))
			if err != nil || len(recs) != tc.recs || skipped != tc.want {
				t.Fatalf("%d records, skipped %+v, err %v; want %d records, skipped %+v", len(recs), skipped, err, tc.recs, tc.want)
			}
		})
	}
	// REES46: the readable category code is the category (the numeric id when there is none),
	// the brand is the item title, purchase is buy.
	recs, _, _, _ := Read(strings.NewReader(tests[len(tests)-1].in))
	for i, want := range []string{
		`{"user_id":"7","item_id":"1","action":"view","category":"electronics.smartphone","item_title":"samsung","ts":1569888000}`,
		`{"user_id":"7","item_id":"2","action":"buy","category":"2053013552326770905","ts":1569888001}`,
	} {
		if string(recs[i].Value) != want || recs[i].Kind != Click || recs[i].UserID != "7" {
			t.Fatalf("REES46 record %d: %s (kind %d, user %q), want %s", i, recs[i].Value, recs[i].Kind, recs[i].UserID, want)
		}
	}
	recs, _, _, _ = Read(strings.NewReader(`{"user_id":"a","item_id":"i","rating":5,"ts":1,"summary":"Five Stars","text":""}`))
	var m map[string]any
	if err := json.Unmarshal(recs[0].Value, &m); err != nil || m["summary"] != "Five Stars" {
		t.Fatalf("title-only review produced as %s (%v)", recs[0].Value, err)
	}
}
