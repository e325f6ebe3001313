package profilestore

import (
	"context"
	"errors"
	"testing"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

func renamed(evs []event.Event, pseudonym string) []event.Event {
	out := append([]event.Event(nil), evs...)
	for i := range out {
		out[i].Pseudonym = pseudonym
	}
	return out
}

func testMove(t *testing.T) {
	all := genEvents(20, 400, 1, 3) // one user, three partitions
	want := cleanFold(t, renamed(all, "k2.new"))
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		crashStep int // 0: no crash; 1: crash after freeze (events keep arriving under old)
	}{{"plain", 0}, {"freeze-then-events", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			s := newStore(t, srv.Client(), nil)
			// before rotation: events under the old pseudonym; after: under the new one
			foldAll(t, s, renamed(all[:200], "k1.old"), 50)
			if err := s.SetSegments(ctx, []SegmentAssignment{{Pseudonym: "k1.old", Segment: 4, CentroidVersion: 1}}); err != nil {
				t.Fatal(err)
			}
			foldAll(t, s, renamed(all[200:300], "k2.new"), 50)
			if tc.crashStep == 1 {
				old, err := s.Get(ctx, "k1.old")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.runScripts(ctx, freezeScript, []scriptCall{{keys: []string{s.key("k1.old"), s.verKey("k1.old")},
					args: []interface{}{fmtInt(old.Version), old.CreationID, "k2.new"}}}); err != nil {
					t.Fatal(err)
				}
				// in-flight old-pseudonym events go to the new profile
				r := foldAll(t, s, renamed(all[300:350], "k1.old"), 50)
				if r.Applied != 50 {
					t.Fatalf("redirected fold: %+v", r)
				}
			}
			if err := s.Move(ctx, "k1.old", "k2.new"); err != nil {
				t.Fatal(err)
			}
			if err := s.Move(ctx, "k1.old", "k2.new"); err != nil {
				t.Fatalf("second move: %v", err)
			}
			if _, err := s.Get(ctx, "k1.old"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("old profile still readable: %v", err)
			}
			if err := s.Move(ctx, "k1.old", "k3.other"); !errors.Is(err, ErrMoved) {
				t.Fatalf("move elsewhere: %v", err)
			}
			// late redelivery of everything under the old pseudonym: redirected, duplicates except
			// 300..349 when they were not folded before
			r := foldAll(t, s, renamed(all[:350], "k1.old"), 100)
			if wantNew := 50 * (1 - tc.crashStep); r.Applied != wantNew || r.Duplicates != 350-wantNew {
				t.Fatalf("redelivery after move: %+v", r)
			}
			// one batch with events under both pseudonyms (redirected ones meet the target's own)
			mixed := append(renamed(all[300:350], "k1.old"), renamed(all[300:], "k2.new")...)
			foldAll(t, s, mixed, len(mixed))
			got := allProfiles(t, s)
			sameProfiles(t, want, got)
			if got["k2.new"].KeyID != "k2" {
				t.Fatalf("key id %q", got["k2.new"].KeyID)
			}
			if ttl, _ := srv.Client().PTTL(ctx, s.key("k1.old")).Result(); ttl <= 0 {
				t.Fatalf("tombstone without TTL: %v", ttl)
			}
			if n, _ := srv.Client().SIsMember(ctx, schema.SegmentMembersKey("ps", 4), "k1.old").Result(); n {
				t.Fatal("old pseudonym still a segment member")
			}
		})
	}
}

func TestMoveMissingSource(t *testing.T) {
	s := newStore(t, redistest.Start(t).Client(), nil)
	if err := s.Move(context.Background(), "k1.none", "k2.none"); err != nil {
		t.Fatal(err)
	}
}

func TestMove(t *testing.T) { bothWriteModes(t, testMove) }
