package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/privacy"
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
	store, err := readOnlyStore(rdb, rf.prefix)
	if err != nil {
		return err
	}
	pz, err := kf.pseudonymizer(ring)
	if err != nil {
		return err
	}
	return forget(ctx, stdout, log, store, pz, c.Arg(0), *reconsent)
}

func forget(ctx context.Context, out io.Writer, log zerolog.Logger, store *profilestore.Store, pz *privacy.Pseudonymizer, rawID string, reconsent bool) error {
	for _, ps := range pz.Candidates(rawID) {
		op := "erase"
		var err error
		if reconsent {
			op = "reconsent"
			err = store.Reconsent(ctx, ps)
		} else {
			err = store.Forget(ctx, ps)
		}
		if err != nil {
			return err
		}
		log.Info().Str("audit", op).Str("pseudonym", ps).Str("via", "cli").Msg("erasure request applied")
		fmt.Fprintf(out, "%s: %s done\n", ps, op)
	}
	return nil
}
