package pii

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Option configures a Scrubber.
type Option func(*Scrubber)

// WithTypes limits scrubbing to the given types. Default: every type. Turning a type off keeps
// more text for the encoder (e.g. ADDRESS, the type with the fuzziest boundaries) at the price of
// letting that PII through to the cache and the profile's vector.
func WithTypes(types ...Type) Option {
	return func(s *Scrubber) {
		s.enabled = map[Type]bool{}
		for _, t := range types {
			s.enabled[t] = true
		}
	}
}

// WithNow sets the clock used to reject resident ids with a birth date in the future.
// Default: time.Now. Tests fix it for reproducible results.
func WithNow(now func() time.Time) Option { return func(s *Scrubber) { s.now = now } }

// Scrubber replaces PII in text by typed placeholders. It is immutable after NewScrubber and
// safe for concurrent use.
//
// Guarantees, for any input string: Scrub never panics; its output is valid UTF-8 (invalid bytes
// are first replaced by U+FFFD, as strings.ToValidUTF8 does); and len(output) <= 2*len(input)+16.
// (A run of invalid bytes becomes one 3-byte U+FFFD and is followed by a valid byte, so repair at
// most doubles the text, plus 1; a placeholder is at most 10/6 of the span it replaces, the worst
// case being a 6-character order id becoming "[ORDER_ID]".) All regular expressions are RE2 and
// run on bounded windows, so time is linear in the input.
type Scrubber struct {
	enabled   map[Type]bool
	now       func() time.Time
	detectors []detector
	ibanLen   map[string]int
}

// NewScrubber returns a Scrubber with every detector enabled (see WithTypes).
func NewScrubber(opts ...Option) *Scrubber {
	s := &Scrubber{now: time.Now, ibanLen: ibanLengths()}
	for _, o := range opts {
		o(s)
	}
	s.detectors = s.buildDetectors()
	return s
}

func (s *Scrubber) on(t Type) bool { return s.enabled == nil || s.enabled[t] }

// Scrub returns text with every detected PII span replaced by its placeholder, and the number of
// spans replaced per type (nil when there were none).
func (s *Scrubber) Scrub(text string) (string, Counts) {
	text = strings.ToValidUTF8(text, "\uFFFD")
	var counts Counts
	// A replacement changes the neighbours of what follows it, and a detector's boundary rule
	// may then accept what it refused next to the original ("+1000000+1000000": the second
	// number follows a digit, then a placeholder). So the output is scanned again until nothing
	// more is found: a text without PII costs one pass, and every pass removes at least one span.
	for pass := 0; pass < maxScrubPasses; pass++ {
		spans := s.Find(text)
		if len(spans) == 0 {
			break
		}
		if counts == nil {
			counts = Counts{}
		}
		var b strings.Builder
		b.Grow(len(text))
		last := 0
		for _, sp := range spans {
			b.WriteString(text[last:sp.Start])
			b.WriteString(sp.Type.Placeholder())
			counts[sp.Type]++
			last = sp.End
		}
		b.WriteString(text[last:])
		text = b.String()
	}
	return text, counts
}

// maxScrubPasses bounds Scrub's rescans of its own output (in practice a second pass finds
// something only when two PII values touch, and a third finds nothing).
const maxScrubPasses = 4

