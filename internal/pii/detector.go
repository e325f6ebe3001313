package pii

import (
	"regexp"
	"slices"
	"strings"
)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// detector finds candidate spans with a regular expression and confirms each with check.
//
// Regular expressions are RE2 (linear time) but not fast per byte, so a detector does not scan the
// whole text: win picks the windows where a match can be (around a digit cluster, an '@', a
// keyword), and the expression runs on those windows only. A window always covers every match
// that contains its anchor; check and the boundary helpers look at the full text.
type detector struct {
	typ   Type
	prio  int // lower wins between overlapping spans of equal length
	re    *regexp.Regexp
	group int                                     // submatch whose span is PII (0: the whole match)
	win   func(*scan) []window                    // where to run re; nil: the whole text
	check func(string, int, int) (int, int, bool) // may narrow the span; nil: accept
	find  func(*scan, []window) [][2]int          // instead of re: a hand-written finder
	// anchored: re starts with ^ and each window starts where a match must start (a keyword);
	// windows are then neither merged nor widened.
	anchored bool
}

// window is a byte range of the text to search.
type window struct{ start, end int }

// buildDetectors returns every detector, family by family; the order does not matter (Find
// ranks overlapping candidates by length, then prio).
func (s *Scrubber) buildDetectors() []detector {
	return slices.Concat(webDetectors(), s.idDetectors(), orderDetectors(), numberDetectors(), addressDetectors(), personDetectors())
}

// ---- windows shared by the detectors ----

// nearDigits returns windows around every cluster of at least minDigits digits, widened by
// before and after bytes.
func nearDigits(minDigits, before, after int) func(*scan) []window {
	return func(sc *scan) []window { return sc.aroundClusters(minDigits, before, after) }
}

// nearStrings returns windows around every occurrence of one of keys (lower case).
func nearStrings(keys []string, before, after int) func(*scan) []window {
	return func(sc *scan) []window { return sc.aroundStrings(keys, before, after) }
}

// atKeywords anchors at every keyword that does not continue a word on its left; the window
// runs after bytes past the keyword.
func atKeywords(keys []string, after int) func(*scan) []window {
	return func(sc *scan) []window {
		var w []window
		for _, k := range sc.aroundStrings(keys, 0, after) {
			if k.start == 0 || !isAlnum(sc.text[k.start-1]) {
				w = append(w, k)
			}
		}
		return w
	}
}

// withDigits runs the window function f only on a text with at least n digits: the ids after a
// keyword need them, and most reviews have none, so their keywords are not searched at all.
func withDigits(n int, f func(*scan) []window) func(*scan) []window {
	return func(sc *scan) []window {
		d := 0
		for _, c := range sc.clusters {
			d += c.n
		}
		if d < n {
			return nil
		}
		return f(sc)
	}
}

// withLetters runs f only on a text with an ASCII letter.
func withLetters(f func(*scan) []window) func(*scan) []window {
	return func(sc *scan) []window {
		if !sc.hasLetters() {
			return nil
		}
		return f(sc)
	}
}
