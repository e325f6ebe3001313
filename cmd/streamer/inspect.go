package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/worker"
	"github.com/profilestream/profilestream/reader"
)

func cmdProfile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "get" {
		if len(args) > 0 && isHelp(args[0]) {
			// `streamer profile --help`: the help of the only subcommand, no error.
			return cmdProfile(ctx, []string{"get", "--help"}, stdout, stderr)
		}
		fmt.Fprintln(stderr, "usage: streamer profile get [flags] USER_ID")
		return errors.New("unknown profile subcommand (want: get)")
	}
	c := cli.NewCommand("profile get", "streamer profile get [flags] USER_ID", "Print one user's profile.", `
USER_ID is the shop's raw user id: it is pseudonymized with the shared key ring (trying every key,
so a profile not yet moved after a key rotation is found too) and never sent to Redis. With
--pseudonym the argument is a pseudonym instead and no key is needed. The output is readable text,
or the profile as JSON with --json (schema in docs/schema.md).`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	kf := addKeyFlags(c)
	asJSON := c.Bool("json", false, "print JSON")
	byPseudonym := c.Bool("pseudonym", false, "the argument is a pseudonym, not a raw user id")
	if err := c.Parse(args[1:]); err != nil {
		return err
	}
	if c.NArg() != 1 {
		c.PrintHelp(stderr)
		return errors.New("want exactly one USER_ID")
	}
	rdb, err := rf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	opts := reader.Options{Prefix: rf.prefix}
	if !*byPseudonym {
		ring, err := kf.ring()
		if err != nil {
			return err
		}
		pz, err := kf.pseudonymizer(ring)
		if err != nil {
			return err
		}
		opts.Pseudonymize = pz.Candidates
	}
	r, err := reader.New(rdb, opts)
	if err != nil {
		return err
	}
	var p *reader.Profile
	if *byPseudonym {
		p, err = r.Profile(ctx, c.Arg(0))
	} else {
		p, err = r.ProfileByUserID(ctx, c.Arg(0))
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	printProfile(stdout, p, time.Now())
	return nil
}

// printProfile writes a profile for people.
func printProfile(w io.Writer, p *reader.Profile, now time.Time) {
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
	var cats []string
	for _, c := range p.TopCategories(p.LastSeen, 5) {
		cats = append(cats, fmt.Sprintf("%s (%.1f)", c.Category, c.Count))
	}
	if len(cats) > 0 {
		fmt.Fprintf(w, "  categories  %s  (decayed counts as of the last event)\n", strings.Join(cats, ", "))
	}
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
	if n := len(p.RecentItems); n > 0 {
		var items []string
		for _, it := range p.RecentItems[:min(n, 5)] {
			items = append(items, it.ItemID)
		}
		fmt.Fprintf(w, "  recent      %s\n", strings.Join(items, ", "))
	}
}

func floats(v []float32, n int) string {
	var s []string
	for _, x := range v[:min(n, len(v))] {
		s = append(s, fmt.Sprintf("%+.3f", x))
	}
	return strings.Join(s, " ")
}

func cmdSegments(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("segments", "streamer segments [flags]", "Print the segments.", `
Prints each segment's size (members), weight, mean rating, label and top categories, as the
workers keep them in Redis. --evaluate instead samples profile vectors and reports the inertia
and silhouette of batch spherical k-means for every k in --k-min..--k-max, to choose --k.`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	evaluate := c.Bool("evaluate", false, "report inertia and silhouette per k on a sample of profiles")
	kMin := c.Int("k-min", 2, "smallest k to evaluate")
	kMax := c.Int("k-max", 16, "largest k to evaluate")
	sampleN := c.Int("sample", 2000, "profiles to sample for --evaluate")
	if err := c.Parse(args); err != nil {
		return err
	}
	rdb, err := rf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if !*evaluate {
		return printSegments(ctx, stdout, rdb, rf.prefix)
	}
	store, err := readOnlyStore(rdb, rf.prefix)
	if err != nil {
		return err
	}
	vecs, err := online.SampleProfiles(ctx, worker.ProfileScanner(store), *sampleN)
	if err != nil {
		return err
	}
	rows, err := online.EvaluateRange(ctx, vecs, *kMin, min(*kMax, len(vecs)-1))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d profile vectors sampled\n", len(vecs))
	return online.FormatEvaluation(stdout, rows)
}

// readOnlyStore opens the profile store for reading and erasing (no model needed).
func readOnlyStore(rdb redis.UniversalClient, prefix string) (*profilestore.Store, error) {
	return profilestore.New(rdb, profilestore.Options{Prefix: prefix, ModelID: "-", Dim: 1})
}

func printSegments(ctx context.Context, w io.Writer, rdb redis.UniversalClient, prefix string) error {
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

// printProfilesSummary counts the profiles and prints three examples: the users with the most
// events in three different segments.
func printProfilesSummary(ctx context.Context, w io.Writer, rdb redis.UniversalClient, prefix string) (int, error) {
	store, err := readOnlyStore(rdb, prefix)
	if err != nil {
		return 0, err
	}
	type cand struct {
		ps     string
		events int64
		seg    int
	}
	var all []cand
	if err := store.Scan(ctx, func(p *profilestore.Profile) error {
		all = append(all, cand{p.Pseudonym, p.Events, p.Segment})
		return nil
	}); err != nil {
		return 0, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].events > all[j].events })
	r, err := reader.New(rdb, reader.Options{Prefix: prefix})
	if err != nil {
		return 0, err
	}
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
		fmt.Fprintln(w)
		printProfile(w, p, p.LastSeen)
		shown++
	}
	return len(all), nil
}

// isHelp reports whether arg asks for help (-h, --help, -help, help).
func isHelp(arg string) bool {
	switch arg {
	case "-h", "--h", "-help", "--help", "help":
		return true
	}
	return false
}
