// Command storebench measures the exactly-once profile fold against a plain pipelined HSET of the
// same vector blobs, in the same run, against a private redis-server it starts itself.
//
// The fold path is profilestore.Fold: group the batch by user, read the profiles in one pipeline
// (or take them from the local cache), compute the new means in Go, and write every user with a
// pipelined compare-and-set Lua script that checks the version and the erasure ledger and bumps
// the watermarks. The baseline writes each event's vector blob with HSET in one pipeline per
// batch and keeps no state at all: it is the floor of what any writer of 384-dim vectors pays.
// The target is a fold rate of at least half the baseline.
//
// It also reports Redis memory per profile (MEMORY USAGE, averaged over a sample) next to the
// raw bytes of one vector.
//
// Every result is printed as a line and as "FIGURE <name> <value>".
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redisproc"
)

func main() {
	dim := flag.Int("dim", 384, "vector dimension")
	users := flag.Int("users", 5000, "distinct users")
	updates := flag.Int("updates", 20000, "events per round")
	batch := flag.Int("batch", 500, "events per Fold call / per HSET pipeline")
	rounds := flag.Int("rounds", 3, "rounds of each path; the median rate is reported")
	partitions := flag.Int("partitions", 8, "Kafka partitions the events come from")
	seed := flag.Int64("seed", 1, "random seed")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the benchmark process to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "storebench:", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*dim, *users, *updates, *batch, *rounds, *partitions, *seed); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "storebench:", err)
		os.Exit(1)
	}
}

func figure(name string, v float64, unit, what string) {
	fmt.Printf("%-48s %12.3f %s\n", what, v, unit)
	fmt.Printf("FIGURE %s %.4g\n", name, v)
}

