package capacity

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestParseFigures(t *testing.T) {
	in := "noise\nFIGURE a.b 1.5e+04\nFIGURE c 2\n  FIGURE indented 3\nFIGURE a.b 7\nFIGURE bad\n"
	got, err := ParseFigures(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"a.b": 7, "c": 2, "indented": 3}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: got %v want %v", k, got[k], v)
		}
	}
	if _, err := ParseFigures(strings.NewReader("FIGURE x notanumber\n")); err == nil {
		t.Fatal("bad value accepted")
	}
}

func testInputs() Inputs {
	return Inputs{ClickEventsPerS: 10000, ReviewEventsPerS: 100, FoldCachedPerS: 20000, FoldNoCachePerS: 10000,
		ServerUSCached: 10, ServerUSNoCache: 20, ServerUSCluster: 30, BytesPerProfile: 5000}
}

func TestPlan(t *testing.T) {
	in := testInputs()
	a := Assumptions{ReviewShare: 0, CacheHitRate: 1, WorkerUtilization: 1, ShardCPU: 1, ShardMemoryGB: 10,
		MemoryOverhead: 1, Replicas: 1, MinPartitions: 12}
	for _, tc := range []struct {
		name                             string
		mod                              func(*Assumptions)
		users, rate                      float64
		workers, parts, shards, cpu, mem int
		gb                               float64
	}{
		// (rates and users chosen off the rounding boundaries)
		// 1M users x 5000 B = 5 GB (10 with the replica); 5k/s x 10 µs = 0.05 core
		{"small", nil, 1e6, 5e3, 1, 12, 1, 1, 1, 10},
		// 95k/s: 9.5 -> 10 workers, 20 -> 24 partitions; 0.95 core of Redis: one server
		{"one server near its limit", nil, 1e6, 9.5e4, 10, 24, 1, 1, 1, 10},
		// 1.05M/s: 105 workers, 210 -> 216 partitions; 10.5 cores -> cluster path 30 µs -> 31.5 -> 32 shards
		{"cluster by cpu", nil, 1e6, 1.05e6, 105, 216, 32, 32, 1, 10},
		// 101M users: 505 GB of masters -> 50.5 -> 51 shards; cluster cpu 9k*30µs -> 1
		{"cluster by memory", nil, 1.01e8, 9e3, 1, 12, 51, 1, 51, 1010},
		// 1% reviews at 100/s: 0.99/1e4 + 0.01/100 = 1.99e-4 s -> 5025/s per worker; 95k/s -> 19
		{"review mix", func(a *Assumptions) { a.ReviewShare = 0.01 }, 1e6, 9.5e4, 19, 48, 1, 1, 1, 10},
		// all misses: + (1/1e4 - 1/2e4) = 1.5e-4 s -> 6667/s; 110k/s -> 16.5 -> 17 workers;
		// Redis 20 µs -> 2.2 -> cluster path 30 µs -> 3.3 -> 4 shards
		{"cache misses", func(a *Assumptions) { a.CacheHitRate = 0 }, 1e6, 1.1e5, 17, 36, 4, 4, 1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aa := a
			if tc.mod != nil {
				tc.mod(&aa)
			}
			rows, err := Plan(in, aa, []float64{tc.users}, []float64{tc.rate})
			if err != nil {
				t.Fatal(err)
			}
			r := rows[0]
			if r.Workers != tc.workers || r.Partitions != tc.parts || r.Shards != tc.shards ||
				r.ShardsForCPU != tc.cpu || r.ShardsMem != tc.mem || math.Abs(r.MemoryGB-tc.gb) > 1e-9 {
				t.Fatalf("got %+v", r)
			}
		})
	}
	if _, err := Plan(in, Assumptions{}, []float64{1}, []float64{1}); err == nil {
		t.Fatal("zero assumptions accepted")
	}
}

func TestInputsFromPrefersEndToEnd(t *testing.T) {
	figs := map[string]float64{
		"store.fold_updates_per_s": 20000, "store.fold_nocache_updates_per_s": 10000,
		"store.fold_server_us_per_event": 10, "store.fold_nocache_server_us_per_event": 20,
		"store.fold_script_server_us_per_event": 30, "store.bytes_per_profile": 5000,
		"demo.events_per_s.clicks": 6000, "demo.events_per_s.reviews": 150,
	}
	in, err := InputsFrom(figs)
	if err != nil {
		t.Fatal(err)
	}
	if in.ClickEventsPerS != 6000 || in.Sources["clicks/s per worker"] != "demo.events_per_s.clicks" {
		t.Fatalf("clicks from %s: %v", in.Sources["clicks/s per worker"], in.ClickEventsPerS)
	}
	figs["e2e.clicks.events_per_s"] = 9000
	if in, _ = InputsFrom(figs); in.ClickEventsPerS != 9000 {
		t.Fatalf("end-to-end figure not preferred: %v", in.ClickEventsPerS)
	}
	delete(figs, "store.bytes_per_profile")
	if _, err := InputsFrom(figs); err == nil || !strings.Contains(err.Error(), "bytes/profile") {
		t.Fatalf("missing figure not reported: %v", err)
	}
	var b bytes.Buffer
	rows, _ := Plan(testInputs(), DefaultAssumptions(), []float64{1e6}, []float64{1e4})
	if err := Render(&b, testInputs(), DefaultAssumptions(), rows); err != nil || !strings.Contains(b.String(), "| 1M | 10k |") {
		t.Fatalf("render: %v\n%s", err, b.String())
	}
}
