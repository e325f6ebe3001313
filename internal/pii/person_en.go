package pii

import (
	"regexp"
	"strings"
)

// ---- names of people ----

// givenNames is a list of common English given names: after a weak introducing phrase ("I'm",
// "I am") a capitalized word is taken for a name only if it is one of them, and after "my name
// is" a lower-case one.
var givenNames = setOf("james john robert michael william david richard joseph thomas charles christopher daniel " +
	"matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason " +
	"jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory " +
	"alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter " +
	"kyle noah ethan jeremy walter christian keith roger terry austin sean gerald carl harold dylan arthur " +
	"lawrence jordan jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent " +
	"mason roy ralph bobby russell bradley philip eugene liam oliver lucas leo max sam tom tim mike dave dan chris " +
	"matt nick alex ben jake luke mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa " +
	"nancy betty sandra margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie " +
	"dorothy rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole samantha " +
	"katherine christine helen debra rachel carolyn janet maria catherine heather diane olivia julie joyce " +
	"victoria ruth virginia lauren kelly christina joan evelyn judith andrea hannah megan cheryl jacqueline " +
	"martha madison teresa gloria sara janice ann kathryn abigail sophia frances jean alice judy isabella julia " +
	"grace amber denise danielle marilyn beverly charlotte natalie theresa diana brittany doris kayla alexis " +
	"lori marie ava mia chloe ella lily zoe kate jane sophie lucy amelia harper evelyn wei li ming hui yan jun " +
	"priya raj rahul amit ahmed mohammed muhammad ali fatima omar hans klaus pierre jean marco giulia lars" + " " + moreGivenNames)

// personIntro matches an English phrase that introduces a name, at the start of a window.
var personIntro = regexp.MustCompile(`(?i)^(?:my\s+name\s+is|my\s+name's|name\s*:|signed\s*[,:]|signed\s+by|sincerely\s*,|regards\s*,|yours\s+truly\s*,|` +
	`mrs\.?|mr\.?|ms\.?|miss|dr\.?|this\s+is|i'm|i\s+am|im|call\s+me|thanks\s*,|cheers\s*,|best\s*,|` +
	`(?:ship|shipped|send|sent|deliver|delivered|mail|mailed|addressed)\s+(?:it\s+)?to|(?:review|reviewed|written|posted)\s+by|` +
	`(?:the\s+)?(?:courier|driver|delivery\s+(?:guy|man|driver|person)|agent|rep|representative|technician|installer|salesman|saleswoman|named)\b)`)

var personKeys = []string{"my name", "name", "signed", "sincerely", "regards", "yours truly", "mr", "mrs", "ms", "miss", "dr",
	"this is", "i'm", "i am", "im ", "call me", "thanks", "cheers", "best,", "ship", "send", "sent", "deliver", "mail",
	"addressed", "review", "written", "posted", "the courier", "courier", "driver", "delivery", "agent", "rep",
	"technician", "installer", "sales", "named"}

// titleBrands are product names that start with a title: "Dr. Martens" is a boot.
var titleBrands = setOf("martens pepper scholl scholl's bronner bronner's coffee clean muscle meyer meyer's potato")

// orgWords end or fill the name of a company, a shop or a product rather than a person.
var orgWords = setOf("inc llc ltd co corp company store shop services service team support official center centre " +
	"group market mall express logistics delivery edition version series pro max plus ultra mini")

// nameWord reports whether w looks like a part of a person's name: capitalized (O'Brien, MacLeod,
// Gonzalez-Ruiz), or lower case when lower is set; not a common word.
func nameWord(w string, lower bool) bool {
	if len(w) < 2 {
		return false
	}
	l := strings.ToLower(w)
	if stopWords[l] || quantityWords[l] || orgWords[l] {
		return false
	}
	up := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up++
		case c >= 'a' && c <= 'z', c == '\'' || c == '-':
		default:
			return false
		}
	}
	if up == len(w) {
		return false // ALL CAPS is emphasis or an acronym
	}
	return lower || w[0] >= 'A' && w[0] <= 'Z'
}

// looksLikeWord reports whether a capitalized w is more likely an ordinary word than a name:
// adverbs, participles and adjectives ("Totally", "Disappointed", "Amazing", "Careful").
func looksLikeWord(w string) bool {
	l := strings.ToLower(w)
	if givenNames[l] {
		return false
	}
	for _, suf := range []string{"ly", "ed", "ing", "ful", "ous", "ive", "able", "ible", "less", "est", "ness"} {
		if len(l) > len(suf)+2 && strings.HasSuffix(l, suf) {
			return true
		}
	}
	return false
}

