package privacy

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file holds the detectors added for issue 15: US social security numbers, other national
// ids with a checksum or a precise structure, context-scored ids, obfuscated emails, URLs
// without a scheme, UK postcodes, lower-case English and Chinese rural addresses, and names of
// people after an introducing phrase.

// ssnValid applies the SSA rules: area 000, 666 and 900-999, group 00 and serial 0000 are never
// issued, and two numbers printed on sample cards are famous fakes.
func ssnValid(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area, group, serial := atoi(string(d[:3])), atoi(string(d[3:5])), atoi(string(d[5:]))
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	s := string(d)
	return s != "078051120" && s != "219099999" && s != "123456789"
}

// ninoValid checks a UK National Insurance number's prefix (the letters D, F, I, Q, U, V never
// appear, O never second, and BG, GB, KN, NK, NT, TN, ZZ are not allocated).
func ninoValid(s string) bool {
	c := compactUpper(s)
	if len(c) != 9 {
		return false
	}
	switch c[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// dniValid checks a Spanish DNI ("12345678Z") or NIE ("X1234567L") control letter.
func dniValid(s string) bool {
	c := compactUpper(s)
	if len(c) != 9 {
		return false
	}
	switch c[0] {
	case 'X':
		c = "0" + c[1:]
	case 'Y':
		c = "1" + c[1:]
	case 'Z':
		c = "2" + c[1:]
	}
	for i := 0; i < 8; i++ {
		if !isDigit(c[i]) {
			return false
		}
	}
	return "TRWAGMYFPDXBNJZSQVHLCKE"[atoi(c[:8])%23] == c[8]
}

// hkidValid checks a Hong Kong identity card number "A123456(7)" (MOD 11, check may be A = 10).
func hkidValid(s string) bool {
	c := compactUpper(strings.NewReplacer("(", "", ")", "").Replace(s))
	if len(c) != 8 && len(c) != 9 {
		return false
	}
	sum := 0
	w := 9
	if len(c) == 8 {
		sum += 36 * 9 // a single letter counts as if preceded by a space (value 36)
		w = 8
	}
	for i := 0; i < len(c)-1; i++ {
		v := 0
		switch ch := c[i]; {
		case isDigit(ch):
			v = int(ch - '0')
		case ch >= 'A' && ch <= 'Z':
			v = int(ch-'A') + 10
		default:
			return false
		}
		sum += v * w
		w--
	}
	chk := (11 - sum%11) % 11
	last := c[len(c)-1]
	if chk == 10 {
		return last == 'A'
	}
	return isDigit(last) && int(last-'0') == chk
}

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

// knownTLDs are the top-level domains a URL without a scheme or an obfuscated email may end in.
// File extensions that are also country codes and common in reviews (md, sh, py, rs) are left out.
var knownTLDs = setOf("com net org edu gov mil int info biz io co ai app dev me tv cc ly gl to xyz top site " +
	"online shop store tech cn uk de fr jp kr ru br in au ca us eu nl es it ch se no dk fi pl cz at hk tw sg my " +
	"id th vn ph nz ie pt gr tr il za mx ar cl be link club vip ltd wang")

// mailProviders are domains that, after a bare "at", make "name at gmail.com" an email and not
// "available at walmart.com".
var mailProviders = setOf("gmail googlemail yahoo hotmail outlook live msn aol icloud me mac protonmail proton " +
	"gmx web yandex mail qq 163 126 yeah sina sohu foxmail 139 aliyun tom 21cn")

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// obfuscated email: "name [at] 163 [dot] com", "name(at)gmail.com", "john at gmail dot com",
// "name＠qq。com" (after normalization "name@qq。com"), "name @ 163.com", "name#163.com".
var (
	obfAt     = `(?:@|#|\[\s*(?:at|@)\s*\]|\(\s*(?:at|@)\s*\)|\{\s*(?:at|@)\s*\}|<\s*(?:at|@)\s*>|\bat\b|艾特)`
	obfDot    = `(?:\.|\[\s*(?:dot|\.)\s*\]|\(\s*(?:dot|\.)\s*\)|\{\s*(?:dot|\.)\s*\}|<\s*(?:dot|\.)\s*>|\bdot\b|点|。)`
	obfDomain = regexp.MustCompile(`(?i)^\s*[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\s*` + obfDot + `\s*[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+`)
	obfAtRe   = regexp.MustCompile(`(?i)` + obfAt)
	obfDotRe  = regexp.MustCompile(`(?i)` + obfDot)
)

// findObfEmail looks at every at-token: the local part is the run of email characters before it
// (after at most one space), the domain the labels and dot-tokens after it; checkObfEmail decides.
//
// The windows are small and anchored (an at-token with the bracket around it), so the token
// expression never runs over the text at large.
func findObfEmail(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		w.start, w.end = max(0, w.start), min(len(t), w.end)
		for w.start > 0 && !utf8.RuneStart(t[w.start]) {
			w.start--
		}
		for w.end < len(t) && !utf8.RuneStart(t[w.end]) {
			w.end++
		}
		for _, at := range obfAtRe.FindAllStringIndex(t[w.start:w.end], -1) {
			a0, a1 := w.start+at[0], w.start+at[1]
			l := a0
			if l > 0 && t[l-1] == ' ' {
				l--
			}
			e := l
			for l > 0 && (isAlnum(t[l-1]) || strings.IndexByte("._%+-", t[l-1]) >= 0) && e-l < 64 {
				l--
			}
			if l == e {
				continue
			}
			d := obfDomain.FindStringIndex(t[a1:min(len(t), a1+120)])
			if d == nil {
				continue
			}
			if st, en, ok := checkObfEmail(t, l, a1+d[1]); ok {
				out = append(out, [2]int{st, en})
			}
		}
	}
	return out
}

// obfEmailWindows anchors at "@", "艾特" and the word "at" (alone or in brackets).
func obfEmailWindows(sc *scan) []window {
	var w []window
	lo := sc.lowered()
	for off := 0; ; {
		i := strings.Index(lo[off:], "at")
		if i < 0 {
			break
		}
		i += off
		off = i + 2
		if (i == 0 || !isAlnum(lo[i-1])) && (i+2 == len(lo) || !isAlnum(lo[i+2])) {
			w = append(w, window{i - 2, i + 4})
		}
	}
	for _, k := range []string{"@", "艾特", "#"} {
		for off := 0; ; {
			i := strings.Index(lo[off:], k)
			if i < 0 {
				break
			}
			i += off
			off = i + len(k)
			w = append(w, window{i - 2, i + len(k) + 2})
		}
	}
	return w
}

func checkObfEmail(t string, st, en int) (int, int, bool) {
	for st < en && t[st] == '.' {
		st++
	}
	m := t[st:en]
	at := obfAtRe.FindStringIndex(m)
	if at == nil {
		return 0, 0, false
	}
	rawAt := m[at[0]:at[1]]
	atTok := strings.ToLower(strings.TrimSpace(rawAt))
	spacedAt := at[0] > 0 && m[at[0]-1] == ' ' || at[1] < len(m) && m[at[1]] == ' '
	if atTok == "@" && spacedAt {
		atTok = "[@]" // "name @ 163.com": spaces around the '@' hide it from the plain detector
	}
	local := strings.TrimSpace(m[:at[0]])
	domain := m[at[1]:]
	// Labels between the dot tokens, with where each ends, and whether a dot is obfuscated.
	type label struct {
		text string
		end  int // in m
	}
	var labels []label
	var dotObf []bool
	prev := 0
	for _, d := range obfDotRe.FindAllStringIndex(domain, -1) {
		raw := domain[prev:d[0]]
		labels = append(labels, label{strings.ToLower(strings.TrimSpace(raw)), at[1] + prev + len(strings.TrimRight(raw, " \t"))})
		dotObf = append(dotObf, strings.TrimSpace(domain[d[0]:d[1]]) != ".")
		prev = d[1]
	}
	raw := domain[prev:]
	labels = append(labels, label{strings.ToLower(strings.TrimSpace(raw)), at[1] + prev + len(strings.TrimRight(raw, " \t"))})
	// The address ends at the last label that is a known TLD ("gmail dot com dot au" keeps all).
	last := len(labels) - 1
	for last >= 1 && !knownTLDs[labels[last].text] {
		last--
	}
	if last < 1 || local == "" || strings.Trim(local, "._%+-") == "" {
		return 0, 0, false
	}
	obfuscatedDot := false
	for i := 0; i < last; i++ {
		obfuscatedDot = obfuscatedDot || dotObf[i]
	}
	switch {
	case atTok == "@" && !obfuscatedDot:
		return 0, 0, false // a plain email: the EMAIL detector's job
	case atTok == "#" && !mailProviders[labels[0].text]:
		return 0, 0, false // "#" stands for "@" only before a mail provider ("name#163.com")
	case atTok == "at" && !obfuscatedDot && !mailProviders[labels[0].text]:
		return 0, 0, false // "available at walmart.com"
	case atTok == "at" && !mailProviders[labels[0].text] && !strings.ContainsAny(local, "0123456789._-") &&
		!givenNames[strings.ToLower(local)]:
		return 0, 0, false // "look at amazon dot com": a plain word before a bare "at" is not a user name
	}
	end := st + labels[last].end
	return st, end, bounded(t, st, end)
}

// schemeless URL: a domain with a known TLD followed by a path, "example.com/track?t=1".
var bareURL = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+([a-z]{2,10})(?::\d{2,5})?/[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]]*`)

// bareURLWindows anchors at every '/' that follows a letter (the end of a TLD) or a port.
func bareURLWindows(sc *scan) []window {
	var w []window
	t := sc.text
	for off := 0; ; {
		i := strings.IndexByte(t[off:], '/')
		if i < 0 {
			return w
		}
		i += off
		if i > 0 && isAlnum(t[i-1]) {
			tok := token(t, i, i+1, urlChars)
			w = append(w, tok)
			off = max(i+1, tok.end)
		} else {
			off = i + 1
		}
		if off >= len(t) {
			return w
		}
	}
}

func checkBareURL(t string, st, en int) (int, int, bool) {
	if st > 0 && (t[st-1] == '@' || t[st-1] == '.' || t[st-1] == '/' || t[st-1] == '-') {
		return 0, 0, false // part of an email, a longer name or a path
	}
	m := bareURL.FindStringSubmatchIndex(t[st:en])
	if m == nil {
		return 0, 0, false
	}
	known := knownTLDs[strings.ToLower(t[st+m[2]:st+m[3]])]
	st2, en2, ok := checkURL(t, st, en)
	if !ok {
		return 0, 0, false
	}
	// Need something after the slash ("amazon.com/" alone is a domain). An unknown top-level
	// domain needs a deeper path ("amzn.example/wl/OKP0CHYCRXZU"), which "node.js/react" lacks.
	i := strings.IndexByte(t[st2:en2], '/')
	if i < 0 || en2-st2-i-1 < 1 {
		return 0, 0, false
	}
	if !known {
		segs := 0
		for _, p := range strings.Split(t[st2+i+1:en2], "/") {
			if len(p) >= 2 {
				segs++
			}
		}
		if segs < 2 {
			return 0, 0, false
		}
	}
	return st2, en2, true
}

// UK postcodes, with the post town (one or two capitalized words) before them.
var ukPostcode = `(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})`
var ukTownPostcode = regexp.MustCompile(`\b((?:[A-Z][a-z]+[ \-]){0,1}[A-Z][a-z]+),?\s+(` + ukPostcode + `)\b|(?i:\bpost(?:al)?\s?code\b)\s*(?::|is\b)?\s*(` + ukPostcode + `)\b`)

// ukPostcodeWindows anchors at an inward code: a digit and two capital letters ending a word.
func ukPostcodeWindows(sc *scan) []window {
	var w []window
	t := sc.text
	for i := 0; i+3 <= len(t); i++ {
		if isDigit(t[i]) && t[i+1] >= 'A' && t[i+1] <= 'Z' && t[i+2] >= 'A' && t[i+2] <= 'Z' && (i+3 == len(t) || !isAlnum(t[i+3])) {
			w = append(w, window{i - 48, i + 3})
		}
	}
	return w
}

func checkUKPostcode(t string, st, en int) (int, int, bool) {
	m := ukTownPostcode.FindStringSubmatchIndex(t[st:en])
	if m == nil {
		return 0, 0, false
	}
	if m[2] >= 0 {
		town := t[st+m[2] : st+m[3]]
		first, _, _ := strings.Cut(town, " ")
		if stopWords[strings.ToLower(first)] {
			// "In SW1A 1AA" or "The NW1 6XE": keep only the postcode, and only if a known
			// address word is near; otherwise a code on its own is too weak.
			return 0, 0, false
		}
	}
	return st, en, true
}

// English street suffixes (lower-case alternatives for the case-insensitive detector).
const enSuffixCI = `(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace|way|parkway|pkwy|highway|hwy|circle|cir|square|sq|crescent|close|trail|alley|plaza|gardens|grove|mews)`

var enAddrCI = regexp.MustCompile(`(?i)(?:\b(?:flat|apt|apartment|unit|suite|room)\.?\s*#?\s*[a-z0-9-]{1,6},?\s+)?\b\d{1,6}[a-z]?(?:-\d{1,4})?\s+(?:(?:north|south|east|west|[nsew]\.?)\s+)?((?:[a-z]+\s+){1,3})` + enSuffixCI +
	`\b\.?((?:,?\s*(?:apt|apartment|unit|suite|ste|flat|room|rm|floor|fl)\.?\s*#?\s*[a-z0-9-]{1,6}\b|,?\s*#\s*[a-z0-9-]{1,6}\b))?` +
	`((?:,\s*|\s+)(?:[a-z]+\s?){1,3},?\s*[a-z]{2}\s+\d{5}(?:-\d{4})?\b|,\s*(?:[a-z]+\s?){1,3},?\s*` + ukPostcode + `\b)?`)

