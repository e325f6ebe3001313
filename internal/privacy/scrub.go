package privacy

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PIIType names a kind of personal data the Scrubber replaces.
type PIIType string

// The PII types. Each is replaced by its Placeholder, e.g. "[EMAIL]".
const (
	Email   PIIType = "EMAIL"       // local@domain.tld
	Phone   PIIType = "PHONE"       // Chinese mobiles and landlines, E.164, common national formats
	Card    PIIType = "CARD"        // payment cards: 13-19 digits, known first digit, Luhn check
	CNID    PIIType = "CN_ID"       // Chinese resident id: 18 chars, MOD 11-2 check, plausible birth date
	IBAN    PIIType = "IBAN"        // country code, length per country, MOD 97 check
	IP      PIIType = "IP"          // IPv4 with valid octets, IPv6 as net/netip parses it
	URL     PIIType = "URL"         // http(s):// or www. links
	Address PIIType = "ADDRESS"     // English street addresses, PO boxes, Chinese road+number addresses
	OrderID PIIType = "ORDER_ID"    // keyword-led order/tracking ids and well-known tracking shapes
	SSN     PIIType = "SSN"         // US social security number: area/group/serial rules, or after "SSN"
	NatID   PIIType = "NATIONAL_ID" // UK NINO, Spanish DNI/NIE, Hong Kong id (checksums); ids after "ID", "passport"
	Person  PIIType = "PERSON"      // a name after an introducing phrase ("my name is", "我叫", "Mr.")
)

// Types returns every PIIType in a stable order.
func Types() []PIIType {
	return []PIIType{Email, Phone, Card, CNID, IBAN, IP, URL, Address, OrderID, SSN, NatID, Person}
}

// Placeholder returns the text that replaces a span of this type, e.g. "[EMAIL]".
func (t PIIType) Placeholder() string { return "[" + string(t) + "]" }

// Label returns the lower-case name used in metric labels and figures, e.g. "cn_id".
func (t PIIType) Label() string { return strings.ToLower(string(t)) }

// Counts is the number of spans replaced, per type. A nil Counts means nothing was replaced.
type Counts map[PIIType]int

// Total returns the number of spans replaced over all types.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Add adds o into c, which must not be nil.
func (c Counts) Add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// MaxPlaceholderLen is the longest placeholder ("[NATIONAL_ID]").
const MaxPlaceholderLen = 13

// Span is one detected piece of PII: text[Start:End] is replaced by Type's placeholder.
type Span struct {
	Start, End int
	Type       PIIType
}

// Option configures a Scrubber.
type Option func(*Scrubber)

