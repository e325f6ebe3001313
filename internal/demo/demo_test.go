package demo

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/worker"
)

// TestRunSmallSample runs the demo end to end on the first events of each bundled file, with
// the tiny test model: both phases, the summary, and profiles built from every user.
func TestRunSmallSample(t *testing.T) {
	if _, err := redisproc.Binary(); err != nil {
		t.Skip("redis-server is not installed (scripts/ensure-deps.sh installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	err := Run(ctx, Options{
		Worker: worker.Config{ModelDir: "../encoder/testdata/tiny-bert", DisableSegments: true},
		Limit:  40,
	}, &out, zerolog.New(&log).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatalf("demo: %v\noutput:\n%s\nlog:\n%s", err, out.String(), log.String())
	}
	s := out.String()
	for _, want := range []string{"phase clicks done: 80 events", "phase reviews done: 120 events", "== Summary ==",
		"events: 80 clicks, 120 reviews valid; 200 folded", "Three example profiles", "removed at exit",
		"readable categories and brands (REES46 sample, clicks only)"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	m := regexp.MustCompile(`FIGURE demo\.profiles (\d+)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no FIGURE demo.profiles line:\n%s", s)
	}
	if n, _ := strconv.Atoi(m[1]); n < 10 || n > 200 {
		t.Errorf("demo built %d profiles from 200 events", n)
	}
}
