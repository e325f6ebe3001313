package reader_test

import (
	"context"
	"errors"
	"sort"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/reader"
)

func TestScan(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Start(t).Client()
	st := newStore(t, rdb, "m")
	if _, err := st.Fold(ctx, randomEvents(7, 300, 12)); err != nil {
		t.Fatal(err)
	}
	// A user-items key next to a profile must not be taken for a profile.
	if err := rdb.ZAdd(ctx, "ps:v1:p:{k1.u00}:items", redisZ("i1")).Err(); err != nil {
		t.Fatal(err)
	}
	r, err := reader.New(rdb, reader.Options{ScanCount: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := r.Scan(ctx, func(p *reader.Profile) error {
		want, err := r.Profile(ctx, p.Pseudonym)
		if err != nil {
			return err
		}
		if want.Events != p.Events || !want.LastSeen.Equal(p.LastSeen) {
			t.Errorf("%s: scan %d events, profile %d", p.Pseudonym, p.Events, want.Events)
		}
		got = append(got, p.Pseudonym)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if len(got) != 12 || got[0] != "k1.u00" {
		t.Fatalf("scanned %v, want the 12 users", got)
	}
	// fn's error stops the scan.
	stop := errors.New("stop")
	n := 0
	err = r.Scan(ctx, func(*reader.Profile) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d calls, want stop after 1", err, n)
	}
}

func redisZ(member string) redis.Z { return redis.Z{Score: 1, Member: member} }
