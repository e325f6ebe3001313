package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names of people without an introducing phrase: "My sister Jenna Okafor picked this up",
// "Thanks Gretchen", "Rebecca Thornton and I split the cost", "Henrik Sørensen handled my
// return", "KEVIN O'MALLEY FROM THE WAREHOUSE". findNamesEN reads the text as words (any
// alphabet: a name does not stop at "á" or "ø") and takes a run of capitalized words for a name
// when the words around it say so:
//   - a relation or role before it ("my sister", "our neighbour", "the driver,", "my coworker")
//     or a phrase people use before a name ("thanks", "thank you", "shout out to", "ask for",
//     "spoke with", "helped by"): one name-like word is enough;
//   - "and I", "and me", "from support", "at the front desk" after it: the same;
//   - a known given name followed by a surname-like word ("Marcus Lindqvist", "JOSÉ GARCÍA"), or
//     two or three name-like words followed by what only people do ("wrote back", "said",
//     "replied", "helped"): the name alone.
//
// Not names: brands named after people (Calvin Klein, Michael Kors; nameBrands), and in a text
// about a book (book, novel, author, chapter, ...) the author and the characters, unless a
// relation or role vouches for the name. A text written in Title Case or in capitals ("Great
// Product Would Buy Again") has no evidence in its capitals, so there only a known given name
// with a surname, or a cue, counts.

// relationWords name a relative, friend or someone met in a role; a name may follow them.
var relationWords = setOf("sister brother mom mum mother dad father husband wife son daughter friend bestie coworker " +
	"co-worker colleague roommate flatmate housemate neighbour neighbor boss manager nanny landlord landlady cousin aunt " +
	"uncle niece nephew grandma grandpa grandmother grandfather granny nana boyfriend girlfriend partner fiancé fiance " +
	"fiancée fiancee kid kids child teacher tutor coach stepmom stepdad stepson stepdaughter sis bro buddy pal mate " +
	"mother-in-law father-in-law sister-in-law brother-in-law son-in-law daughter-in-law babysitter caretaker caregiver " +
	"driver courier installer technician tech rep agent cashier clerk associate courier postman mailman carrier " +
	"plumber electrician contractor hairdresser stylist therapist dentist doctor vet trainer instructor classmate " +
	"teammate twin toddler baby grandson granddaughter")

// nameCues are phrases that come before a name in reviews ("Thanks Gretchen").
var nameCues = []string{"thanks", "thanks to", "thank you", "thank you to", "thank-you", "props to", "shout out to", "shoutout to", "kudos to", "ask for",
	"spoke with", "spoke to", "talked to", "talked with", "chatted with", "helped by", "delivered by", "assisted by",
	"served by", "love you"}

// nameAfter are what follows a name in reviews ("Rebecca and I", "Lukas from support").
var nameAfter = []string{" and i ", " and i'", " and me ", " and myself", " from support", " from customer",
	" from the ", " at the front", " at the help", " at customer", " in customer service", " in support",
	" on the phone", " over chat", " on chat"}

// personVerbs follow a name as its subject: what people do and products do not.
var personVerbs = setOf("said says told tells asked asks replied replies answered wrote emailed texted called " +
	"helped helps recommended recommends suggested explained apologized apologised promised insisted laughed smiled " +
	"handled sorted arranged assured offered refunded agreed thinks thought loves loved hates hated adores adored " +
	"wanted wants gave gifted picked noticed complained swears swore")

// nameVerbs follow a single known given name as its subject ("Priya bought", "Marcus ordered");
// personVerbs and these.
var nameVerbs = setOf("bought ordered tried returned received opened installed reviewed wore uses used likes liked " +
	"enjoys enjoyed plays played needs needed found finds says had has fixed delivered brought sent dropped")

// nameParticles join the parts of a family name.
var nameParticles = setOf("de la del della di da das dos du van von der den ter ten le bin ibn al el y")

// namePreps come before a single known given name that is someone's ("gave it to Marcus",
// "bought it for Jenna", "me and Priya").
var namePreps = setOf("to for with from told asked called texted emailed messaged gave sent met named and ask " +
	"hi hey hello dear congrats cc")