// findPersonEN finds names after an introducing phrase. The phrase decides how much evidence the
// words after it need:
//   - strong ("my name is", "name:", "signed,", a title like "Mr."): capitalized words that are
//     not common English words, or a lower-case known given name (and the word after it);
//   - "this is": only with "speaking" or "here" after the name;
//   - weak ("I'm", "call me", "thanks,", "ship to", "review by", "the courier"): a known given
//     name, or two capitalized name-like words ("I'm Marcus Hernandez", not "I'm Very Happy").
func findPersonEN(sc *scan, wins []window) [][2]int {
	t := sc.text
	lo := sc.lowered()
	var out [][2]int
	for _, w := range wins {
		m := personIntro.FindStringIndex(t[w.start:min(w.end, len(t))])
		if m == nil {
			continue
		}
		pst, pen := w.start+m[0], w.start+m[1]
		phrase := strings.Join(strings.Fields(lo[pst:pen]), " ")
		strong, title, this := false, false, false
		switch {
		case strings.HasPrefix(phrase, "my name"), strings.HasPrefix(phrase, "name"), strings.HasPrefix(phrase, "signed"),
			strings.HasPrefix(phrase, "sincerely"), strings.HasPrefix(phrase, "regards"), strings.HasPrefix(phrase, "yours"):
			strong = true
		case phrase == "mr" || phrase == "mr." || phrase == "mrs" || phrase == "mrs." || phrase == "ms" || phrase == "ms." ||
			phrase == "miss" || phrase == "dr" || phrase == "dr.":
			strong, title = true, true
			if t[pst] < 'A' || t[pst] > 'Z' || t[pst+1] < 'a' || t[pst+1] > 'z' {
				continue // "ms word", "MS Smartphone": titles are written "Mr", "Ms", "Dr"
			}
		case strings.HasPrefix(phrase, "this is"):
			this = true
		}
		// Words after the phrase: separated by single spaces, an optional "(" or ":" first.
		p := pen
		for p < len(t) && (t[p] == ' ' || t[p] == '(' || t[p] == ':') {
			p++
		}
		nst := p
		var words []string
		var ends []int
		for len(words) < 3 && p < len(t) {
			q := p
			for q < len(t) && (isLetter(t[q]) || t[q] == '\'' || t[q] == '-') {
				q++
			}
			if q == p {
				break
			}
			words = append(words, t[p:q])
			ends = append(ends, q)
			if q < len(t) && t[q] == '.' && q-p == 1 {
				ends[len(ends)-1] = q + 1 // a middle initial "J."
				q++
			}
			if q+1 < len(t) && t[q] == ' ' && isLetter(t[q+1]) {
				p = q + 1
				continue
			}
			break
		}
		if len(words) == 0 {
			continue
		}
		firstKnown := givenNames[strings.ToLower(words[0])]
		// After "my name is" a lower-case word is a name unless it is a common word or reads like
		// one ("my name is on the box", "my name is misspelled").
		lowerOK := strong && !title && words[0][0] >= 'a' && (firstKnown || !looksLikeWord(words[0]))
		n := 0
		for i, wd := range words {
			if !nameWord(wd, lowerOK) && !(len(wd) == 1 && i > 0 && wd[0] >= 'A' && wd[0] <= 'Z') {
				break
			}
			n = i + 1
		}
		if n == 0 {
			continue
		}
		if title && n == 1 && titleBrands[strings.ToLower(words[0])] {
			continue
		}
		if title && bookEN(sc) && !strings.HasSuffix(strings.TrimRight(lo[max(0, pst-24):pst], " ,"), "my") &&
			!relationBeforeTitle(lo, pst) {
			continue // "Mr. Darcy", "Dr. Seuss books": a character or an author
		}
		switch {
		case strong:
		case this:
			after := strings.TrimLeft(lo[ends[n-1]:min(len(lo), ends[n-1]+12)], " ,")
			if !strings.HasPrefix(after, "speaking") && !strings.HasPrefix(after, "here") {
				continue
			}
		default:
			if !firstKnown && (n < 2 || looksLikeWord(words[0]) || looksLikeWord(words[1])) {
				continue
			}
		}
		en := ends[n-1]
		if en-nst < 2 || !bounded(t, nst, en) {
			continue
		}
		out = append(out, [2]int{nst, en})
	}
	return out
}

// relationBeforeTitle reports whether a relation word comes right before the title at pst ("my
// son's teacher, Ms. Kowalczyk", "our neighbour Mrs Patel").
func relationBeforeTitle(lo string, pst int) bool {
	f := strings.Fields(strings.TrimRight(lo[max(0, pst-24):pst], " ,"))
	return len(f) > 0 && relationWords[strings.Trim(f[len(f)-1], ",")]
}

// signOff matches a name signed at the end of a text: "thanks so much! -- Dave", "— Anna K."
var signOff = regexp.MustCompile(`(?:^|[\s.!?])-{1,3}\s*([A-Z][a-z]+(?:\s+[A-Z][a-z]*\.?)?)\s*[.!]?\s*$`)

func findSignOff(sc *scan, _ []window) [][2]int {
	t := sc.text
	tail := max(0, len(t)-48)
	if strings.IndexByte(t[tail:], '-') < 0 {
		return nil
	}
	m := signOff.FindStringSubmatchIndex(t[tail:])
	if m == nil {
		return nil
	}
	st, en := tail+m[2], tail+m[3]
	w := strings.Fields(t[st:en])
	if !nameWord(w[0], false) || looksLikeWord(w[0]) {
		return nil
	}
	return [][2]int{{st, trimRightAny(t, st, en, ".")}}
}