// streetSuffixes are the street words of enSuffixCI, for anchoring.
var streetSuffixes = setOf("street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl terrace way " +
	"parkway pkwy highway hwy circle cir square sq crescent close trail alley plaza gardens grove mews")

// streetWindows anchors case-insensitive addresses at a street word with a digit within the 120
// bytes before it (the house number), so that text without one costs a word scan only.
func streetWindows(sc *scan) []window {
	var w []window
	lo := sc.lowered()
	lastDigit := -1 << 30
	for i := 0; i < len(lo); {
		c := lo[i]
		if isDigit(c) {
			lastDigit = i
			i++
			continue
		}
		if c < 'a' || c > 'z' {
			i++
			continue
		}
		j := i
		for j < len(lo) && lo[j] >= 'a' && lo[j] <= 'z' {
			j++
		}
		if i-lastDigit <= 120 && streetSuffixes[lo[i:j]] && (i == 0 || !isAlnum(lo[i-1])) {
			w = append(w, window{i - 144, j + 120})
		}
		i = j
	}
	return w
}

// addrKeywords make a lower-case street mention an address: it follows one of them.
var addrKeywords = []string{"address", "addr", "live at", "live on", "lives at", "living at", "ship to", "shipped to",
	"ship it to", "send to", "sent to", "send it to", "deliver to", "delivered to", "deliver it to", "located at",
	"moved to", "mail to", "mailed to", "reside at", "home is", "house is", "come to", "drop off at"}

