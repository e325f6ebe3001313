package evalsegments

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/schema"
)

func updateOf(u *User, seg int) online.Update {
	cats := make([]schema.CategoryCount, 0, len(u.Categories))
	for c, n := range u.Categories {
		cats = append(cats, schema.CategoryCount{Category: c, Count: float64(n)})
	}
	return online.Update{Pseudonym: u.ID, Vector: u.Vector, Categories: cats, MeanRating: u.MeanRating, Segment: seg}
}

// driftRun streams users of the two largest categories (90%, plus 10% of the rest) and then of
// the next two, with a forgetting half-life of an eighth of a phase, and prints segment weights
// and labels at the end of each phase.
func driftRun(ctx context.Context, w io.Writer, client redis.UniversalClient, set *Set, k int) error {
	var users []*User
	for _, u := range set.Users {
		if u.Vector != nil {
			users = append(users, u)
		}
	}
	byCat := map[string][]*User{}
	for _, u := range users {
		byCat[u.Dominant] = append(byCat[u.Dominant], u)
	}
	var cats []string
	for c := range byCat {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if len(byCat[cats[i]]) != len(byCat[cats[j]]) {
			return len(byCat[cats[i]]) > len(byCat[cats[j]])
		}
		return cats[i] < cats[j]
	})
	if len(cats) < 4 {
		fmt.Fprintln(w, "SKIP drift run: fewer than 4 categories")
		return nil
	}
	rng := rand.New(rand.NewPCG(11, 11))
	phase := func(a, b string) []*User {
		var in, rest []*User
		for _, u := range users {
			if u.Dominant == a || u.Dominant == b {
				in = append(in, u)
			} else {
				rest = append(rest, u)
			}
		}
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		s := append(in, rest[:min(len(rest), len(in)/9)]...)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		return s
	}
	p1, p2 := phase(cats[0], cats[1]), phase(cats[2], cats[3])
	// Two passes over each phase's users, one simulated second per update.
	n1 := 2 * len(p1)
	halfLife := time.Duration(n1/8) * time.Second
	fmt.Fprintf(w, "\ndrift run: phase 1 = %s + %s (%d users), phase 2 = %s + %s (%d users), 90%%/10%% mix, 2 passes each, half-life %v of simulated time (1 update = 1 s)\n",
		cats[0], cats[1], len(p1), cats[2], cats[3], len(p2), halfLife)
	now := time.Unix(1_700_000_000, 0)
	for _, hl := range []time.Duration{halfLife, 0} {
		prefix := fmt.Sprintf("drift%d", hl/time.Second)
		rec := &recorder{seg: map[string]online.Assignment{}}
		m, err := online.New(client, rec, online.Options{K: k, Prefix: prefix, HalfLife: hl, WorkerID: "drift", Seed: 3,
			Now: func() time.Time { return now }})
		if err != nil {
			return err
		}
		feed := func(us []*User) error {
			for pass := 0; pass < 2; pass++ {
				for i, u := range us {
					now = now.Add(time.Second)
					if _, err := m.Observe(ctx, []online.Update{updateOf(u, rec.segment(u.ID))}); err != nil {
						return err
					}
					if i%100 == 99 {
						if err := m.Merge(ctx); err != nil {
							return err
						}
					}
				}
			}
			return m.Merge(ctx)
		}
		if err := feed(p1); err != nil {
			return err
		}
		before, err := m.Segments(ctx)
		if err != nil {
			return err
		}
		if err := feed(p2); err != nil {
			return err
		}
		after, err := m.Segments(ctx)
		if err != nil {
			return err
		}
		name := "with half-life " + hl.String()
		if hl == 0 {
			name = "without forgetting (for contrast)"
		}
		fmt.Fprintf(w, "drift, %s:\n", name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEG\tWEIGHT BEFORE\tLABEL BEFORE\tWEIGHT AFTER\tLABEL AFTER\tMEMBERS AFTER\t")
		for i := range before {
			fmt.Fprintf(tw, "%d\t%.1f\t%s\t%.1f\t%s\t%d\t\n", i, before[i].Weight, before[i].Label, after[i].Weight, after[i].Label, after[i].Size)
		}
		tw.Flush()
		share := func(segs []online.SegmentStats, a, b string) float64 {
			var in, all float64
			for _, s := range segs {
				all += s.Weight
				if strings.Contains(s.Label, a) || strings.Contains(s.Label, b) {
					in += s.Weight
				}
			}
			return in / all
		}
		tag := "halflife"
		if hl == 0 {
			tag = "noforget"
		}
		fmt.Fprintf(w, "weight share of segments labelled with the phase-2 categories: before %.2f, after %.2f\n",
			share(before, cats[2], cats[3]), share(after, cats[2], cats[3]))
		fmt.Fprintf(w, "FIGURE segments.drift.%s.phase2_share_after %.4f\n", tag, share(after, cats[2], cats[3]))
	}
	return nil
}
