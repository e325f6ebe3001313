// Package storebench is `make bench`'s store half (cmd/storebench wires its flags): it measures
// the exactly-once profile fold against a plain pipelined HSET of the same vector blobs, in the same run, against a private redis-server it starts itself.
//
// The fold path is profilestore.Fold: group the batch by user, take the profiles from the local
// cache (or read them in one pipeline), compute the new means in Go, and write every user's
// changed fields in one atomic step per chunk of users that checks the version and the erasure
// ledger (on a single server a MULTI/EXEC with a check script and plain HSETs; the "script"
// variant is the Lua compare-and-set of the cluster path). The baseline writes each event's
// vector blob with HSET in one pipeline per batch and keeps no state at all: it is the floor of
// what any writer of 384-dim vectors pays. The target is a fold rate of at least half the
// baseline. Every variant writes its own keys (its own prefix), so that no store's cache is made
// stale by another variant; the variants run interleaved, round after round, and the median and
// best of the rounds are reported. Server time is the redis-server process's CPU time (INFO cpu)
// per event.
//
// It also reports Redis memory per profile (MEMORY USAGE, averaged over a sample) next to the
// raw bytes of one vector.
//
// Every result is printed as a line and as "FIGURE <name> <value>".
package storebench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/profilestore"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/schema"
)

// Options are storebench's settings; DefaultOptions gives the defaults of `make bench`.
type Options struct {
	Dim           int    // vector dimension (default 384)
	Users         int    // distinct users (default 5000)
	Updates       int    // events per round (default 20000)
	Batch         int    // events per Fold call / per HSET pipeline (default 500)
	Rounds        int    // rounds of each path; the median rate is reported (default 3)
	Partitions    int    // Kafka partitions the events come from (default 8)
	RoundRobin    bool   // spread each user's events over all partitions instead of one partition per user
	Float16       bool   // store the decayed mean as float16 (profilestore.Options.DecayedFloat16)
	ListpackValue int    // redis-server's hash-max-listpack-value (default 512, the deployments' setting; 0: the server default, 64)
	Seed          int64  // random seed (default 1)
	CPUProfile    string // write a CPU profile of this process to this file (default none)
}

// RecommendedListpackValue is the hash-max-listpack-value the profile Redis runs with
// (docker-compose.yml, docs/operations.md): every value of a layout-2 profile at 384 dimensions
// (a Q8 vector is 388 bytes) fits, so a whole profile stays one compact listpack instead of a
// hashtable with ~40 bytes of overhead per field.
const RecommendedListpackValue = 512

// DefaultOptions returns the settings `make bench` runs with.
func DefaultOptions() Options {
	return Options{Dim: 384, Users: 5000, Updates: 20000, Batch: 500, Rounds: 3, Partitions: 8, Seed: 1,
		ListpackValue: RecommendedListpackValue}
}

// Run starts a private redis-server, measures every variant and writes the report and its FIGURE
// lines to w.
func Run(ctx context.Context, o Options, w io.Writer) error {
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	return run(ctx, w, o.Dim, o.Users, o.Updates, o.Batch, o.Rounds, o.Partitions, o.Seed, o.RoundRobin, o.ListpackValue, o.Float16)
}

func figure(w io.Writer, name string, v float64, unit, what string) {
	fmt.Fprintf(w, "%-48s %12.3f %s\n", what, v, unit)
	fmt.Fprintf(w, "FIGURE %s %.4g\n", name, v)
}