// findAddrCI finds English street addresses written in any case ("12 oak street apt 3, boston ma
// 02118"). A Title Case address is the other detector's; here a lower-case one needs evidence:
// an apartment/unit, a city-state-zip tail, or an address keyword before it. Every name word must
// not be a common English word ("30 miles down the road", "2 more st").
func findAddrCI(sc *scan, wins []window) [][2]int {
	t := sc.text
	lo := sc.lowered()
	var out [][2]int
	for _, w := range wins {
		for _, m := range enAddrCI.FindAllStringSubmatchIndex(t[w.start:w.end], -1) {
			st, en := w.start+m[0], w.start+m[1]
			names := strings.Fields(lo[w.start+m[2] : w.start+m[3]])
			bad := false
			for _, n := range names {
				if stopWords[n] || quantityWords[n] {
					bad = true
				}
			}
			if bad || quantityBefore(t, st) {
				continue
			}
			evidence := m[4] >= 0 || m[6] >= 0
			before := lo[max(0, st-40):st]
			for _, k := range addrKeywords {
				if i := strings.LastIndex(before, k); i >= 0 && len(strings.TrimSpace(before[i+len(k):])) <= 2 {
					evidence = true
				}
			}
			if !evidence {
				continue
			}
			out = append(out, [2]int{st, trimRightAny(t, st, en, ".")})
		}
	}
	return out
}

