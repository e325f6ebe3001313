package downstream

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// SegmentPoint is a segment centroid on the 2-D map.
type SegmentPoint struct {
	ID    int     `json:"id"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Size  int64   `json:"size"`
	Label string  `json:"label"`
}

// UserPoint is a sampled user on the 2-D map.
type UserPoint struct {
	Pseudonym string  `json:"pseudonym"`
	Segment   int     `json:"segment"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
}

// Map is a 2-D picture of the segments: the centroids and a sample of users projected on the
// first two principal components of the centroids and the sample together.
type Map struct {
	CentroidVersion int64          `json:"centroid_version"`
	Segments        []SegmentPoint `json:"segments"`
	Users           []UserPoint    `json:"users"`
	// Explained is the fraction of the points' variance each axis carries.
	Explained [2]float64 `json:"explained"`
}

// Map samples up to perSegment members of every segment (SRANDMEMBER), reads their lifetime
// mean vectors and projects them and the centroids with PCA (power iteration, deterministic).
// Empty when the segment model is not initialized. Cost: k*perSegment profile reads and
// O((k + users) x dim) arithmetic per iteration.
func (s *Service) Map(ctx context.Context, perSegment int) (Map, error) {
	st, err := online.ReadSegments(ctx, s.rdb, s.opts.Prefix)
	if err != nil {
		return Map{}, fmt.Errorf("downstream: map: %w", err)
	}
	m := Map{Segments: []SegmentPoint{}, Users: []UserPoint{}}
	if len(st) == 0 {
		return m, nil
	}
	m.CentroidVersion = st[0].Version
	dim := len(st[0].Centroid)
	var pts [][]float32
	for _, x := range st {
		c := x.Centroid
		if len(c) != dim {
			c = make([]float32, dim)
		}
		pts = append(pts, c)
	}
	for _, x := range st {
		if perSegment <= 0 {
			break
		}
		key := schema.SegmentMembersKey(s.opts.Prefix, x.ID)
		sample, err := s.rdb.SRandMemberN(ctx, key, int64(perSegment)).Result()
		if err != nil {
			return Map{}, fmt.Errorf("downstream: map: sample segment %d: %w", x.ID, err)
		}
		for _, ps := range sample {
			p, err := s.rd.Profile(ctx, ps)
			if errors.Is(err, reader.ErrNotFound) {
				continue // erased or moved meanwhile
			}
			if err != nil {
				return Map{}, fmt.Errorf("downstream: map: %w", err)
			}
			v := p.UnitVector()
			if len(v) != dim {
				continue
			}
			pts = append(pts, v)
			m.Users = append(m.Users, UserPoint{Pseudonym: ps, Segment: p.Segment})
		}
	}
	xy, explained := pca2(pts)
	m.Explained = explained
	for i, x := range st {
		m.Segments = append(m.Segments, SegmentPoint{ID: x.ID, X: xy[i][0], Y: xy[i][1], Size: x.Size, Label: x.Label})
	}
	for i := range m.Users {
		m.Users[i].X, m.Users[i].Y = xy[len(st)+i][0], xy[len(st)+i][1]
	}
	return m, nil
}

// pca2 projects points on their first two principal components (centered), found by power
// iteration with deflation from a fixed start, and returns the coordinates and the fraction of
// the variance each component explains. The sign of each axis is fixed so that the first point
// has a non-negative coordinate.
func pca2(pts [][]float32) ([][2]float64, [2]float64) {
	out := make([][2]float64, len(pts))
	if len(pts) == 0 {
		return out, [2]float64{}
	}
	d := len(pts[0])
	mean := make([]float64, d)
	for _, p := range pts {
		for j, x := range p {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		mean[j] /= float64(len(pts))
	}
	X := make([][]float64, len(pts))
	var total float64
	for i, p := range pts {
		X[i] = make([]float64, d)
		for j, x := range p {
			X[i][j] = float64(x) - mean[j]
			total += X[i][j] * X[i][j]
		}
	}
	var comps [][]float64
	var explained [2]float64
	for c := 0; c < 2; c++ {
		v := make([]float64, d)
		for j := range v {
			v[j] = 1 + float64(j%7)/7 // fixed, generic start
		}
		var lambda float64
		for it := 0; it < 200; it++ {
			for _, u := range comps { // deflate: stay orthogonal to earlier components
				sub(v, u, dotf(v, u))
			}
			if !normalize(v) {
				break
			}
			w := make([]float64, d) // w = X^T X v
			for _, row := range X {
				a := dotf(row, v)
				for j := range w {
					w[j] += a * row[j]
				}
			}
			lambda = dotf(w, v)
			v = w
		}
		for _, u := range comps {
			sub(v, u, dotf(v, u))
		}
		if !normalize(v) {
			v = make([]float64, d) // no variance left: the axis is flat
		}
		if total > 0 {
			explained[c] = lambda / total
		}
		comps = append(comps, v)
	}
	for i, row := range X {
		for c := 0; c < 2; c++ {
			out[i][c] = dotf(row, comps[c])
		}
	}
	for c := 0; c < 2; c++ {
		if out[0][c] < 0 {
			for i := range out {
				out[i][c] = -out[i][c]
			}
		}
	}
	return out, explained
}

func dotf(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sub(v, u []float64, a float64) {
	for j := range v {
		v[j] -= a * u[j]
	}
}

func normalize(v []float64) bool {
	n := math.Sqrt(dotf(v, v))
	if n < 1e-12 {
		return false
	}
	for j := range v {
		v[j] /= n
	}
	return true
}
