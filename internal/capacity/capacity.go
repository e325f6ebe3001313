// Package capacity turns measured FIGURE lines (per-worker event rates, Redis server time per
// event, bytes per profile) into a sizing table: workers, partitions, Redis shards and Redis
// memory for a number of users and an event rate, under stated assumptions. cmd/capacity wires
// it to files of FIGURE lines, so the table in docs/capacity.md can be printed again whenever
// the measurements change.
package capacity

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ParseFigures reads "FIGURE <name> <value>" lines (anything else is ignored). A name seen twice
// keeps its last value.
func ParseFigures(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "FIGURE" {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("capacity: FIGURE %s: %w", f[1], err)
		}
		out[f[1]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("capacity: read figures: %w", err)
	}
	return out, nil
}

// Inputs are the measurements the plan is computed from, with the figure each came from.
type Inputs struct {
	ClickEventsPerS  float64 // one worker, click events end to end (no text to encode)
	ReviewEventsPerS float64 // one worker, review events end to end (encoder-bound)
	FoldCachedPerS   float64 // profile store alone, profile in the worker's cache
	FoldNoCachePerS  float64 // profile store alone, profile read before the write
	// Redis server CPU per folded event (µs): single server (transaction path), cache hit and
	// miss, and the Redis Cluster path (Lua compare-and-set per slot).
	ServerUSCached, ServerUSNoCache, ServerUSCluster float64
	BytesPerProfile                                  float64
	Sources                                          map[string]string // input -> figure name
}

// figure candidates for each input, best first: an end-to-end benchmark beats the demo, which
// beats the store alone.
var candidates = []struct {
	input string
	names []string
	set   func(*Inputs, float64)
}{
	{"clicks/s per worker", []string{"e2e.clicks.events_per_s", "demo.events_per_s.clicks", "store.fold_updates_per_s"},
		func(in *Inputs, v float64) { in.ClickEventsPerS = v }},
	{"reviews/s per worker", []string{"e2e.reviews.events_per_s", "demo.events_per_s.reviews"},
		func(in *Inputs, v float64) { in.ReviewEventsPerS = v }},
	{"fold/s, cached", []string{"store.fold_updates_per_s"}, func(in *Inputs, v float64) { in.FoldCachedPerS = v }},
	{"fold/s, cache miss", []string{"store.fold_nocache_updates_per_s"}, func(in *Inputs, v float64) { in.FoldNoCachePerS = v }},
	{"Redis µs/event, cached", []string{"store.fold_server_us_per_event"}, func(in *Inputs, v float64) { in.ServerUSCached = v }},
	{"Redis µs/event, cache miss", []string{"store.fold_nocache_server_us_per_event"}, func(in *Inputs, v float64) { in.ServerUSNoCache = v }},
	{"Redis µs/event, cluster", []string{"store.fold_script_server_us_per_event"}, func(in *Inputs, v float64) { in.ServerUSCluster = v }},
	{"bytes/profile", []string{"store.bytes_per_profile"}, func(in *Inputs, v float64) { in.BytesPerProfile = v }},
}

// InputsFrom picks the inputs out of parsed figures. Every input is required.
func InputsFrom(figs map[string]float64) (Inputs, error) {
	in := Inputs{Sources: map[string]string{}}
	var missing []string
	for _, c := range candidates {
		found := false
		for _, n := range c.names {
			if v, ok := figs[n]; ok && v > 0 {
				c.set(&in, v)
				in.Sources[c.input] = n
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, c.input+" ("+strings.Join(c.names, " or ")+")")
		}
	}
	if len(missing) > 0 {
		return in, fmt.Errorf("capacity: missing figures: %s", strings.Join(missing, "; "))
	}
	return in, nil
}

// Assumptions are what the measurements do not say.
type Assumptions struct {
	ReviewShare       float64 // share of events that are reviews (text to encode), 0..1
	CacheHitRate      float64 // share of folds whose profile is in the worker's cache, 0..1
	WorkerUtilization float64 // share of a worker's measured rate to plan for, (0, 1]
	ShardCPU          float64 // share of one Redis core a shard may spend on folds, (0, 1]
	ShardMemoryGB     float64 // usable memory of one Redis shard
	MemoryOverhead    float64 // factor on bytes per profile for fragmentation and growth, >= 1
	Replicas          int     // replicas per shard (their memory is counted)
	MinPartitions     int     // partitions per topic at least
}

// DefaultAssumptions are the assumptions docs/capacity.md states.
func DefaultAssumptions() Assumptions {
	return Assumptions{ReviewShare: 0.01, CacheHitRate: 0.9, WorkerUtilization: 0.7, ShardCPU: 0.5,
		ShardMemoryGB: 25, MemoryOverhead: 1.3, Replicas: 1, MinPartitions: 12}
}

func (a Assumptions) validate() error {
	switch {
	case a.ReviewShare < 0 || a.ReviewShare > 1, a.CacheHitRate < 0 || a.CacheHitRate > 1:
		return errors.New("capacity: shares must be within 0..1")
	case a.WorkerUtilization <= 0 || a.WorkerUtilization > 1, a.ShardCPU <= 0 || a.ShardCPU > 1:
		return errors.New("capacity: utilizations must be within (0, 1]")
	case a.ShardMemoryGB <= 0, a.MemoryOverhead < 1, a.Replicas < 0, a.MinPartitions < 1:
		return errors.New("capacity: invalid shard memory, overhead, replicas or partitions")
	}
	return nil
}

