package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/profilestore"
)

func cmdForget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("forget", "streamer forget [flags] USER_ID", "Erase a user, or record their re-consent.", `
Erasure deletes the user's profile, item set (recommendation exclusions), segment membership and
segment-change entries, and writes the user's pseudonym to the erasure ledger in Redis, which the fold checks atomically: a replay or backfill of the input
topics cannot bring the user back. It acts on the pseudonym under every key of the ring (a
profile not yet moved after a key rotation is erased too). The raw id is only hashed, never
stored or logged; the audit line names the pseudonym.

--reconsent clears the ledger entry (after the user explicitly agreed again); events from then on
build a fresh profile. Workers can also receive both requests on the erasure topic
({"user_id": "...", "request": "erase"|"reconsent"}; see docs/events.md).`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	kf := addKeyFlags(c)
	lf := addLogFlags(c)
	reconsent := c.Bool("reconsent", false, "clear the erasure-ledger entry instead of erasing")
	if err := c.Parse(args); err != nil {
		return err
	}
	if c.NArg() != 1 {
		c.PrintHelp(stderr)
		return errors.New("want exactly one USER_ID")
	}
	log, err := newLogger(stderr, lf.format, lf.level)
	if err != nil {
		return err
	}
	ring, err := kf.ring()
	if err != nil {
		return err
	}
	rdb, err := rf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	eraser, err := profilestore.NewEraser(rdb, rf.prefix)
	if err != nil {
		return err
	}
	pz, err := kf.pseudonymizer(ring)
	if err != nil {
		return err
	}
	// The one erasure path (the worker applies requests on the erasure topic through it too).
	req := profilestore.ErasureRequest{Pseudonyms: pz.Candidates(c.Arg(0)), Reconsent: *reconsent}
	return eraser.Apply(ctx, req, nil, func(ps string) {
		log.Info().Str("audit", req.Op()).Str("pseudonym", ps).Str("via", "cli").Msg("erasure request applied")
		fmt.Fprintf(stdout, "%s: %s done\n", ps, req.Op())
	})
}
