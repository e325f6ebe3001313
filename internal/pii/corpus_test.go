package pii

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
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
		Type  Type   `json:"type"`
		Start int    `json:"start"`
		End   int    `json:"end"`
		Text  string `json:"text"`
	} `json:"spans"`
}

// corpusFiles are the labelled sets: the held-out set written to the documented formats, and
// the adversarial set written apart from the detectors (by someone who had not seen them, before
// they were tuned; see testdata/gen_adversarial.py).
var corpusFiles = []string{"testdata/pii_corpus.jsonl", "testdata/adversarial.jsonl"}

func loadCorpus(t testing.TB, path string) []corpusCase {
	t.Helper()
	f, err := os.Open(path)
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
			t.Fatalf("%s line %d: %v", path, len(cases)+1, err)
		}
		for _, sp := range c.Spans {
			if sp.Start < 0 || sp.End > len(c.Text) || sp.Start >= sp.End || c.Text[sp.Start:sp.End] != sp.Text {
				t.Fatalf("%s %s: span %+v does not match its text", path, c.ID, sp)
			}
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func loadAllCorpora(t testing.TB) []corpusCase {
	var all []corpusCase
	for _, p := range corpusFiles {
		all = append(all, loadCorpus(t, p)...)
	}
	return all
}

// tally counts, for one type, expected spans found (tp) or missed (fn), and detections that
// are correct (tpDet) or not (fpDet).
type tally struct{ tp, fn, tpDet, fpDet int }

func (t *tally) add(o tally) { t.tp += o.tp; t.fn += o.fn; t.tpDet += o.tpDet; t.fpDet += o.fpDet }

func (t tally) recall() float64 {
	if t.tp+t.fn == 0 {
		return 1
	}
	return float64(t.tp) / float64(t.tp+t.fn)
}

func (t tally) precision() float64 {
	if t.tpDet+t.fpDet == 0 {
		return 1
	}
	return float64(t.tpDet) / float64(t.tpDet+t.fpDet)
}

// score compares detections with the labels of one case, span-level, and adds to stats.
//
// An expected span counts as found when detected spans of its type cover it entirely (so the
// placeholder replaces all of it). A detected span counts as correct when it lies inside an
// expected span of its type; one that reaches outside (over-redaction), has another type, or
// appears in a negative case is a false positive. Only types in stats are scored (so a
// scrubber that has no such type is neither rewarded nor punished for it).
func score(c corpusCase, found []Span, stats map[Type]*tally) (misses []string) {
	for _, exp := range c.Spans {
		st := stats[exp.Type]
		if st == nil {
			continue
		}
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
			st.tp++
		} else {
			st.fn++
			misses = append(misses, fmt.Sprintf("MISS %s %s %q in %q -> %s", c.ID, exp.Type, exp.Text, c.Text, describe(c.Text, found)))
		}
	}
	for _, d := range found {
		st := stats[d.Type]
		if st == nil {
			continue
		}
		correct := false
		for _, exp := range c.Spans {
			if exp.Type == d.Type && d.Start >= exp.Start && d.End <= exp.End {
				correct = true
			}
		}
		if correct {
			st.tpDet++
		} else {
			st.fpDet++
			misses = append(misses, fmt.Sprintf("FALSE %s %s %q in %q", c.ID, d.Type, c.Text[d.Start:d.End], c.Text))
		}
	}
	return misses
}

func newStats(types []Type) map[Type]*tally {
	m := map[Type]*tally{}
	for _, ty := range types {
		m[ty] = &tally{}
	}
	return m
}

// emitTally prints recall and precision per type; a type with no expected span has no recall,
// one without detections no precision (printing 1.0 for those would claim what was not measured).
func emitTally(prefix string, stats map[Type]*tally, types []Type) {
	for _, ty := range types {
		st := stats[ty]
		if st.tp+st.fn > 0 {
			emitFigure(prefix+ty.Label()+".recall", st.recall())
		}
		if st.tpDet+st.fpDet > 0 {
			emitFigure(prefix+ty.Label()+".precision", st.precision())
		}
	}
}

func emitFigure(name string, v float64) {
	if testing.Verbose() {
		fmt.Printf("FIGURE %s %.4f\n", name, v)
	}
}

