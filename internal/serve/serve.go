// Package serve is `streamer serve`: a small read-only HTTP JSON API over the profiles, segments
// and applications (internal/downstream), for services in any language, and a console page for
// a marketer or an operator.
//
// Security and limits:
//   - Every /v1/ route needs "Authorization: Bearer <token>"; tokens come from a file (one per
//     line, at least 16 characters). New refuses a configuration without tokens: no token, no
//     data. Tokens are compared in constant time (SHA-256 of both sides, every configured token
//     compared). Missing and wrong tokens both get 401.
//   - Raw user ids travel only in POST bodies (never in URLs, which proxies log), are
//     pseudonymized in memory and never logged; the access log names the route pattern, not
//     the path, and never a query string or body.
//   - Requests are bounded: query strings of at most MaxQueryBytes, bodies of at most
//     MaxBodyBytes, unknown or repeated parameters are rejected, every count parameter has a
//     maximum, each request has a deadline (Timeout), and at most MaxScans requests that scan
//     all profiles run at once (the others get 429 with Retry-After).
//   - Serve sets the http.Server's header, read, write and idle timeouts.
//
// /openapi.json (the OpenAPI 3 document of the API), /healthz and the console page (/) need no
// token: they hold no data. The console asks for a token once and keeps it in sessionStorage.
package serve

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/downstream"
)

// ErrNoTokens is returned (wrapped) when no bearer token is configured.
var ErrNoTokens = errors.New("serve: no bearer token configured (set --tokens-file or STREAMER_SERVE_TOKENS_FILE): refusing to serve data without authentication")

// MinTokenLen is the shortest accepted token.
const MinTokenLen = 16

// Config configures a Server. Service and Tokens are required.
type Config struct {
	Service *downstream.Service
	// Tokens are the accepted bearer tokens.
	Tokens []string
	// Log receives one access line per request and the errors.
	Log zerolog.Logger
	// Health reports the worker's lag and readiness on /v1/health (nil: not configured).
	Health *Health
	// Timeout bounds each request (default 10s).
	Timeout time.Duration
	// MaxScans bounds the concurrent requests that scan every profile (similar users,
	// look-alikes, churn). Default 2.
	MaxScans int
	// MaxQueryBytes bounds the query string (default 1024); MaxBodyBytes the body (default 16 KiB).
	MaxQueryBytes, MaxBodyBytes int
	// Now is the clock of churn scores at=now (default time.Now).
	Now func() time.Time
}

// Limits of the count parameters.
const (
	MaxRecommendations = 100
	MaxUsers           = 1000 // similar users, look-alikes, churn list, members page
	MaxSeeds           = 1000 // seed users of a look-alike request
	MaxMapPerSegment   = 200
	maxIDBytes         = 256 // a raw user id or a pseudonym
)

// Server is the HTTP API.
type Server struct {
	cfg    Config
	tokens [][32]byte
	scans  chan struct{}
	h      http.Handler
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil {
		return nil, errors.New("serve: Config.Service is required")
	}
	if len(cfg.Tokens) == 0 {
		return nil, ErrNoTokens
	}
	s := &Server{cfg: cfg}
	for i, t := range cfg.Tokens {
		if len(t) < MinTokenLen {
			return nil, fmt.Errorf("serve: token %d is %d characters, want at least %d", i+1, len(t), MinTokenLen)
		}
		s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
	}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = 10 * time.Second
	}
	if s.cfg.MaxScans <= 0 {
		s.cfg.MaxScans = 2
	}
	if s.cfg.MaxQueryBytes <= 0 {
		s.cfg.MaxQueryBytes = 1024
	}
	if s.cfg.MaxBodyBytes <= 0 {
		s.cfg.MaxBodyBytes = 16 << 10
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	s.scans = make(chan struct{}, s.cfg.MaxScans)
	s.h = s.routes()
	return s, nil
}

// LoadTokens reads bearer tokens from a file: one per line; blank lines and lines starting
// with # are ignored. It fails when the file has no token or a token shorter than MinTokenLen.
func LoadTokens(path string) ([]string, error) {
	if path == "" {
		return nil, ErrNoTokens
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("serve: tokens file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if len(t) < MinTokenLen {
			return nil, fmt.Errorf("serve: tokens file line %d: token shorter than %d characters", n, MinTokenLen)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("serve: tokens file: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("serve: tokens file %s: %w", path, ErrNoTokens)
	}
	return out, nil
}

// Handler returns the server's handler (API, OpenAPI document, console).
func (s *Server) Handler() http.Handler { return s.h }

// authorized reports whether r carries one of the configured tokens, in time independent of
// which token matched and of where a wrong token differs.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" || len(tok) > 4096 {
		return false
	}
	sum := sha256.Sum256([]byte(tok))
	match := 0
	for i := range s.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], s.tokens[i][:])
	}
	return match == 1
}

// Serve serves the handler on ln with the http.Server's timeouts set, until ctx is done; it then
// shuts down gracefully (bounded by 5 s) and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      s.cfg.Timeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	<-errc
	return nil
}
