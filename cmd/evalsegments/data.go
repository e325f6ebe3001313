package main

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/profilestream/profilestream/internal/online"
)

// review is one review of the shared Amazon data.
type review struct {
	User     string  `json:"user_id"`
	Category string  `json:"category"`
	Rating   float64 `json:"rating"`
	Summary  string  `json:"summary"`
	Text     string  `json:"text"`
}

// user is one reviewer with everything the evaluation needs.
type user struct {
	ID         string
	Texts      []string
	Categories map[string]int
	Dominant   string // most frequent category (ties: alphabetical first)
	MeanRating float64
	Vector     []float32
}

// loadUsers reads the reviews of every file and groups them per user, in first-seen order.
func loadUsers(paths []string) ([]*user, error) {
	byID := map[string]*user{}
	var order []*user
	ratings := map[string][2]float64{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var r review
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			if r.User == "" {
				continue
			}
			u := byID[r.User]
			if u == nil {
				u = &user{ID: r.User, Categories: map[string]int{}}
				byID[r.User] = u
				order = append(order, u)
			}
			u.Texts = append(u.Texts, strings.TrimSpace(r.Summary+". "+r.Text))
			u.Categories[r.Category]++
			if r.Rating > 0 {
				rs := ratings[r.User]
				ratings[r.User] = [2]float64{rs[0] + r.Rating, rs[1] + 1}
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	for _, u := range order {
		best, bestN := "", -1
		for c, n := range u.Categories {
			if n > bestN || (n == bestN && c < best) {
				best, bestN = c, n
			}
		}
		u.Dominant = best
		if rs := ratings[u.ID]; rs[1] > 0 {
			u.MeanRating = rs[0] / rs[1]
		}
	}
	return order, nil
}

// The fallback vectorizer: TF-IDF over the most frequent terms, then a fixed sparse random
// projection to projDim dimensions (Achlioptas; preserves cosines up to ~1/sqrt(projDim)).
const (
	vocabSize = 4000
	projDim   = 384
	minDF     = 3
)

var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be but by for from has have he her his i if in into is it its
		me my not of on or our she so that the their them there they this to was we were what when which who will with
		you your all am been can did do does had just more no one out than then too up very would also about get got
		br quot s t don it's i'm i've`) {
		m[w] = true
	}
	return m
}()

func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
}

// tfidfVectors gives every user the normalized mean of its reviews' projected TF-IDF vectors.
func tfidfVectors(users []*user) {
	df := map[string]int{}
	nDocs := 0
	for _, u := range users {
		for _, t := range u.Texts {
			nDocs++
			seen := map[string]bool{}
			for _, w := range tokens(t) {
				if len(w) < 2 || stopwords[w] || seen[w] {
					continue
				}
				seen[w] = true
				df[w]++
			}
		}
	}
	type term struct {
		w  string
		df int
	}
	var terms []term
	for w, n := range df {
		if n >= minDF {
			terms = append(terms, term{w, n})
		}
	}
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].df != terms[j].df {
			return terms[i].df > terms[j].df
		}
		return terms[i].w < terms[j].w
	})
	if len(terms) > vocabSize {
		terms = terms[:vocabSize]
	}
	idx := map[string]int{}
	idf := make([]float64, len(terms))
	for i, t := range terms {
		idx[t.w] = i
		idf[i] = math.Log(float64(1+nDocs)/float64(1+t.df)) + 1
	}
	// Sparse random projection: each term maps to 8 coordinates with signs ±1.
	rng := rand.New(rand.NewPCG(2024, 11))
	const nnz = 8
	proj := make([][nnz]int32, len(terms))
	for i := range proj {
		for j := 0; j < nnz; j++ {
			c := int32(rng.IntN(projDim))
			if rng.IntN(2) == 0 {
				c = -c - 1
			}
			proj[i][j] = c
		}
	}
	for _, u := range users {
		mean := make([]float64, projDim)
		for _, t := range u.Texts {
			tf := map[int]float64{}
			for _, w := range tokens(t) {
				if i, ok := idx[w]; ok {
					tf[i]++
				}
			}
			v := make([]float64, projDim)
			var n float64
			for i, c := range tf {
				w := (1 + math.Log(c)) * idf[i]
				for _, p := range proj[i] {
					if p >= 0 {
						v[p] += w
					} else {
						v[-p-1] -= w
					}
				}
			}
			for _, x := range v {
				n += x * x
			}
			if n == 0 {
				continue
			}
			n = math.Sqrt(n)
			for j := range v {
				mean[j] += v[j] / n
			}
		}
		x := make([]float32, projDim)
		for j, m := range mean {
			x[j] = float32(m)
		}
		u.Vector = online.Normalize(x)
	}
}

// cacheKey names the vector cache: input files (name, size, mtime) and the vectorizer.
func cacheKey(paths []string, vectorizer string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "evalsegments-v1 %s %d %d %d\n", vectorizer, vocabSize, projDim, minDF)
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d %d\n", p, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func cachePath(key string) string {
	return filepath.Join(os.TempDir(), "profilestream-evalsegments-"+key+".f32")
}

// loadCache fills the users' vectors from the cache; ok is false when there is none.
func loadCache(path string, users []*user) (bool, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(b) < 8 {
		return false, nil
	}
	n := int(binary.LittleEndian.Uint32(b))
	dim := int(binary.LittleEndian.Uint32(b[4:]))
	if n != len(users) || len(b) != 8+4*n*dim {
		return false, nil
	}
	off := 8
	for _, u := range users {
		v := make([]float32, dim)
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
			off += 4
		}
		u.Vector = online.Normalize(v)
	}
	return true, nil
}

func writeCache(path string, users []*user) error {
	dim := 0
	for _, u := range users {
		dim = max(dim, len(u.Vector))
	}
	b := make([]byte, 8, 8+4*len(users)*dim)
	binary.LittleEndian.PutUint32(b, uint32(len(users)))
	binary.LittleEndian.PutUint32(b[4:], uint32(dim))
	zero := make([]float32, dim)
	for _, u := range users {
		if len(u.Vector) == dim {
			b = appendF32(b, u.Vector)
		} else { // no vector: zeros, read back as nil
			b = appendF32(b, zero)
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func appendF32(b []byte, v []float32) []byte {
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// writeRaw writes the vectors as n*dim little-endian float32 for the Python reference.
func writeRaw(w io.Writer, xs [][]float32) error {
	var b []byte
	for _, x := range xs {
		b = appendF32(b, x)
	}
	_, err := w.Write(b)
	return err
}