// TestScrubCorpus measures span-level precision and recall per type on both labelled sets
// together, and over all types on the adversarial set alone (see score for the rules).
//
// Run: go test -run TestScrubCorpus -v ./internal/pii/  (prints FIGURE lines; `make eval-scrub`).
//
// It fails if a type falls below recall 0.98 or precision 0.95 on the held-out set (the
// documented formats), or if the adversarial figures fall below the floors recorded in
// adversarialFloor (what the scrubber reached when the set was first scored after tuning; the
// target is 0.95, see docs/privacy.md).
func TestScrubCorpus(t *testing.T) {
	s := NewScrubber(WithNow(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	whole := newStats(Types())
	var adv tally
	for fi, path := range corpusFiles {
		cases := loadCorpus(t, path)
		stats := newStats(Types())
		pos, neg := 0, 0
		var misses []string
		for _, c := range cases {
			if len(c.Spans) > 0 {
				pos++
			} else {
				neg++
			}
			misses = append(misses, score(c, s.Find(c.Text), stats)...)
		}
		for _, m := range misses {
			t.Log(m)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path, "testdata/"), ".jsonl")
		if testing.Verbose() {
			fmt.Printf("FIGURE scrub.%s.positive %d\nFIGURE scrub.%s.negative %d\n", name, pos, name, neg)
		}
		for _, ty := range Types() {
			whole[ty].add(*stats[ty])
		}
		if fi == 0 {
			if pos < 200 || neg < 200 {
				t.Fatalf("%s has %d positive and %d negative cases, want >= 200 each", path, pos, neg)
			}
			for _, ty := range Types() {
				st := stats[ty]
				if st.tp+st.fn == 0 {
					continue // a type added after this set was written (SSN, NATIONAL_ID, PERSON)
				}
				if st.recall() < 0.98 {
					t.Errorf("%s: %s recall %.4f < 0.98 (%d of %d found)", path, ty, st.recall(), st.tp, st.tp+st.fn)
				}
				if st.precision() < 0.95 {
					t.Errorf("%s: %s precision %.4f < 0.95 (%d false of %d detections)", path, ty, st.precision(), st.fpDet, st.tpDet+st.fpDet)
				}
			}
		} else {
			for _, ty := range Types() {
				adv.add(*stats[ty])
			}
		}
	}
	emitTally("scrub.", whole, Types())
	emitFigure("scrub.adversarial.recall", adv.recall())
	emitFigure("scrub.adversarial.precision", adv.precision())
	if adv.recall() < adversarialFloor.recall || adv.precision() < adversarialFloor.precision {
		t.Errorf("adversarial recall %.4f (%d of %d), precision %.4f (%d false of %d): below the floor %+v",
			adv.recall(), adv.tp, adv.tp+adv.fn, adv.precision(), adv.fpDet, adv.tpDet+adv.fpDet, adversarialFloor)
	}
}

// adversarialFloor is the regression floor for the adversarial set.
var adversarialFloor = struct{ recall, precision float64 }{0.97, 0.97}

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
	cases := loadAllCorpora(t)
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

// presidioResults is testdata/presidio_results.json, written by tools/presidio/run.sh: Microsoft
// Presidio's detections on the same corpus files, mapped to our types and UTF-8 byte offsets.
type presidioResults struct {
	Version      string              `json:"presidio_analyzer"`
	Mode         string              `json:"mode"`
	Types        []Type              `json:"types"`
	Corpus       []string            `json:"corpus"`
	CorpusSHA256 []string            `json:"corpus_sha256"`
	Detections   map[string][][3]any `json:"detections"`
}

// TestPresidioCorpus scores Presidio's recorded detections with the same rules as
// TestScrubCorpus and prints FIGURE scrub.presidio.<type>.recall / .precision for the types
// Presidio has a recognizer for (no Python needed; re-run tools/presidio/run.sh after changing a
// corpus file, which this test notices by hash).
func TestPresidioCorpus(t *testing.T) {
	scorePresidio(t, "testdata/presidio_results.json", corpusFiles, "scrub.presidio.", true)
}

// TestPresidioUntuned scores Presidio's detections on the untuned held-out set
// (testdata/presidio_untuned.json, made by tools/presidio/run.sh --corpus
// internal/pii/testdata/untuned.jsonl --out internal/pii/testdata/presidio_untuned.json) and
// prints FIGURE scrub.presidio.untuned.<type>.recall / .precision; like TestScrubUntuned it
// never prints a case.
func TestPresidioUntuned(t *testing.T) {
	if _, err := os.Stat("testdata/presidio_untuned.json"); err != nil {
		t.Skip("no testdata/presidio_untuned.json")
	}
	scorePresidio(t, "testdata/presidio_untuned.json", []string{"testdata/untuned.jsonl"}, "scrub.presidio.untuned.", false)
}

// TestPresidioDev scores Presidio's detections on the development set (testdata/presidio_dev.json,
// made by tools/presidio/run.sh --corpus internal/pii/testdata/dev.jsonl --out
// internal/pii/testdata/presidio_dev.json): FIGURE scrub.presidio.dev.<type>.recall / .precision,
// beside the rules' FIGURE scrub.dev.* of TestScrubDev.
func TestPresidioDev(t *testing.T) {
	scorePresidio(t, "testdata/presidio_dev.json", []string{"testdata/dev.jsonl"}, "scrub.presidio.dev.", false)
}

func scorePresidio(t *testing.T, fixture string, files []string, prefix string, logMisses bool) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var pr presidioResults
	if err := json.Unmarshal(raw, &pr); err != nil {
		t.Fatal(err)
	}
	if len(pr.Corpus) != len(files) {
		t.Fatalf("fixture covers %v, want %v: re-run tools/presidio/run.sh", pr.Corpus, files)
	}
	stats := newStats(pr.Types)
	for i, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); i >= len(pr.CorpusSHA256) || hex.EncodeToString(sum[:]) != pr.CorpusSHA256[i] {
			t.Fatalf("%s changed since %s was made: re-run tools/presidio/run.sh", path, fixture)
		}
		for _, c := range loadCorpus(t, path) {
			var found []Span
			for _, d := range pr.Detections[c.ID] {
				st, _ := d[0].(float64)
				en, _ := d[1].(float64)
				ty, _ := d[2].(string)
				if st < 0 || en > float64(len(c.Text)) || st >= en {
					t.Fatalf("%s: bad Presidio span", c.ID)
				}
				found = append(found, Span{int(st), int(en), Type(ty)})
			}
			for _, m := range score(c, found, stats) {
				if logMisses {
					t.Log(m)
				}
			}
		}
	}
	if testing.Verbose() {
		fmt.Printf("# presidio-analyzer %s, %s (%s)\n", pr.Version, pr.Mode, fixture)
	}
	emitTally(prefix, stats, pr.Types)
}

