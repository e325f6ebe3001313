package downstream

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/reader"
)

// WriteProfile writes one profile for people (`streamer profile get`, the demo's examples):
// counts, then the interests (reader.Interests: top terms by TF-IDF, categories, items, recent
// interactions, with their weights), segment and vector. Activity is decayed as of now.
func WriteProfile(w io.Writer, p *reader.Profile, in reader.Interests, now time.Time) {
	fmt.Fprintf(w, "profile %s  (schema %d, key %s, model %s, %d dims)\n", p.Pseudonym, p.Schema, p.KeyID, p.ModelID, p.Dim)
	var kinds []string
	for _, k := range []string{"view", "cart", "fav", "buy", "review"} {
		if n := p.Kinds[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Fprintf(w, "  events      %d (%s)\n", p.Events, strings.Join(kinds, ", "))
	fmt.Fprintf(w, "  seen        %s .. %s\n", p.FirstSeen.UTC().Format("2006-01-02 15:04"), p.LastSeen.UTC().Format("2006-01-02 15:04"))
	if p.RatingCount > 0 {
		fmt.Fprintf(w, "  rating      %.2f mean of %d\n", p.MeanRating(), p.RatingCount)
	}
	fmt.Fprintf(w, "  interests   (weights decayed to %s)\n%s", in.At.UTC().Format("2006-01-02 15:04"), in)
	if p.Segment >= 0 {
		fmt.Fprintf(w, "  segment     %d (cosine distance %.3f, centroid version %d)\n", p.Segment, p.SegmentDistance, p.CentroidVersion)
	} else {
		fmt.Fprintf(w, "  segment     unassigned (the segment model is not initialized yet, or the user has no text)\n")
	}
	if v := p.UnitVector(); v != nil {
		fmt.Fprintf(w, "  vector      [%s ...] lifetime mean, %d dims, weight %.1f\n", floats(v, 4), len(v), p.VectorWeight)
	} else {
		fmt.Fprintf(w, "  vector      none yet (no event with text)\n")
	}
	fmt.Fprintf(w, "  activity    %.2f now (decayed, half-life %s)\n", p.ActivityAt(now), p.HalfLife)
}

func floats(v []float32, n int) string {
	var s []string
	for _, x := range v[:min(n, len(v))] {
		s = append(s, fmt.Sprintf("%+.3f", x))
	}
	return strings.Join(s, " ")
}

// WriteSegments writes the segments as the workers keep them in Redis, as a table.
func WriteSegments(ctx context.Context, w io.Writer, rdb redis.UniversalClient, prefix string) error {
	segs, err := online.ReadSegments(ctx, rdb, prefix)
	if err != nil {
		return err
	}
	if len(segs) == 0 {
		fmt.Fprintln(w, "no segments yet: the model initializes once enough users with text exist")
		return nil
	}
	fmt.Fprintln(w)
	return online.FormatSegments(w, segs)
}

// WriteExampleProfiles counts the profiles and writes three examples: the most active users of
// three different segments (or of fewer, when there are fewer). It returns the count.
func WriteExampleProfiles(ctx context.Context, w io.Writer, r *reader.Reader) (int, error) {
	type cand struct {
		ps     string
		events int64
		seg    int
	}
	var all []cand
	if err := r.Scan(ctx, func(p *reader.Profile) error {
		all = append(all, cand{p.Pseudonym, p.Events, p.Segment})
		return nil
	}); err != nil {
		return 0, err
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].events != all[j].events {
			return all[i].events > all[j].events
		}
		return all[i].ps < all[j].ps
	})
	fmt.Fprintf(w, "profiles: %d\n\nThree example profiles (most active users of different segments):\n", len(all))
	seen := map[int]bool{}
	shown := 0
	for _, c := range all {
		if shown == 3 {
			break
		}
		if seen[c.seg] && len(seen) < 3 {
			continue
		}
		seen[c.seg] = true
		p, err := r.Profile(ctx, c.ps)
		if err != nil {
			return 0, err
		}
		in, err := r.Interests(ctx, p, p.LastSeen, 5)
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(w)
		WriteProfile(w, p, in, p.LastSeen)
		shown++
	}
	return len(all), nil
}
