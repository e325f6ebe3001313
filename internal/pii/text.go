package pii

import (
	"regexp"
	"strings"
)

func compactUpper(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case isAlnum(c):
			b = append(b, c)
		}
	}
	return string(b)
}

// stopWords are common words that are not names: a name detector refuses them as a first name,
// an address detector as a street name.
var stopWords = setOf("a an the this that these those it its is was are were be been am i im i'm me my mine " +
	"you your yours we our us they their them he his him she her hers and or but nor so not no yes to of in on at " +
	"by for with from up down over under into onto out off about as than then there here where when what who why " +
	"how all any some many much more most very really just also too only even still again ever never always " +
	"happy glad sure sorry pleased thrilled excited satisfied disappointed good great nice fine ok okay bad " +
	"awesome amazing excellent perfect terrible horrible thanks thank thankful grateful writing going trying " +
	"looking using buying back new old big small little one two three four five first second last next other " +
	"another same such own well now today yesterday tomorrow customer service product seller buyer amazon " +
	"mr mrs ms miss dr sir madam dear hello hi hey regards sincerely best kind warm yours truly signed name " +
	"called named speaking here not just a bit quite rather pretty super so fan big huge proud mom mum dad mother " +
	"father wife husband son daughter friend student teacher nurse doctor engineer retired veteran owner user " +
	"reviewer buyer long time first-time repeat verified")

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// afterWord reports whether the word w (lower case) ends within dist bytes before st, with only
// spaces, punctuation, "server", "is" or "to" between ("DNS 1.1.1.1", "dns server: 10.0.0.1").
func afterWord(t string, st int, w string, dist int) bool {
	b := strings.ToLower(t[max(0, st-dist):st])
	i := strings.LastIndex(b, w)
	if i < 0 || i > 0 && isAlnum(b[i-1]) {
		return false
	}
	rest := strings.NewReplacer("servers", "", "server", "", "primary", "", "secondary", "", "set to", "", "is", "", "to", "", "=", "", ":", "", ",", "", "：", "", "服务器", "").Replace(b[i+len(w):])
	return strings.TrimSpace(rest) == ""
}

// ---- boundaries and small helpers ----

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// bounded reports whether text[st:en] is not glued to an ASCII letter or digit on either side.
func bounded(text string, st, en int) bool {
	return (st == 0 || !isAlnum(text[st-1])) && (en == len(text) || !isAlnum(text[en]))
}

// digitBounded is bounded, and also rejects a span inside a longer digit group such as
// "12-3456..." or "...3456.78": a digit separated by a single '-' or '.' on either side.
func digitBounded(text string, st, en int) bool {
	if !bounded(text, st, en) {
		return false
	}
	if st >= 2 && (text[st-1] == '-' || text[st-1] == '.') && isDigit(text[st-2]) {
		return false
	}
	if en+1 < len(text) && (text[en] == '-' || text[en] == '.') && isDigit(text[en+1]) {
		return false
	}
	return true
}

func digitsOf(s string) []byte {
	d := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			d = append(d, s[i])
		}
	}
	return d
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// trimRightAny drops trailing bytes in cut from text[st:en].
func trimRightAny(text string, st, en int, cut string) int {
	for en > st && strings.IndexByte(cut, text[en-1]) >= 0 {
		en--
	}
	return en
}

var dateShape = regexp.MustCompile(`^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$`)

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func countHex(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
			n++
		}
	}
	return n
}

// afterISBN reports whether the number at st follows an "ISBN" label.
func afterISBN(t string, st int) bool {
	return strings.Contains(strings.ToUpper(t[max(0, st-12):st]), "ISBN")
}