func run(ctx context.Context, w io.Writer, dim, users, updates, batch, rounds, partitions int, seed int64, roundRobin bool, listpackValue int, float16 bool) error {
	var args []string
	if listpackValue > 0 {
		args = []string{"--hash-max-listpack-value", strconv.Itoa(listpackValue)}
	}
	proc, err := redisproc.Start(ctx, redisproc.Options{Args: args})
	if err != nil {
		return err
	}
	defer proc.Stop()
	rdb := redis.NewClient(&redis.Options{Addr: proc.Addr, PoolSize: 4})
	defer rdb.Close()
	layout := "keyed by user: one partition per user"
	if roundRobin {
		layout = "round-robin: a user's events on every partition"
	}
	fmt.Fprintf(w, "storebench: redis-server %s %v, dim %d, %d users, %d events per round in batches of %d, %d rounds, %d partitions %s\n",
		proc.Addr, args, dim, users, updates, batch, rounds, partitions, layout)

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
			u := r.Intn(users)
			p := u % partitions
			if roundRobin {
				p = r.Intn(partitions)
			}
			evs[i] = event.Event{
				Origin:    event.Origin{Topic: "clicks", Partition: p, Offset: offsets[p]},
				Pseudonym: fmt.Sprintf("k1.user%06d", u),
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
				b := schema.EncodeVector(e.Vector)
				if blobs == 1 {
					pipe.HSet(ctx, "bench:hset:{"+e.Pseudonym+"}", "vec", b)
				} else {
					pipe.HSet(ctx, "bench:hset:{"+e.Pseudonym+"}", "vec", b, "dvec", schema.EncodeVector(e.Vector))
				}
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return 0, err
			}
		}
		return float64(len(evs)) / time.Since(start).Seconds(), nil
	}

	mk := func(prefix string, cache int, script bool) (*profilestore.Store, error) {
		return profilestore.New(rdb, profilestore.Options{Prefix: prefix, ModelID: "bench", Dim: dim, CacheSize: cache,
			UseScript: script, DecayedFloat16: float16})
	}
	cached, err := mk("ps", 2*users, false) // the worker's steady state: its users' profiles are cached
	if err != nil {
		return err
	}
	uncached, err := mk("nc", -1, false)
	if err != nil {
		return err
	}
	scripted, err := mk("sc", 2*users, true)
	if err != nil {
		return err
	}
	// warm-up: create every profile (creation is a one-time cost, not the steady state)
	for _, st := range []*profilestore.Store{cached, uncached, scripted} {
		if _, err := foldRate(st, gen()); err != nil {
			return err
		}
	}
	if _, err := hsetRate(gen(), 2); err != nil {
		return err
	}
	var fc, fu, fs, hs, h2, sc, su, ss, sh, sh2, cc, cu, cs, ch, ch2 []float64
	for i := 0; i < rounds; i++ {
		for _, ph := range []struct {
			rate, server, client *[]float64
			run                  func([]event.Event) (float64, error)
		}{
			{&fc, &sc, &cc, func(e []event.Event) (float64, error) { return foldRate(cached, e) }},
			{&fu, &su, &cu, func(e []event.Event) (float64, error) { return foldRate(uncached, e) }},
			{&fs, &ss, &cs, func(e []event.Event) (float64, error) { return foldRate(scripted, e) }},
			{&hs, &sh, &ch, func(e []event.Event) (float64, error) { return hsetRate(e, 1) }},
			{&h2, &sh2, &ch2, func(e []event.Event) (float64, error) { return hsetRate(e, 2) }},
		} {
			evs := gen()
			runtime.GC() // the previous variant's garbage is not this one's cost
			cpu0, err := serverCPU(ctx, rdb)
			if err != nil {
				return err
			}
			own0 := ownCPU()
			v, err := ph.run(evs)
			if err != nil {
				return err
			}
			own1 := ownCPU()
			cpu1, err := serverCPU(ctx, rdb)
			if err != nil {
				return err
			}
			*ph.rate = append(*ph.rate, v)
			*ph.server = append(*ph.server, (cpu1-cpu0)*1e6/float64(len(evs)))
			*ph.client = append(*ph.client, (own1-own0)*1e6/float64(len(evs)))
		}
	}
	// Per-round ratios: the fold and the HSET baseline of one round ran back to back, so they
	// saw about the same machine load.
	ratio := make([]float64, rounds)
	cpuRatio := make([]float64, rounds)
	for i := range ratio {
		ratio[i] = fc[i] / hs[i]
		cpuRatio[i] = (ch[i] + sh[i]) / (cc[i] + sc[i])
	}
	mc, mu, ms, mh, mh2 := median(fc), median(fu), median(fs), median(hs), median(h2)
	fmt.Fprintf(w, "rounds: fold cached %s\n        HSET one blob %s\n", rates(fc), rates(hs))
	figure(w, "store.fold_updates_per_s", mc, "events/s", "exactly-once fold, cached profiles (MULTI/EXEC)")
	figure(w, "store.fold_best_updates_per_s", maxOf(fc), "events/s", "exactly-once fold, cached, best round")
	figure(w, "store.fold_nocache_updates_per_s", mu, "events/s", "exactly-once fold, cache off (read + MULTI/EXEC)")
	figure(w, "store.fold_script_updates_per_s", ms, "events/s", "exactly-once fold, cached, Lua CAS (cluster path)")
	figure(w, "store.hset_updates_per_s", mh, "events/s", "plain pipelined HSET of the event's vector blob")
	figure(w, "store.hset2_updates_per_s", mh2, "events/s", "plain pipelined HSET of two blobs (vec+dvec)")
	fmt.Fprintf(w, "        fold/HSET per round %s\n", ratios(ratio))
	figure(w, "store.fold_vs_hset_ratio", median(ratio), "", "fold (cached) / HSET of the event blob, median of rounds (target >= 0.5)")
	figure(w, "store.fold_vs_hset_best_ratio", maxOf(ratio), "", "fold (cached) / HSET of the event blob, best round")
	figure(w, "store.fold_cpu_us_per_event", median(cc)+median(sc), "µs", "CPU per event, fold cached: this process + redis-server")
	figure(w, "store.hset_cpu_us_per_event", median(ch)+median(sh), "µs", "CPU per event, HSET one blob: this process + redis-server")
	figure(w, "store.fold_vs_hset_cpu_ratio", median(cpuRatio), "", "HSET CPU / fold CPU per event (the rate ratio when CPU-bound)")
	figure(w, "store.fold_nocache_cpu_us_per_event", median(cu)+median(su), "µs", "CPU per event, fold cache off")
	figure(w, "store.fold_script_cpu_us_per_event", median(cs)+median(ss), "µs", "CPU per event, fold Lua CAS")
	figure(w, "store.hset2_cpu_us_per_event", median(ch2)+median(sh2), "µs", "CPU per event, HSET two blobs")
	figure(w, "store.fold_vs_hset2_ratio", mc/mh2, "", "fold (cached) / HSET of the two profile blobs")
	figure(w, "store.fold_nocache_vs_hset_ratio", mu/mh, "", "fold (cache off) / HSET of the event blob")
	figure(w, "store.fold_script_vs_hset_ratio", ms/mh, "", "fold (Lua CAS) / HSET of the event blob")
	figure(w, "store.fold_server_us_per_event", median(sc), "µs", "redis-server CPU per event, fold cached")
	figure(w, "store.fold_nocache_server_us_per_event", median(su), "µs", "redis-server CPU per event, fold cache off")
	figure(w, "store.fold_script_server_us_per_event", median(ss), "µs", "redis-server CPU per event, fold Lua CAS")
	figure(w, "store.hset_server_us_per_event", median(sh), "µs", "redis-server CPU per event, HSET one blob")
	figure(w, "store.hset2_server_us_per_event", median(sh2), "µs", "redis-server CPU per event, HSET two blobs")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(w, "load average during the run: %s", load)
	}
	if err := commandStats(ctx, w, rdb); err != nil {
		return err
	}

	// memory per profile
	var keys []string
	var cursor uint64
	for len(keys) < 500 {
		ks, next, err := rdb.Scan(ctx, cursor, schema.ProfileScanPattern("ps"), 500).Result()
		if err != nil {
			return err
		}
		keys = append(keys, ks...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	// A profile's memory is its hash plus its version token (single-server write path).
	var total, tokens int64
	for _, k := range keys {
		n, err := rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			return fmt.Errorf("MEMORY USAGE: %w", err)
		}
		total += n
		ps := schema.PseudonymFromProfileKey("ps", k)
		if t, err := rdb.MemoryUsage(ctx, profilestore.VersionKey("ps", ps), 0).Result(); err == nil {
			total += t
			tokens += t
		}
	}
	if len(keys) > 0 {
		fmt.Fprintf(w, "version tokens: %.0f bytes per profile (included below)\n", float64(tokens)/float64(len(keys)))
	}
	if len(keys) == 0 {
		return fmt.Errorf("no profiles to measure")
	}
	per := float64(total) / float64(len(keys))
	raw := float64(4 * dim)
	fmt.Fprintf(w, "memory sampled over %d profiles (each holds 2 vectors: lifetime and decayed mean)\n", len(keys))
	figure(w, "store.bytes_per_profile", per, "bytes", "MEMORY USAGE per profile")
	figure(w, "store.hash_max_listpack_value", float64(listpackValue), "bytes", "the server's hash-max-listpack-value in this run (0: the default, 64)")
	figure(w, "store.raw_vector_bytes", raw, "bytes", "raw bytes of one float32 vector")
	figure(w, "store.profile_vs_raw_vector_ratio", per/raw, "", "profile bytes / raw vector bytes")
	if len(keys) > 100 {
		keys = keys[:100]
	}
	return fieldCosts(ctx, w, rdb, keys)
}

