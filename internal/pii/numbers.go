package pii

import (
	"net/netip"
	"regexp"
	"strings"
)

// publicResolvers are the addresses of public DNS resolvers: "DNS 1.1.1.1" names a service.
var publicResolvers = setOf("1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4 9.9.9.9 149.112.112.112 208.67.222.222 208.67.220.220 " +
	"114.114.114.114 114.114.115.115 223.5.5.5 223.6.6.6 119.29.29.29 180.76.76.76 94.140.14.14 76.76.19.19")

// checkContextID accepts the value after "ID", "passport" and the like when it has at least 5
// digits, is not a date, and the "ID" is not a product's, a device's or an order's.
func checkContextID(t string, st, en int) (int, int, bool) {
	id := t[st:en]
	if countDigits(id) < 5 || !bounded(t, st, en) || dateShape.MatchString(id) {
		return 0, 0, false
	}
	before := strings.ToLower(t[max(0, st-48):st])
	if i := strings.LastIndex(before, "id"); i >= 0 && !strings.Contains(before, "passport") && !strings.Contains(before, "证件") && !strings.Contains(before, "护照") {
		words := strings.Fields(before[:i])
		if len(words) > 0 && nonPersonID[strings.Trim(words[len(words)-1], ",.:;()")] {
			return 0, 0, false
		}
	}
	return st, en, true
}

// nonPersonID are words before "ID" that make it a thing's id, not a person's.
var nonPersonID = setOf("product item model device app part serial sku asin order transaction tracking session " +
	"vendor seller store shop game listing ad request message ticket batch lot version build chip sensor " +
	"bluetooth wifi network mac apple")

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// ipv6Colons returns the token of hex digits, colons and dots around every colon that has a hex
// digit or a colon on both sides.
func ipv6Colons(sc *scan) []window {
	var w []window
	t := sc.text
	for i := 1; i+1 < len(t); i++ {
		if t[i] == ':' && (isHex(t[i-1]) || t[i-1] == ':') && (isHex(t[i+1]) || t[i+1] == ':') {
			tok := token(t, i, i+1, ":.")
			w = append(w, tok)
			i = tok.end
		}
	}
	return w
}

