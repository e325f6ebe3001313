package schema

import (
	"math"
	"time"
)

// MeanRating returns the mean review rating, 0 when the user rated nothing.
func (p *Profile) MeanRating() float64 {
	if p.RatingCount == 0 {
		return 0
	}
	return p.RatingSum / float64(p.RatingCount)
}

// DecayFactorBetween returns 2^(-(to-from)/halfLife): how much a decayed quantity fades from
// from to to (1 when to is not later or halfLife is not positive).
func DecayFactorBetween(from, to time.Time, halfLife time.Duration) float64 {
	d := to.Sub(from)
	if d <= 0 || halfLife <= 0 {
		return 1
	}
	return math.Exp2(-float64(d) / float64(halfLife))
}

// DecayFactor returns 2^(-(now-DecayedAt)/HalfLife): how much the decayed quantities have faded
// between the user's newest event and now (1 when now is not later).
func (p *Profile) DecayFactor(now time.Time) float64 {
	return DecayFactorBetween(p.DecayedAt, now, p.HalfLife)
}

// DecayedWeightAt returns the decayed text weight at now.
func (p *Profile) DecayedWeightAt(now time.Time) float64 { return p.DecayedWeight * p.DecayFactor(now) }

// ActivityAt returns the decayed activity (action-weighted event count) at now: a recency-weighted
// frequency for churn scoring.
func (p *Profile) ActivityAt(now time.Time) float64 { return p.Activity * p.DecayFactor(now) }

// DecayedVector returns the time-decayed weighted sum of the user's embeddings at now,
// sum(w_i 2^(-(now-t_i)/HalfLife) x_i): its direction is the decayed mean, its length fades while
// the user is inactive. Nil when the user has no text.
func (p *Profile) DecayedVector(now time.Time) []float32 {
	if p.DecayedMean == nil {
		return nil
	}
	w := p.DecayedWeightAt(now)
	out := make([]float32, len(p.DecayedMean))
	for i, x := range p.DecayedMean {
		out[i] = float32(float64(x) * w)
	}
	return out
}

// UnitVector returns the L2-normalized lifetime mean (nil without text).
func (p *Profile) UnitVector() []float32 { return Normalize(p.Vector) }

// TopCategories returns the n categories with the highest decayed counts at now (all kept ones
// when n <= 0), highest first.
func (p *Profile) TopCategories(now time.Time, n int) []CategoryCount {
	f := p.DecayFactor(now)
	if n <= 0 || n > len(p.Categories) {
		n = len(p.Categories)
	}
	out := make([]CategoryCount, n)
	for i := range out {
		out[i] = CategoryCount{p.Categories[i].Category, p.Categories[i].Count * f}
	}
	return out
}

// Recency returns the time since the user's newest event.
func (p *Profile) Recency(now time.Time) time.Duration { return now.Sub(p.LastSeen) }

// Frequency returns the user's events per day between the first event and now (at least one day).
func (p *Profile) Frequency(now time.Time) float64 {
	days := now.Sub(p.FirstSeen).Hours() / 24
	if days < 1 {
		days = 1
	}
	return float64(p.Events) / days
}
