package evalsegments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/online"
	"github.com/profilestream/profilestream/schema"
)

// callsPerRep is how many 1024-row batches each side processes in one repetition.
const callsPerRep = 8

// evalSpeed times ours against sklearn's partial_fit on the same batches, interleaved.
func evalSpeed(ctx context.Context, c Config, client redis.UniversalClient, set *Set, k int) error {
	w := c.Out
	_, xs, _ := finalVectors(set)
	nb := min(4, len(xs)/1024)
	if nb == 0 || k < 1 {
		fmt.Fprintf(w, "SKIP speed: %s has fewer than 1024 users with a vector\n", set.Name)
		return nil
	}
	rows := xs[:nb*1024]
	sk, err := startSklearn(ctx, c.Python, c.Script, rows)
	if err != nil {
		return fmt.Errorf("speed comparison: %w", err)
	}
	defer sk.Close()
	if err := sk.PartialFitInit(k, nb); err != nil {
		return err
	}
	margin := online.Options{}.Margin
	if margin == 0 {
		margin = 0.05 // online's default
	}
	cl := online.NewClusterer(k, len(rows[0]))
	cl.InitBest(rows, rand.New(rand.NewPCG(1, 1)), 20, 3)
	prev := cl.Labels(rows)
	next := 0
	core := func() float64 {
		per := make([]float64, 0, callsPerRep)
		for i := 0; i < callsPerRep; i++ {
			b := next % nb
			next++
			t := time.Now()
			for r := b * 1024; r < (b+1)*1024; r++ {
				s, _ := cl.Assign(rows[r], prev[r], margin)
				cl.Add(s, rows[r], 1)
				prev[r] = s
			}
			per = append(per, time.Since(t).Seconds()/1024)
		}
		return minOf(per)
	}
	// Observe in batches of 1024 users, each carrying its stored segment (as the worker's fold
	// reads it), Redis membership writes included.
	if err := client.FlushAll(ctx).Err(); err != nil {
		return err
	}
	rec := &recorder{seg: map[string]online.Assignment{}}
	m, err := online.New(client, rec, online.Options{K: k, Prefix: "evalspeed", WorkerID: "eval", Seed: 1, MinUsersToInit: 1024})
	if err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for i := range ids {
		ids[i] = fmt.Sprintf("u%05d", i)
	}
	batch := func(b int) []online.Update {
		ups := make([]online.Update, 1024)
		for i := range ups {
			r := b*1024 + i
			a, ok := rec.get(ids[r])
			if !ok {
				a.Segment = -1
			}
			ups[i] = online.Update{Pseudonym: ids[r], Vector: rows[r], Segment: a.Segment, CentroidVersion: a.CentroidVersion,
				Categories: []schema.CategoryCount{{Category: "c", Count: 1}}, MeanRating: 4}
		}
		return ups
	}
	for b := 0; b < nb; b++ { // initializes the model and assigns everybody once
		if _, err := m.Observe(ctx, batch(b)); err != nil {
			return err
		}
	}
	if err := m.Merge(ctx); err != nil {
		return err
	}
	nextObs := 0
	observe := func() (float64, error) {
		per := make([]float64, 0, callsPerRep)
		for i := 0; i < callsPerRep; i++ {
			ups := batch(nextObs % nb)
			nextObs++
			t := time.Now()
			if _, err := m.Observe(ctx, ups); err != nil {
				return 0, err
			}
			per = append(per, time.Since(t).Seconds()/1024)
		}
		return minOf(per), nil
	}
	// sklearn at its best: the faster of one thread and its default (all cores).
	python := func() (float64, error) {
		best := 0.0
		for _, threads := range []int{1, 0} {
			secs, err := sk.PartialFitTime(callsPerRep, threads)
			if err != nil {
				return 0, err
			}
			if b := minOf(secs) / 1024; best == 0 || b < best {
				best = b
			}
		}
		return best, nil
	}
	var pys, cores, obss, ratios, obsRatios []float64
	for rep := 0; rep < c.SpeedReps; rep++ {
		var py, co, ob float64
		var err error
		// Rotate the order so that no side always runs first (or after the other).
		for step := 0; step < 3; step++ {
			switch (rep + step) % 3 {
			case 0:
				py, err = python()
			case 1:
				co = core()
			case 2:
				ob, err = observe()
			}
			if err != nil {
				return err
			}
		}
		pys, cores, obss = append(pys, py), append(cores, co), append(obss, ob)
		ratios = append(ratios, py/co)
		obsRatios = append(obsRatios, py/ob)
	}
	us := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x * 1e6
		}
		return out
	}
	fmt.Fprintf(w, "\nspeed on %s, k=%d, %d batches of 1024 rows, %d interleaved repetitions of %d batches per side (best batch of each; sklearn the faster of 1 thread and its default):\n",
		set.Name, k, nb, c.SpeedReps, callsPerRep)
	fmt.Fprintf(w, "  sklearn partial_fit us/sample: %s\n", list(us(pys), "%.2f"))
	fmt.Fprintf(w, "  ours Assign+Add us/update:     %s\n", list(us(cores), "%.2f"))
	fmt.Fprintf(w, "  ours Observe(1024) us/user:    %s\n", list(us(obss), "%.2f"))
	fmt.Fprintf(w, "  ratio partial_fit/ours per repetition: %s\n", list(ratios, "%.2f"))
	fmt.Fprintf(w, "  ratio partial_fit/Observe(1024) per repetition: %s\n", list(obsRatios, "%.2f"))
	fmt.Fprintf(w, "FIGURE segments.update_speed_ratio_vs_minibatch %.4f\n", median(ratios))
	fmt.Fprintf(w, "FIGURE segments.update_speed_ratio_vs_minibatch.observe_batch1024 %.4f\n", median(obsRatios))
	return nil
}

func minOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		m = min(m, x)
	}
	return m
}

// recorder is a SegmentWriter that remembers each user's last assignment.
type recorder struct {
	mu  sync.Mutex
	seg map[string]online.Assignment
}

func (r *recorder) SetSegments(_ context.Context, as []online.Assignment) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range as {
		if old, ok := r.seg[a.Pseudonym]; ok && a.CentroidVersion < old.CentroidVersion {
			continue
		}
		r.seg[a.Pseudonym] = a
	}
	return nil
}

func (r *recorder) get(p string) (online.Assignment, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.seg[p]
	return a, ok
}

func (r *recorder) segment(p string) int {
	if a, ok := r.get(p); ok {
		return a.Segment
	}
	return -1
}
