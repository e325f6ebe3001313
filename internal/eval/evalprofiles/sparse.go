package evalprofiles

import (
	"math"
	"strings"
	"unicode"
)

// sparse is a sparse vector: term id -> weight.
type sparse map[int32]float64

// vocab interns terms.
type vocab struct{ ids map[string]int32 }

func newVocab() *vocab { return &vocab{ids: map[string]int32{}} }

func (v *vocab) id(t string) int32 {
	if i, ok := v.ids[t]; ok {
		return i
	}
	i := int32(len(v.ids))
	v.ids[t] = i
	return i
}

// Tokens splits text into the terms of the TF-IDF baseline: lower-cased runs of letters and
// digits of at least two characters (English and other alphabets), and character bigrams of runs
// of Han characters (a single Han character alone when the run has one).
func Tokens(text string) []string {
	var out []string
	var word []rune
	var han []rune
	flushWord := func() {
		if len(word) >= 2 {
			out = append(out, string(word))
		}
		word = word[:0]
	}
	flushHan := func() {
		switch {
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word = append(word, r)
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

// tfidf turns term-count documents into L2-normalized TF-IDF vectors (sublinear tf 1+ln(tf),
// smoothed idf ln((1+N)/(1+df))+1 over the fit documents, as sklearn's TfidfVectorizer with
// sublinear_tf). Documents to transform that were not fitted (queries) use the fit's idf; a term
// never seen in the fit gets the idf of df 0.
type tfidf struct {
	df map[int32]int
	n  int
}

func fitTFIDF(docs []map[int32]int) *tfidf {
	t := &tfidf{df: map[int32]int{}, n: len(docs)}
	for _, d := range docs {
		for term := range d {
			t.df[term]++
		}
	}
	return t
}

func (t *tfidf) transform(d map[int32]int) sparse {
	v := sparse{}
	norm := 0.0
	for term, c := range d {
		if c <= 0 {
			continue
		}
		w := (1 + math.Log(float64(c))) * (math.Log(float64(1+t.n)/float64(1+t.df[term])) + 1)
		v[term] = w
		norm += w * w
	}
	return normalizeSparse(v, norm)
}

func normalizeSparse(v sparse, norm2 float64) sparse {
	if norm2 <= 0 {
		return v
	}
	n := math.Sqrt(norm2)
	for k := range v {
		v[k] /= n
	}
	return v
}

// dotSparse is the dot product (the cosine of unit vectors).
func dotSparse(a, b sparse) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	s := 0.0
	for k, x := range a {
		s += x * b[k]
	}
	return s
}

// unitDense returns v / |v| in float64 (nil for a nil or zero vector).
func unitDense(v []float32) []float64 {
	n := 0.0
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil
	}
	n = math.Sqrt(n)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / n
	}
	return out
}

// dotDense is the dot product of two vectors of the same length (0 when either is nil or the
// lengths differ: a user without a vector is similar to nobody).
func dotDense(a, b []float64) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
