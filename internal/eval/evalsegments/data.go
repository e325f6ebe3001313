package evalsegments

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/profilestream/profilestream/schema"
)

// review is one review of the shared Amazon data.
type review struct {
	User     string  `json:"user_id"`
	Category string  `json:"category"`
	Rating   float64 `json:"rating"`
	TS       int64   `json:"ts"`
	Summary  string  `json:"summary"`
	Text     string  `json:"text"`
}

// Event is one review in replay order: who wrote it, when, and its vector.
type Event struct {
	User     int // index into the set's users
	TS       int64
	Category string
	Rating   float64
	Text     string
	Vector   []float32 // the review's embedding (unit length), nil when it has no usable text
}

// User is one reviewer with everything the evaluation needs.
type User struct {
	ID         string
	Events     []int // indices into the set's events, in replay order
	Categories map[string]int
	Dominant   string // most frequent category (ties: alphabetical first)
	MeanRating float64
	// Vector is the final profile vector: the normalized mean of the user's review vectors
	// (what the worker's lifetime mean converges to), nil when no review had a vector.
	Vector []float32
}

// Set is one data set: users and their events, events sorted by time (ties: file order).
type Set struct {
	Name   string
	Users  []*User
	Events []Event
}

// LoadSet reads one reviews.jsonl.gz and groups the reviews per user, in first-seen order.
func LoadSet(name, path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	set := &Set{Name: name}
	byID := map[string]int{}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r review
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if r.User == "" {
			continue
		}
		ui, ok := byID[r.User]
		if !ok {
			ui = len(set.Users)
			byID[r.User] = ui
			set.Users = append(set.Users, &User{ID: r.User, Categories: map[string]int{}})
		}
		set.Events = append(set.Events, Event{User: ui, TS: r.TS, Category: r.Category, Rating: r.Rating,
			Text: strings.TrimSpace(r.Summary + ". " + r.Text)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sort.SliceStable(set.Events, func(i, j int) bool { return set.Events[i].TS < set.Events[j].TS })
	ratings := make([][2]float64, len(set.Users))
	for i, e := range set.Events {
		u := set.Users[e.User]
		u.Events = append(u.Events, i)
		u.Categories[e.Category]++
		if e.Rating > 0 {
			ratings[e.User][0] += e.Rating
			ratings[e.User][1]++
		}
	}
	for i, u := range set.Users {
		best, bestN := "", -1
		for c, n := range u.Categories {
			if n > bestN || (n == bestN && c < best) {
				best, bestN = c, n
			}
		}
		u.Dominant = best
		if ratings[i][1] > 0 {
			u.MeanRating = ratings[i][0] / ratings[i][1]
		}
	}
	return set, nil
}

// finishVectors sets every user's final vector from the event vectors.
func (s *Set) finishVectors() {
	for _, u := range s.Users {
		var mean []float32
		for _, ei := range u.Events {
			v := s.Events[ei].Vector
			if v == nil {
				continue
			}
			if mean == nil {
				mean = make([]float32, len(v))
			}
			for j, x := range v {
				mean[j] += x
			}
		}
		u.Vector = schema.Normalize(mean)
	}
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

// tfidfVectors gives every event its projected, normalized TF-IDF vector.
func tfidfVectors(set *Set) {
	df := map[string]int{}
	nDocs := 0
	for _, e := range set.Events {
		{
			t := e.Text
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
	for ei := range set.Events {
		{
			t := set.Events[ei].Text
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
			x := make([]float32, projDim)
			for j := range v {
				x[j] = float32(v[j] / n)
			}
			set.Events[ei].Vector = x
		}
	}
}

// cacheKey names the vector cache: input file (name, size, mtime) and the vectorizer.
func cacheKey(path string, vectorizer string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "evalsegments-v2-events %s %d %d %d\n", vectorizer, vocabSize, projDim, minDF)
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "%s %d %d\n", path, st.Size(), st.ModTime().UnixNano())
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func cachePath(key string) string {
	return filepath.Join(os.TempDir(), "profilestream-evalsegments-"+key+".f32")
}

// loadCache fills the events' vectors from the cache; ok is false when there is none.
func loadCache(path string, set *Set) (bool, error) {
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
	if n != len(set.Events) || len(b) != 8+4*n*dim {
		return false, nil
	}
	off := 8
	for i := range set.Events {
		v := make([]float32, dim)
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
			off += 4
		}
		set.Events[i].Vector = schema.Normalize(v)
	}
	return true, nil
}

func writeCache(path string, set *Set) error {
	dim := 0
	for _, e := range set.Events {
		dim = max(dim, len(e.Vector))
	}
	b := make([]byte, 8, 8+4*len(set.Events)*dim)
	binary.LittleEndian.PutUint32(b, uint32(len(set.Events)))
	binary.LittleEndian.PutUint32(b[4:], uint32(dim))
	zero := make([]float32, dim)
	for _, e := range set.Events {
		if len(e.Vector) == dim {
			b = appendF32(b, e.Vector)
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
