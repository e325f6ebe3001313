package evalencoder

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestNMI(t *testing.T) {
	// Expected values from scikit-learn 1.2 normalized_mutual_info_score (arithmetic mean).
	for _, tc := range []struct {
		name string
		a, b []int
		want float64
	}{
		{"identical", []int{0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2}, 1},
		{"renamed", []int{0, 0, 1, 1, 2}, []int{5, 5, 3, 3, 9}, 1},
		{"independent", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0},
		{"one cluster vs many", []int{0, 1, 2, 3}, []int{0, 0, 0, 0}, 0},
		{"both single", []int{1, 1, 1}, []int{2, 2, 2}, 1},
		{"sklearn case 1", []int{0, 0, 0, 1, 1, 1, 2, 2}, []int{0, 0, 1, 1, 1, 2, 2, 2}, 0.5588730382170324},
		{"sklearn case 2", []int{0, 0, 0, 0, 1, 1, 2, 2, 2, 2}, []int{0, 0, 1, 1, 1, 1, 2, 2, 0, 0}, 0.47435098761403194},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NMI(tc.a, tc.b); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("NMI = %.15f, want %.15f", got, tc.want)
			}
		})
	}
}

// blobs makes k well-separated unit-norm clusters in dim dimensions.
func blobs(k, per, dim int, noise float64, seed uint64) (Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var x Dense
	var y []int
	for c := 0; c < k; c++ {
		for i := 0; i < per; i++ {
			v := make([]float32, dim)
			var n float64
			for j := range v {
				f := rng.NormFloat64() * noise
				if j == c {
					f += 1
				}
				v[j] = float32(f)
				n += f * f
			}
			for j := range v {
				v[j] /= float32(math.Sqrt(n))
			}
			x = append(x, v)
			y = append(y, c)
		}
	}
	return x, y
}

func toSparse(d Dense) Sparse {
	s := Sparse{D: d.Dim()}
	for _, row := range d {
		var r SparseRow
		for j, v := range row {
			if v != 0 {
				r.Idx = append(r.Idx, j)
				r.Val = append(r.Val, float64(v))
			}
		}
		s.Rows = append(s.Rows, r)
	}
	return s
}

func TestKMeans(t *testing.T) {
	for _, tc := range []struct {
		name   string
		noise  float64
		minNMI float64
		maxNMI float64
		k      int
		sparse bool
	}{
		{"separated dense", 0.05, 0.999, 1, 4, false},
		{"separated sparse", 0.05, 0.999, 1, 4, true},
		{"pure noise", 5, 0, 0.2, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := blobs(tc.k, 50, 8, tc.noise, 7)
			var v Vectors = x
			if tc.sparse {
				v = toSparse(x)
			}
			labels, inertia := KMeans(v, tc.k, 5, 100, 3)
			if len(labels) != len(y) || inertia < 0 {
				t.Fatalf("labels %d inertia %v", len(labels), inertia)
			}
			if nmi := NMI(y, labels); nmi < tc.minNMI || nmi > tc.maxNMI {
				t.Errorf("NMI %.4f not in [%v, %v]", nmi, tc.minNMI, tc.maxNMI)
			}
			again, _ := KMeans(v, tc.k, 5, 100, 3)
			if !reflect.DeepEqual(labels, again) {
				t.Error("same seed, different clustering")
			}
		})
	}
}

func TestKMeansSparseMatchesDense(t *testing.T) {
	x, _ := blobs(3, 30, 6, 0.4, 11)
	a, ia := KMeans(x, 3, 4, 100, 9)
	b, ib := KMeans(toSparse(x), 3, 4, 100, 9)
	if !reflect.DeepEqual(a, b) || math.Abs(ia-ib) > 1e-6 {
		t.Errorf("dense and sparse disagree: inertia %v vs %v", ia, ib)
	}
}

func TestKMeansEdgeCases(t *testing.T) {
	if l, _ := KMeans(Dense{}, 3, 2, 10, 1); l != nil {
		t.Errorf("empty input: %v", l)
	}
	x := Dense{{1, 0}, {1, 0}, {0, 1}}
	l, in := KMeans(x, 5, 2, 10, 1) // k > n is capped
	if len(l) != 3 || in != 0 {
		t.Errorf("k>n: labels %v inertia %v", l, in)
	}
}

