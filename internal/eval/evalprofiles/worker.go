package evalprofiles

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/behavior"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/privacy"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/replay"
	"github.com/profilestream/profilestream/reader"
)

// rig is what every data set's run shares: the embedded broker, the private redis-server and
// the pseudonym key the worker and the evaluation both know.
type rig struct {
	brokers  []string
	redis    string
	keySpec  string
	pseudo   *privacy.Pseudonymizer
	streamer string
	modelDir string
	timeout  time.Duration
	out      io.Writer
}

func newKeySpec() (string, *privacy.Pseudonymizer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", nil, err
	}
	spec := "evalprofiles:" + base64.StdEncoding.EncodeToString(key)
	ring, err := privacy.ParseKeyRing(spec)
	if err != nil {
		return "", nil, err
	}
	return spec, privacy.NewPseudonymizer(ring), nil
}

// profiles are what the worker stored for a data set, read back through reader.
type profiles struct {
	hist  []*reader.Profile // per user (nil: no profile)
	query []*reader.Profile // per user's query pseudo-user (nil: none)
	// scorer is reader's profile similarity with the run's document frequencies, read once
	// after the worker stopped.
	scorer *reader.Scorer
}

// runWorker produces a data set's records to its own topics, runs `streamer run` on them with
// its own group and key prefix until the group's lag is 0, stops it (SIGINT: it commits and
// merges its segments) and reads every profile back through reader.
func (g *rig) runWorker(ctx context.Context, l *loaded, recs []replay.Record) (*profiles, time.Duration, error) {
	name := l.ds.Name
	clicks, reviews, prefix, group := "evalprofiles."+name+".clicks", "evalprofiles."+name+".reviews", "evp-"+name, "evalprofiles-"+name
	w, err := replay.NewWriter(g.brokers)
	if err != nil {
		return nil, 0, fmt.Errorf("evalprofiles: %s: %w", name, err)
	}
	start := time.Now()
	n, err := replay.Produce(ctx, w, recs, replay.Options{ClicksTopic: clicks, ReviewsTopic: reviews, KeyByUser: true})
	w.Close()
	if err != nil {
		return nil, 0, fmt.Errorf("evalprofiles: %s: produce: %w", name, err)
	}
	fmt.Fprintf(g.out, "eval-profiles: %s: produced %d events in %.1fs (keyed by user)\n", name, n, time.Since(start).Seconds())

	port, err := redisproc.FreePort()
	if err != nil {
		return nil, 0, err
	}
	metrics := "127.0.0.1:" + strconv.Itoa(port)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	args := []string{"run", "--brokers", strings.Join(g.brokers, ","), "--redis", g.redis,
		"--key-prefix", prefix, "--group", group, "--clicks-topic", clicks, "--reviews-topic", reviews,
		"--erasure-topic", "-", "--metrics-addr", metrics, "--lag-interval", "-1s", "--log-level", "warn", "--log-format", "json"}
	if g.modelDir != "" {
		args = append(args, "--model-dir", g.modelDir)
	}
	cmd := exec.CommandContext(wctx, g.streamer, args...)
	cmd.Env = append(os.Environ(), "STREAMER_PSEUDONYM_KEYS="+g.keySpec)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 60 * time.Second
	start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("evalprofiles: start %s: %w", g.streamer, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := waitLagZero(ctx, g.brokers, group, []string{clicks, reviews}, g.timeout, done, metrics); err != nil {
		cancel()
		<-done
		return nil, 0, fmt.Errorf("evalprofiles: %s: %w; worker log tail:\n%s", name, err, tail(logs.String(), 3000))
	}
	took := time.Since(start)
	cancel()
	// The worker was stopped with SIGINT: Wait reports the cancellation, or a non-zero exit
	// status when the worker failed to shut down cleanly.
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return nil, 0, fmt.Errorf("evalprofiles: %s: worker exit: %w; log tail:\n%s", name, err, tail(logs.String(), 3000))
	}
	if ctx.Err() != nil {
		return nil, 0, ctx.Err()
	}

	rdb := redis.NewClient(&redis.Options{Addr: g.redis})
	defer rdb.Close()
	// The behaviour table a deployment's worker refits every --behavior-refit-interval, fitted
	// once on what this worker stored (the run is shorter than one interval).
	if res, err := behavior.Refit(ctx, rdb, behavior.Options{Prefix: prefix}); err == nil {
		fmt.Fprintf(g.out, "eval-profiles: %s: behaviour table v%d: %d ids from %d profiles in %.1fs\n",
			name, res.Meta.Version, res.Meta.IDs, res.Profiles, res.Took.Seconds())
	} else if !errors.Is(err, behavior.ErrTooFew) {
		return nil, 0, fmt.Errorf("evalprofiles: %s: behaviour table: %w", name, err)
	}
	rd, err := reader.New(rdb, reader.Options{Prefix: prefix, Keys: g.pseudo.Ring().Public()})
	if err != nil {
		return nil, 0, err
	}
	p := &profiles{hist: make([]*reader.Profile, len(l.users)), query: make([]*reader.Profile, len(l.users))}
	if p.scorer, err = rd.Scorer(ctx); err != nil {
		return nil, 0, err
	}
	for i, u := range l.users {
		if p.hist[i], err = getProfile(ctx, rd, u.ID); err != nil {
			return nil, 0, err
		}
		if u.Query != nil {
			if p.query[i], err = getProfile(ctx, rd, queryPrefix+u.ID); err != nil {
				return nil, 0, err
			}
		}
	}
	return p, took, nil
}

func getProfile(ctx context.Context, rd *reader.Reader, raw string) (*reader.Profile, error) {
	p, err := rd.ProfileByUserID(ctx, raw)
	if errors.Is(err, reader.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// waitLagZero polls the group's lag until every partition is committed to its end (and the
// worker is ready), or fails on the timeout or the worker's exit.
func waitLagZero(ctx context.Context, brokers []string, group string, topics []string, timeout time.Duration, done <-chan error, metrics string) error {
	mon, err := lag.New(brokers, group, topics, lag.Options{TimeLag: lag.TimeLagOff})
	if err != nil {
		return err
	}
	defer mon.Close()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		if time.Now().After(deadline) {
			return fmt.Errorf("group %s not at lag 0 after %v (last poll: %s)", group, timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-done:
			return fmt.Errorf("worker stopped before lag 0: %v (last poll: %s)", err, last)
		case <-time.After(250 * time.Millisecond):
		}
		snap, err := mon.Poll(ctx)
		if err != nil {
			last = err.Error()
			continue
		}
		var committed, end int64
		for _, p := range snap.Partitions {
			end += p.End
			if p.Committed > 0 {
				committed += p.Committed
			}
		}
		last = fmt.Sprintf("committed %d of %d, lag %d, members %d", committed, end, snap.TotalLag, snap.Members)
		if end > 0 && snap.TotalLag == 0 && committed == end && ready(ctx, metrics) {
			return nil
		}
	}
}

func ready(ctx context.Context, metrics string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+metrics+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
