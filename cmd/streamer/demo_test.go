package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/redisproc"
)

// TestDemoBusyMetricsPortFailsFast: a busy --metrics-addr used to leave the demo spinning in
// its wait loop forever (deaf to SIGTERM, Redis directory left behind). It must fail with the
// listener error and clean up its private Redis.
func TestDemoBusyMetricsPortFailsFast(t *testing.T) {
	if _, err := redisproc.Binary(); err != nil {
		t.Skip("redis-server is not installed (scripts/ensure-deps.sh installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- cmdDemo(ctx, []string{"--metrics-addr", ln.Addr().String(), "--model-dir", "../../internal/encoder/testdata/tiny-bert",
			"--limit", "10", "--log-format", "json"}, &stdout, &stderr)
	}()
	select {
	case err = <-errc:
	case <-ctx.Done():
		t.Fatalf("demo did not return within the deadline\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("demo returned %v, want the metrics listener's 'address already in use'\nstdout:\n%s", err, stdout.String())
	}
	if ctx.Err() != nil {
		t.Fatalf("demo returned only because the deadline passed: %v", err)
	}
	if m := regexp.MustCompile(`data in (\S+), removed at exit`).FindStringSubmatch(stdout.String()); m != nil {
		if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
			t.Errorf("private Redis directory %s still exists after the demo returned (stat: %v)", m[1], err)
		}
	} else {
		t.Errorf("the demo did not report its private redis-server; stdout:\n%s", stdout.String())
	}
}