// ambiguousNames are given names that are also English words; without a cue they are words.
var ambiguousNames = setOf("will mark grace joy may june april rose bill pat sue art max jack frank hope faith amber " +
	"ruby summer dawn penny sandy rich chase guy don carol iris violet jade crystal ivy holly lily olive angel rob miles " +
	"ray gene hunter grant wade dean earl bud sky river autumn ginger honey cherry candy brandy page paige reed rusty " +
	"sunny tiffany mercedes harley porsche chanel bentley destiny heather ginny ben sam tom nick bob don sterling " +
	"royal baker taylor cooper mason parker carter tucker gray grey august christian")

// moreGivenNames extend givenNames (person_en.go) with names from the many places reviewers
// come from.
const moreGivenNames = "josé tomás raúl beatriz lucía lucia sofía sofia carmen pablo javier diego alejandro miguel " +
	"carlos luis jorge fernando manuel antonio francisco isabel elena marta paula inés ines joão joao pedro rafael " +
	"gabriela camila valentina mateo santiago marisol guadalupe lupe rosario dolores consuelo esperanza catalina " +
	"pierre amélie amelie chloé léa lea manon camille louis hugo théo theo antoine nicolas julien mathieu françois " +
	"francois céline celine isabelle nathalie sylvie claire juliette margaux anne-marie jean-pierre jean-luc " +
	"henrik lars sven erik anders nils ingrid astrid freya jens mette karin lukas jonas felix leon maximilian " +
	"sebastian stefan jürgen jurgen klaus hans greta heidi ursula giacomo giovanni giuseppe luca matteo alessandro " +
	"francesca chiara federica lorenzo siobhan niamh aoife ciara saoirse seamus eoin cian declan padraig orla " +
	"ngozi chidi chinedu oluwaseun adebayo kwame kofi ama abena amara aisha zainab ibrahim musa yusuf malik jamal " +
	"darnell tyrone keisha latoya shanice priyanka arjun aditya vikram sanjay anil sunil deepak ravi anita sunita " +
	"kavita pooja neha divya lakshmi ananya rohan karan meera hiroshi yuki haruto sakura kenji takeshi akira " +
	"dmitri dmitry ivan olga natasha svetlana sergei alexei anastasia katya tatiana mikhail pavel vladimir boris " +
	"agnieszka katarzyna piotr tomasz marek hassan hussein khalid layla leila noor nour yasmin mariam rania tariq " +
	"karim samir rebecca gretchen rosalind derek bartholomew zoë zoe giulia marcus jenna dominic vanessa tiffani " +
	"bethany brooke courtney crystal monica veronica erica erika tara tina trisha wendy yvonne gwen gwendolyn " +
	"colin connor conor ian neil nigel graham gordon duncan stuart stewart angus fiona kirsty morag ewan callum " +
	"hamish rory shane travis troy wesley clayton dustin derrick marcus luis trevor brett cody chad kurt todd " +
	"craig glenn lance marvin norman howard herbert lloyd leonard stanley bernard vernon cecil clifford " +
	"mildred gladys edna ethel irene agnes beatrice harriet ivy mabel florence hazel edith eleanor esther " +
	"nadia tanya sonia sonya katrina kristen kirsten lindsay lindsey kelsey chelsea whitney misty krystal " +
	"jasmine aaliyah imani nia keanu kai leilani mei lin xiao jing yang hao wen ling fang hua chen"