// fieldCosts prints what each field (group) of a profile costs in Redis memory: for every
// sampled profile, a copy without the field is measured with MEMORY USAGE SAMPLES 0 (every
// field counted, not estimated) against a full copy. Field groups: "n:*" (the per-kind counts)
// and "wm:*" (the watermarks) are removed together.
func fieldCosts(ctx context.Context, w io.Writer, rdb *redis.Client, keys []string) error {
	group := func(f string) string {
		for _, p := range []string{"n:", "wm:", "mvf:"} {
			if strings.HasPrefix(f, p) {
				return p + "*"
			}
		}
		return f
	}
	cost := map[string]int64{}
	count := map[string]int{}
	var enc string
	for _, k := range keys {
		fields, err := rdb.HKeys(ctx, k).Result()
		if err != nil {
			return err
		}
		groups := map[string][]string{}
		for _, f := range fields {
			groups[group(f)] = append(groups[group(f)], f)
		}
		tmp := "bench:fieldcost"
		if err := rdb.Copy(ctx, k, tmp, 0, true).Err(); err != nil {
			return fmt.Errorf("COPY: %w", err)
		}
		full, err := rdb.MemoryUsage(ctx, tmp, 0).Result()
		if err != nil {
			return err
		}
		enc = rdb.ObjectEncoding(ctx, tmp).Val()
		for g, fs := range groups {
			if err := rdb.Copy(ctx, k, tmp, 0, true).Err(); err != nil {
				return err
			}
			if err := rdb.HDel(ctx, tmp, fs...).Err(); err != nil {
				return err
			}
			without, err := rdb.MemoryUsage(ctx, tmp, 0).Result()
			if err != nil {
				return err
			}
			cost[g] += full - without
			count[g]++
		}
		cost["(total)"] += full
		count["(total)"]++
	}
	_ = rdb.Del(ctx, "bench:fieldcost").Err()
	names := make([]string, 0, len(cost))
	for g := range cost {
		names = append(names, g)
	}
	sort.Slice(names, func(i, j int) bool {
		return cost[names[i]]/int64(count[names[i]]) > cost[names[j]]/int64(count[names[j]])
	})
	fmt.Fprintf(w, "memory per field (MEMORY USAGE SAMPLES 0 of a copy without the field, mean over %d profiles, encoding %s):\n", len(keys), enc)
	var sum int64
	for _, g := range names {
		c := float64(cost[g]) / float64(count[g])
		fmt.Fprintf(w, "  %-10s %7.0f bytes (in %d of %d profiles)\n", g, c, count[g], len(keys))
		if g != "(total)" {
			sum += cost[g]
		}
	}
	fmt.Fprintf(w, "  fields sum %.0f bytes; the rest is the key and the hash itself\n", float64(sum)/float64(len(keys)))
	return nil
}