func TestCentroidAccuracy(t *testing.T) {
	x := Dense{{1, 0}, {0.9, 0.1}, {0, 1}, {0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}}
	labels := []int{0, 0, 1, 1, 0, 1}
	for _, tc := range []struct {
		name   string
		labels []int
		want   float64
	}{
		{"separable", labels, 1},
		{"half the test labels swapped", []int{0, 0, 1, 1, 1, 0}, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit := []bool{true, false, true, false, false, false}
			if got := CentroidAccuracy(x, tc.labels, fit); got != tc.want {
				t.Errorf("got %v want %v", got, tc.want)
			}
		})
	}
	if got := TwoFoldCentroidAccuracy(x, labels, []int{0, 1, 0, 1, 0, 1}); got != 1 {
		t.Errorf("two-fold %v", got)
	}
}

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(string) []string
		in   string
		want []string
	}{
		{"english", EnglishTerms, "Great GUITAR-strings, 10/10!", []string{"great", "guitar", "strings", "10", "10"}},
		{"chinese", ChineseTerms, "手机很好, iPhone12 不错", []string{"手", "机", "很", "好", "iphone12", "不", "错"}},
		{"empty", ChineseTerms, "  ,。 ", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q want %q", got, tc.want)
			}
		})
	}
}

func TestTFIDF(t *testing.T) {
	s := TFIDF([]string{"good guitar good", "good drum", "", "rare"}, EnglishTerms)
	if s.Len() != 4 || s.Dim() != 4 {
		t.Fatalf("len %d dim %d", s.Len(), s.Dim())
	}
	for i := range s.Rows {
		n := s.SqNorm(i)
		if want := map[bool]float64{true: 0, false: 1}[i == 2]; math.Abs(n-want) > 1e-12 {
			t.Errorf("row %d squared norm %v", i, n)
		}
	}
	// "good" is in 2 of 4 texts, "guitar" in 1: guitar must weigh more per occurrence, but
	// good occurs twice (sublinear tf 1+ln 2).
	r := s.Rows[0]
	g := (1 + math.Log(2)) * (math.Log(5.0/3) + 1)
	q := math.Log(5.0/2) + 1
	if math.Abs(r.Val[0]/r.Val[1]-g/q) > 1e-12 {
		t.Errorf("weights %v, want ratio %v", r.Val, g/q)
	}
}

func TestHeldOutRuleMatchesTrainer(t *testing.T) {
	// Values printed by tools/train_default/train.py's rule in Python.
	users := map[string]bool{"A3ADFUS74MLPMA": false, "A3RLQAFKEU4GX3": true, "AFAIJYOUO3NAWLBDIKTQSC3DASWA": true, "x": false, "z": false}
	for u, want := range users {
		if got := HeldOutUser(u); got != want {
			t.Errorf("HeldOutUser(%q) = %v", u, got)
		}
	}
	rows := []int{3, 7, 8, 9}
	kept := []int{0, 1, 2, 4, 5, 6, 10, 11}
	for _, i := range rows {
		if !HeldOutZhRow(i) {
			t.Errorf("row %d should be held out", i)
		}
	}
	for _, i := range kept {
		if HeldOutZhRow(i) {
			t.Errorf("row %d should be in training", i)
		}
	}
}

func TestSample(t *testing.T) {
	var ex []Example
	for i := 0; i < 100; i++ {
		ex = append(ex, Example{Text: "a", Category: "big"})
	}
	for i := 0; i < 5; i++ {
		ex = append(ex, Example{Text: "b", Category: "small"})
	}
	for i := 0; i < 30; i++ {
		ex = append(ex, Example{Text: "c", Category: "mid"})
	}
	s, labels, cats, fold := Sample(ex, 60, 1)
	if len(s) != 60 || len(labels) != 60 || len(fold) != 60 {
		t.Fatalf("sizes %d %d %d", len(s), len(labels), len(fold))
	}
	if !reflect.DeepEqual(cats, []string{"big", "mid", "small"}) {
		t.Errorf("cats %v", cats)
	}
	count := map[string]int{}
	for i, e := range s {
		count[e.Category]++
		if cats[labels[i]] != e.Category {
			t.Errorf("label mismatch at %d", i)
		}
	}
	if count["small"] != 5 || count["mid"] != 27 && count["mid"] != 28 || count["big"]+count["mid"] != 55 {
		t.Errorf("counts %v", count)
	}
	all, _, _, _ := Sample(ex, 1000, 1)
	if len(all) != len(ex) {
		t.Errorf("n above size: %d", len(all))
	}
}