// nameBrands are brands, labels and famous names that look like a person's name.
var nameBrands = setOfSep("|", "calvin klein|ralph lauren|tommy hilfiger|michael kors|kate spade|marc jacobs|tory burch|"+
	"vera wang|hugo boss|steve madden|kenneth cole|anne klein|betsey johnson|jessica simpson|paul mitchell|john deere|"+
	"jack daniels|jack daniel's|martha stewart|rachael ray|bobbi brown|estee lauder|estée lauder|mary kay|giorgio armani|"+
	"christian dior|yves saint|louis vuitton|coco chanel|stella mccartney|levi strauss|tom ford|alexander mcqueen|"+
	"oscar de|carolina herrera|jimmy choo|christian louboutin|sam edelman|cole haan|stuart weitzman|chuck taylor|"+
	"betty crocker|duncan hines|orville redenbacher|sara lee|sherwin williams|joseph joseph|john frieda|jose cuervo|"+
	"jim beam|johnnie walker|williams sonoma|philip morris|peter rabbit|winnie the|mickey mouse|minnie mouse|"+
	"harry potter|sherlock holmes|jack reacher|james bond|peppa pig|paw patrol|hello kitty|tommy bahama|"+
	"ben jerry|ben & jerry|dr martens|paul frank|kenneth jay|ann taylor|eddie bauer|lands end|l.l. bean|ll bean|"+
	"liz claiborne|perry ellis|ted baker|karl lagerfeld|ralph lauren's|donna karan|vince camuto|nine west|"+
	"charlotte tilbury|laura mercier|kylie jenner|kim kardashian|taylor swift|ed sheeran|elon musk|jeff bezos|"+
	"steve jobs|bill gates|santa claus|father christmas|st patrick|saint patrick|st. patrick|jesus christ|mother nature|"+
	"john wick|jason bourne|luke skywalker|darth vader|han solo|tony stark|peter parker|bruce wayne|clark kent|"+
	"victoria secret|victoria's secret|hamilton beach|vera bradley|russell hobbs|tommy john|smith wesson|smith & wesson|harley davidson|fred perry|paul smith|john lewis|dolce gabbana|stephen king|dr scholl|"+
	"barbie|hot wheels|lego|nerf|fisher price|fisher-price|melissa doug|melissa & doug|thomas the|curious george|"+
	"black decker|black+decker|weber|dyson|ninja|shark|breville|cuisinart|kitchenaid|instant pot|le creuset|"+
	"tim hortons|papa john's|papa johns|trader joe's|trader joes|jimmy dean|marie callender's|newman's own|"+
	"paul newman|jack link's|bob's red|annie's|amy's|wendy's|mcdonald's|dunkin|debbie meyer|kellogg's|"+
	"ford|dodge|lincoln|chrysler|chevrolet|chevy|tesla|cadillac|buick|jeep|honda|toyota|nissan|subaru|mazda|hyundai|"+
	"porsche|dell|lenovo|asus|acer|hershey|kraft|heinz|campbell|campbell's|hoover|kenmore|maytag|whirlpool|frigidaire|bosch|"+
	"miele|philips|braun|gillette|remington|oster|keurig|crayola|"+
	"amazon|apple|samsung|google|sony|microsoft|nike|adidas|walmart|target|costco|ikea|alexa|siri|kindle|roku")

// isNameBrand reports whether the words starting a candidate name are a brand or a famous name.
func isNameBrand(ws []string) bool {
	l := strings.ToLower(ws[0])
	if nameBrands[l] {
		return true
	}
	if len(ws) > 1 {
		two := l + " " + strings.ToLower(ws[1])
		return nameBrands[two] || nameBrands[strings.TrimSuffix(two, "'s")]
	}
	return false
}

// setOfSep is setOf for entries that hold spaces: they are separated by sep.
func setOfSep(sep, entries string) map[string]bool {
	m := map[string]bool{}
	for _, e := range strings.Split(entries, sep) {
		if e != "" {
			m[e] = true
		}
	}
	return m
}

// bookWords make a text a book (or film) review, where names are authors and characters.
var bookWords = []string{"book", "novel", "author", "chapter", "story", "series", "character", "plot", "kindle",
	"paperback", "hardcover", "audiobook", "narrator", "trilogy", "sequel", "heroine", "protagonist", "fiction",
	"biography", "memoir", "page", "read it", "reading", "reader", "writes", "written", "film", "movie", "actor",
	"actress", "episode", "season", "album", "song", "singer", "band", "dvd", "concert", "documentary", "interview",
	"music", "cd "}

// bookEN reports whether the text is about a book, a film or music (its names are authors and
// characters).
func bookEN(sc *scan) bool {
	if sc.isBook() {
		return true
	}
	lo := sc.lowered()
	for _, b := range bookWords {
		if strings.Contains(lo, b) {
			return true
		}
	}
	return false
}

// nameWordEN is one word of the text: its byte range, and its shape.
type nameWordEN struct {
	start, end int
	w          string
	capital    bool // first letter upper case
	caps       bool // every letter upper case (two or more letters)
}

