package pii

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalized is the text the detectors see, with a map back to the original bytes.
//
// Detectors are written for ASCII digits, '@', '-', ' ' and so on. Writers get around them with
// full-width forms ("１３８", "＠"), Unicode spaces (U+00A0, U+3000, U+2009), dashes (U+2013,
// U+2014, U+2212) and invisible characters (U+200B). normalize rewrites each rune by its NFKC form
// (which turns full-width forms, compatibility digits and most spaces into ASCII), then maps every
// remaining space separator to ' ' and every dash to '-', and drops zero-width and format
// characters. The rewrite is per rune (a rune and the combining marks after it are not composed),
// so every byte of the normalized text comes from exactly one original rune, and a span found in
// the normalized text maps back to the smallest run of whole original runes that produced it.
// Text outside the spans is never touched: the scrubber copies it from the original.
type normalized struct {
	text string
	// src[i] is the original offset of the rune that produced normalized byte i; src[len(text)]
	// is the length of the original. nil when the text needed no change (identity map).
	src  []int32
	orig string
}

// normalize returns the detector view of text. It is linear in len(text); a text that needs no
// change (all ASCII, or no rune that normalization rewrites) is returned as is, without a map.
func normalize(text string) normalized {
	first := -1
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if _, changed := normRune(r, text[i:i+size]); changed {
			first = i
			break
		}
		i += size
	}
	if first < 0 {
		return normalized{text: text, orig: text}
	}
	out := make([]byte, 0, len(text)+16)
	src := make([]int32, 0, len(text)+17)
	out = append(out, text[:first]...)
	for i := 0; i < first; i++ {
		src = append(src, int32(i))
	}
	for i := first; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			src = append(src, int32(i))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		rep, _ := normRune(r, text[i:i+size])
		out = append(out, rep...)
		for range len(rep) {
			src = append(src, int32(i))
		}
		i += size
	}
	src = append(src, int32(len(text)))
	return normalized{text: string(out), src: src, orig: text}
}

// span maps the normalized byte range [st, en) to the original: from the start of the rune that
// produced byte st to the end of the rune that produced byte en-1.
func (n normalized) span(st, en int) (int, int) {
	if n.src == nil {
		return st, en
	}
	o := int(n.src[st])
	last := n.src[en-1]
	j := en
	for j < len(n.text) && n.src[j] == last {
		j++ // the rest of an expansion ("㍱" -> "hPa") belongs to the same rune
	}
	return o, int(n.src[j])
}

// normRune returns the normalized form of the non-ASCII rune r (whose UTF-8 encoding is enc) and
// whether it differs from enc.
func normRune(r rune, enc string) (string, bool) {
	switch {
	case r == utf8.RuneError && len(enc) == 1:
		return enc, false // invalid byte: left for the caller (Scrub repairs before it scans)
	case isZeroWidth(r):
		return "", true
	case isDash(r):
		return "-", true
	case isSpaceSep(r):
		return " ", true
	case r == 0x2018 || r == 0x2019 || r == 0x02BC || r == 0x2032:
		return "'", true // curly apostrophes: "I’m", "O’Brien"
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0x3001 && r <= 0x3002:
		if r >= 0x4E00 && r <= 0x9FFF && tradBits[(r-0x4E00)>>6]&(1<<((r-0x4E00)&63)) != 0 {
			return tradToSimp[r], true // "號", "樓", "區": the address and id detectors read simplified Chinese
		}
		return enc, false // CJK ideographs, 、。: no compatibility form (fast path for Chinese text)
	case r == 0xFF0C || r == 0xFF01 || r == 0xFF1B || r == 0xFF1A || r == 0xFF1F:
		// Full-width ，！；：？ stay: no detector needs them in ASCII (keywords accept "："), and
		// leaving them means most Chinese text needs no normalized copy at all.
		return enc, false
	}
	p := norm.NFKC.PropertiesString(enc)
	if p.Decomposition() == nil {
		return enc, false
	}
	rep := norm.NFKC.String(enc)
	// The decomposition may itself hold spaces or dashes (e.g. U+2474 "⑴" has none, U+2025 "‥"
	// has none, but U+00A0's is U+0020); map those too, and keep the rule "one rune in, ASCII or
	// unchanged letters out".
	b := []byte(nil)
	for j, rr := range rep {
		var add string
		switch {
		case isZeroWidth(rr):
			add = ""
		case isDash(rr):
			add = "-"
		case isSpaceSep(rr):
			add = " "
		default:
			if b != nil {
				b = utf8.AppendRune(b, rr)
			}
			continue
		}
		if b == nil {
			b = append([]byte{}, rep[:j]...)
		}
		b = append(b, add...)
	}
	if b != nil {
		rep = string(b)
	}
	return rep, rep != enc
}

// isDash reports whether r is a dash or hyphen other than '-' (Unicode Pd, the minus sign and
// its look-alikes).
func isDash(r rune) bool {
	switch r {
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x2043, 0xFE58, 0xFE63, 0xFF0D,
		0x2E3A, 0x2E3B, 0x301C, 0x30FC, 0x2053, 0x058A, 0x05BE, 0x1806:
		// U+30FC (katakana prolonged sound mark) and U+301C (wave dash) stand in for dashes in
		// East Asian writing of phone numbers.
		return true
	}
	return false
}

// isSpaceSep reports whether r is a Unicode space other than ' ' (Zs, line and paragraph
// separators, and the tab-like controls are left alone: detectors treat \s as a separator).
func isSpaceSep(r rune) bool {
	switch r {
	case 0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
		0x2009, 0x200A, 0x202F, 0x205F, 0x3000, 0x2028, 0x2029, 0x0085:
		return true
	}
	return false
}

// isZeroWidth reports whether r is invisible: zero-width spaces and joiners, the soft hyphen,
// word joiner, byte-order mark and the bidirectional controls, which can be slipped inside an
// email or a number to break a detector without changing what a reader sees.
func isZeroWidth(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x180E, r == 0xFEFF:
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x2064,
		r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// tradToSimp maps the traditional characters of addresses and ids (Hong Kong, Taiwan) to the
// simplified ones the detectors know; each is one rune for one rune.
var tradToSimp = func() map[rune]string {
	const pairs = "號号樓楼區区層层棟栋單单廣广場场園园鎮镇縣县廈厦門门東东灣湾龍龙話话碼码證证"
	m := map[rune]string{}
	rs := []rune(pairs)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = string(rs[i+1])
	}
	return m
}()

// tradBits marks the runes of tradToSimp (a bit per ideograph), so that ordinary Chinese text
// costs a bit test per rune, not a map lookup.
var tradBits = func() *[(0x9FFF - 0x4E00 + 64) / 64]uint64 {
	var b [(0x9FFF - 0x4E00 + 64) / 64]uint64
	for r := range tradToSimp {
		b[(r-0x4E00)>>6] |= 1 << ((r - 0x4E00) & 63)
	}
	return &b
}()