// Row is the plan for one (users, events/s) cell.
type Row struct {
	Users, EventsPerS       float64
	EventsPerUserDay        float64 // implied by the two
	Workers, Partitions     int
	Shards                  int     // 1 = a single server (transaction write path), more = a cluster
	ShardsForCPU, ShardsMem int     // what drives the shard count
	MemoryGB                float64 // all shards, replicas included
}

// WorkerEventsPerS is the planned rate of one worker for the event mix: the measured time per
// click and per review event, plus the extra store time of cache misses, at the planned
// utilization.
func WorkerEventsPerS(in Inputs, a Assumptions) float64 {
	miss := math.Max(0, 1/in.FoldNoCachePerS-1/in.FoldCachedPerS) * (1 - a.CacheHitRate)
	t := (1-a.ReviewShare)*(1/in.ClickEventsPerS) + a.ReviewShare*(1/in.ReviewEventsPerS) + miss
	return a.WorkerUtilization / t
}

// Plan computes one row per (users, rate) pair, users outermost.
func Plan(in Inputs, a Assumptions, users, rates []float64) ([]Row, error) {
	if err := a.validate(); err != nil {
		return nil, err
	}
	per := WorkerEventsPerS(in, a)
	var rows []Row
	for _, u := range users {
		for _, r := range rates {
			w := max(1, int(math.Ceil(r/per)))
			parts := max(a.MinPartitions, 2*w) // room to double the workers without repartitioning
			parts = (parts + 11) / 12 * 12     // divisible by 1, 2, 3, 4, 6, 12 workers
			bytes := u * in.BytesPerProfile * a.MemoryOverhead
			mem := int(math.Ceil(bytes / (a.ShardMemoryGB * 1e9)))
			cpu := shardsForCPU(in.ServerUSCached, in.ServerUSNoCache, a, r)
			if max(mem, cpu) > 1 { // a cluster writes with the per-slot Lua path
				cpu = shardsForCPU(in.ServerUSCluster, in.ServerUSCluster, a, r)
			}
			sh := max(1, mem, cpu)
			rows = append(rows, Row{Users: u, EventsPerS: r, EventsPerUserDay: r * 86400 / u, Workers: w,
				Partitions: parts, Shards: sh, ShardsForCPU: cpu, ShardsMem: mem,
				MemoryGB: bytes * float64(1+a.Replicas) / 1e9})
		}
	}
	return rows, nil
}

func shardsForCPU(hitUS, missUS float64, a Assumptions, rate float64) int {
	us := a.CacheHitRate*hitUS + (1-a.CacheHitRate)*missUS
	return int(math.Ceil(rate * us / (1e6 * a.ShardCPU)))
}

// Render writes the inputs, the assumptions and the table as Markdown.
func Render(w io.Writer, in Inputs, a Assumptions, rows []Row) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Inputs (measured):\n\n| input | value | figure |\n|---|---|---|\n")
	for _, c := range candidates {
		var v float64
		switch c.input {
		case "clicks/s per worker":
			v = in.ClickEventsPerS
		case "reviews/s per worker":
			v = in.ReviewEventsPerS
		case "fold/s, cached":
			v = in.FoldCachedPerS
		case "fold/s, cache miss":
			v = in.FoldNoCachePerS
		case "Redis µs/event, cached":
			v = in.ServerUSCached
		case "Redis µs/event, cache miss":
			v = in.ServerUSNoCache
		case "Redis µs/event, cluster":
			v = in.ServerUSCluster
		case "bytes/profile":
			v = in.BytesPerProfile
		}
		fmt.Fprintf(&b, "| %s | %.4g | `%s` |\n", c.input, v, in.Sources[c.input])
	}
	fmt.Fprintf(&b, "\nAssumptions: reviews %.1f%% of events, cache hit rate %.0f%%, workers planned at %.0f%% of their "+
		"measured rate, a Redis shard spends at most %.0f%% of a core on folds and holds %.0f GB, memory overhead x%.2f, "+
		"%d replica(s) per shard, at least %d partitions per topic.\n",
		100*a.ReviewShare, 100*a.CacheHitRate, 100*a.WorkerUtilization, 100*a.ShardCPU, a.ShardMemoryGB,
		a.MemoryOverhead, a.Replicas, a.MinPartitions)
	fmt.Fprintf(&b, "Planned rate of one worker for this mix: %.0f events/s.\n\n", WorkerEventsPerS(in, a))
	fmt.Fprintf(&b, "| users | events/s | events/user/day | workers | partitions (each topic) | Redis shards (cpu, memory) | Redis GB (with replicas) |\n")
	fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.3g | %d | %d | %d (%d, %d) | %.1f |\n", human(r.Users), human(r.EventsPerS),
			r.EventsPerUserDay, r.Workers, r.Partitions, r.Shards, r.ShardsForCPU, r.ShardsMem, r.MemoryGB)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func human(v float64) string {
	switch {
	case v >= 1e6 && math.Mod(v, 1e6) == 0:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3 && math.Mod(v, 1e3) == 0:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
