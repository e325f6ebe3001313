package lag

import (
	"testing"
	"time"
)

func TestStallDetector(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Member{MemberID: "a", ClientID: "worker-a", Host: "10.0.0.1"}
	b := Member{MemberID: "b", ClientID: "worker-b", Host: "10.0.0.2"}
	type poll struct {
		at        time.Duration
		committed int64
		end       int64
		owner     Member
		want      bool // stalled after this poll
		wantNew   bool
	}
	tests := []struct {
		name  string
		polls []poll
	}{
		{"moving offsets never stall", []poll{
			{0, 10, 100, a, false, false}, {20 * time.Second, 20, 100, a, false, false},
			{40 * time.Second, 30, 100, a, false, false}, {70 * time.Second, 40, 100, a, false, false}}},
		{"caught up never stalls", []poll{
			{0, 100, 100, a, false, false}, {40 * time.Second, 100, 100, a, false, false}, {90 * time.Second, 100, 100, a, false, false}}},
		{"frozen with lag stalls after the threshold, new once", []poll{
			{0, 10, 100, a, false, false}, {29 * time.Second, 10, 100, a, false, false},
			{30 * time.Second, 10, 100, a, true, true}, {35 * time.Second, 10, 120, a, true, false}}},
		{"clock starts when lag appears", []poll{
			{0, 100, 100, a, false, false}, {60 * time.Second, 100, 101, a, false, false},
			{80 * time.Second, 100, 101, a, false, false}, {90 * time.Second, 100, 101, a, true, true}}},
		{"never committed with lag stalls", []poll{
			{0, -1, 5, Member{}, false, false}, {31 * time.Second, -1, 5, Member{}, true, true}}},
		{"owner change restarts the clock", []poll{
			{0, 10, 100, a, false, false}, {25 * time.Second, 10, 100, b, false, false},
			{50 * time.Second, 10, 100, b, false, false}, {55 * time.Second, 10, 100, b, true, true}}},
		{"a commit ends the stall and a new one is new again", []poll{
			{0, 10, 100, a, false, false}, {30 * time.Second, 10, 100, a, true, true},
			{35 * time.Second, 11, 100, a, false, false}, {65 * time.Second, 11, 100, a, true, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewStallDetector(30 * time.Second)
			for i, p := range tc.polls {
				snap := Snapshot{At: t0.Add(p.at), Partitions: []PartitionLag{
					{Topic: "clicks", Partition: 3, Committed: p.committed, End: p.end, Lag: lagOf(p.committed, 0, p.end)},
					{Topic: "clicks", Partition: 0, Committed: p.end, End: p.end}, // caught up, never stalls
				}}
				owners := map[TopicPartition]Member{{"clicks", 3}: p.owner, {"clicks", 0}: a}
				got := d.Observe(snap, owners)
				if (len(got) == 1) != p.want || len(got) > 1 {
					t.Fatalf("poll %d (%v): stalls %+v, want stalled=%v", i, p.at, got, p.want)
				}
				if p.want {
					s := got[0]
					if s.New != p.wantNew || s.Owner != p.owner || s.Committed != p.committed || s.End != p.end || s.Partition != 3 || s.For < 30*time.Second {
						t.Fatalf("poll %d: stall %+v, want new=%v owner=%+v", i, s, p.wantNew, p.owner)
					}
				}
			}
		})
	}
}