// quantityBefore reports whether the number at st follows an article or a quantifier ("a 20
// Minute Drive", "the 2 Large Boxes"), which a house number never does.
func quantityBefore(t string, st int) bool {
	b := strings.ToLower(strings.TrimRight(t[max(0, st-12):st], " "))
	for _, w := range []string{"a", "an", "the", "every", "per", "only", "just", "about", "over", "under", "around",
		"approx", "nearly", "almost", "than", "within", "bought", "ordered", "got", "buy", "order", "need", "took", "with"} {
		if strings.HasSuffix(b, w) && (len(b) == len(w) || !isAlnum(b[len(b)-len(w)-1])) {
			return true
		}
	}
	return false
}

// quantityWords follow a number that counts or measures something, never a house number.
var quantityWords = setOf("minute minutes min mins hour hours hr hrs day days week weeks month months year years " +
	"second seconds sec secs mile miles km kms meter meters metre metres foot feet ft inch inches yard yards " +
	"pound pounds lb lbs oz ounce ounces gallon gallons liter liters litre litres pack packs piece pieces pc pcs " +
	"box boxes bag bags bottle bottles can cans jar jars pair pairs set sets unit units item items star stars " +
	"time times people person persons player players large small medium big extra mini huge tiny xl xxl " +
	"count ct more less free new used step steps page pages")

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

// publicResolvers are the addresses of public DNS resolvers: "DNS 1.1.1.1" names a service.
var publicResolvers = setOf("1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4 9.9.9.9 149.112.112.112 208.67.222.222 208.67.220.220 " +
	"114.114.114.114 114.114.115.115 223.5.5.5 223.6.6.6 119.29.29.29 180.76.76.76 94.140.14.14 76.76.19.19")

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

// hasQuantityWord reports whether a Title Case street match contains a word that counts or
// measures ("Minute", "Boxes", "Large").
func hasQuantityWord(s string) bool {
	f := strings.Fields(s)
	for i, w := range f {
		if i == 0 || i == len(f)-1 {
			continue // the number and the suffix
		}
		if quantityWords[strings.ToLower(strings.Trim(w, ",."))] {
			return true
		}
	}
	return false
}

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
