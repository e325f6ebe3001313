// Command e2ebench measures the worker end to end (`make bench-e2e`): the real `streamer run`
// against an embedded Kafka broker and a private redis-server, on a pre-produced backlog of the
// shared Taobao click slice and Amazon reviews, against a null worker and the standalone encoder
// in the same run. The logic lives in internal/eval/e2ebench; this command only wires flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/profilestream/profilestream/internal/eval/e2ebench"
)

func main() {
	var o e2ebench.Options
	flag.StringVar(&o.Streamer, "streamer", "bin/streamer", "the streamer binary to run (make build)")
	flag.StringVar(&o.ClicksFile, "clicks", "../shared/data/taobao-userbehavior/UserBehavior.head-slice.csv.gz", "Taobao UserBehavior CSV")
	flag.StringVar(&o.ReviewsFile, "reviews", "../shared/data/amazon-reviews-5core/reviews.jsonl.gz", "Amazon reviews JSON lines")
	flag.IntVar(&o.Clicks, "n-clicks", 0, "at most this many click events (0 = the whole file)")
	flag.IntVar(&o.Reviews, "n-reviews", 2000, "at most this many reviews (0 = the whole file)")
	flag.IntVar(&o.Partitions, "partitions", 4, "partitions of every topic")
	flag.IntVar(&o.BatchSize, "batch-size", 256, "the worker's --batch-size, also the standalone encoder's batch")
	flag.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "give up on a run that is not at lag 0 after this long")
	flag.StringVar(&o.ProfileDir, "profile-dir", "", "write the worker's CPU profile here (default: a temporary folder)")
	flag.IntVar(&o.ProfileSecs, "profile-seconds", 5, "seconds of worker CPU profile during the clicks run (negative: none)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := e2ebench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "e2ebench:", err)
		os.Exit(1)
	}
}
