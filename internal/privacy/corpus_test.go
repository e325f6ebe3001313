package privacy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// corpusCase is one line of testdata/pii_corpus.jsonl (made by testdata/gen_corpus.py).
type corpusCase struct {
	ID    string `json:"id"`
	Lang  string `json:"lang"`
	Text  string `json:"text"`
	Spans []struct {
		Type  PIIType `json:"type"`
		Start int     `json:"start"`
		End   int     `json:"end"`
		Text  string  `json:"text"`
	} `json:"spans"`
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	f, err := os.Open("testdata/pii_corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c corpusCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("corpus line %d: %v", len(cases)+1, err)
		}
		for _, sp := range c.Spans {
			if sp.Start < 0 || sp.End > len(c.Text) || sp.Start >= sp.End || c.Text[sp.Start:sp.End] != sp.Text {
				t.Fatalf("corpus %s: span %+v does not match its text", c.ID, sp)
			}
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestScrubCorpus measures span-level precision and recall per type on the labelled corpus.
//
// An expected span counts as found when detected spans of its type cover it entirely (so the
// placeholder replaces all of it). A detected span counts as correct when it lies inside an
// expected span of its type; one that reaches outside (over-redaction), has another type, or
// appears in a negative case is a false positive.
//
// Run: go test -run TestScrubCorpus -v ./internal/privacy/  (prints FIGURE lines).
func TestScrubCorpus(t *testing.T) {
	cases := loadCorpus(t)
	s := NewScrubber(WithNow(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	type tally struct{ tp, fn, fpDet, tpDet int }
	stats := map[PIIType]*tally{}
	for _, ty := range Types() {
		stats[ty] = &tally{}
	}
	pos, neg := 0, 0
	var misses []string
	for _, c := range cases {
		if len(c.Spans) > 0 {
			pos++
		} else {
			neg++
		}
		found := s.Find(c.Text)
		for _, exp := range c.Spans {
			covered := make([]bool, exp.End-exp.Start)
			for _, d := range found {
				if d.Type != exp.Type {
					continue
				}
				for i := max(d.Start, exp.Start); i < min(d.End, exp.End); i++ {
					covered[i-exp.Start] = true
				}
			}
			ok := true
			for _, cv := range covered {
				ok = ok && cv
			}
			if ok {
				stats[exp.Type].tp++
			} else {
				stats[exp.Type].fn++
				misses = append(misses, fmt.Sprintf("MISS %s %s %q in %q -> %s", c.ID, exp.Type, exp.Text, c.Text, describe(c.Text, found)))
			}
		}
		for _, d := range found {
			correct := false
			for _, exp := range c.Spans {
				if exp.Type == d.Type && d.Start >= exp.Start && d.End <= exp.End {
					correct = true
				}
			}
			if correct {
				stats[d.Type].tpDet++
			} else {
				stats[d.Type].fpDet++
				misses = append(misses, fmt.Sprintf("FALSE %s %s %q in %q", c.ID, d.Type, c.Text[d.Start:d.End], c.Text))
			}
		}
	}
	if pos < 200 || neg < 200 {
		t.Fatalf("corpus has %d positive and %d negative cases, want >= 200 each", pos, neg)
	}
	for _, m := range misses {
		t.Log(m)
	}
	emit := func(name string, v float64) {
		line := fmt.Sprintf("FIGURE %s %.4f", name, v)
		if testing.Verbose() {
			fmt.Println(line)
		}
	}
	if testing.Verbose() {
		fmt.Printf("FIGURE scrub.corpus.positive %d\nFIGURE scrub.corpus.negative %d\n", pos, neg)
	}
	for _, ty := range Types() {
		st := stats[ty]
		recall, precision := 1.0, 1.0
		if st.tp+st.fn > 0 {
			recall = float64(st.tp) / float64(st.tp+st.fn)
		}
		if st.tpDet+st.fpDet > 0 {
			precision = float64(st.tpDet) / float64(st.tpDet+st.fpDet)
		}
		emit("scrub."+ty.Label()+".recall", recall)
		emit("scrub."+ty.Label()+".precision", precision)
		if st.tp+st.fn == 0 {
			t.Errorf("%s: corpus has no positive span", ty)
		}
		if recall < 0.98 {
			t.Errorf("%s recall %.4f < 0.98 (%d of %d found)", ty, recall, st.tp, st.tp+st.fn)
		}
		if precision < 0.95 {
			t.Errorf("%s precision %.4f < 0.95 (%d false of %d detections)", ty, precision, st.fpDet, st.tpDet+st.fpDet)
		}
	}
}

func describe(text string, spans []Span) string {
	var b strings.Builder
	for _, d := range spans {
		fmt.Fprintf(&b, "[%s %q] ", d.Type, text[d.Start:d.End])
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

// TestScrubConcurrent scrubs the corpus from several goroutines with one Scrubber and compares
// with a sequential run (run with -race to check the Scrubber shares no mutable state).
func TestScrubConcurrent(t *testing.T) {
	cases := loadCorpus(t)
	s := NewScrubber()
	want := make([]string, len(cases))
	for i, c := range cases {
		want[i], _ = s.Scrub(c.Text)
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i, c := range cases {
				if got, _ := s.Scrub(c.Text); got != want[i] {
					errs <- c.ID
					return
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if id := <-errs; id != "" {
			t.Fatalf("concurrent scrub of %s differs", id)
		}
	}
}
