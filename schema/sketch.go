package schema

import (
	"hash/fnv"
	"math"
	"strings"
	"time"
	"unicode"
)

// The readable and behavioural parts of a profile (docs/schema.md, "Interests"): a lexical sketch
// of the words a user read and wrote ("terms"), a sketch of the items the user interacted with
// ("bitems"), both decayed like "cats", and a dense behavioural vector ("bvec") made by feature
// hashing of the categories and items. Document frequencies of terms and categories live in one
// global hash (DFKey) and give the IDF at read time.

// Field names of the interest sketches (see docs/schema.md).
const (
	FieldTerms          = "terms"  // JSON [{"t":<term>,"n":<weight>}], highest first, decayed as of dts
	FieldItemSketch     = "bitems" // JSON [{"i":<item>,"n":<weight>}], highest first, decayed as of dts
	FieldBehaviorVector = "bvec"   // float16 vector of BehaviorDim: hashed categories and items, decayed sum as of dts
)

// BehaviorDim is the dimension of the behavioural vector "bvec".
const BehaviorDim = 64

// TermWeight is a term of the lexical sketch with its decayed weight.
type TermWeight struct {
	Term   string  `json:"term"`
	Weight float64 `json:"weight"`
}

// ItemWeight is an item of the item sketch with its decayed, action-weighted count.
type ItemWeight struct {
	ItemID string  `json:"item"`
	Weight float64 `json:"weight"`
}

// TopTerms returns the n terms with the highest decayed weights at now (all kept ones when
// n <= 0), highest first.
func (p *Profile) TopTerms(now time.Time, n int) []TermWeight {
	f := p.DecayFactor(now)
	if n <= 0 || n > len(p.Terms) {
		n = len(p.Terms)
	}
	out := make([]TermWeight, n)
	for i := range out {
		out[i] = TermWeight{p.Terms[i].Term, p.Terms[i].Weight * f}
	}
	return out
}

// TopItems returns the n items with the highest decayed counts at now (all kept ones when
// n <= 0), highest first.
func (p *Profile) TopItems(now time.Time, n int) []ItemWeight {
	f := p.DecayFactor(now)
	if n <= 0 || n > len(p.ItemSketch) {
		n = len(p.ItemSketch)
	}
	out := make([]ItemWeight, n)
	for i := range out {
		out[i] = ItemWeight{p.ItemSketch[i].ItemID, p.ItemSketch[i].Weight * f}
	}
	return out
}

// DFKey returns the key of the global document-frequency hash: "<prefix>:v1:df". Fields:
// "t:<term>" and "c:<category>" count the profiles whose sketch a term or category entered
// (an entry evicted and seen again counts again), "users" the profiles created.
func DFKey(prefix string) string { return base(prefix) + "df" }

// Field names and prefixes of the DFKey hash.
const (
	DFTermPrefix     = "t:"
	DFCategoryPrefix = "c:"
	DFUsers          = "users"
)

// IDF returns the smoothed inverse document frequency ln((1+users)/(1+df)) + 1 (the form of
// scikit-learn's TfidfVectorizer), >= 1 whenever df <= users.
func IDF(df, users float64) float64 {
	return math.Log((1+users)/(1+df)) + 1
}

