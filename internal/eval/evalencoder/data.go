package evalencoder

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Example is one held-out text with its category.
type Example struct {
	Text     string
	Category string
}

// heldOut applies the seeded split rule that tools/train_default/train.py uses: the first 8
// bytes of sha256(key) as a big-endian integer, modulo 5, equal to 0 (20%).
func heldOut(key string) bool {
	h := sha256.Sum256([]byte(key))
	return binary.BigEndian.Uint64(h[:8])%5 == 0
}

// HeldOutUser reports whether an Amazon user's reviews were kept out of training.
func HeldOutUser(userID string) bool { return heldOut("profilestream-heldout-user:" + userID) }

// HeldOutZhRow reports whether the Chinese data row i (0-based, header excluded) was kept out
// of training.
func HeldOutZhRow(i int) bool { return heldOut(fmt.Sprintf("profilestream-heldout-zh-row:%d", i)) }

var brTag = regexp.MustCompile(`(?i)<br\s*/?>`)

// cleanEN is the training script's cleaning: <br> tags to spaces, HTML entities decoded.
func cleanEN(s string) string {
	return strings.TrimSpace(html.UnescapeString(brTag.ReplaceAllString(s, " ")))
}

// joinText builds the text the pipeline encodes for a review (event.EncoderText): summary
// and body joined by ". ", empty parts left out.
func joinText(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ". ")
}

func openGz(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	z, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gzip %s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, nil
}

// LoadEnglish reads the held-out users' reviews of amazon-reviews-5core (7 categories).
func LoadEnglish(dataDir string) ([]Example, error) {
	path := filepath.Join(dataDir, "amazon-reviews-5core", "reviews.jsonl.gz")
	r, err := openGz(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []Example
	dec := json.NewDecoder(r)
	for {
		var rec struct {
			UserID   string `json:"user_id"`
			Category string `json:"category"`
			Summary  string `json:"summary"`
			Text     string `json:"text"`
		}
		if err := dec.Decode(&rec); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if !HeldOutUser(rec.UserID) {
			continue
		}
		t := joinText(cleanEN(rec.Summary), cleanEN(rec.Text))
		if t == "" {
			continue
		}
		out = append(out, Example{Text: t, Category: rec.Category})
	}
	return out, nil
}

// LoadChinese reads the held-out rows of online-shopping-10-cats (10 categories). It also
// returns the number of data rows read, to check that row numbering matches the trainer's.
func LoadChinese(dataDir string) ([]Example, int, error) {
	path := filepath.Join(dataDir, "online-shopping-10-cats", "online_shopping_10_cats.csv.gz")
	r, err := openGz(path)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	if _, err := cr.Read(); err != nil {
		return nil, 0, fmt.Errorf("read %s header: %w", path, err)
	}
	var out []Example
	i := 0
	for ; ; i++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, i, fmt.Errorf("read %s row %d: %w", path, i, err)
		}
		if len(row) < 3 || !HeldOutZhRow(i) {
			continue
		}
		t := strings.TrimSpace(row[2])
		if t == "" {
			continue
		}
		out = append(out, Example{Text: t, Category: row[0]})
	}
	return out, i, nil
}

// Sample draws at most n examples, as balanced over categories as the data allows: every
// category gets an equal quota, and quota a small category cannot fill goes to the others.
// It returns the examples, their integer labels (categories in sorted order), the category
// names, and a stratified two-fold split (alternating within each category).
func Sample(ex []Example, n int, seed uint64) ([]Example, []int, []string, []int) {
	by := map[string][]Example{}
	for _, e := range ex {
		by[e.Category] = append(by[e.Category], e)
	}
	cats := make([]string, 0, len(by))
	for c := range by {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	rng := rand.New(rand.NewPCG(seed, 0x73616d706c65))
	for _, c := range cats {
		s := by[c]
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	}
	// water-filling quota
	take := map[string]int{}
	left := n
	open := append([]string(nil), cats...)
	for left > 0 && len(open) > 0 {
		q := max(left/len(open), 1)
		var still []string
		for _, c := range open {
			k := min(q, len(by[c])-take[c], left)
			take[c] += k
			left -= k
			if take[c] < len(by[c]) {
				still = append(still, c)
			}
			if left == 0 {
				break
			}
		}
		open = still
	}
	var out []Example
	var labels, fold []int
	for li, c := range cats {
		for k, e := range by[c][:take[c]] {
			out = append(out, e)
			labels = append(labels, li)
			fold = append(fold, k%2)
		}
	}
	return out, labels, cats, fold
}
