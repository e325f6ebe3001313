package pii

import (
	"regexp"
	"strings"
)

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
	if m := ukStreetBefore.FindStringIndex(t[max(0, st-80):st]); m != nil {
		st = max(0, st-80) + m[0] // "Flat 7, 19 Queensway, Leeds LS1 4AB"
	}
	return st, en, true
}

// ukStreetBefore is a house number and a street name (any word: "Queensway", "Hanover Gardens")
// right before a post town and postcode, optionally after a flat.
var ukStreetBefore = regexp.MustCompile(`(?:\b(?:Flat|Apt|Apartment|Unit)\s*[A-Za-z0-9]{1,4},\s*)?\b\d{1,4}[A-Za-z]?\s+(?:[A-Z][a-z]+\s){0,3}[A-Z][a-z]+,\s*$`)

// English street suffixes (lower-case alternatives for the case-insensitive detector).
const enSuffixCI = `(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace|way|parkway|pkwy|highway|hwy|circle|cir|square|sq|crescent|close|trail|alley|plaza|gardens|grove|mews)`

var enAddrCI = regexp.MustCompile(`(?i)(?:\b(?:flat|apt|apartment|unit|suite|room)\.?\s*#?\s*[a-z0-9-]{1,6},?\s+)?\b\d{1,6}[a-z]?(?:-\d{1,4})?\s+(?:(?:north|south|east|west|[nsew]\.?)\s+)?((?:(?:[a-z]+|\d{1,3}(?:st|nd|rd|th))\s+){1,3})` + enSuffixCI +
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

// addrListKeys introduce an address written as parts between commas.
var addrListKeys = []string{"address", "addr:", "ship to", "deliver to", "delivered to", "sent to", "send to", "left it at",
	"leave it at", "drop it at", "dropped it at", "shipped to", "mail to", "live at"}

// addrListIntro is an address keyword and what may follow it before the address.
var addrListIntro = regexp.MustCompile(`(?i)^(?:(?:my|the|our|new|home|shipping|delivery)\s+)*(?:address(?:\s+is)?|addr|ship(?:ped)?\s+(?:it\s+)?to|deliver(?:ed)?\s+(?:it\s+)?to|sen[dt]\s+(?:it\s+)?to|(?:left|leave|drop|dropped)\s+it\s+at|mail\s+to|live\s+at)\s*[:：]?\s*`)

// addrPart is one comma-separated part of such an address: words starting with a capital or a
// digit ("Block 215", "Ang Mo Kio Ave 3", "#08-1234", "No. 8", "Singapore 560215").
var addrPart = regexp.MustCompile(`^(?:#?\d[\dA-Za-z\-/]*|No\.|[\p{Lu}][\p{L}'\-.]*)(?:\s+(?:#?\d[\dA-Za-z\-/]*|[\p{Lu}][\p{L}'\-.]*|of|de|la|du|al|el))*$`)

// findAddrList finds an address written as capitalized parts between commas after an address
// keyword ("Address: Block 215, Ang Mo Kio Ave 3, #08-1234, Singapore 560215", "left it at Room
// 804, Building 3, Tsinghua University"): at least three parts, the first with a number.
func findAddrList(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		if w.start > 0 && isAlnum(t[w.start-1]) {
			continue
		}
		m := addrListIntro.FindStringIndex(t[w.start:min(len(t), w.end)])
		if m == nil {
			continue
		}
		st := w.start + m[1]
		end := min(len(t), st+140)
		if i := strings.IndexAny(t[st:end], "!?;\n"); i >= 0 {
			end = st + i
		}
		if i := strings.Index(t[st:end], ". "); i >= 0 && !strings.HasSuffix(t[st:st+i], "No") {
			end = st + i
		}
		parts := strings.Split(t[st:end], ",")
		// The address starts at its first part with a number: "Priya Okafor, 566 Cedar Ct, ..."
		// starts with a name.
		for len(parts) > 0 && !strings.ContainsAny(parts[0], "0123456789") && len(parts[0]) < 40 {
			st += len(parts[0]) + 1
			parts = parts[1:]
		}
		for st < end && t[st] == ' ' {
			st++
		}
		n, stop, digit := 0, st, false
		for k, p := range parts {
			q := strings.TrimSpace(p)
			// A part may end in lower-case words that are no longer the address ("Tsinghua
			// University please"): the address ends before them.
			words := strings.Fields(q)
			keep := len(words)
			for keep > 0 && !addrPart.MatchString(strings.Join(words[:keep], " ")) {
				keep--
			}
			if keep == 0 {
				break
			}
			n++
			if k == 0 && strings.ContainsAny(q, "0123456789") {
				digit = true
			}
			off := stop + max(0, strings.Index(t[stop:end], words[0]))
			stop = off + len(strings.Join(words[:keep], " "))
			if keep < len(words) {
				break
			}
			stop = max(stop, off)
		}
		if n < 3 || !digit {
			continue
		}
		out = append(out, [2]int{st, trimRightAny(t, st, stop, ".")})
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

// hasQuantityWord reports whether a Title Case street match contains a word that counts or
// measures ("Minute", "Boxes", "Large").
func hasQuantityWord(s string) bool {
	f := strings.Fields(s)
	for i, w := range f {
		if i == 0 {
			continue // the number
		}
		if streetSuffixes[strings.ToLower(strings.Trim(w, ",."))] {
			return false // the street name ends here: "New York" after it is a city
		}
		if quantityWords[strings.ToLower(strings.Trim(w, ",."))] {
			return true
		}
	}
	return false
}

// addressDetectors find street addresses: English (Title Case with a house number, any case
// with evidence, UK postcodes, PO boxes) and Chinese (administrative divisions and roads,
// villages).
func addressDetectors() []detector {
	enName := `(?:[A-Z][a-z]+|[A-Z]{2,}|\d{1,3}(?:st|nd|rd|th))`
	enSuffix := `(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Crescent|Close|Trail|Alley|Plaza|Gardens|Grove|Mews|Loop)`
	enAddr := `(?:\b(?:Flat|Apt|Apartment|Unit|Suite|Room)\.?\s*#?\s*[A-Za-z0-9-]{1,6},?\s+)?\b\d{1,6}[A-Za-z]?(?:-\d{1,4})?\s+(?:(?:North|South|East|West|[NSEW]\.?)\s+)?(?:(?:` + enName + `\s+){1,4}` + enSuffix + `|Broadway)` +
		`\b\.?(?:\s+(?:NE|NW|SE|SW|N|S|E|W|North|South|East|West)\b\.?)?` +
		`(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Flat|Room|Rm|Floor|Fl)\.?\s*#?\s*[A-Za-z0-9-]{1,6}\b|,?\s*#\s*[A-Za-z0-9-]{1,6}\b)?` +
		`(?:,\s*(?:[A-Z][a-z]+\s?){1,3},?\s*[A-Z]{2,3}\s+(?:\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b|,\s*(?:[A-Z][a-z]+\s?){1,3},?\s*` + ukPostcode + `\b|` +
		`(?:,\s*(?:[A-Z][a-z]+\s?){1,3}){0,2},\s*` + hkRegion + `)?`
	poBox := `\bP\.?\s?O\.?\s?Box\s+\d{1,6}\b(?:,\s*(?:[A-Z][a-z]+\s?){1,3},?\s*[A-Z]{2,3}\s+(?:\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b)?`
	return []detector{
		{typ: Address, prio: 10, win: nearStrings([]string{"dorm", "hall ", "residence", "block ", "building ", "bldg"}, 0, 60), re: dormAddr,
			check: func(t string, st, en int) (int, int, bool) { return st, en, bounded(t, st, en) }},
		{typ: Address, prio: 10, win: nearStrings([]string{"rue ", "avenue ", "boulevard ", "bd ", "chemin ", "allée ", "impasse ", "quai ", "cours "}, 12, 140),
			re: frAddr, check: func(t string, st, en int) (int, int, bool) { return st, trimRightAny(t, st, en, " ,"), true }},
		{typ: Address, prio: 10, win: nearStrings([]string{"/f", "kowloon", "hong kong", "new territories"}, 60, 140),
			re: hkAddr, check: func(t string, st, en int) (int, int, bool) {
				return st, trimRightAny(t, st, en, " ,"), strings.Contains(t[st:en], "/F")
			}},
		{typ: Address, prio: 10, win: houseNumbers, re: regexp.MustCompile(enAddr),
			check: func(t string, st, en int) (int, int, bool) {
				// "a 20 Minute Drive", "2 Large Boxes Place": a quantity, not a house number.
				if quantityBefore(t, st) || hasQuantityWord(t[st:en]) {
					return 0, 0, false
				}
				// A final '.' is more likely the end of the sentence than of "St.".
				return st, trimRightAny(t, st, en, "."), true
			}},
		{typ: Address, prio: 10, win: streetWindows, find: findAddrCI},
		{typ: Address, prio: 10, win: withDigits(1, atKeywords(addrListKeys, 140)), anchored: true, find: findAddrList},
		{typ: Address, prio: 10, win: ukPostcodeWindows, re: ukTownPostcode, check: checkUKPostcode},
		{typ: Address, prio: 10, win: cnVillageWindows, find: findCNVillage},
		{typ: Address, prio: 10, win: nearStrings([]string{"box"}, 8, 60), re: regexp.MustCompile(poBox)},
		{typ: Address, prio: 10, win: withDigits(1, nearStrings(deStreetKeys, 40, 40)), re: deAddr,
			check: func(t string, st, en int) (int, int, bool) {
				// "-weg", "-ring", "-damm", "-laan", "-vej" end ordinary words too ("Spring 2"):
				// without a postcode and town only the unambiguous street words count.
				m := deAddr.FindStringSubmatch(t[st:en])
				return st, en, m != nil && (m[2] != "" || deSureStreet.MatchString(m[1]))
			}},
		{typ: Address, prio: 10, win: cnAddressWindows, find: findCNAddress},
	}
}

// houseNumbers anchors at a house number followed by a space and a capital letter or an
// ordinal ("123 Main", "221B Baker", "23 21st").
func houseNumbers(sc *scan) []window {
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

// deAddr is a German, Dutch or Scandinavian street address: the street word glued to its name
// and the number after it, optionally a postcode and town ("Hauptstraße 12, 10115 Berlin",
// "Keizersgracht 123, 1015 CJ Amsterdam").
var deAddr = regexp.MustCompile(`\b(\p{Lu}[\p{L}\-]*(?:straße|strasse|str\.|gasse|allee|platz|weg|ring|damm|ufer|chaussee|straat|laan|gracht|plein|vej|gatan|gata|veien))\s+\d{1,4}[a-z]?\b` +
	`(,?\s+\d{4,5}(?:\s?[A-Z]{2})?\s+\p{Lu}[\p{L}\-]+)?`)

// deSureStreet are the street words that end no ordinary English or German word.
var deSureStreet = regexp.MustCompile(`(?:straße|strasse|str\.|gasse|allee|straat|gracht|gatan)$`)

var deStreetKeys = []string{"straße", "strasse", "str.", "gasse", "allee", "platz", "weg ", "ring ", "damm ", "ufer ", "chaussee",
	"straat", "laan ", "gracht", "plein ", "vej ", "gatan", "gata ", "veien "}

// hkRegion ends a Hong Kong address.
const hkRegion = `(?:Kowloon|Hong Kong(?: Island)?|HK|New Territories|N\.T\.|Lantau(?: Island)?)\b`

// frAddr is a French street address: "12 rue de la Paix, 75002 Paris", "45 avenue Victor Hugo".
var frAddr = regexp.MustCompile(`\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|cours)\s+` +
	`(?:(?:de|du|des|la|le|l'|d')\s*)*\p{Lu}[\p{L}'\-]+(?:\s+(?:(?:de|du|des|la|le|l'|d')\s*)*\p{Lu}[\p{L}'\-]+){0,3}` +
	`(?:,?\s+\d{5}\s+\p{Lu}[\p{L}\-]+(?:[\s\-]\p{Lu}[\p{L}\-]+)*(?:\s+(?:CEDEX|Cedex)(?:\s+\d{1,2})?)?)?`)

// hkAddr is a Hong Kong flat, floor, block and estate: "Room 1503, 15/F, Block C, Taikoo Shing,
// Hong Kong" (the floor "15/F" is required).
var hkAddr = regexp.MustCompile(`(?:\b(?:Flat|Room|Rm|Unit|Suite|Shop)\.?\s*[A-Z0-9-]{1,6},?\s*)?\b(?:\d{1,2}|G|UG|LG)/F\b(?:,?\s*(?:Block|Blk|Tower)\s*[A-Z0-9]{1,3}\b)?` +
	`(?:,\s*(?:\d{1,4}\s+)?[A-Z][A-Za-z']+(?:\s+[A-Z][A-Za-z']+){0,3})*`)

// dormAddr is a room in a dormitory or a numbered building: "Dorm B, Room 302", "Block 4 Flat 12".
var dormAddr = regexp.MustCompile(`\b(?:Dorm(?:itory)?|Residence Hall|Hall|Block|Building|Bldg)\.?\s+[A-Z0-9][A-Za-z0-9-]{0,5},?\s+(?:Room|Rm|Flat|Apt|Unit|Suite)\.?\s*#?\s*\d{1,5}[A-Z]?\b`)
