package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/replay"
	"github.com/profilestream/profilestream/internal/secure"
)

func cmdReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("replay", "streamer replay [flags] FILE...", "Produce data files into Kafka.", `
Reads each FILE (gzip or plain) in one of the formats of ../shared/data, detected from its first
line: Amazon review JSON lines, the Taobao UserBehavior CSV (clicks), the REES46 e-commerce CSV
(clicks with readable category codes and brands), or the Chinese cat,label,review CSV
(synthetic user ids; see docs/events.md). Reviews go to --reviews-topic,
clicks to --clicks-topic. It is the backfill tool and the load generator: --rate caps events per
second, --speedup replays at the original pace divided by the factor.

Records are stamped with the current time (the event's own time is in the value, where the
worker reads it), so a broker's time-based retention does not delete a backfill of old events
before it is read. The producer is idempotent and retries through broker deaths and leader
moves: the count printed is what reached the topics, and each record carries its file's id and
its index (headers replay.source, replay.index), so --resume after a failed or interrupted run
writes only what is missing.`)
	c.SetOutput(stderr)
	var brokers cli.StringList = cli.StringList{"127.0.0.1:9092"}
	c.Var(&brokers, "brokers", "Kafka bootstrap brokers, comma-separated")
	ksec := secure.AddKafkaFlags(c.FlagSet)
	clicks := c.String("clicks-topic", "clicks", "topic for click events")
	reviews := c.String("reviews-topic", "reviews", "topic for review events")
	rate := c.Float64("rate", 0, "maximum events per second (0 = unlimited)")
	speedup := c.Float64("speedup", 0, "replay at the original inter-event times divided by this factor (0 = as fast as allowed by --rate)")
	keyed := c.Bool("key-by-user", false, "key messages by user id (default: round-robin; the worker is correct either way)")
	limit := c.Int("limit", 0, "produce at most this many events per file (0 = all)")
	resume := c.Bool("resume", false, "first read the topics and skip the records of this file already there (a replay that died or was interrupted, run again with the same file and --limit): no record is written twice")
	kafkaDebug := c.Bool("kafka-debug", false, "log the Kafka client's own activity at debug level (with --log-level debug); its errors are always logged at warn")
	lf := addLogFlags(c)
	if err := c.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, lf.format, lf.level)
	if err != nil {
		return err
	}
	if c.NArg() == 0 {
		c.PrintHelp(stderr)
		return errors.New("no input file")
	}
	sec, err := secure.NewKafka(*ksec)
	if err != nil {
		return err
	}
	for _, warn := range sec.Warnings() {
		fmt.Fprintf(stderr, "warning: %s\n", warn)
	}
	// Fail fast with a clear message on a refused certificate or login, instead of the
	// writer's retries ending in a bare error.
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = sec.Probe(pctx, brokers)
	cancel()
	if err != nil && secure.ProblemOf(err).Permanent() {
		return err
	}
	w, err := replay.NewWriter(brokers, append(sec.FranzOpts(), kgo.WithLogger(consumer.FranzLogger(log, "replay-writer", *kafkaDebug)))...)
	if err != nil {
		return err
	}
	defer w.Close()
	total := 0
	start := time.Now()
	for _, path := range c.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		recs, format, skipped, err := replay.Read(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if *limit > 0 && len(recs) > *limit {
			recs = recs[:*limit]
		}
		n, err := replay.Produce(ctx, w, recs, replay.Options{ClicksTopic: *clicks, ReviewsTopic: *reviews,
			KeyByUser: *keyed, Rate: *rate, SpeedUp: *speedup, Resume: *resume})
		total += n
		fmt.Fprintf(stdout, "%s: %s, %d events produced, %d unparseable lines skipped, %d reviews without title or text skipped",
			path, format, n, skipped.Unparseable, skipped.NoText)
		if skipped.Removed > 0 {
			fmt.Fprintf(stdout, ", %d remove_from_cart rows skipped", skipped.Removed)
		}
		fmt.Fprintln(stdout)
		if err != nil {
			return err
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "%d events in %.1fs (%.0f events/s)\nFIGURE replay.events %d\nFIGURE replay.events_per_s %.1f\n", total, secs, float64(total)/secs, total, float64(total)/secs)
	return nil
}