func (s *Scrubber) checkIBAN(t string, st, en int) (int, int, bool) {
	want, ok := s.ibanLen[strings.ToUpper(t[st:st+2])]
	if !ok {
		return 0, 0, false
	}
	// Walk want alphanumerics from st, allowing single spaces between them.
	var compact []byte
	i := st
	for i < en && len(compact) < want {
		if t[i] == ' ' || t[i] == '-' {
			i++
			continue
		}
		c := t[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		compact = append(compact, c)
		i++
	}
	if len(compact) != want || !bounded(t, st, i) {
		return 0, 0, false
	}
	return st, i, ibanMod97(string(compact))
}

func checkCard(t string, st, en int) (int, int, bool) {
	if st > 0 && (isAlnum(t[st-1]) || t[st-1] == '+' || st >= 2 && (t[st-1] == '-' || t[st-1] == '.') && isDigit(t[st-2])) || afterISBN(t, st) {
		return 0, 0, false
	}
	// Try the whole run, then shorter prefixes ending at a group boundary (a run may have
	// swallowed a following number).
	for e := en; e > st; e-- {
		if e != en && t[e] != ' ' && t[e] != '-' && t[e] != '.' || !isDigit(t[e-1]) {
			continue
		}
		if e == en && (e < len(t) && isAlnum(t[e]) || e+1 < len(t) && (t[e] == '-' || t[e] == '.') && isDigit(t[e+1])) {
			continue
		}
		d := digitsOf(t[st:e])
		if len(d) < 13 || len(d) > 19 {
			continue
		}
		if cardPrefix(d) && luhn(d) {
			return st, e, true
		}
	}
	return 0, 0, false
}

func checkIPv4(t string, st, en int) (int, int, bool) {
	if !digitBounded(t, st, en) {
		return 0, 0, false
	}
	for _, oct := range strings.Split(t[st:en], ".") {
		if len(oct) > 1 && oct[0] == '0' || atoi(oct) > 255 {
			return 0, 0, false
		}
	}
	if publicResolvers[t[st:en]] || afterWord(t, st, "dns", 24) {
		return 0, 0, false // a public DNS resolver's address says nothing about a person
	}
	// "version 1.2.3.4" is a version, not an address.
	before := strings.ToLower(t[max(0, st-10):st])
	before = strings.TrimRight(before, " :")
	for _, w := range []string{"version", "ver", "ver.", "firmware", "build", "v"} {
		if strings.HasSuffix(before, w) && (len(before) == len(w) || !isAlnum(before[len(before)-len(w)-1])) {
			return 0, 0, false
		}
	}
	return st, en, true
}

func checkIPv6(t string, st, en int) (int, int, bool) {
	if st > 0 && (isAlnum(t[st-1]) || t[st-1] == ':') {
		return 0, 0, false
	}
	for e := en; e > st; e-- {
		cand := t[st:e]
		if len(cand) >= 3 && len(cand) <= 45 && countHex(cand) >= 2 && (e == len(t) || !isAlnum(t[e])) {
			if a, err := netip.ParseAddr(cand); err == nil && a.Is6() {
				return st, e, true
			}
		}
		if t[e-1] != '.' && t[e-1] != ':' {
			break
		}
	}
	return 0, 0, false
}

func checkIntl(t string, st, en int) (int, int, bool) {
	en = trimRightAny(t, st, en, " .-(")
	if n := strings.Count(t[st:en], "("); n > strings.Count(t[st:en], ")") {
		return 0, 0, false
	}
	n := countDigits(t[st:en])
	if n < 8 || n > 15 {
		return 0, 0, false
	}
	// The leading '+' is a boundary of its own: "a@b.com+8613812345678" holds a number, and the
	// placeholder that replaces the email must not be what makes it one (scrubbing is idempotent).
	if st > 0 && t[st] == '+' && isLetter(t[st-1]) {
		return st, en, digitBounded(t, st+1, en)
	}
	return st, en, digitBounded(t, st, en)
}

func checkNational(t string, st, en int) (int, int, bool) {
	n := countDigits(t[st:en])
	if n < 9 || n > 12 || !digitBounded(t, st, en) || n == en-st {
		return 0, 0, false // unseparated runs of digits are too ambiguous (ISBN-10, codes)
	}
	if dateShape.MatchString(t[st:en]) || afterISBN(t, st) || ibanHead.MatchString(t[max(0, st-5):st]) {
		return 0, 0, false
	}
	return st, en, true
}

var ibanHead = regexp.MustCompile(`(?i)[A-Z]{2}\d{2} ?$`)

// numberDetectors find payment cards, IP addresses and phone numbers.
func numberDetectors() []detector {
	phoneKeys := []string{"phone", "tel", "mobile", "cell", "call", "whatsapp", "fax", "hotline", "ph", "text", "txt", "ring", "reach me",
		"contact", "电话", "联系", "手机", "号码", "热线"}
	phoneKW := `(?i)^(?:\b(?:phone|tel|telephone|mobile|cell|call|whatsapp|fax|hotline|ph|text|txt|ring|reach\s+me|contact)\b|联系电话|联系方式|手机号码|手机号|手机|电话|号码|热线)` +
		`(?:\s*(?:number|no\b\.?|#|is\b|at\b|on\b|me\b|:|：|是|为))*\s*(\+?\(?\d[\d ().\-]{5,18}\d)`
	return []detector{
		{typ: Card, prio: 6, win: nearDigits(13, 0, 0),
			re:    regexp.MustCompile(`\d(?:(?:[ \-.]|  )?\d){12,18}`),
			check: checkCard},
		{typ: IP, prio: 8, win: nearDigits(4, 0, 0),
			re:    regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`),
			check: checkIPv4},
		{typ: IP, prio: 8, win: ipv6Colons,
			re:    regexp.MustCompile(`(?i)[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*`),
			check: checkIPv6},
		{typ: Phone, prio: 9, win: nearDigits(11, 6, 0),
			re: regexp.MustCompile(`(?:(?:\+|00)86[ \-]?|\(\+?86\)[ \-]?)?1[3-9](?:[ \-]?\d){9}`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && (st == 0 || t[st-1] != '+')
			}},
		{typ: Phone, prio: 9, win: nearDigits(8, 2, 1),
			re:    regexp.MustCompile(`\+[1-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,7}`),
			check: checkIntl},
		{typ: Phone, prio: 9, win: nearDigits(10, 2, 0),
			re: regexp.MustCompile(`(?:\b1[ .\-])?(?:\([2-9]\d{2}\)\s?|\b[2-9]\d{2}[ .\-])\d{3}[ .\-]\d{4}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en)
			}},
		{typ: Phone, prio: 9, win: nearDigits(9, 1, 0),
			re:    regexp.MustCompile(`(?:\(0\d{1,4}\)|\b0\d{1,4})[ \-]?\d{2,4}(?:[ \-]?\d{2,4}){1,3}`),
			check: checkNational},
		{typ: Phone, prio: 9, win: atKeywords([]string{"no.", "no:", "num", "number", "#"}, 40), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:no\.|no:|num(?:ber)?\b|#)\s*(?:is\b|:)?\s*(\+?\d[\d \-]{8,15}\d)`), group: 1,
			check: checkNumberPhone},
		{typ: Phone, prio: 9, win: atKeywords(phoneKeys, 60), anchored: true, re: regexp.MustCompile(phoneKW), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				en = trimRightAny(t, st, en, " .-(")
				if st < en && t[st] == '(' && !strings.Contains(t[st:en], ")") {
					st++
				}
				n := countDigits(t[st:en])
				return st, en, n >= 7 && n <= 15 && digitBounded(t, st, en) && !dateShape.MatchString(t[st:en])
			}},
	}
}

// checkNumberPhone accepts the digits after a bare "no." or "number" as a phone number only in a
// phone's shapes (a Chinese mobile, a number with a trunk 0 or a '+', a ten-digit North American
// number) and not after a word that makes it a thing's number ("model no.", "order number").
func checkNumberPhone(t string, st, en int) (int, int, bool) {
	en = trimRightAny(t, st, en, " -")
	d := digitsOf(t[st:en])
	if !digitBounded(t, st, en) || len(d) < 10 || len(d) > 13 {
		return 0, 0, false
	}
	before := strings.Fields(strings.ToLower(t[max(0, st-32):st]))
	for _, w := range before {
		if nonPersonID[strings.Trim(w, ".:#")] || w == "isbn" || w == "serial" {
			return 0, 0, false
		}
	}
	switch {
	case t[st] == '+', d[0] == '0':
	case d[0] == '1' && len(d) == 11 && d[1] >= '3':
	case len(d) == 10 && d[0] >= '2':
	default:
		return 0, 0, false
	}
	return st, en, true
}
