package evalprofiles

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/profilestream/profilestream/internal/replay"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestOwnerRanks(t *testing.T) {
	tests := []struct {
		name  string
		sims  [][]float64
		owner []int
		want  []int
	}{
		{"owner first", [][]float64{{0.9, 0.1, 0.2}}, []int{0}, []int{1}},
		{"owner third", [][]float64{{0.1, 0.5, 0.3}}, []int{0}, []int{3}},
		{"ties count against the owner", [][]float64{{0.5, 0.5, 0.5}}, []int{1}, []int{3}},
		{"no owner profile", [][]float64{{0.5, 0.2}}, []int{-1}, []int{3}},
		{"two queries", [][]float64{{0.2, 0.8}, {0.2, 0.8}}, []int{0, 1}, []int{2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewSimMatrix(len(tc.sims), len(tc.sims[0]), func(i, j int) float64 { return tc.sims[i][j] })
			if got := OwnerRanks(m, tc.owner); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ranks %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTopOneAndMRR(t *testing.T) {
	tests := []struct {
		ranks     []int
		top1, mrr float64
	}{
		{[]int{1, 2, 4, 1}, 0.5, (1 + 0.5 + 0.25 + 1) / 4},
		{[]int{3}, 0, 1.0 / 3},
		{nil, 0, 0},
	}
	for _, tc := range tests {
		if got := TopOne(tc.ranks); !near(got, tc.top1) {
			t.Errorf("TopOne(%v) = %v, want %v", tc.ranks, got, tc.top1)
		}
		if got := MRR(tc.ranks); !near(got, tc.mrr) {
			t.Errorf("MRR(%v) = %v, want %v", tc.ranks, got, tc.mrr)
		}
	}
}

func TestBootstrapMRR(t *testing.T) {
	// constant reciprocal ranks: the interval collapses onto the MRR
	lo, hi := BootstrapMRR([]int{2, 2, 2, 2}, 200, 0.95, 1)
	if !near(lo, 0.5) || !near(hi, 0.5) {
		t.Fatalf("constant: [%v, %v], want [0.5, 0.5]", lo, hi)
	}
	// half hits, half misses at rank 1000: MRR ~0.5, the interval holds it, its width is about
	// 2 * 1.96 * sqrt(0.25/n)
	ranks := make([]int, 400)
	for i := range ranks {
		ranks[i] = 1
		if i%2 == 1 {
			ranks[i] = 1000
		}
	}
	m := MRR(ranks)
	lo, hi = BootstrapMRR(ranks, 2000, 0.95, 7)
	want := 2 * 1.96 * math.Sqrt(0.25/400)
	if lo >= m || hi <= m || math.Abs((hi-lo)-want) > 0.25*want {
		t.Fatalf("MRR %.4f, interval [%.4f, %.4f] (width %.4f, want about %.4f)", m, lo, hi, hi-lo, want)
	}
	// deterministic for a seed
	lo2, hi2 := BootstrapMRR(ranks, 2000, 0.95, 7)
	if lo2 != lo || hi2 != hi {
		t.Fatal("same seed, different interval")
	}
}

func TestBootstrapMRRDiff(t *testing.T) {
	// a always one rank better than b on the same queries: the paired interval excludes 0
	var a, b []int
	for i := range 300 {
		r := 1 + i%5
		a, b = append(a, r), append(b, r+1)
	}
	lo, hi := BootstrapMRRDiff(a, b, 1000, 0.95, 3)
	d := MRR(a) - MRR(b)
	if lo <= 0 || lo > d || hi < d {
		t.Fatalf("difference %.4f, interval [%.4f, %.4f]", d, lo, hi)
	}
	if lo, hi := BootstrapMRRDiff(a, a, 100, 0.95, 3); lo != 0 || hi != 0 {
		t.Fatalf("a - a: [%v, %v]", lo, hi)
	}
}

func TestNeighbourPrecision(t *testing.T) {
	// two groups {0,1,2} and {3,4}: within-group similarity 0.9, across 0.1, except user 2 whose
	// nearest neighbour is user 3.
	label := []string{"a", "a", "a", "b", "b"}
	s := func(i, j int) float64 {
		if i == j {
			return 1
		}
		if (i == 2 && j == 3) || (i == 3 && j == 2) {
			return 0.95
		}
		if label[i] == label[j] {
			return 0.9
		}
		return 0.1
	}
	m := NewSimMatrix(5, 5, s)
	// P@1: users 0,1 -> a (hit); 2 -> 3 (miss); 3 -> 2 (miss); 4 -> 3 (hit)
	if got := NeighbourPrecision(m, label, 1); !near(got, 3.0/5) {
		t.Fatalf("P@1 = %v, want 0.6", got)
	}
	// P@2: 0: {1,2} 2/2; 1: {0,2} 2/2; 2: {3, 0} 1/2; 3: {2, 4} 1/2; 4: {3, then 0 (ties by index)} 1/2
	if got := NeighbourPrecision(m, label, 2); !near(got, (1+1+0.5+0.5+0.5)/5) {
		t.Fatalf("P@2 = %v, want 0.7", got)
	}
	// an unlabelled user is not a query
	if got := NeighbourPrecision(m, []string{"a", "a", "", "b", "b"}, 1); !near(got, (1+1+0+1)/4.0) {
		t.Fatalf("P@1 without user 2's label = %v", got)
	}
}

func TestNMI(t *testing.T) {
	tests := []struct {
		name string
		a    []int
		b    []string
		want float64
	}{
		{"identical up to renaming", []int{0, 0, 1, 1, 2, 2}, []string{"x", "x", "y", "y", "z", "z"}, 1},
		{"independent", []int{0, 0, 1, 1}, []string{"x", "y", "x", "y"}, 0},
		{"one constant", []int{0, 0, 0, 0}, []string{"x", "y", "x", "y"}, 0},
		// a = {0,0,1,1}, b = {x,x,x,y}: H(a) = ln 2, H(b) = -(3/4 ln 3/4 + 1/4 ln 1/4),
		// I = H(b) - H(b|a) = H(b) - 1/2 ln 2
		{"partial", []int{0, 0, 1, 1}, []string{"x", "x", "x", "y"},
			func() float64 {
				ha := math.Ln2
				hb := -(0.75*math.Log(0.75) + 0.25*math.Log(0.25))
				return (hb - 0.5*math.Ln2) / ((ha + hb) / 2)
			}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NMI(tc.a, tc.b); !near(got, tc.want) {
				t.Fatalf("NMI = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestKernelKMeansRecoversClusters(t *testing.T) {
	// three well separated directions in 3-d, four noisy points each
	var vecs [][]float64
	var truth []int
	for c := range 3 {
		for k := range 4 {
			v := []float32{0.05 * float32(k%2), 0.05 * float32(k/2), 0.03}
			v[c] = 1
			vecs = append(vecs, unitDense(v))
			truth = append(truth, c)
		}
	}
	m := NewSimMatrix(len(vecs), len(vecs), func(i, j int) float64 { return dotDense(vecs[i], vecs[j]) })
	got := KernelKMeans(m, 3, 3, 1)
	if nmi := NMI(got, truth); !near(nmi, 1) {
		t.Fatalf("labels %v against %v: NMI %v", got, truth, nmi)
	}
}

func TestSplitOf(t *testing.T) {
	// close to half/half on ids that differ only at the end (the Chinese pseudo-user ids), and
	// in both halves within each category
	for _, cat := range []string{"书籍", "平板"} {
		dev := 0
		for i := range 2000 {
			if SplitOf(fmt.Sprintf("zh-%s-%d", cat, i)) == SplitDev {
				dev++
			}
		}
		if dev < 900 || dev > 1100 {
			t.Fatalf("%s: %d of 2000 in DEV", cat, dev)
		}
	}
	// pinned: the rule must not change silently (DEV is what may be tuned on, TEST never); it is
	// internal/eval/simtune's: dev(user) there is SplitOf(user) == SplitDev here
	for id, want := range map[string]Split{"A3ADFUS74MLPMA": SplitTest, "1": SplitTest, "2": SplitDev,
		"zh-书籍-0": SplitDev, "AGQFGXUGFSZHNRQGP7J24RVSLZSA": SplitTest} {
		if got := SplitOf(id); got != want {
			t.Errorf("SplitOf(%q) = %s, want %s", id, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Great CD, a must-have!", []string{"great", "cd", "must", "have"}},
		{"做父母", []string{"做父", "父母"}},
		{"好 book", []string{"好", "book"}},
	}
	for _, tc := range tests {
		if got := Tokens(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTFIDF(t *testing.T) {
	// a term in every document weighs less than a term in one
	docs := []map[int32]int{{0: 1, 1: 1}, {0: 1, 2: 1}, {0: 1, 3: 1}}
	tf := fitTFIDF(docs)
	v := tf.transform(docs[0])
	if !(v[1] > v[0]) || !near(dotSparse(v, v), 1) {
		t.Fatalf("%v", v)
	}
	if got := dotSparse(tf.transform(docs[0]), tf.transform(docs[1])); got <= 0 || got >= 1 {
		t.Fatalf("cosine of documents sharing a common term: %v", got)
	}
}

func TestWithUserDrops(t *testing.T) {
	r := replay.Record{UserID: "zh-书籍-1", Value: []byte(`{"user_id":"zh-书籍-1","item_id":"zh-书籍","category":"书籍","text":"好书"}`)}
	got, err := withUser(r, "evalq-zh-书籍-1", "category", "item_id")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got.Value, &m); err != nil {
		t.Fatal(err)
	}
	if got.UserID != "evalq-zh-书籍-1" || m["user_id"] != "evalq-zh-书籍-1" || m["text"] != "好书" || m["category"] != nil || m["item_id"] != nil {
		t.Fatalf("%s as %q", got.Value, got.UserID)
	}
}