// wordsEN splits t into words of letters (any alphabet, with combining marks, inner
// apostrophes and hyphens); it returns nil past maxNameScan bytes of letters (a text that long
// is scanned in the windows of the other detectors only).
func wordsEN(t string) []nameWordEN {
	var ws []nameWordEN
	for i := 0; i < len(t); {
		r, size := utf8.DecodeRuneInString(t[i:])
		if !unicode.IsLetter(r) || cjk(r) {
			i += size
			continue
		}
		st := i
		upper, lower := 0, 0
		first := unicode.IsUpper(r)
		for i < len(t) {
			r, size = utf8.DecodeRuneInString(t[i:])
			if unicode.IsLetter(r) && !cjk(r) || unicode.Is(unicode.Mn, r) {
				if unicode.IsUpper(r) {
					upper++
				} else if unicode.IsLower(r) {
					lower++
				}
				i += size
				continue
			}
			if (r == '\'' || r == '-') && i+1 < len(t) {
				if r2, _ := utf8.DecodeRuneInString(t[i+1:]); unicode.IsLetter(r2) {
					i++
					continue
				}
			}
			break
		}
		ws = append(ws, nameWordEN{st, i, t[st:i], first, upper >= 2 && lower == 0})
	}
	return ws
}

// cjk reports whether r is of a script written without spaces between words.
func cjk(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// hanOrCJK reports whether the word is in a script without spaces (names there are the Chinese
// finder's).
func hanOrCJK(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// surnameLike reports whether w may be a family name: capitalized (or in capitals), not a common
// word, not an adverb or participle, not a company word.
func surnameLike(w nameWordEN) bool {
	if !w.capital || hanOrCJK(w.w) || utf8.RuneCountInString(w.w) < 2 {
		return false
	}
	l := strings.ToLower(w.w)
	if k := strings.IndexByte(l, '\''); k > 0 && stopWords[l[:k]] {
		return false // "I've", "It's"
	}
	return !stopWords[l] && !namePreps[l] && !quantityWords[l] && !orgWords[l] && !relationWords[l] && !personVerbs[l] &&
		!commonCapitals[l] && (givenNames[firstPart(l)] || !looksLikeWord(w.w)) && !names().everyday(strings.TrimSuffix(l, "'s"))
}

// commonCapitals are capitalized words that start sentences or name things, never people.
var commonCapitals = setOf("i the a an it this that my our we he she they you but and or so if when while after " +
	"before because since then also just very not no yes please update edit note ps pros cons overall love loved " +
	"like works worked great good bad nice fast slow cheap price quality size color colour fits fit arrived came " +
	"bought ordered received delivered shipping delivery package packaging box item product order return refund " +
	"customer service support store shop seller company brand model version day week month year monday tuesday " +
	"wednesday thursday friday saturday sunday january february march april may june july august september october " +
	"november december christmas easter thanksgiving halloween new old big small best worst first last front back " +
	"north south east west street road avenue city state county river lake park hotel airport station hospital " +
	"school university college church bank office center centre room floor block building tower court house " +
	"english chinese french spanish german american british canadian mexican indian japanese korean italian " +
	"usa uk eu us ca ny la tv pc usb hdmi led lcd ok okay wow omg lol")

func firstPart(l string) string {
	if i := strings.IndexAny(l, "-'"); i > 0 {
		return l[:i]
	}
	return l
}

// maxNameScan bounds the text findNamesEN reads word by word.
const maxNameScan = 1 << 14

// findNamesEN finds names by the words around them (see above).
func findNamesEN(sc *scan, _ []window) [][2]int {
	t := sc.text
	if len(t) > maxNameScan {
		t = t[:maxNameScan]
	}
	if strings.IndexFunc(t, unicode.IsUpper) < 0 {
		return nil // no capital, no name (most Chinese reviews)
	}
	ws := wordsEN(t)
	if len(ws) == 0 {
		return nil
	}
	lo := sc.lowered()[:len(t)]
	// Title Case is judged on the words that are no listed name: in "Financing app: Bethany
	// Becker, never again" the capitals of the name are no sign of a headline.
	gz := names()
	capitals, caps, latin, plain := 0, 0, 0, 0
	for _, w := range ws {
		if hanOrCJK(w.w) {
			continue
		}
		latin++
		if w.caps {
			caps++
		}
		if w.capital {
			if l := strings.ToLower(w.w); gz.given[l] == gazSure || gz.surname[l] == gazSure {
				continue
			}
		}
		plain++
		if w.capital {
			capitals++
		}
	}
	if latin == 0 {
		return nil
	}
	titleCase := plain >= 5 && capitals*10 >= plain*6
	allCaps := latin >= 3 && caps*10 >= latin*6
	book := bookEN(sc)
	var out, joinable [][2]int
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if !w.capital || hanOrCJK(w.w) {
			continue
		}
		// The run of name-like words from i (up to three, single spaces, a middle initial).
		n := 0
		for j := i; j < len(ws) && j-i < 5; j++ {
			if j > i && (!nameGap(t, ws[j-1].end, ws[j].start) || strings.HasSuffix(ws[j-1].w, "'s")) {
				break // a possessive ends a name: "Jerry's Cherry Garcia"
			}
			if j > i && nameParticles[ws[j].w] {
				continue // "Maria de la Cruz", "Pieter van der Berg": counted with the next word
			}
			if !surnameLike(ws[j]) && !(j > i && initial(t, ws[j])) {
				break
			}
			n = j - i + 1
		}
		if n == 0 {
			continue
		}
		if n >= 3 {
			// "Buyer Harriet Lindgren": a word the lists do not know before a listed given name is
			// a label, not the start of the name.
			l0, l1 := strings.ToLower(w.w), strings.ToLower(ws[i+1].w)
			if !givenNames[l0] && gz.given[l0] == gazNone && gz.surname[l0] == gazNone && (givenNames[l1] || gz.given[l1] == gazSure) &&
				!nameParticles[ws[i+1].w] {
				continue
			}
		}
		run := ws[i : i+n]
		words := make([]string, n)
		for k, r := range run {
			words[k] = r.w
		}
		if isNameBrand(words) || n >= 2 && strings.EqualFold(words[0], words[1]) { // "Yum Yum"
			i += n - 1
			continue
		}
		st, en := run[0].start, run[n-1].end
		if strings.HasSuffix(run[n-1].w, "'s") {
			en -= 2
			words[n-1] = strings.TrimSuffix(words[n-1], "'s")
		}
		first := strings.ToLower(firstPart(strings.ToLower(w.w)))
		known := givenNames[first] || givenNames[strings.ToLower(w.w)]
		// The gazetteer: a given name of its lists (gazGiven, not one of the hand-written
		// givenNames), and a family name of its lists ending the run (lastSure).
		gzFirst := gz.given[strings.ToLower(w.w)]
		if gzFirst == gazNone {
			gzFirst = gz.given[first]
		}
		gazGiven := !known && gzFirst == gazSure
		last := strings.ToLower(words[n-1])
		lastSure := n >= 2 && gz.surname[last] == gazSure
		for _, r := range run {
			if r.caps {
				// Words in capitals are emphasis or a product ("RAZER MAMBA"): the lists do not
				// vouch for them.
				gazGiven, lastSure = false, false
			}
		}
		if !known && gzFirst == gazWordToo {
			first = strings.ToLower(w.w) // "King", "Grace": ambiguous below
		}
		ambiguous := ambiguousNames[first] || gzFirst == gazWordToo && !known
		rel := relationBefore(t, lo, ws, i)
		mine := rel && i >= 2 && (ws[i-2].w == "my" || ws[i-2].w == "our" || ws[i-2].w == "My" || ws[i-2].w == "Our")
		phrase := !rel && cueBefore(t, lo, ws, i) || cueAfter(lo, en)
		verb := i+n < len(ws) && personVerbs[strings.ToLower(ws[i+n].w)] && nameGap(t, en, ws[i+n].start)
		ok := false
		switch {
		case mine:
			// "my sister Jenna", "our nanny Rosalind": the writer's own people, also in a book review.
			ok = true
		case book:
			// Characters and authors: only the writer's own people (above) are names here.
		case rel && i >= 2:
			// "the driver, Tomás Rivera", "his coworker Aisha"
			ok = true
		case phrase:
			// "Thanks Gretchen", "Rebecca Thornton and I": one word must be a known given name.
			// Two words: one of them in the name lists ("thanks to Spider Farms" is a shop).
			inLists := known || gzFirst != gazNone || gz.surname[last] != gazNone
			ok = n >= 2 && inLists || (known || gazGiven) && !ambiguous
		case allCaps:
			ok = known && n >= 2 && !ambiguous
		case titleCase:
			ok = (known || gazGiven && lastSure) && n >= 2 && !ambiguous && verb
		case known && n >= 2:
			ok = !ambiguous || verb
		case gazGiven && lastSure:
			// "Yolanda Pierce", "Geoffrey Pemberton": both parts in the lists.
			ok = true
		case gazGiven && n >= 2 && (verb || i+n < len(ws) && nameGap(t, en, ws[i+n].start) && nameVerbs[strings.ToLower(ws[i+n].w)]):
			// "Łukasz Wójcik delivered it": a listed given name, a family name, what people do.
			ok = true
		case n >= 2 && lastSure && !gz.words[strings.ToLower(w.w)] && gz.surname[strings.ToLower(w.w)] == gazNone:
			// "Nkechi Okonkwo": a given name the lists miss, a family name they hold.
			ok = gzFirst == gazNone || verb
		case n >= 2 && verb:
			ok = true
		case n == 1 && (known || gazGiven) && !ambiguous:
			next := i+1 < len(ws) && nameGap(t, en, ws[i+1].start) && nameVerbs[strings.ToLower(ws[i+1].w)]
			prev := i > 0 && t[ws[i-1].end:st] == " " && namePreps[strings.ToLower(ws[i-1].w)]
			ok = verb || next || prev || helpfulAfter(lo, en)
		}
		if ok {
			out = append(out, [2]int{st, en})
		} else if (n >= 2 || (known || gazGiven) && !ambiguous) && !book && !titleCase && !allCaps {
			joinable = append(joinable, [2]int{st, en})
		}
		i += n - 1
	}
	// Two names joined by "and": "Nkechi Okonkwo and Femi Adebayo", "Ahmed and Fatima", one found,
	// the other a run of two or three name-like words or a listed given name.
	for _, c := range joinable {
		for _, f := range out {
			if joinedByAnd(t[min(f[1], c[1]):max(f[0], c[0])]) && (f[1] <= c[0] || c[1] <= f[0]) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// joinedByAnd reports whether the gap between two names is " and " or " & ".
func joinedByAnd(g string) bool {
	return g == " and " || g == " & "
}

// helpfulAfter reports whether what follows a single given name says how someone was ("Marcus
// was super helpful", "Ingrid is so kind").
func helpfulAfter(lo string, en int) bool {
	rest := strings.Fields(lo[en:min(len(lo), en+40)])
	if len(rest) < 2 || rest[0] != "was" && rest[0] != "is" && rest[0] != "has been" {
		return false
	}
	k := 1
	if k < len(rest)-1 && intensifiers[rest[k]] {
		k++
	}
	return personAdjectives[strings.Trim(rest[k], ".,!;:")]
}

// intensifiers and personAdjectives: "was (very) helpful" says a person was.
var intensifiers = setOf("so very really super extremely incredibly always beyond just truly")

var personAdjectives = setOf("helpful kind friendly patient rude polite courteous knowledgeable professional " +
	"sweet lovely unhelpful attentive respectful dismissive nice")

// nameGap reports whether t[a:b], between two words of a name, is a single space (or ". "
// after a middle initial "J.").
func nameGap(t string, a, b int) bool {
	g := t[a:b]
	if g == ". " {
		_, size := utf8.DecodeLastRuneInString(t[:a])
		return a-size == 0 || a-size > 0 && !unicode.IsLetter(rune(t[a-size-1]))
	}
	return g == " "
}

// initial reports whether w is a middle initial "J" followed by '.'.
func initial(t string, w nameWordEN) bool {
	return w.end-w.start == 1 && w.capital && w.end < len(t) && t[w.end] == '.'
}

// relationBefore reports whether a relation word in lower case stands right before word i ("my
// sister X"; not "Egan & Son Builders").
func relationBefore(t, lo string, ws []nameWordEN, i int) bool {
	if i == 0 {
		return false
	}
	p := ws[i-1]
	gap := lo[p.end:ws[i].start]
	if gap != " " && gap != ", " || p.capital && !capitalRelations[lo[p.start:p.end]] {
		return false
	}
	return relationWords[lo[p.start:p.end]]
}

// capitalRelations are relation words written as a title before a name ("Aunt Rosemary").
var capitalRelations = setOf("aunt auntie uncle grandma grandpa nana granny cousin grandad granddad")

// cueBefore reports whether a name cue ("thanks", "spoke with") comes right before word i.
func cueBefore(t, lo string, ws []nameWordEN, i int) bool {
	head := strings.TrimRight(lo[max(0, ws[i].start-16):ws[i].start], " ,:!")
	for _, c := range nameCues {
		if strings.HasSuffix(head, c) {
			k := len(head) - len(c)
			if k == 0 || !isAlnum(head[k-1]) {
				return true
			}
		}
	}
	return false
}

// cueAfter reports whether a phrase that follows names follows the name ending at en.
func cueAfter(lo string, en int) bool {
	rest := lo[en:min(len(lo), en+24)] + " "
	for _, c := range nameAfter {
		if strings.HasPrefix(rest, c) {
			return true
		}
	}
	return false
}
