package pii

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// scan is the per-text state the detectors share: the text, an ASCII-lower-cased copy (same
// byte offsets) for keyword search, and the digit clusters.
type scan struct {
	text     string
	lower    string
	clusters []cluster
	book     int8 // cnBook of text: 0 not computed yet, 1 false, 2 true
	letters  int8 // whether text holds an ASCII letter: 0 not computed yet, 1 no, 2 yes
}

// hasLetters reports whether the text holds an ASCII letter, computed once.
func (sc *scan) hasLetters() bool {
	if sc.letters == 0 {
		sc.letters = 1
		for i := 0; i < len(sc.text); i++ {
			if isLetter(sc.text[i]) {
				sc.letters = 2
				break
			}
		}
	}
	return sc.letters == 2
}

// isBook returns cnBook(sc.text), computed once.
func (sc *scan) isBook() bool {
	if sc.book == 0 {
		sc.book = 1
		if cnBook(sc.text) {
			sc.book = 2
		}
	}
	return sc.book == 2
}

// cluster is a run of digits joined by at most two separator bytes (" -.()+/") between digits;
// n counts its digits. Phone numbers, cards, ids and IP addresses are each inside one cluster.
type cluster struct{ start, end, n int }

func newScan(text string) *scan {
	sc := &scan{text: text}
	i := 0
	for i < len(text) {
		if !isDigit(text[i]) {
			i++
			continue
		}
		c := cluster{start: i}
		for i < len(text) {
			if isDigit(text[i]) {
				c.n++
				i++
				c.end = i
				continue
			}
			j := i
			for j < len(text) && j-i < 2 && strings.IndexByte(" -.()+/", text[j]) >= 0 {
				j++
			}
			if j > i && j < len(text) && isDigit(text[j]) {
				i = j
				continue
			}
			break
		}
		sc.clusters = append(sc.clusters, c)
	}
	return sc
}

// lowered returns the ASCII-lower-cased text, computed once.
func (sc *scan) lowered() string {
	if sc.lower == "" && sc.text != "" {
		b := []byte(sc.text)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		sc.lower = string(b)
	}
	return sc.lower
}

// aroundClusters returns a window [start-before, end+after] for every cluster of at least
// minDigits digits.
func (sc *scan) aroundClusters(minDigits, before, after int) []window {
	var w []window
	for _, c := range sc.clusters {
		if c.n >= minDigits {
			w = append(w, window{c.start - before, c.end + after})
		}
	}
	return w
}

// aroundStrings returns a window [i-before, i+len(k)+after] around every occurrence i of every
// key (searched in the lower-cased text; keys must be lower case).
func (sc *scan) aroundStrings(keys []string, before, after int) []window {
	var w []window
	lo := sc.lowered()
	letters := sc.hasLetters()
	for _, k := range keys {
		if !letters && k != "" && isLetter(k[0]) {
			continue // most Chinese reviews: no ASCII letter, so no English keyword
		}
		for off := 0; ; {
			i := strings.Index(lo[off:], k)
			if i < 0 {
				break
			}
			i += off
			w = append(w, window{i - before, i + len(k) + after})
			off = i + len(k)
		}
	}
	return w
}

// merge clamps windows to the text, widens them to rune starts and to word boundaries (so that
// \b at a window's edge means what it means in the text), sorts them and joins overlaps.
func (sc *scan) merge(ws []window) []window {
	t := sc.text
	for i := range ws {
		w := &ws[i]
		w.start = max(0, min(w.start, len(t)))
		w.end = max(0, min(w.end, len(t)))
		for w.start > 0 && (!utf8.RuneStart(t[w.start]) || isAlnum(t[w.start-1]) && isAlnum(t[w.start])) {
			w.start--
		}
		for w.end < len(t) && (!utf8.RuneStart(t[w.end]) || isAlnum(t[w.end-1]) && isAlnum(t[w.end])) {
			w.end++
		}
	}
	slices.SortFunc(ws, func(a, b window) int { return a.start - b.start })
	out := ws[:0]
	for _, w := range ws {
		if w.start >= w.end {
			continue
		}
		if n := len(out); n > 0 && w.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}

// token widens [i, j) over bytes in set on both sides.
func token(t string, i, j int, set string) window {
	for i > 0 && (isAlnum(t[i-1]) || strings.IndexByte(set, t[i-1]) >= 0) {
		i--
	}
	for j < len(t) && (isAlnum(t[j]) || strings.IndexByte(set, t[j]) >= 0) {
		j++
	}
	return window{i, j}
}
