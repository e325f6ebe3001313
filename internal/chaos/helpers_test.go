package chaos

import (
	"bytes"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/worker"
)

var freePort = redisproc.FreePort

func redisClient(addr string) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr}) }

// redisErrors is the worker's Redis error count over the apply stage's operations.
func redisErrors(w *worker.Worker) float64 {
	n := 0.0
	for _, op := range []string{"fold", "segments", "items"} {
		n += testutil.ToFloat64(w.Metrics().RedisErrors.WithLabelValues(op))
	}
	return n
}

// syncBuffer is a log sink for in-process workers that a failing test can read while they run.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Tail returns the last n lines written.
func (s *syncBuffer) Tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines := strings.Split(strings.TrimRight(s.b.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