// commandStats prints where redis-server's time went over the whole run (every variant, the
// warm-up included): INFO commandstats, the commands with the most total time first.
func commandStats(ctx context.Context, w io.Writer, rdb *redis.Client) error {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return err
	}
	type stat struct {
		name        string
		calls, usec float64
	}
	var st []stat
	for _, l := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		s := stat{name: strings.TrimPrefix(name, "cmdstat_")}
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				s.calls, _ = strconv.ParseFloat(v, 64)
			case "usec":
				s.usec, _ = strconv.ParseFloat(v, 64)
			}
		}
		st = append(st, s)
	}
	sort.Slice(st, func(i, j int) bool { return st[i].usec > st[j].usec })
	fmt.Fprintf(w, "redis-server time by command over the whole run (INFO commandstats):\n")
	for i, s := range st {
		if i == 10 {
			break
		}
		fmt.Fprintf(w, "  %-12s %10.0f calls %8.2f µs/call %8.0f ms total\n", s.name, s.calls, s.usec/max(s.calls, 1), s.usec/1000)
	}
	return nil
}

// serverCPU returns the redis-server process's CPU time (user + system) in seconds.
func serverCPU(ctx context.Context, rdb *redis.Client) (float64, error) {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, err
	}
	var total float64
	for _, l := range strings.Split(info, "\n") {
		l = strings.TrimSpace(l)
		for _, f := range []string{"used_cpu_sys:", "used_cpu_user:"} {
			if v, ok := strings.CutPrefix(l, f); ok {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return 0, fmt.Errorf("INFO cpu %q: %w", l, err)
				}
				total += x
			}
		}
	}
	return total, nil
}

// ownCPU returns this process's CPU time (user + system, every thread) in seconds.
func ownCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func ratios(v []float64) string {
	var b strings.Builder
	for _, x := range v {
		fmt.Fprintf(&b, " %.3f", x)
	}
	return b.String()
}

func rates(v []float64) string {
	var b strings.Builder
	for _, x := range v {
		fmt.Fprintf(&b, " %.0f", x)
	}
	return b.String()
}

func maxOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		m = max(m, x)
	}
	return m
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