// WithTypes limits scrubbing to the given types. Default: every type. Turning a type off keeps
// more text for the encoder (e.g. ADDRESS, the type with the fuzziest boundaries) at the price of
// letting that PII through to the cache and the profile's vector.
func WithTypes(types ...PIIType) Option {
	return func(s *Scrubber) {
		s.enabled = map[PIIType]bool{}
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
	enabled   map[PIIType]bool
	now       func() time.Time
	detectors []detector
	ibanLen   map[string]int
}

// detector finds candidate spans with a regular expression and confirms each with check.
//
// Regular expressions are RE2 (linear time) but not fast per byte, so a detector does not scan the
// whole text: win picks the windows where a match can be (around a digit cluster, an '@', a
// keyword), and the expression runs on those windows only. A window always covers every match
// that contains its anchor; check and the boundary helpers look at the full text.
type detector struct {
	typ   PIIType
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

// NewScrubber returns a Scrubber with every detector enabled (see WithTypes).
func NewScrubber(opts ...Option) *Scrubber {
	s := &Scrubber{now: time.Now, ibanLen: ibanLengths()}
	for _, o := range opts {
		o(s)
	}
	s.detectors = s.buildDetectors()
	return s
}

func (s *Scrubber) on(t PIIType) bool { return s.enabled == nil || s.enabled[t] }

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
	text := nt.text
	sc := newScan(text)
	for i := range s.detectors {
		d := &s.detectors[i]
		if !s.on(d.typ) {
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
			ost, oen := nt.span(st, en)
			cands = append(cands, cand{Span{ost, oen, d.typ}, d.prio})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	text = orig
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
	return out
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

// ---- checksums ----

func luhn(d []byte) bool {
	sum, dbl := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return sum%10 == 0
}

// cardPrefix reports whether d starts like a payment card of its length (Visa, Mastercard,
// Amex, Discover, UnionPay, JCB, Diners, Maestro: first digit 2 to 6).
func cardPrefix(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa; 13-digit numbers are no longer issued and collide with EAN-13 barcodes
		return n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p2 == 36 || p2 == 38 || p2 == 30: // Diners Club
		return n >= 14 && n <= 16
	case p2 == 35, p2 == 62, p2 == 65, p4 == 6011, p2 == 64 && d[2] >= '4': // JCB, UnionPay, Discover
		return n >= 16 && n <= 19
	}
	return false
}

func cnIDValid(id string, now time.Time) bool {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(id[i]-'0') * weights[i]
	}
	check := "10X98765432"[sum%11]
	last := id[17]
	if last == 'x' {
		last = 'X'
	}
	if last != check {
		return false
	}
	switch id[:2] {
	case "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
		"71", "81", "82", "83", "91":
	default:
		return false
	}
	y := atoi(id[6:10])
	m := atoi(id[10:12])
	d := atoi(id[12:14])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return false
	}
	return y >= 1900 && !t.After(now)
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func ibanMod97(iban string) bool {
	r := iban[4:] + iban[:4]
	rem := 0
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// ibanLengths is the IBAN length per country (SWIFT IBAN registry).
func ibanLengths() map[string]int {
	const reg = "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29BY28CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24" +
		"FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21" +
		"LT20LU20LV21MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24RS22SA24SC31SE24" +
		"SI19SK24SM27ST25SV28TL23TN24TR26UA29VA22VG24XK20"
	m := make(map[string]int, len(reg)/4)
	for i := 0; i+4 <= len(reg); i += 4 {
		m[reg[i:i+2]] = atoi(reg[i+2 : i+4])
	}
	return m
}

// s10Valid checks the UPU S10 check digit of a tracking id like "RR123456785CN".
func s10Valid(id string) bool {
	w := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(id[2+i]-'0') * w[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return int(id[10]-'0') == c
}

// ---- detectors ----

func (s *Scrubber) buildDetectors() []detector {
	enName := `(?:[A-Z][a-z]+|[A-Z]{2,}|\d{1,3}(?:st|nd|rd|th))`
	enSuffix := `(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Crescent|Close|Trail|Alley|Plaza|Gardens|Grove|Mews|Loop)`
	enAddr := `(?:\b(?:Flat|Apt|Apartment|Unit|Suite|Room)\.?\s*#?\s*[A-Za-z0-9-]{1,6},?\s+)?\b\d{1,6}[A-Za-z]?(?:-\d{1,4})?\s+(?:(?:North|South|East|West|[NSEW]\.?)\s+)?(?:` + enName + `\s+){1,4}` + enSuffix +
		`\b\.?(?:\s+(?:NE|NW|SE|SW|N|S|E|W|North|South|East|West)\b\.?)?` +
		`(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Flat|Room|Rm|Floor|Fl)\.?\s*#?\s*[A-Za-z0-9-]{1,6}\b|,?\s*#\s*[A-Za-z0-9-]{1,6}\b)?` +
		`(?:,\s*(?:[A-Z][a-z]+\s?){1,3},\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b|,\s*(?:[A-Z][a-z]+\s?){1,3},?\s*` + ukPostcode + `\b)?`
	poBox := `\bP\.?\s?O\.?\s?Box\s+\d{1,6}\b`

	orderKeys := []string{"order", "tracking", "waybill", "parcel", "shipment", "consignment", "confirmation", "invoice", "ref", "booking", "reservation",
		"订单", "单号", "快递号", "物流号"}
	orderKW := `(?i)^(?:\b(?:order|tracking|waybill|parcel|shipment|consignment|confirmation|invoice|ref|reference|booking|reservation)(?:\s*(?:ref\b\.?|reference|#|no\b\.?|number|num\b|id\b|code))?\b\.?` +
		`|订单编号|订单号码|订单号|订单|快递单号|快递号|运单号|运单编号|物流单号|物流号|单号)` +
		`(?:\s*(?:is\b|was\b|:|：|#|=|是|为))*\s*[#(（]?\s*([A-Z0-9](?:[A-Z0-9]|-[A-Z0-9]){5,39})`
	phoneKeys := []string{"phone", "tel", "mobile", "cell", "call", "whatsapp", "fax", "hotline", "电话", "联系", "手机", "号码", "热线"}
	phoneKW := `(?i)^(?:\b(?:phone|tel|telephone|mobile|cell|call|whatsapp|fax|hotline)\b|联系电话|联系方式|手机号码|手机号|手机|电话|号码|热线)` +
		`(?:\s*(?:number|no\b\.?|#|is\b|at\b|on\b|me\b|:|：|是|为))*\s*(\+?\(?\d[\d ().\-]{5,18}\d)`

	now := s.now
	clusters := func(minDigits, before, after int) func(*scan) []window {
		return func(sc *scan) []window { return sc.aroundClusters(minDigits, before, after) }
	}
	strs := func(keys []string, before, after int) func(*scan) []window {
		return func(sc *scan) []window { return sc.aroundStrings(keys, before, after) }
	}
	// keys anchors at every keyword that does not continue a word on its left.
	keys := func(keys []string, after int) func(*scan) []window {
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
	// ibanHeads anchors at "CCdd" (two capitals, two digits) not glued to a word on the left.
	ibanHeads := func(sc *scan) []window {
		var w []window
		t := sc.text
		for i := 0; i+4 <= len(t); i++ {
			if isLetter(t[i]) && isLetter(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]) && (i == 0 || !isAlnum(t[i-1])) {
				w = append(w, window{i, i + 50})
			}
		}
		return w
	}
	// addressNumbers anchors at a house number followed by a space and a capital letter or an
	// ordinal ("123 Main", "221B Baker", "23 21st").
	addressNumbers := func(sc *scan) []window {
		var w []window
		t := sc.text
		for i := 0; i < len(t); {
			if !isDigit(t[i]) || i > 0 && isAlnum(t[i-1]) {
				i++
				continue
			}
			st := i
			for i < len(t) && isDigit(t[i]) {
				i++
			}
			e := i
			if e < len(t) && (t[e] >= 'A' && t[e] <= 'Z' || t[e] == '-') {
				e++
				for e < len(t) && isDigit(t[e]) {
					e++
				}
			}
			if e+1 < len(t) && t[e] == ' ' && (t[e+1] >= 'A' && t[e+1] <= 'Z' || isDigit(t[e+1])) {
				w = append(w, window{st - 24, st + 200}) // 24 before: "Flat 3, "
			}
		}
		return w
	}

	return []detector{
		{typ: URL, prio: 1, win: urlTokens,
			re:    regexp.MustCompile(`(?i)(?:\bhttps?:/{0,2}|\bwww\.)[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]]+`),
			check: checkURL},
		{typ: Email, prio: 2, win: emailTokens,
			re: regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				for st < en && t[st] == '.' {
					st++
				}
				return st, en, st < en && t[st] != '@'
			}},
		{typ: IBAN, prio: 3, win: ibanHeads,
			re:    regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}`),
			check: s.checkIBAN},
		{typ: CNID, prio: 4, win: clusters(17, 0, 1),
			re: regexp.MustCompile(`[1-9]\d{5}[ \-]?(?:18|19|20)\d{2}[ \-]?(?:0[1-9]|1[0-2])[ \-]?(?:0[1-9]|[12]\d|3[01])[ \-]?\d{3}[ \-]?[\dXx]`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && cnIDValid(compactUpper(t[st:en]), now())
			}},
		{typ: CNID, prio: 4, win: keys([]string{"身份证", "居民身份", "id card", "identity card", "resident id"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:身份证|居民身份证|id\s*card|identity\s+card|resident\s+id(?:\s+card)?)(?:号码|号|编号|(?:\s*(?:no\b\.?|number|#)))?(?:\s*(?:is\b|was\b|:|：|#|=|是|为))*\s*(\d{6}[ \-]?\d{4}[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{3}[ \-]?[\dXx]|\d{6}[ \-]?\d{6}[ \-]?\d{3})`), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) // the keyword says what it is; a typo'd check digit is still an id
			}},
		{typ: SSN, prio: 4, win: clusters(9, 0, 0),
			re: regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && ssnValid(digitsOf(t[st:en]))
			}},
		{typ: SSN, prio: 4, win: keys([]string{"ssn", "social security", "ss#", "ss #", "soc sec", "soc. sec"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:ssns?\b|social\s+security(?:\s+(?:number|no\b\.?|num\b|#|card))?|ss\s?#|soc\.?\s*sec\.?(?:\s*(?:no\b\.?|#))?)(?:\s*(?:is\b|was\b|:|#|=|-|of\b))*\s*(\d{3}[ .\-]?\d{2}[ .\-]?\d{4})`), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && ssnValid(digitsOf(t[st:en]))
			}},
		{typ: NatID, prio: 4, win: clusters(6, 3, 3),
			re:    regexp.MustCompile(`\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`),
			check: func(t string, st, en int) (int, int, bool) { return st, en, ninoValid(t[st:en]) }},
		{typ: NatID, prio: 4, win: clusters(7, 3, 3),
			re:    regexp.MustCompile(`\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b`),
			check: func(t string, st, en int) (int, int, bool) { return st, en, dniValid(t[st:en]) }},
		{typ: NatID, prio: 4, win: clusters(6, 3, 4),
			re:    regexp.MustCompile(`\b[A-Z]{1,2}\d{6}\s?\([0-9A]\)`),
			check: func(t string, st, en int) (int, int, bool) { return st, en, hkidValid(t[st:en]) }},
		{typ: NatID, prio: 12, win: keys([]string{"id", "passport", "证件", "护照", "national insurance", "nino", "dni"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:(?:id|identity)\b(?:\s+card\b)?(?:\s*(?:no\b\.?|number|num\b|#))?|passport(?:\s*(?:no\b\.?|number|num\b|#))?|national\s+insurance(?:\s*(?:no\b\.?|number))?|nino|dni|证件号码|证件号|护照号码|护照号|护照)(?:\s*(?:is\b|was\b|:|：|#|=|是|为))*\s*([A-Z0-9](?:[A-Z0-9]|[ \-]\d){5,24})`), group: 1,
			check: checkContextID},
		{typ: OrderID, prio: 5, win: keys(orderKeys, 100), anchored: true, re: regexp.MustCompile(orderKW), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				id := t[st:en]
				return st, en, bounded(t, st, en) && countDigits(id) >= 2 && !dateShape.MatchString(id)
			}},
		{typ: OrderID, prio: 5, win: strs([]string{"订单编号", "订单号", "运单号", "快递单号"}, 60, 0),
			re: regexp.MustCompile(`([A-Za-z0-9]{8,30})\s*(?:是|为)?(?:我的)?(?:订单编号|订单号|运单号|快递单号)`), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, bounded(t, st, en) && countDigits(t[st:en]) >= 6
			}},
		{typ: Card, prio: 6, win: clusters(13, 0, 0),
			re:    regexp.MustCompile(`\d(?:[ \-]?\d){12,18}`),
			check: checkCard},
		{typ: OrderID, prio: 7, win: clusters(8, 18, 12),
			re: regexp.MustCompile(`\b(?:1Z[0-9A-Z]{16}|\d{3}-\d{7}-\d{7}|[A-Z]{2}\d{9}[A-Z]{2}|SF\d{12,13}|JD[A-Z0-9]{13,15}|YT\d{13,15}|9[2-5]\d{2}(?: ?\d{4}){4} ?\d{2})\b`),
			check: func(t string, st, en int) (int, int, bool) {
				id := t[st:en]
				if len(id) == 13 && id[0] >= 'A' && id[0] <= 'Z' && id[1] >= 'A' && id[1] <= 'Z' && isDigit(id[2]) {
					return st, en, s10Valid(id)
				}
				return st, en, true
			}},
		{typ: IP, prio: 8, win: clusters(4, 0, 0),
			re:    regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`),
			check: checkIPv4},
		{typ: IP, prio: 8, win: ipv6Colons,
			re:    regexp.MustCompile(`(?i)[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*`),
			check: checkIPv6},
		{typ: Phone, prio: 9, win: clusters(11, 6, 0),
			re: regexp.MustCompile(`(?:(?:\+|00)86[ \-]?|\(\+?86\)[ \-]?)?1[3-9](?:[ \-]?\d){9}`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && (st == 0 || t[st-1] != '+')
			}},
		{typ: Phone, prio: 9, win: clusters(8, 2, 1),
			re:    regexp.MustCompile(`\+[1-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,7}`),
			check: checkIntl},
		{typ: Phone, prio: 9, win: clusters(10, 2, 0),
			re: regexp.MustCompile(`(?:\b1[ .\-])?(?:\([2-9]\d{2}\)\s?|\b[2-9]\d{2}[ .\-])\d{3}[ .\-]\d{4}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en)
			}},
		{typ: Phone, prio: 9, win: clusters(9, 1, 0),
			re:    regexp.MustCompile(`(?:\(0\d{1,4}\)|\b0\d{1,4})[ \-]?\d{2,4}(?:[ \-]?\d{2,4}){1,3}`),
			check: checkNational},
		{typ: Phone, prio: 9, win: keys(phoneKeys, 60), anchored: true, re: regexp.MustCompile(phoneKW), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				en = trimRightAny(t, st, en, " .-(")
				if st < en && t[st] == '(' && !strings.Contains(t[st:en], ")") {
					st++
				}
				n := countDigits(t[st:en])
				return st, en, n >= 7 && n <= 15 && digitBounded(t, st, en) && !dateShape.MatchString(t[st:en])
			}},
		{typ: Address, prio: 10, win: addressNumbers, re: regexp.MustCompile(enAddr),
			check: func(t string, st, en int) (int, int, bool) {
				// "a 20 Minute Drive", "2 Large Boxes Place": a quantity, not a house number.
				if quantityBefore(t, st) || hasQuantityWord(t[st:en]) {
					return 0, 0, false
				}
				// A final '.' is more likely the end of the sentence than of "St.".
				return st, trimRightAny(t, st, en, "."), true
			}},
		{typ: Address, prio: 10, win: streetWindows, find: findAddrCI},
		{typ: Address, prio: 10, win: ukPostcodeWindows, re: ukTownPostcode, check: checkUKPostcode},
		{typ: Address, prio: 10, win: cnVillageWindows, find: findCNVillage},
		{typ: Email, prio: 2, win: obfEmailWindows, anchored: true, find: findObfEmail},
		{typ: URL, prio: 1, win: bareURLWindows, re: bareURL, check: checkBareURL},
		{typ: Person, prio: 11, win: keys(personKeys, 60), anchored: true, find: findPersonEN},
		{typ: Person, prio: 11, win: cnIntroWindows, anchored: true, find: findPersonZH},
		{typ: Person, prio: 11, find: findSignOff},
		{typ: Address, prio: 10, win: strs([]string{"box"}, 8, 12), re: regexp.MustCompile(poBox)},
		{typ: Address, prio: 10, win: cnAddressWindows, find: findCNAddress},
	}
}

func checkURL(t string, st, en int) (int, int, bool) {
	// Leave trailing punctuation and an unbalanced closing bracket outside; counts are kept
	// incrementally so that a long tail of ")))" stays linear.
	opens := [2]int{strings.Count(t[st:en], "("), strings.Count(t[st:en], "[")}
	closes := [2]int{strings.Count(t[st:en], ")"), strings.Count(t[st:en], "]")}
trim:
	for en > st {
		c := t[en-1]
		switch {
		case strings.IndexByte(".,;:!?'\"*", c) >= 0:
		case c == ')' && closes[0] > opens[0]:
			closes[0]--
		case c == ']' && closes[1] > opens[1]:
			closes[1]--
		default:
			break trim
		}
		en--
	}
	u := strings.ToLower(t[st:en])
	rest := strings.TrimPrefix(u, "www.")
	if r, ok := strings.CutPrefix(u, "https:"); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(u, "http:"); ok {
		rest = r
	}
	rest = strings.TrimLeft(rest, "/")
	return st, en, len(rest) >= 3 && strings.ContainsAny(rest, "abcdefghijklmnopqrstuvwxyz0123456789")
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
		if e != en && t[e] != ' ' && t[e] != '-' || !isDigit(t[e-1]) {
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

func countHex(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
			n++
		}
	}
	return n
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

// afterISBN reports whether the number at st follows an "ISBN" label.
func afterISBN(t string, st int) bool {
	return strings.Contains(strings.ToUpper(t[max(0, st-12):st]), "ISBN")
}

var ibanHead = regexp.MustCompile(`(?i)[A-Z]{2}\d{2} ?$`)

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