// IsOpaqueID reports whether s is an identifier rather than words: it has no run of two or more
// letters (and no Han, Hiragana, Katakana or Hangul character, each of which is a word in itself),
// as in "2520377", "a3f9c2" or "". Such a text is never encoded by the transformer: a number
// has no meaning to it.
func IsOpaqueID(s string) bool {
	run := 0
	for _, r := range s {
		switch {
		case isCJK(r):
			return false
		case unicode.IsLetter(r):
			if run++; run >= 2 {
				return false
			}
		default:
			run = 0
		}
	}
	return true
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// Terms returns the terms of a text with their weights in the lexical sketch, L2-normalized (a
// text's terms weigh 1 in total, whatever its length): lower-cased words of two or more letters
// or digits (not all digits) outside a small English stop list, and character bigrams of runs
// of Chinese, Japanese or Korean characters (a lone character is its own term). A term's raw
// weight is 1 + ln(count). Placeholders of the PII scrubber ("[EMAIL]") are not terms.
func Terms(text string) map[string]float64 {
	counts := map[string]float64{}
	var word []rune
	var cjk []rune
	flushWord := func() {
		if len(word) >= 2 && len(word) <= 32 {
			w := string(word)
			if !stopWords[w] && !allDigits(w) {
				counts[w]++
			}
		}
		word = word[:0]
	}
	flushCJK := func() {
		switch {
		case len(cjk) == 1:
			counts[string(cjk)]++
		case len(cjk) > 1:
			for i := 0; i+1 < len(cjk); i++ {
				counts[string(cjk[i:i+2])]++
			}
		}
		cjk = cjk[:0]
	}
	inPlaceholder := false
	for _, r := range text {
		switch {
		case r == '[':
			flushWord()
			flushCJK()
			inPlaceholder = true
		case r == ']':
			word = word[:0]
			inPlaceholder = false
		case inPlaceholder:
		case isCJK(r):
			flushWord()
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			word = append(word, unicode.ToLower(r))
		default:
			flushWord()
			flushCJK()
		}
	}
	if !inPlaceholder {
		flushWord()
	}
	flushCJK()
	var norm float64
	for t, c := range counts {
		w := 1 + math.Log(c)
		counts[t] = w
		norm += w * w
	}
	norm = math.Sqrt(norm)
	for t := range counts {
		counts[t] /= norm
	}
	return counts
}

func allDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here there when where why how
all any both each few more most other some such no nor not only own same so than too very can will just don should now
is are was were be been being have has had having do does did doing i me my myself we our ours ourselves you your yours
yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which
who whom this that these those am would could also get got one use used it's im ive dont didnt doesnt isnt wasnt id cant wont thats youre theyre arent wouldnt couldnt shouldnt`) {
		m[w] = true
	}
	return m
}()

// AddBehavior adds w times the hashed signed projection of an id to v (len BehaviorDim): every
// id maps to a fixed pseudo-random vector of +-1/sqrt(BehaviorDim) entries (FNV-1a of
// namespace, a zero byte and id, spread with splitmix64), so that the weighted sum of a user's
// categories and items is a random projection of the user's sparse id counts. namespace is "c"
// for a category, "i" for an item.
func AddBehavior(v []float32, namespace, id string, w float64) {
	h := fnv.New64a()
	h.Write([]byte(namespace))
	h.Write([]byte{0})
	h.Write([]byte(id))
	x := h.Sum64()
	s := float32(w / math.Sqrt(BehaviorDim))
	for i := 0; i < len(v); i += 64 {
		x = splitmix64(x)
		for j := 0; j < 64 && i+j < len(v); j++ {
			if x>>uint(j)&1 == 1 {
				v[i+j] += s
			} else {
				v[i+j] -= s
			}
		}
	}
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Language is the script family of a profile's words, as the similarity weighs them
// (reader.Scorer's per-language fusion weights).
type Language int

const (
	// LangOther: words mostly in alphabets (English and other Latin-script text), or no words.
	LangOther Language = iota
	// LangCJK: words mostly Chinese, Japanese or Korean (character bigrams).
	LangCJK
)

// Language returns LangCJK when more than half the weight of the profile's lexical sketch is on
// Chinese, Japanese or Korean terms, else LangOther (also for a profile without terms).
func (p *Profile) Language() Language {
	var cjk, all float64
	for _, t := range p.Terms {
		all += t.Weight
		for _, r := range t.Term {
			if isCJK(r) {
				cjk += t.Weight
			}
			break
		}
	}
	if all > 0 && cjk > all/2 {
		return LangCJK
	}
	return LangOther
}
