package main

import (
	"context"
	"io"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/worker"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("run", "streamer run [flags]", "Run the always-on worker.", `
The worker joins the consumer group, reads the click, review and erasure topics, pseudonymizes
user ids with the keyed HMAC of --pseudonym-keys, scrubs PII from review text, encodes text with
the transformer, folds each event exactly once into the user's profile in Redis and assigns the
user's segment. SIGINT or SIGTERM finish the batches in flight, commit them and leave the group.
It refuses to start without a pseudonym key.`)
	c.SetOutput(stderr)
	wf := addWorkerFlags(c, true, ":9100")
	rf := addRedisFlags(c)
	kf := addKeyFlags(c)
	lf := addLogFlags(c)
	c.SetGroups(runGroups...)
	if err := c.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, lf.format, lf.level)
	if err != nil {
		return err
	}
	ring, err := kf.ring()
	if err != nil {
		return err
	}
	cfg := wf.config(rf)
	cfg.Keys = ring
	if cfg.Namespaces, err = kf.namespaces(); err != nil {
		return err
	}
	if err := wf.security(&cfg, rf); err != nil {
		return err
	}
	for _, warn := range append(cfg.KafkaSecurity.Warnings(), cfg.RedisSecurity.Warnings()...) {
		log.Warn().Msg(warn)
	}
	w, err := worker.New(cfg, log)
	if err != nil {
		return err
	}
	log.Info().Strs("brokers", cfg.Consumer.Brokers).Str("group", cfg.Consumer.Group).Strs("redis", cfg.RedisAddrs).
		Str("kafka_security", cfg.KafkaSecurity.String()).Str("redis_security", cfg.RedisSecurity.String()).
		Str("model", w.Encoder().ModelID()).Int("dim", w.Encoder().Dim()).Str("key_id", ring.Active()).Msg("worker starting")
	return w.Run(ctx)
}
