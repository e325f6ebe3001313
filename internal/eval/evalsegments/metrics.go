package evalsegments

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/profilestream/profilestream/internal/online"
)

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(v []float64, format string) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf(format, x))
	}
	return strings.Join(parts, " ")
}

// sse is sklearn's inertia of a partition: the squared Euclidean distance of every vector to the
// mean of its cluster. Labels may be any ints (-1 included).
func sse(xs [][]float32, labels []int) float64 {
	dim := len(xs[0])
	sums := map[int][]float64{}
	cnt := map[int]float64{}
	for i, x := range xs {
		s := sums[labels[i]]
		if s == nil {
			s = make([]float64, dim)
			sums[labels[i]] = s
		}
		for j, v := range x {
			s[j] += float64(v)
		}
		cnt[labels[i]]++
	}
	var t float64
	for i, x := range xs {
		l := labels[i]
		for j, v := range x {
			d := float64(v) - sums[l][j]/cnt[l]
			t += d * d
		}
	}
	return t
}

// NMI is the normalized mutual information with arithmetic-mean normalization (sklearn's
// default).
func NMI(a, b []int) float64 {
	n := float64(len(a))
	ca, cb := map[int]float64{}, map[int]float64{}
	joint := map[[2]int]float64{}
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		joint[[2]int{a[i], b[i]}]++
	}
	h := func(m map[int]float64) float64 {
		var s float64
		for _, c := range m {
			p := c / n
			s -= p * math.Log(p)
		}
		return s
	}
	var mi float64
	for key, c := range joint {
		mi += c / n * math.Log(c*n/(ca[key[0]]*cb[key[1]]))
	}
	ha, hb := h(ca), h(cb)
	if ha+hb == 0 {
		return 1
	}
	return mi / ((ha + hb) / 2)
}

// nearestLabels assigns every vector to its nearest centroid.
func nearestLabels(xs [][]float32, cents [][]float32) []int {
	c := online.NewClusterer(len(cents), len(cents[0]))
	for i, v := range cents {
		s := make([]float64, len(v))
		for j, x := range v {
			s[j] = float64(x)
		}
		c.SetSegment(i, s, 1)
	}
	return c.Labels(xs)
}
