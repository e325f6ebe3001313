package lag

import (
	"math"
	"testing"
	"time"
)

// win builds a window of polls one second apart from (committed, end) pairs.
func win(t0 time.Time, pairs ...[2]int64) []Observation {
	obs := make([]Observation, len(pairs))
	for i, p := range pairs {
		from := max(p[0], 0)
		obs[i] = Observation{At: t0.Add(time.Duration(i) * time.Second), Committed: p[0], End: p[1], Lag: max(p[1]-from, 0)}
	}
	return obs
}

// withStart sets the log start offset of poll i.
func withStart(obs []Observation, i int, start int64) []Observation {
	obs[i].Start = start
	obs[i].Lag = max(obs[i].End-max(obs[i].Committed, start), 0)
	return obs
}

func TestEvaluate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0.Add(4 * time.Second) // just after the 5th poll of a 5-poll window
	const size = 5
	const stopAfter = time.Minute
	tests := []struct {
		name     string
		obs      []Observation
		lastMove time.Time
		now      time.Time
		want     Status
	}{
		{"empty window", nil, t0, now, OK},
		{"caught up", win(t0, [2]int64{10, 10}, [2]int64{20, 20}, [2]int64{30, 30}, [2]int64{40, 40}, [2]int64{50, 50}), now, now, OK},
		{"idle, nothing to do", win(t0, [2]int64{10, 10}, [2]int64{10, 10}, [2]int64{10, 10}, [2]int64{10, 10}, [2]int64{10, 10}), t0, now, OK},
		{"keeping pace with steady lag", win(t0, [2]int64{10, 15}, [2]int64{20, 25}, [2]int64{30, 35}, [2]int64{40, 45}, [2]int64{50, 55}), now, now, OK},
		{"catching up", win(t0, [2]int64{10, 100}, [2]int64{40, 110}, [2]int64{70, 120}, [2]int64{100, 130}, [2]int64{125, 140}), now, now, OK},
		{"falling behind while committing", win(t0, [2]int64{10, 20}, [2]int64{12, 30}, [2]int64{14, 40}, [2]int64{16, 50}, [2]int64{18, 60}), now, now, WARN},
		{"lag flat once then growing is still WARN", win(t0, [2]int64{10, 20}, [2]int64{20, 30}, [2]int64{22, 40}, [2]int64{24, 50}, [2]int64{26, 60}), now, now, WARN},
		{"growing but one dip is OK", win(t0, [2]int64{10, 20}, [2]int64{12, 30}, [2]int64{30, 31}, [2]int64{32, 50}, [2]int64{34, 60}), now, now, OK},
		{"growing lag with window not full is OK", win(t0, [2]int64{10, 20}, [2]int64{12, 30}, [2]int64{14, 40}), now, now, OK},
		{"stalled: offset still, lag > 0", win(t0, [2]int64{10, 20}, [2]int64{10, 20}, [2]int64{10, 25}, [2]int64{10, 30}, [2]int64{10, 30}), t0, now, STALL},
		{"lag before the first commit is NOCOMMIT", win(t0, [2]int64{-1, 20}, [2]int64{-1, 20}, [2]int64{-1, 20}, [2]int64{-1, 20}, [2]int64{-1, 20}), t0, now, NOCOMMIT},
		{"never committed, one poll (--once), is NOCOMMIT", win(t0, [2]int64{-1, 20}), t0, t0, NOCOMMIT},
		{"never committed and nothing to do is OK", win(t0, [2]int64{-1, 0}), t0, t0, OK},
		{"never committed for StopAfter is STOP", win(t0, [2]int64{-1, 20}), t0.Add(-2 * time.Minute), t0, STOP},
		{"committed below the log start is LOSS", withStart(win(t0, [2]int64{10, 60}), 0, 30), now, now, LOSS},
		{"LOSS stays in the window after the worker moved on", withStart(win(t0, [2]int64{10, 60}, [2]int64{40, 60}, [2]int64{60, 60}), 0, 30), now, now, LOSS},
		{"LOSS beats REWIND", withStart(win(t0, [2]int64{50, 60}, [2]int64{10, 60}), 1, 30), now, now, LOSS},
		{"committed at the log start is no loss", withStart(win(t0, [2]int64{30, 60}), 0, 30), now, now, OK},
		{"still offset but window not full", win(t0, [2]int64{10, 20}, [2]int64{10, 20}), t0, now, OK},
		{"still offset but moved inside window", win(t0, [2]int64{9, 20}, [2]int64{10, 20}, [2]int64{10, 20}, [2]int64{10, 20}, [2]int64{10, 20}), t0.Add(time.Second), now, OK},
		{"stopped: no move for StopAfter", win(t0, [2]int64{10, 20}, [2]int64{10, 20}, [2]int64{10, 20}, [2]int64{10, 20}, [2]int64{10, 20}), t0.Add(-time.Minute), now, STOP},
		{"stop needs no full window", win(t0, [2]int64{10, 20}), t0.Add(-2 * time.Minute), t0, STOP},
		{"no lag is never STOP", win(t0, [2]int64{20, 20}, [2]int64{20, 20}), t0.Add(-time.Hour), now, OK},
		{"rewind", win(t0, [2]int64{50, 60}, [2]int64{55, 60}, [2]int64{5, 60}, [2]int64{20, 60}, [2]int64{40, 60}), now, now, REWIND},
		{"rewind beats caught up", win(t0, [2]int64{50, 60}, [2]int64{10, 60}, [2]int64{60, 60}), now, now, REWIND},
		{"reset to none is not a rewind step we can see", win(t0, [2]int64{-1, 60}, [2]int64{10, 60}, [2]int64{20, 60}), now, now, OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(Window{Obs: tc.obs, LastMove: tc.lastMove}, tc.now, size, stopAfter)
			if got != tc.want {
				t.Fatalf("Evaluate = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestStatusOrderAndText(t *testing.T) {
	if got := OK.Worse(STALL).Worse(WARN); got != STALL {
		t.Fatalf("worst of OK, STALL, WARN = %s", got)
	}
	for _, s := range Statuses() {
		b, _ := s.MarshalText()
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("round trip %s: %v %s", s, err, back)
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("BAD")); err == nil {
		t.Fatal("accepted an unknown status")
	}
}

func TestTableAge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := &partState{}
	st.addPoint(100, t0, 120)                     // offsets < 100 written by t0
	st.addPoint(200, t0.Add(10*time.Second), 120) // 100..199 written in (t0, t0+10s]
	st.addPoint(200, t0.Add(15*time.Second), 120) // flat run: the right end moves...
	st.addPoint(200, t0.Add(20*time.Second), 120) // ...to t0+20s: offset 200 was not written by then
	st.addPoint(300, t0.Add(30*time.Second), 120) // 200..299 written in (t0+20s, t0+30s]
	if len(st.table) != 4 {
		t.Fatalf("table %v, want 4 points (flat run kept as its two ends)", st.table)
	}
	now := t0.Add(40 * time.Second)
	tests := []struct {
		off  int64
		want float64
		est  Estimate
	}{
		{50, 47.5, EstimateExtrapolated}, // 200 offsets in 30 s: offset 50 is 7.5 s before t0
		{100, 40, EstimateInterpolated},
		{150, 35, EstimateInterpolated},
		{200, 20, EstimateInterpolated},
		{250, 15, EstimateInterpolated},
		{300, 0, EstimateNone},
	}
	for _, tc := range tests {
		got, est := st.age(tc.off, now)
		if math.Abs(got-tc.want) > 1e-9 || est != tc.est {
			t.Errorf("age(%d) = %v,%q want %v,%q", tc.off, got, est, tc.want, tc.est)
		}
	}
	// A recreated topic (end offset going down) restarts the table; one point has no rate.
	re := &partState{}
	re.addPoint(500, t0, 120)
	re.addPoint(600, t0.Add(10*time.Second), 120)
	re.addPoint(20, t0.Add(20*time.Second), 120)
	if got, est := re.age(10, now); est != EstimateUnknown {
		t.Errorf("after recreation age(10) = %v,%q want unknown", got, est)
	}
	// A table whose end offset never moved has no rate either: unknown, not "since the first poll".
	flat := &partState{}
	flat.addPoint(500, t0, 120)
	flat.addPoint(500, t0.Add(time.Minute), 120)
	if got, est := flat.age(10, now.Add(time.Hour)); est != EstimateUnknown {
		t.Errorf("flat table age(10) = %v,%q want unknown", got, est)
	}
	// The table stays bounded and keeps its oldest point.
	for i := 0; i < 1000; i++ {
		st.addPoint(int64(400+i), now.Add(time.Duration(i)*time.Second), 16)
	}
	if len(st.table) > 16 || st.table[0].off != 100 {
		t.Fatalf("table len %d first %d", len(st.table), st.table[0].off)
	}
}
