package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/online"
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
		opts.Keys, opts.Namespace = ring.Public(), pz.Namespace()
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
	now := time.Now()
	in, err := r.Interests(ctx, p, now, 10)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*reader.Profile
			Interests reader.Interests `json:"interests"`
		}{p, in})
	}
	downstream.WriteProfile(stdout, p, in, now)
	return nil
}

func cmdSegments(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("segments", "streamer segments [flags]", "Print the segments.", `
Prints each segment's size (members), weight, mean rating, label and top categories, as the
workers keep them in Redis. --evaluate instead samples profile vectors and reports the inertia
and silhouette of batch spherical k-means for every k in --k-min..--k-max, to choose --k.`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	evaluate := c.Bool("evaluate", false, "report inertia and silhouette per k on a sample of profiles")
	kMin := c.Int("k-min", online.DefaultKMin, "smallest k to evaluate (the worker's automatic k uses the same bounds)")
	kMax := c.Int("k-max", online.DefaultKMax, "largest k to evaluate")
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
		return downstream.WriteSegments(ctx, stdout, rdb, rf.prefix)
	}
	rd, err := reader.New(rdb, reader.Options{Prefix: rf.prefix})
	if err != nil {
		return err
	}
	vecs, err := online.SampleProfiles(ctx, rd, *sampleN)
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

// isHelp reports whether arg asks for help (-h, --help, -help, help).
func isHelp(arg string) bool {
	switch arg {
	case "-h", "--h", "-help", "--help", "help":
		return true
	}
	return false
}
