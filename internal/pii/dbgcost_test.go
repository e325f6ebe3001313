package pii

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestScrubRealData runs the scrubber over real reviews from ../shared/data (English Amazon reviews
// and Chinese online-shopping reviews), when present, and reports how often each type fires and
// the throughput. There are no labels: the detections are logged with context for a human to
// read. Opt in with SCRUB_REAL=1 (it reads ~5 MB; SCRUB_REAL_DIR overrides the data folder, e.g.
// from a worktree elsewhere):
//
//	SCRUB_REAL=1 go test -run TestScrubRealData -v ./internal/pii/
func TestDbgCost(t *testing.T) {
	if os.Getenv("SCRUB_REAL") == "" {
		t.Skip("set SCRUB_REAL=1 to scan ../shared/data reviews")
	}
	dir := "../../../shared/data/"
	if d := os.Getenv("SCRUB_REAL_DIR"); d != "" {
		dir = strings.TrimSuffix(d, "/") + "/"
	}
	var texts []string
	if f, err := os.Open(dir + "amazon-reviews-2023-multicat/reviews.jsonl.gz"); err == nil {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() && len(texts) < 30000 {
			var r struct{ Summary, Text string }
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				texts = append(texts, r.Summary+". "+r.Text)
			}
		}
		f.Close()
	}
	if f, err := os.Open(dir + "online-shopping-10-cats/online_shopping_10_cats.csv.gz"); err == nil {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(zr)
		cr.FieldsPerRecord = -1
		for n := 0; n < 30000; n++ {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			texts = append(texts, rec[len(rec)-1])
		}
		f.Close()
	}
	if len(texts) == 0 {
		t.Skip("no review data under ../shared/data")
	}
	s := NewScrubber()
	s.Scrub("warm up")
	best := time.Duration(1 << 62)
	for pass := 0; pass < 5; pass++ {
		st := time.Now()
		for _, x := range texts {
			s.Scrub(x)
		}
		best = min(best, time.Since(st))
	}
	fmt.Printf("COST %.2f\n", float64(best.Microseconds())/float64(len(texts)))
}
