package apps

import (
	"math"
	"time"

	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

// ChurnOptions parameterise the churn score. The zero value uses the defaults.
type ChurnOptions struct {
	// Horizon is the window the score is about: the risk that the user has no event in the
	// next Horizon. Default 7 days.
	Horizon time.Duration
	// Patience scales how long a silence beyond the user's typical gap is tolerated:
	// P(alive) = exp(-(recency - gap)/(Patience*gap)) once recency exceeds the typical gap.
	// Default 3. Lower flags silent users sooner.
	Patience float64
	// MinGap is the floor of the typical gap between visits. Default 24h: events come in
	// sessions, and the gap between clicks of one session says nothing about returning.
	MinGap time.Duration
	// ActionWeights are the writer's weights of the decayed activity "act", used to turn
	// activity into an event rate: the stored settings' (schema.Settings.ActionWeights, which
	// downstream passes); nil means schema.DefaultActionWeights (view 1, cart 2, fav 2, buy 4,
	// review 3), right only for profiles written with the defaults.
	ActionWeights map[string]float64
}

func (o ChurnOptions) withDefaults() ChurnOptions {
	if o.Horizon <= 0 {
		o.Horizon = 7 * 24 * time.Hour
	}
	if o.Patience <= 0 {
		o.Patience = 3
	}
	if o.MinGap <= 0 {
		o.MinGap = 24 * time.Hour
	}
	if o.ActionWeights == nil {
		o.ActionWeights = schema.DefaultActionWeights()
	}
	return o
}

// ChurnScore is ChurnOptions{}.Score: the churn risk in [0,1] of a profile at now, for profiles
// written with the default weights (readers of a deployment use ChurnOptions with the stored
// settings' weights, as downstream does).
func ChurnScore(p *reader.Profile, now time.Time) float64 { return ChurnOptions{}.Score(p, now) }

// Score returns the churn risk of a profile at now, in [0,1]: an estimate of the probability that
// the user has no event in the next Horizon (docs/applications.md derives it):
//
//	R      = now - last seen                     (recency)
//	age    = max(now - first seen, 1 day)
//	gap    = max((last - first)/(n - 1), MinGap) (typical gap between visits; age when n = 1)
//	rate   = act(now) * ln2 / (wbar * hl * (1 - 2^(-age/hl)))
//	         (events per unit time that would produce the decayed activity act(now) over age;
//	          n/age when the profile has no half-life: frequency and its trend in one number)
//	alive  = 1 if R <= gap, else exp(-(R - gap)/(Patience*gap))
//	score  = 1 - alive * (1 - exp(-rate * Horizon))
//
// where n is the event count, act(now) the decayed activity decayed to now, hl the profile's
// half-life and wbar the mean action weight of the user's events. A nil or empty profile scores 1.
// The score rises with recency, and falls with frequency and with recent (versus past) activity.
func (o ChurnOptions) Score(p *reader.Profile, now time.Time) float64 {
	o = o.withDefaults()
	if p == nil || p.Events <= 0 || p.LastSeen.IsZero() {
		return 1
	}
	day := 24 * time.Hour
	r := now.Sub(p.LastSeen)
	if r < 0 {
		r = 0
	}
	age := now.Sub(p.FirstSeen)
	if age < day {
		age = day
	}
	gap := age
	if p.Events > 1 {
		gap = p.LastSeen.Sub(p.FirstSeen) / time.Duration(p.Events-1)
	}
	if gap < o.MinGap {
		gap = o.MinGap
	}
	var wsum float64
	var n int64
	for k, c := range p.Kinds {
		w, ok := o.ActionWeights[k]
		if !ok {
			w = 1
		}
		wsum += w * float64(c)
		n += c
	}
	wbar := 1.0
	if n > 0 && wsum > 0 {
		wbar = wsum / float64(n)
	}
	ageD := age.Hours() / 24
	var rate float64 // per day
	if hl := p.HalfLife.Hours() / 24; hl > 0 && p.Activity > 0 {
		rate = p.ActivityAt(now) * math.Ln2 / (wbar * hl * (1 - math.Exp2(-ageD/hl)))
	} else {
		rate = float64(p.Events) / ageD
	}
	alive := 1.0
	if r > gap {
		alive = math.Exp(-float64(r-gap) / (o.Patience * float64(gap)))
	}
	s := 1 - alive*(1-math.Exp(-rate*o.Horizon.Hours()/24))
	return math.Min(1, math.Max(0, s))
}