// TestScrubHoldout scores the held-out set (testdata/holdout.jsonl, written by someone who saw
// neither the detectors nor the other corpora, after the detectors were tuned on the adversarial
// set). It is the unbiased estimate: do not tune against it. When the detectors change, a new
// held-out set should be written apart, and this one folded into the tuning corpora.
//
// Prints FIGURE scrub.holdout.<type>.recall/.precision and scrub.holdout.recall/.precision;
// fails below holdoutFloor (the figures of the first scoring, rounded down), a regression floor.
func TestScrubHoldout(t *testing.T) {
	s := NewScrubber(WithNow(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	stats := newStats(Types())
	pos, neg := 0, 0
	for _, c := range loadCorpus(t, "testdata/holdout.jsonl") {
		if len(c.Spans) > 0 {
			pos++
		} else {
			neg++
		}
		for _, m := range score(c, s.Find(c.Text), stats) {
			t.Log(m)
		}
	}
	if pos < 100 || neg < 50 {
		t.Fatalf("holdout has %d positive and %d negative cases, want >= 100 and >= 50", pos, neg)
	}
	var all tally
	for _, ty := range Types() {
		all.add(*stats[ty])
	}
	emitTally("scrub.holdout.", stats, Types())
	emitFigure("scrub.holdout.recall", all.recall())
	emitFigure("scrub.holdout.precision", all.precision())
	if all.recall() < holdoutFloor.recall || all.precision() < holdoutFloor.precision {
		t.Errorf("holdout recall %.4f (%d of %d), precision %.4f (%d false of %d): below the floor %+v",
			all.recall(), all.tp, all.tp+all.fn, all.precision(), all.fpDet, all.tpDet+all.fpDet, holdoutFloor)
	}
}

// holdoutFloor is the regression floor for the held-out set.
var holdoutFloor = struct{ recall, precision float64 }{0.85, 0.98}

// TestScrubDev scores testdata/dev.jsonl (made by testdata/gen_dev.py from dev.txt): the
// development cases of the evasion classes (names without cue words, Chinese names beside
// relation and role words, numbers written to dodge filters, Aadhaar and Hong Kong ids, handles
// and obfuscated links, French and Hong Kong addresses) and their look-alikes. The detectors
// were tuned on it, so it measures nothing held out; it keeps what was closed closed.
//
// Prints FIGURE scrub.dev.<type>.recall/.precision and scrub.dev.recall/.precision; fails below
// devFloor.
func TestScrubDev(t *testing.T) {
	s := NewScrubber(WithNow(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	stats := newStats(Types())
	for _, c := range loadCorpus(t, "testdata/dev.jsonl") {
		for _, m := range score(c, s.Find(c.Text), stats) {
			t.Log(m)
		}
	}
	var all tally
	for _, ty := range Types() {
		all.add(*stats[ty])
	}
	emitTally("scrub.dev.", stats, Types())
	emitFigure("scrub.dev.recall", all.recall())
	emitFigure("scrub.dev.precision", all.precision())
	if all.recall() < devFloor.recall || all.precision() < devFloor.precision {
		t.Errorf("dev recall %.4f (%d of %d), precision %.4f (%d false of %d): below the floor %+v",
			all.recall(), all.tp, all.tp+all.fn, all.precision(), all.fpDet, all.tpDet+all.fpDet, devFloor)
	}
}

// devFloor is the regression floor for the development set.
var devFloor = struct{ recall, precision float64 }{0.98, 0.98}

// TestScrubUntuned scores testdata/untuned.jsonl: a held-out set written by someone who had seen
// neither the detectors nor the other corpora, before the detectors were tuned for the classes
// it probes (issue 26). It is the honest estimate of what the scrubber catches in text nobody
// tuned on, so it prints only aggregate figures (per type and overall; never a case, so that
// nobody tunes on it by reading the output) and fails below untunedFloor, a regression floor
// (the scoring after tuning on testdata/dev.txt, rounded down).
//
// Prints FIGURE scrub.untuned.<type>.recall/.precision and scrub.untuned.recall/.precision.
func TestScrubUntuned(t *testing.T) {
	const path = "testdata/untuned.jsonl"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present", path)
	}
	s := NewScrubber(WithNow(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	stats := newStats(Types())
	pos, neg, changed, anyFound, anyExpected := 0, 0, 0, 0, 0
	for _, c := range loadCorpus(t, path) {
		found := s.Find(c.Text)
		if len(c.Spans) > 0 {
			pos++
		} else {
			neg++
			if len(found) > 0 {
				changed++
			}
		}
		score(c, found, stats) // the misses are not logged: see above
		for _, exp := range c.Spans {
			anyExpected++
			if coveredByAny(exp.Start, exp.End, found) {
				anyFound++
			}
		}
	}
	var all tally
	for _, ty := range Types() {
		all.add(*stats[ty])
	}
	if testing.Verbose() {
		fmt.Printf("FIGURE scrub.untuned.positive %d\nFIGURE scrub.untuned.negative %d\nFIGURE scrub.untuned.negative_changed %d\n", pos, neg, changed)
		for _, ty := range Types() {
			if st := stats[ty]; st.tp+st.fn > 0 || st.fpDet > 0 {
				fmt.Printf("FIGURE scrub.untuned.%s.found %d\nFIGURE scrub.untuned.%s.expected %d\nFIGURE scrub.untuned.%s.false %d\n",
					ty.Label(), st.tp, ty.Label(), st.tp+st.fn, ty.Label(), st.fpDet)
			}
		}
	}
	emitTally("scrub.untuned.", stats, Types())
	emitFigure("scrub.untuned.recall", all.recall())
	emitFigure("scrub.untuned.precision", all.precision())
	// Replaced at all, whatever the placeholder says (a handle replaced as [URL] is gone too).
	emitFigure("scrub.untuned.any_type.recall", float64(anyFound)/float64(max(1, anyExpected)))
	if all.recall() < untunedFloor.recall || all.precision() < untunedFloor.precision {
		t.Errorf("untuned recall %.4f (%d of %d), precision %.4f (%d false of %d): below the floor %+v",
			all.recall(), all.tp, all.tp+all.fn, all.precision(), all.fpDet, all.tpDet+all.fpDet, untunedFloor)
	}
}

// untunedFloor is the regression floor for the untuned set.
var untunedFloor = struct{ recall, precision float64 }{0.79, 0.96}

// coveredByAny reports whether spans of any type cover [st, en) entirely.
func coveredByAny(st, en int, found []Span) bool {
	for i := st; i < en; {
		next := i
		for _, d := range found {
			if d.Start <= i && d.End > i {
				next = max(next, d.End)
			}
		}
		if next == i {
			return false
		}
		i = next
	}
	return true
}
