package evalencoder

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// EnglishTerms splits lowercased text into runs of letters and digits (the English TF-IDF
// baseline's words).
func EnglishTerms(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// ChineseTerms makes every Han character a term of its own (the Chinese TF-IDF baseline
// works on characters, as Chinese has no spaces) and keeps runs of other letters and digits,
// lowercased, as words.
func ChineseTerms(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// TFIDF turns texts into L2-normalized TF-IDF rows: sublinear term frequency 1+ln(tf) and the
// smoothed inverse document frequency ln((1+n)/(1+df))+1 (scikit-learn's formula), fitted on
// the texts themselves. A text without terms becomes the zero row.
func TFIDF(texts []string, terms func(string) []string) Sparse {
	vocab := map[string]int{}
	var df []int
	docs := make([]map[int]int, len(texts))
	for i, t := range texts {
		tf := map[int]int{}
		for _, w := range terms(t) {
			id, ok := vocab[w]
			if !ok {
				id = len(vocab)
				vocab[w] = id
				df = append(df, 0)
			}
			if tf[id] == 0 {
				df[id]++
			}
			tf[id]++
		}
		docs[i] = tf
	}
	n := float64(len(texts))
	out := Sparse{Rows: make([]SparseRow, len(texts)), D: len(vocab)}
	for i, tf := range docs {
		idx := make([]int, 0, len(tf))
		for id := range tf {
			idx = append(idx, id)
		}
		sort.Ints(idx)
		val := make([]float64, len(idx))
		var norm float64
		for k, id := range idx {
			v := (1 + math.Log(float64(tf[id]))) * (math.Log((1+n)/(1+float64(df[id]))) + 1)
			val[k] = v
			norm += v * v
		}
		if norm > 0 {
			inv := 1 / math.Sqrt(norm)
			for k := range val {
				val[k] *= inv
			}
		}
		out.Rows[i] = SparseRow{Idx: idx, Val: val}
	}
	return out
}