func run(dim, users, updates, batch, rounds, partitions int, seed int64) error {
	ctx := context.Background()
	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return err
	}
	defer proc.Stop()
	rdb := redis.NewClient(&redis.Options{Addr: proc.Addr, PoolSize: 4})
	defer rdb.Close()
	fmt.Printf("storebench: redis-server %s, dim %d, %d users, %d events per round in batches of %d, %d rounds\n",
		proc.Addr, dim, users, updates, batch, rounds)

	r := rand.New(rand.NewSource(seed))
	// a pool of unit vectors, reused across events (encoding is not what is measured)
	pool := make([][]float32, 256)
	for i := range pool {
		v := make([]float32, dim)
		var n float64
		for j := range v {
			v[j] = float32(r.NormFloat64())
			n += float64(v[j]) * float64(v[j])
		}
		for j := range v {
			v[j] = float32(float64(v[j]) / math.Sqrt(n))
		}
		pool[i] = v
	}
	offsets := make([]int64, partitions)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	gen := func() []event.Event {
		evs := make([]event.Event, updates)
		for i := range evs {
			p := r.Intn(partitions)
			evs[i] = event.Event{
				Origin:    event.Origin{Topic: "clicks", Partition: p, Offset: offsets[p]},
				Pseudonym: fmt.Sprintf("k1.user%06d", r.Intn(users)),
				Kind:      event.Kinds[r.Intn(len(event.Kinds))],
				Category:  fmt.Sprintf("cat%02d", r.Intn(40)),
				ItemID:    fmt.Sprintf("item%05d", r.Intn(20000)),
				TS:        t0.Add(time.Duration(offsets[p]) * time.Second),
				Vector:    pool[r.Intn(len(pool))],
			}
			offsets[p]++
		}
		return evs
	}

	foldRate := func(st *profilestore.Store, evs []event.Event) (float64, error) {
		start := time.Now()
		for i := 0; i < len(evs); i += batch {
			res, err := st.Fold(ctx, evs[i:min(i+batch, len(evs))])
			if err != nil {
				return 0, err
			}
			if res.Applied != min(i+batch, len(evs))-i {
				return 0, fmt.Errorf("fold applied %d of %d", res.Applied, min(i+batch, len(evs))-i)
			}
		}
		return float64(len(evs)) / time.Since(start).Seconds(), nil
	}
	// hsetRate writes, per event, the event's vector blob (blobs=1) or two blobs of the same
	// size, as many as a fold writes per profile (lifetime and decayed mean, blobs=2).
	hsetRate := func(evs []event.Event, blobs int) (float64, error) {
		start := time.Now()
		for i := 0; i < len(evs); i += batch {
			pipe := rdb.Pipeline()
			for _, e := range evs[i:min(i+batch, len(evs))] {
				b := profilestore.EncodeVector(e.Vector)
				if blobs == 1 {
					pipe.HSet(ctx, "bench:hset:{"+e.Pseudonym+"}", "vec", b)
				} else {
					pipe.HSet(ctx, "bench:hset:{"+e.Pseudonym+"}", "vec", b, "dvec", profilestore.EncodeVector(e.Vector))
				}
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return 0, err
			}
		}
		return float64(len(evs)) / time.Since(start).Seconds(), nil
	}

	mk := func(cache int, script bool) (*profilestore.Store, error) {
		return profilestore.New(rdb, profilestore.Options{ModelID: "bench", Dim: dim, CacheSize: cache, UseScript: script})
	}
	cached, err := mk(2*users, false) // the worker's steady state: its users' profiles are cached
	if err != nil {
		return err
	}
	uncached, err := mk(-1, false)
	if err != nil {
		return err
	}
	scripted, err := mk(2*users, true)
	if err != nil {
		return err
	}
	// warm-up: create every profile (creation is a one-time cost, not the steady state)
	if _, err := foldRate(cached, gen()); err != nil {
		return err
	}
	if _, err := hsetRate(gen(), 2); err != nil {
		return err
	}
	var fc, fu, fs, hs, h2, sc, su, ss, sh, sh2 []float64
	for i := 0; i < rounds; i++ {
		for _, ph := range []struct {
			rate, server *[]float64
			run          func([]event.Event) (float64, error)
		}{
			{&fc, &sc, func(e []event.Event) (float64, error) { return foldRate(cached, e) }},
			{&fu, &su, func(e []event.Event) (float64, error) { return foldRate(uncached, e) }},
			{&fs, &ss, func(e []event.Event) (float64, error) { return foldRate(scripted, e) }},
			{&hs, &sh, func(e []event.Event) (float64, error) { return hsetRate(e, 1) }},
			{&h2, &sh2, func(e []event.Event) (float64, error) { return hsetRate(e, 2) }},
		} {
			if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
				return err
			}
			evs := gen()
			v, err := ph.run(evs)
			if err != nil {
				return err
			}
			us, err := serverMicros(ctx, rdb)
			if err != nil {
				return err
			}
			*ph.rate = append(*ph.rate, v)
			*ph.server = append(*ph.server, us/float64(len(evs)))
		}
	}
	mc, mu, ms, mh, mh2 := median(fc), median(fu), median(fs), median(hs), median(h2)
	figure("store.fold_updates_per_s", mc, "events/s", "exactly-once fold, cached profiles (WATCH/MULTI)")
	figure("store.fold_nocache_updates_per_s", mu, "events/s", "exactly-once fold, cache off (read + WATCH/MULTI)")
	figure("store.fold_script_updates_per_s", ms, "events/s", "exactly-once fold, cached, Lua CAS (cluster path)")
	figure("store.hset_updates_per_s", mh, "events/s", "plain pipelined HSET of the event's vector blob")
	figure("store.hset2_updates_per_s", mh2, "events/s", "plain pipelined HSET of two blobs (vec+dvec)")
	figure("store.fold_vs_hset_ratio", mc/mh, "", "fold (cached) / HSET of the event blob (target >= 0.5)")
	figure("store.fold_vs_hset2_ratio", mc/mh2, "", "fold (cached) / HSET of the two profile blobs")
	figure("store.fold_nocache_vs_hset_ratio", mu/mh, "", "fold (cache off) / HSET of the event blob")
	figure("store.fold_script_vs_hset_ratio", ms/mh, "", "fold (Lua CAS) / HSET of the event blob")
	figure("store.fold_server_us_per_event", median(sc), "µs", "redis-server time per event, fold cached (approx.)")
	figure("store.fold_nocache_server_us_per_event", median(su), "µs", "redis-server time per event, fold cache off")
	figure("store.fold_script_server_us_per_event", median(ss), "µs", "redis-server time per event, fold Lua CAS")
	figure("store.hset_server_us_per_event", median(sh), "µs", "redis-server time per event, HSET one blob")
	figure("store.hset2_server_us_per_event", median(sh2), "µs", "redis-server time per event, HSET two blobs")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average during the run: %s", load)
	}

	// memory per profile
	var keys []string
	var cursor uint64
	for len(keys) < 500 {
		ks, next, err := rdb.Scan(ctx, cursor, "ps:v1:p:*", 500).Result()
		if err != nil {
			return err
		}
		keys = append(keys, ks...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	var total int64
	for _, k := range keys {
		n, err := rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			return fmt.Errorf("MEMORY USAGE: %w", err)
		}
		total += n
	}
	if len(keys) == 0 {
		return fmt.Errorf("no profiles to measure")
	}
	per := float64(total) / float64(len(keys))
	raw := float64(4 * dim)
	fmt.Printf("memory sampled over %d profiles (each holds 2 vectors: lifetime and decayed mean)\n", len(keys))
	figure("store.bytes_per_profile", per, "bytes", "MEMORY USAGE per profile")
	figure("store.raw_vector_bytes", raw, "bytes", "raw bytes of one float32 vector")
	figure("store.profile_vs_raw_vector_ratio", per/raw, "", "profile bytes / raw vector bytes")
	return nil
}

// serverMicros sums the usec of every command in INFO commandstats (commands run inside scripts
// are counted within the script's time and skipped).
func serverMicros(ctx context.Context, rdb *redis.Client) (float64, error) {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, err
	}
	scripted := false
	if strings.Contains(info, "cmdstat_evalsha:") {
		scripted = true
	}
	var total float64
	for _, l := range strings.Split(info, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "cmdstat_") {
			continue
		}
		name := strings.TrimPrefix(l[:strings.IndexByte(l, ':')], "cmdstat_")
		if scripted && (name == "hset" || name == "hmget" || name == "pexpire" || name == "exists") {
			continue // called from the script, counted in its time
		}
		if name == "exec" {
			continue // the queued commands are counted on their own
		}
		if name == "info" || name == "config|resetstat" {
			continue
		}
		for _, kv := range strings.Split(l[strings.IndexByte(l, ':')+1:], ",") {
			if v, ok := strings.CutPrefix(kv, "usec="); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
	}
	return total, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
