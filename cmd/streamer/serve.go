package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/serve"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := cli.NewCommand("serve", "streamer serve [flags]", "Serve the read API and the console.", `
A read-only HTTP JSON API over profiles, segments, recommendations, look-alike audiences and
churn risk (OpenAPI document at /openapi.json, docs/openapi.json), and a console page at / for
marketers and operators. Every /v1 route needs "Authorization: Bearer <token>" with a token of
--tokens-file (one per line, at least 16 characters; the path may also come from
STREAMER_SERVE_TOKENS_FILE); without a token the server does not start. With the pseudonym key
ring (the same flags as the worker), profiles can be looked up by raw user id in a POST body;
raw ids are never stored or logged. --brokers and --worker-readyz add the worker's lag and
readiness to /v1/health and the console. See docs/applications.md.`)
	c.SetOutput(stderr)
	rf := addRedisFlags(c)
	kf := addKeyFlags(c)
	lf := addLogFlags(c)
	addr := c.String("addr", "127.0.0.1:8080", "listen address")
	tokensFile := c.String("tokens-file", "", "file of accepted bearer tokens, one per line (also STREAMER_SERVE_TOKENS_FILE)")
	var brokers cli.StringList
	c.Var(&brokers, "brokers", "Kafka brokers, for the group's lag on /v1/health (empty = not shown)")
	group := c.String("group", "profilestream", "consumer group of the workers")
	var topics cli.StringList = cli.StringList{"clicks", "reviews", "erasure"}
	c.Var(&topics, "topics", "topics whose lag is shown")
	readyz := c.String("worker-readyz", "", "URL of a worker's /readyz, e.g. http://worker:9100/readyz (empty = not shown)")
	timeout := c.Duration("timeout", 10*time.Second, "deadline of one request")
	maxScans := c.Int("max-scans", 2, "requests scanning every profile (similar, look-alikes, churn) running at once; more get 429")
	if err := c.Parse(args); err != nil {
		return err
	}
	if c.NArg() != 0 {
		c.PrintHelp(stderr)
		return fmt.Errorf("unexpected arguments %q", c.Args())
	}
	log, err := newLogger(stderr, lf.format, lf.level)
	if err != nil {
		return err
	}
	if *tokensFile == "" {
		*tokensFile = os.Getenv("STREAMER_SERVE_TOKENS_FILE")
	}
	tokens, err := serve.LoadTokens(*tokensFile)
	if err != nil {
		return err
	}
	opts := downstream.Options{Prefix: rf.prefix}
	if kf.keys != "" || kf.file != "" {
		ring, err := kf.ring()
		if err != nil {
			return err
		}
		pz, err := kf.pseudonymizer(ring)
		if err != nil {
			return err
		}
		opts.Keys, opts.Namespace = ring.Public(), pz.Namespace()
	} else {
		log.Warn().Msg("no pseudonym key: profiles can be looked up by pseudonym only")
	}
	rdb, err := rf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	svc, err := downstream.New(rdb, opts)
	if err != nil {
		return err
	}
	health := &serve.Health{ReadyzURL: *readyz}
	if len(brokers) > 0 {
		m, err := lag.New(brokers, *group, topics, lag.Options{TimeLag: lag.TimeLagTimestamp})
		if err != nil {
			return err
		}
		defer m.Close()
		health.Lag = m
	}
	srv, err := serve.New(serve.Config{Service: svc, Tokens: tokens, Log: log, Health: health, Timeout: *timeout, MaxScans: *maxScans})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info().Str("addr", ln.Addr().String()).Int("tokens", len(tokens)).Bool("raw_id_lookup", svc.CanResolve()).
		Msg("serving the read API on /v1, the console on /, the OpenAPI document on /openapi.json")
	fmt.Fprintf(stdout, "serving on http://%s/\n", ln.Addr())
	return srv.Serve(ctx, ln)
}
