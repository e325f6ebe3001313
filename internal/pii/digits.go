package pii

import (
	"strings"
	"unicode/utf8"
)

// Numbers written to dodge a filter: a phone number spelled in words ("five five five, two one
// two ...", "four one five 555 zero one nine two"), in Chinese numerals ("一三八...", "幺三九",
// the financial forms "壹叁捌"), with the letters O and l or I for 0 and 1 ("O2O 7946 O958",
// "4III 1111 ..."), or digit by digit with spaces ("5 2 3 - 4 1 - 7 7 8 2").
//
// digitView rewrites such runs into the digits they stand for, so that the number detectors
// (phones, cards, SSNs, IP addresses, ids) see an ordinary number. A run is rewritten only when
// it holds at least minDisguisedDigits digits and something disguised (a word, a numeral, a
// substituted letter, or at least four digits standing alone); any other text is copied as is.
// Digits standing alone are joined; between groups of several digits one separator is kept
// (' ', '-' or '.'), so that "O2O 7946 O958" reads "020 7946 0958" and "1 9 2 . 1 6 8 ..."
// reads "192.168...".

// minDisguisedDigits is the fewest digits a disguised run needs to be rewritten (a phone
// number without its area code has 7).
const minDisguisedDigits = 7

// digitWords are the English words for digits ("oh" and "o" are said for 0).
var digitWords = map[string]byte{"zero": '0', "oh": '0', "o": '0', "one": '1', "two": '2', "three": '3',
	"four": '4', "five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9'}

// cnDigit returns the digit a Chinese numeral stands for: the ordinary forms (with 〇 and 幺,
// said for 1 in phone numbers) and the financial ones (壹贰叁, also traditional).
func cnDigit(r rune) (byte, bool) {
	switch r {
	case '零', '〇':
		return '0', true
	case '一', '幺', '壹':
		return '1', true
	case '二', '贰', '貳':
		return '2', true
	case '三', '叁', '參':
		return '3', true
	case '四', '肆':
		return '4', true
	case '五', '伍':
		return '5', true
	case '六', '陆', '陸':
		return '6', true
	case '七', '柒':
		return '7', true
	case '八', '捌':
		return '8', true
	case '九', '玖':
		return '9', true
	}
	return 0, false
}

// digitItem is one piece of a run: its digits, where it is in the text, and whether it was
// disguised (a word, a numeral, a letter standing for a digit).
type digitItem struct {
	start, end int
	digits     []byte
	disguised  bool
}

// gap is what separates two items of a run: the separator kept ('-', '.' or ' '), whether it
// holds a bracket (then it is copied as is), whether it is itself a disguise (" - ", "[.]",
// " dot "), and where it is.
type gap struct {
	sep        byte
	paren, odd bool
	start, end int
}

// readGap reads the separator at p between two items of a number: spaces and commas, at most
// one '-' or '.', brackets around an area code, or a dot written to dodge a filter ("[.]",
// "(.)", " dot ", " point "). ok is false when what is at p cannot separate two items.
func readGap(t string, p int) (g gap, ok bool) {
	g = gap{sep: ' ', start: p}
	q, spaces := p, false
	for q < len(t) && q-p < 8 {
		c := t[q]
		switch {
		case c == ' ' || c == ',':
			spaces = spaces || c == ' '
			q++
			continue
		case c == '(' || c == ')':
			if strings.HasPrefix(t[q:], "(.)") {
				break
			}
			g.paren = true
			q++
			continue
		}
		var word string
		for _, w := range []string{"[.]", "(.)", "[dot]", "(dot)", "dot ", "point "} {
			if len(t)-q >= len(w) && strings.EqualFold(t[q:q+len(w)], w) {
				word = w
				break
			}
		}
		switch {
		case word != "":
			if g.sep != ' ' {
				return g, false
			}
			g.sep, g.odd = '.', true
			q += len(word)
			if word[len(word)-1] == ' ' {
				q-- // the space after "dot" is read as a space
			}
			continue
		case c == '-' || c == '.':
			if g.sep != ' ' {
				return g, false // two separators: not one number
			}
			g.sep = c
			q++
			continue
		}
		break
	}
	if q >= len(t) {
		return g, false
	}
	g.odd = g.odd || spaces && g.sep != ' ' // "5 2 3 - 4 1", "192 . 168"
	g.end = q
	return g, true
}

// nextDigitItem reads the item at i, if one starts there.
func nextDigitItem(t string, i int) (digitItem, bool) {
	c := t[i]
	if c >= utf8.RuneSelf {
		r, size := utf8.DecodeRuneInString(t[i:])
		if d, ok := cnDigit(r); ok {
			return digitItem{i, i + size, []byte{d}, true}, true
		}
		return digitItem{}, false
	}
	if i > 0 && isAlnum(t[i-1]) {
		return digitItem{}, false
	}
	j := i
	for j < len(t) && isAlnum(t[j]) {
		j++
	}
	if j == i {
		return digitItem{}, false
	}
	w := t[i:j]
	if len(w) <= 5 && !hasDigit(w) {
		if d, ok := digitWord(w); ok {
			return digitItem{i, j, []byte{d}, true}, true
		}
		return digitItem{}, false
	}
	if !hasDigit(w) {
		return digitItem{}, false
	}
	// Digits with O, o, I, l standing for 0 and 1: at least one real digit.
	ds := make([]byte, 0, len(w))
	real, sub := 0, false
	for k := 0; k < len(w); k++ {
		switch ch := w[k]; {
		case isDigit(ch):
			ds = append(ds, ch)
			real++
		case ch == 'O' || ch == 'o':
			ds = append(ds, '0')
			sub = true
		case ch == 'I' || ch == 'l':
			ds = append(ds, '1')
			sub = true
		default:
			return digitItem{}, false
		}
	}
	if real == 0 {
		return digitItem{}, false
	}
	return digitItem{i, j, ds, sub}, true
}

// digitView returns the text with disguised numbers rewritten (see above), and false when there
// was nothing to rewrite; runs are the rewritten numbers of 10 to 13 digits spelled mostly
// digit by digit in words or numerals (byte ranges of the view), which are phone numbers
// whatever words surround them. Linear in len(t).
func digitView(t string) (view normalized, runs [][2]int, ok bool) {
	var out []byte
	var src []int32
	copied := 0 // t[:copied] is in out
	flush := func(upto int) {
		for k := copied; k < upto; k++ {
			out = append(out, t[k])
			src = append(src, int32(k))
		}
		copied = upto
	}
	for i := 0; i < len(t); {
		first, ok := nextDigitItem(t, i)
		if !ok {
			_, size := utf8.DecodeRuneInString(t[i:])
			i += size
			continue
		}
		// Collect the run: items separated by gaps of spaces, commas, one '-' or one '.'.
		items := []digitItem{first}
		var gaps []gap
		p := first.end
		for p < len(t) {
			g, ok := readGap(t, p)
			if !ok {
				break
			}
			next, ok := nextDigitItem(t, g.end)
			if !ok || g.end == p && t[p] < utf8.RuneSelf && !items[len(items)-1].isCJK(t) {
				break
			}
			items = append(items, next)
			gaps = append(gaps, g)
			p = next.end
		}
		// A digit word beside a group of digits at either end is a word ("24 three times").
		for len(items) > 1 && items[len(items)-1].disguised && len(items[len(items)-1].digits) == 1 && len(items[len(items)-2].digits) > 1 {
			items, gaps = items[:len(items)-1], gaps[:len(gaps)-1]
		}
		for len(items) > 1 && items[0].disguised && len(items[0].digits) == 1 && len(items[1].digits) > 1 {
			items, gaps = items[1:], gaps[1:]
		}
		first = items[0]
		n, disguised, alone, words := 0, false, 0, 0
		for k, it := range items {
			n += len(it.digits)
			disguised = disguised || it.disguised
			if len(it.digits) == 1 {
				alone++
			}
			if it.disguised && len(it.digits) == 1 {
				words++
			}
			if k > 0 && gaps[k-1].odd {
				disguised = true
			}
		}
		if n < minDisguisedDigits || !disguised && alone < 4 {
			i = items[len(items)-1].end
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(t))
			src = make([]int32, 0, len(t)+1)
		}
		flush(first.start)
		runStart := len(out)
		for k, it := range items {
			if k > 0 {
				g := gaps[k-1]
				single := len(items[k-1].digits) == 1 && len(it.digits) == 1
				switch {
				case g.start == g.end: // "138零零": nothing between
				case g.sep == '-' && single && !g.odd && g.end-g.start == 1:
					// "five-five-five": a hyphen inside a spelled number joins like a space
				case g.paren: // "(4l5) 555": the brackets stay, for the phone detectors
					for x := g.start; x < g.end; x++ {
						if t[x] != ',' {
							out = append(out, t[x])
							src = append(src, int32(x))
						}
					}
				case g.sep != ' ' || !single:
					out = append(out, g.sep)
					src = append(src, int32(it.start))
				}
			}
			for _, d := range it.digits {
				out = append(out, d)
				src = append(src, int32(it.start))
			}
		}
		copied = items[len(items)-1].end
		if words*2 >= len(items) && n >= 10 && n <= 13 {
			runs = append(runs, [2]int{runStart, len(out)})
		}
		i = copied
	}
	if out == nil {
		return normalized{}, nil, false
	}
	flush(len(t))
	src = append(src, int32(len(t)))
	return normalized{text: string(out), src: src, orig: t}, runs, true
}

// isCJK reports whether the item is a Chinese numeral (which needs no gap before the next one).
func (it digitItem) isCJK(t string) bool { return t[it.start] >= utf8.RuneSelf }

func hasDigit(w string) bool {
	for k := 0; k < len(w); k++ {
		if isDigit(w[k]) {
			return true
		}
	}
	return false
}

// digitWord returns the digit an English word stands for, without allocating.
func digitWord(w string) (byte, bool) {
	var b [5]byte
	for k := 0; k < len(w); k++ {
		c := w[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[k] = c
	}
	d, ok := digitWords[string(b[:len(w)])] // the compiler does not allocate for a map lookup
	return d, ok
}