// Find returns the PII spans of orig (which should be valid UTF-8), sorted and not overlapping,
// as byte offsets into orig. The detectors run on the normalized text (see normalize) and each
// span is mapped back to the original runes that produced it. Where candidates overlap, the
// longer one wins, then the more specific type.
func (s *Scrubber) Find(orig string) []Span {
	type cand struct {
		Span
		prio int
	}
	var cands []cand
	nt := normalize(orig)
	add := func(typ Type, prio, st, en int) {
		ost, oen := nt.span(st, en)
		cands = append(cands, cand{Span{ost, oen, typ}, prio})
	}
	s.detect(nt.text, nil, add)
	// Numbers written to dodge the filter: the number detectors run again on the digits they
	// stand for (digits.go), and their spans map back through both views.
	if dv, runs, ok := digitView(nt.text); ok {
		s.detect(dv.text, numberTypes, func(typ Type, prio, st, en int) {
			vst, ven := dv.span(st, en)
			add(typ, prio, vst, ven)
		})
		// A number of 10 to 13 digits spelled out is a phone number with or without a keyword
		// (a card or an id of that length is found above, and wins: longer, or higher priority).
		if s.on(Phone) {
			for _, r := range runs {
				vst, ven := dv.span(r[0], r[1])
				add(Phone, 9, vst, ven)
			}
		}
	}
	if len(cands) == 0 {
		return nil
	}
	text := orig
	// A name found by its context ("我叫路易斯", "Mr. Shaw") is personal wherever it recurs in
	// the same text, context or not. Bounded to a few names, so this stays linear.
	names := 0
	for i, n := 0, len(cands); i < n && names < maxRepeatedNames; i++ {
		if c := cands[i]; c.Type == Person {
			names++
			for _, st := range occurrences(text, text[c.Start:c.End], c.Start) {
				cands = append(cands, cand{Span{st, st + c.End - c.Start, Person}, c.prio})
			}
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return lb - la
		}
		if a.prio != b.prio {
			return a.prio - b.prio
		}
		return a.Start - b.Start
	})
	out := make([]Span, 0, len(cands))
	var taken []bool // for many candidates: bytes already covered, so the check stays linear
	if len(cands) > 32 {
		taken = make([]bool, len(text))
	}
	for _, c := range cands {
		overlaps := false
		if taken != nil {
			overlaps = slices.Contains(taken[c.Start:c.End], true)
		} else {
			for _, o := range out {
				if c.Start < o.End && o.Start < c.End {
					overlaps = true
					break
				}
			}
		}
		if !overlaps {
			out = append(out, c.Span)
			for i := c.Start; taken != nil && i < c.End; i++ {
				taken[i] = true
			}
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	return joinAddresses(text, out)
}

// addrGap is what may stand between two parts of one address: a comma, or a village or district
// between commas ("3 Mill Lane, Little Snoring, Norfolk NR21 0AA").
var addrGap = regexp.MustCompile(`^,\s*(?:(?:\p{Lu}[\p{L}'\-]+\s?){1,3},\s*)?$`)

// houseName is a named house before an address: "Rose Cottage, 3 Mill Lane".
var houseName = regexp.MustCompile(`(?:\p{Lu}[\p{L}'\-]+\s){1,2}(?:Cottage|House|Farm|Lodge|Manor|Barn|Hall|Villa|Mansion|Building|Tower|Centre|Center|Estate),\s*$`)

// joinAddresses merges address spans that are parts of one address (sorted, not overlapping),
// and takes a house name before an address into it.
func joinAddresses(text string, out []Span) []Span {
	for i := 0; i < len(out); i++ {
		if out[i].Type != Address {
			continue
		}
		if i == 0 || out[i-1].End <= out[i].Start-40 {
			if m := houseName.FindStringIndex(text[max(0, out[i].Start-40):out[i].Start]); m != nil {
				out[i].Start = max(0, out[i].Start-40) + m[0]
			}
		}
		for i+1 < len(out) && out[i+1].Type == Address && out[i+1].Start-out[i].End <= 48 &&
			addrGap.MatchString(text[out[i].End:out[i+1].Start]) {
			out[i].End = out[i+1].End
			out = append(out[:i+1], out[i+2:]...)
		}
	}
	return out
}

// maxRepeatedNames bounds how many detected names Find looks for again in the rest of a text.
const maxRepeatedNames = 8

// occurrences returns the byte offsets of name in text other than at skip, where it stands as
// a whole word: a name in an alphabetic script not inside a longer word ("Ann" not in "Annual",
// "Zoë" not in "Zoëlla"); CJK text has no word breaks, so a CJK name counts wherever it appears.
func occurrences(text, name string, skip int) []int {
	if len(name) < 2 {
		return nil
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	var out []int
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], name)
		if i < 0 {
			break
		}
		st := from + i
		en := st + len(name)
		from = en
		if st == skip {
			continue
		}
		if before, _ := utf8.DecodeLastRuneInString(text[:st]); st > 0 && wordRune(first) && wordRune(before) {
			continue
		}
		if after, _ := utf8.DecodeRuneInString(text[en:]); en < len(text) && wordRune(last) && wordRune(after) {
			continue
		}
		out = append(out, st)
	}
	return out
}

// wordRune: a letter or digit of a script that separates words with spaces (not Han, Hiragana,
// Katakana or Hangul, where a name runs on into the next word).
func wordRune(r rune) bool {
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
		return false
	}
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// numberTypes are the types whose detectors also run on the digit view (digits.go).
var numberTypes = map[Type]bool{Phone: true, Card: true, SSN: true, IP: true, NatID: true, CNID: true}

// detect runs every enabled detector (of the types in only, when not nil) on text and passes
// each confirmed span, as byte offsets into text, to add.
func (s *Scrubber) detect(text string, only map[Type]bool, add func(typ Type, prio, st, en int)) {
	sc := newScan(text)
	for i := range s.detectors {
		d := &s.detectors[i]
		if !s.on(d.typ) || only != nil && !only[d.typ] {
			continue
		}
		wins := []window{{0, len(text)}}
		if d.win != nil && d.anchored {
			wins = d.win(sc)
		} else if d.win != nil {
			wins = sc.merge(d.win(sc))
		}
		if len(wins) == 0 {
			continue
		}
		var found [][2]int
		if d.find != nil {
			found = d.find(sc, wins)
		} else if d.anchored {
			for _, w := range wins {
				w.end = min(w.end, len(text))
				if m := d.re.FindStringSubmatchIndex(text[w.start:w.end]); m != nil && m[2*d.group] >= 0 {
					found = append(found, [2]int{w.start + m[2*d.group], w.start + m[2*d.group+1]})
				}
			}
		} else {
			for _, w := range wins {
				for _, m := range d.re.FindAllStringSubmatchIndex(text[w.start:w.end], -1) {
					if st := m[2*d.group]; st >= 0 {
						found = append(found, [2]int{w.start + st, w.start + m[2*d.group+1]})
					}
				}
			}
		}
		for _, f := range found {
			st, en := f[0], f[1]
			if st >= en {
				continue
			}
			if d.check != nil {
				var ok bool
				if st, en, ok = d.check(text, st, en); !ok || st >= en {
					continue
				}
			}
			add(d.typ, d.prio, st, en)
		}
	}
}
