package replay

import (
	"encoding/json"
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
			if err != nil || format != tc.format || len(recs) < tc.min || skipped > len(recs)/100 {
				t.Fatalf("format %s, %d records, %d skipped, err %v", format, len(recs), skipped, err)
			}
			var m map[string]any
			if err := json.Unmarshal(recs[0].Value, &m); err != nil || m["user_id"] == "" || recs[0].Kind != tc.kind {
				t.Fatalf("first record %s: %v", recs[0].Value, err)
			}
		})
	}
}
