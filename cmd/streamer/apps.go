package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/downstream"
)

// downstreamService opens the read-side service; with keys it can pseudonymize raw user ids.
func downstreamService(ctx context.Context, rf *redisFlags, kf *keyFlags, needKeys bool) (*downstream.Service, func(), error) {
	opts := downstream.Options{Prefix: rf.prefix}
	if needKeys {
		ring, err := kf.ring()
		if err != nil {
			return nil, nil, err
		}
		pz, err := kf.pseudonymizer(ring)
		if err != nil {
			return nil, nil, err
		}
		opts.Keys, opts.Namespace = ring.Public(), pz.Namespace()
	}
	rdb, err := rf.client(ctx)
	if err != nil {
		return nil, nil, err
	}
	s, err := downstream.New(rdb, opts)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return s, func() { rdb.Close() }, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdRecommend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("recommend", "streamer recommend [flags] USER_ID", "Recommend items to a user.", `
USER_ID is the shop's raw user id, pseudonymized with the shared key ring (every key is tried)
and never sent to Redis; with --pseudonym it is a pseudonym. Items are ranked by the cosine
between the item's text embedding and the user's time-decayed profile vector, blended with
popularity and the user's category affinity, excluding what the user already interacted with
(internal/apps, docs/applications.md). A user without a profile or vector gets the most popular
items. The item index is fed by the worker as it folds events.`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	kf := addKeyFlags(c)
	n := c.Int("n", 10, "number of items")
	category := c.String("category", "", "recommend only items of this category")
	asJSON := c.Bool("json", false, "print JSON")
	byPseudonym := c.Bool("pseudonym", false, "the argument is a pseudonym, not a raw user id")
	if err := c.Parse(args); err != nil {
		return err
	}
	if c.NArg() != 1 {
		c.PrintHelp(stderr)
		return errors.New("want exactly one USER_ID")
	}
	if *n <= 0 || *n > 1000 {
		return fmt.Errorf("-n %d: want 1..1000", *n)
	}
	s, done, err := downstreamService(ctx, rf, kf, !*byPseudonym)
	if err != nil {
		return err
	}
	defer done()
	ps := c.Arg(0)
	if !*byPseudonym {
		if ps, _, err = s.Resolve(ctx, c.Arg(0)); err != nil {
			return err
		}
	}
	rec, err := s.Recommend(ctx, ps, *n, *category)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, rec)
	}
	return downstream.FormatRecommendation(stdout, rec)
}

func cmdLookalike(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("lookalike", "streamer lookalike (--users ID,... | --segment N) [flags]", "Find look-alike users.", `
Returns the users whose lifetime mean embedding is closest (cosine) to the centroid of the seed
users, excluding the seeds: the seeds are raw user ids (--users, pseudonymized with the shared key
ring; --pseudonyms when they are pseudonyms already) or the members of a segment (--segment).
Seeds without a profile are ignored. Cost: one full scan of the profiles.`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	kf := addKeyFlags(c)
	var users cli.StringList
	c.Var(&users, "users", "seed users: raw user ids, comma-separated")
	byPseudonym := c.Bool("pseudonyms", false, "--users are pseudonyms, not raw user ids")
	segment := c.Int("segment", -1, "seed with the members of this segment")
	n := c.Int("n", 100, "number of look-alike users")
	asJSON := c.Bool("json", false, "print JSON")
	if err := c.Parse(args); err != nil {
		return err
	}
	if (len(users) == 0) == (*segment < 0) || c.NArg() != 0 {
		c.PrintHelp(stderr)
		return errors.New("want either --users or --segment")
	}
	if *n <= 0 || *n > 100000 {
		return fmt.Errorf("-n %d: want 1..100000", *n)
	}
	s, done, err := downstreamService(ctx, rf, kf, len(users) > 0 && !*byPseudonym)
	if err != nil {
		return err
	}
	defer done()
	var out any
	var what string
	if *segment >= 0 {
		what = fmt.Sprintf("segment %d", *segment)
		out, err = s.LookAlikeSegment(ctx, *segment, *n)
	} else {
		seeds := []string(users)
		if !*byPseudonym {
			seeds = nil
			for _, u := range users {
				ps, _, err := s.Resolve(ctx, u)
				if err != nil {
					return err
				}
				seeds = append(seeds, ps)
			}
		}
		what = fmt.Sprintf("%d seed users", len(seeds))
		out, err = s.LookAlike(ctx, seeds, *n)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, out)
	}
	return downstream.FormatLookAlikes(stdout, what, out.([]apps.Scored))
}

func cmdChurn(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("churn", "streamer churn [flags]", "List the users most at risk of churning.", `
Scores every profile with the churn risk of internal/apps (the probability that the user has no
event in the next 7 days, from recency, frequency and the trend of decayed activity; formula in
docs/applications.md) and prints the --top users with the highest risk (ties: more events first)
and the distribution of the risk. The risk is computed at --at, by default the newest event time
of all profiles (the data's clock: now for a live stream, the end of the data after a replay).
Cost: one full scan of the profiles.`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	top := c.Int("top", 20, "number of users listed")
	at := c.String("at", "", "time the risk is computed at (RFC 3339, or \"now\"); default the newest event time")
	minEvents := c.Int64("min-events", 1, "leave out users with fewer events")
	asJSON := c.Bool("json", false, "print JSON")
	if err := c.Parse(args); err != nil {
		return err
	}
	if *top <= 0 || *top > 100000 {
		return fmt.Errorf("--top %d: want 1..100000", *top)
	}
	q := downstream.ChurnQuery{Top: *top, MinEvents: *minEvents}
	switch strings.ToLower(*at) {
	case "":
	case "now":
		q.At = time.Now()
	default:
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		q.At = t
	}
	s, done, err := downstreamService(ctx, rf, nil, false)
	if err != nil {
		return err
	}
	defer done()
	rep, err := s.Churn(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, rep)
	}
	return downstream.FormatChurn(stdout, rep)
}
