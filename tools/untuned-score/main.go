// Command untuned-score scores the scrubber, black-box, on the blind held-out set
// internal/pii/testdata/untuned.jsonl (issue 26, step 3). It calls only
// pii.NewScrubber().Scrub.
//
// A positive span is caught when its text no longer appears verbatim in the output and at least
// 70% of its letters and digits were removed: the input and output are aligned rune by rune
// (longest common subsequence) and a span rune kept by the alignment counts as surviving.
// The type the scrubber gave does not matter. A negative case is changed when output != input.
//
//	go run ./tools/untuned-score [-set internal/pii/testdata/untuned.jsonl] [-v]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/profilestream/profilestream/internal/pii"
)

type span struct {
	Type       string `json:"type"`
	Start, End int
	Text       string `json:"text"`
}

type tcase struct {
	ID    string `json:"id"`
	Lang  string `json:"lang"`
	Text  string `json:"text"`
	Spans []span `json:"spans"`
}

// kept reports, for each byte of in, whether the rune there survives in out under a longest
// common subsequence alignment of the two rune sequences.
func kept(in, out string) []bool {
	a, b := []rune(in), []rune(out)
	dp := make([][]int32, len(a)+1)
	for i := range dp {
		dp[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	keepRune := make([]bool, len(a))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			keepRune[i] = true
			i, j = i+1, j+1
		case dp[i+1][j] >= dp[i][j+1]:
			i++
		default:
			j++
		}
	}
	res := make([]bool, len(in))
	r := 0
	for off := 0; off < len(in); r++ {
		_, w := utf8.DecodeRuneInString(in[off:])
		for k := 0; k < w; k++ {
			res[off+k] = keepRune[r]
		}
		off += w
	}
	return res
}

func caught(in, out string, s span, keep []bool) bool {
	if strings.Contains(out, s.Text) {
		return false
	}
	alnum, survived := 0, 0
	for off, r := range s.Text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum++
			if keep[s.Start+off] {
				survived++
			}
		}
	}
	return alnum == 0 || float64(alnum-survived) >= 0.7*float64(alnum)
}

func main() {
	set := flag.String("set", "internal/pii/testdata/untuned.jsonl", "labelled cases (JSON lines)")
	verbose := flag.Bool("v", false, "list the ids of missed spans and changed negatives on stderr")
	flag.Parse()
	f, err := os.Open(*set)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	sc := pii.NewScrubber()
	type tally struct{ pos, hit int }
	per := map[string]*tally{}
	get := func(k string) *tally {
		if per[k] == nil {
			per[k] = &tally{}
		}
		return per[k]
	}
	neg, negChanged := map[string]int{}, map[string]int{}
	rd := bufio.NewScanner(f)
	rd.Buffer(make([]byte, 1<<20), 1<<20)
	for rd.Scan() {
		var c tcase
		if err := json.Unmarshal(rd.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out, _ := sc.Scrub(c.Text)
		if len(c.Spans) == 0 {
			neg[c.Lang]++
			if out != c.Text {
				negChanged[c.Lang]++
				if *verbose {
					fmt.Fprintln(os.Stderr, "changed negative", c.ID)
				}
			}
			continue
		}
		keep := kept(c.Text, out)
		for _, s := range c.Spans {
			if c.Text[s.Start:s.End] != s.Text {
				fmt.Fprintln(os.Stderr, "bad offsets in", c.ID)
				os.Exit(1)
			}
			ok := caught(c.Text, out, s, keep)
			for _, k := range []string{"all", s.Type, s.Type + "." + c.Lang, "all." + c.Lang} {
				t := get(k)
				t.pos++
				if ok {
					t.hit++
				}
			}
			if !ok && *verbose {
				fmt.Fprintln(os.Stderr, "missed", c.ID, s.Type)
			}
		}
	}
	if err := rd.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := per[k]
		fmt.Printf("%-18s %3d/%3d\n", k, t.hit, t.pos)
		fmt.Printf("FIGURE scrub.untuned.%s.recall %.4f\n", strings.ToLower(k), float64(t.hit)/float64(t.pos))
	}
	n, ch := 0, 0
	for l, v := range neg {
		n += v
		ch += negChanged[l]
		fmt.Printf("negatives.%s changed %d/%d\n", l, negChanged[l], v)
	}
	fmt.Printf("FIGURE scrub.untuned.negatives_changed %d\nFIGURE scrub.untuned.negatives %d\n", ch, n)
}
