package chaos

import (
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/internal/worker"
)

var freePort = redisproc.FreePort

func redisClient(addr string) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr}) }

// testutilCounter reads the worker's redis_errors_total for one operation.
func testutilCounter(w *worker.Worker, op string) float64 {
	return testutil.ToFloat64(w.Metrics().RedisErrors.WithLabelValues(op))
}
