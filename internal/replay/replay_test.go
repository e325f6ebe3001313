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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, _, skipped, err := Read(strings.NewReader(tc.in))
			if err != nil || len(recs) != tc.recs || skipped != tc.want {
				t.Fatalf("%d records, skipped %+v, err %v; want %d records, skipped %+v", len(recs), skipped, err, tc.recs, tc.want)
			}
		})
	}
	recs, _, _, _ := Read(strings.NewReader(`{"user_id":"a","item_id":"i","rating":5,"ts":1,"summary":"Five Stars","text":""}`))
	var m map[string]any
	if err := json.Unmarshal(recs[0].Value, &m); err != nil || m["summary"] != "Five Stars" {
		t.Fatalf("title-only review produced as %s (%v)", recs[0].Value, err)
	}
}
