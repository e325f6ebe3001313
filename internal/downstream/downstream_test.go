package downstream_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/downstream/dstest"
	"github.com/profilestream/profilestream/internal/redistest"
)

var end = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, users int) (*dstest.World, *downstream.Service) {
	t.Helper()
	ctx := context.Background()
	w, err := dstest.Seed(ctx, redistest.Start(t).Client(), users, end)
	if err != nil {
		t.Fatal(err)
	}
	s, err := downstream.New(w.Client, downstream.Options{Keys: w.Pz.Ring().Public(), Namespace: w.Pz.Namespace(), Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	return w, s
}

func TestService(t *testing.T) {
	ctx := context.Background()
	w, s := setup(t, 60)

	ps, found, err := s.Resolve(ctx, "user-001")
	if err != nil || !found || ps != w.Pz.Pseudonym("user-001") {
		t.Fatalf("resolve: %q %v %v", ps, found, err)
	}
	if _, found, err := s.Resolve(ctx, "nobody"); err != nil || found {
		t.Fatalf("resolve unknown: found %v err %v", found, err)
	}

	t.Run("recommend", func(t *testing.T) {
		rec, err := s.Recommend(ctx, ps, 5, "")
		if err != nil {
			t.Fatal(err)
		}
		if rec.Source != apps.SourceProfile || len(rec.Items) != 5 {
			t.Fatalf("got %+v", rec)
		}
		// user-001 prefers Beauty: the top items are Beauty items.
		if rec.Items[0].Category != "Beauty" {
			t.Errorf("top item %+v, want a Beauty item", rec.Items[0])
		}
		var buf bytes.Buffer
		if err := downstream.FormatRecommendation(&buf, rec); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "RANK") || !strings.Contains(buf.String(), rec.Items[0].ItemID) {
			t.Errorf("table:\n%s", buf.String())
		}
		cold, err := s.Recommend(ctx, w.Pz.Pseudonym("nobody"), 3, "")
		if err != nil || cold.Source != apps.SourcePopular || len(cold.Items) != 3 {
			t.Fatalf("cold start: %+v %v", cold, err)
		}
	})

	t.Run("lookalike", func(t *testing.T) {
		seeds := []string{w.Pz.Pseudonym("user-000"), w.Pz.Pseudonym("user-003")} // both Books
		got, err := s.LookAlike(ctx, seeds, 10)
		if err != nil || len(got) != 10 {
			t.Fatalf("%v %v", got, err)
		}
		for _, g := range got {
			p, err := s.Profile(ctx, g.Pseudonym)
			if err != nil {
				t.Fatal(err)
			}
			if p.Categories[0].Category != "Books" {
				t.Errorf("look-alike %s top category %s, want Books", g.Pseudonym, p.Categories[0].Category)
			}
		}
		if _, err := s.LookAlike(ctx, []string{"t1.nobody"}, 3); !errors.Is(err, apps.ErrNoSeeds) {
			t.Errorf("unknown seeds: %v, want ErrNoSeeds", err)
		}
		seg, err := s.LookAlikeSegment(ctx, 0, 5)
		if err != nil || len(seg) != 5 {
			t.Fatalf("segment: %v %v", seg, err)
		}
	})

	t.Run("churn", func(t *testing.T) {
		rep, err := s.Churn(ctx, downstream.ChurnQuery{Top: 5})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Scored != 60 || len(rep.Users) != 5 || !rep.At.Equal(end) {
			t.Fatalf("report: scored %d, %d users, at %s", rep.Scored, len(rep.Users), rep.At)
		}
		var n int
		for _, h := range rep.Histogram {
			n += h
		}
		if n != 60 {
			t.Errorf("histogram sums to %d", n)
		}
		for i := 1; i < len(rep.Users); i++ {
			if rep.Users[i].Risk > rep.Users[i-1].Risk {
				t.Errorf("not sorted: %+v", rep.Users)
			}
		}
		// The user active at the end is less at risk than the top of the list.
		p, err := s.Profile(ctx, w.Pz.Pseudonym("user-000"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r := downstream.Churn(st, p, end).Risk; r >= rep.Users[0].Risk {
			t.Errorf("active user risk %.3f >= top risk %.3f", r, rep.Users[0].Risk)
		}
		var buf bytes.Buffer
		if err := downstream.FormatChurn(&buf, rep); err != nil || !strings.Contains(buf.String(), rep.Users[0].Pseudonym) {
			t.Errorf("table %v:\n%s", err, buf.String())
		}
	})

	t.Run("segments", func(t *testing.T) {
		rep, err := s.Segments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Initialized || len(rep.Segments) != 3 {
			t.Fatalf("%+v", rep)
		}
		var size, joined int64
		labels := map[string]bool{}
		for _, g := range rep.Segments {
			size += g.Size
			joined += g.Trend.Joined
			labels[strings.Split(g.Label, " / ")[0]] = true
			if len(g.Trend.Series) != 12 {
				t.Errorf("series %v", g.Trend.Series)
			}
		}
		if size != 60 || joined < 60 {
			t.Errorf("sizes sum to %d, joins %d; want 60 users, >= 60 joins", size, joined)
		}
		if len(labels) != 3 {
			t.Errorf("labels %v: want one segment per category", labels)
		}
	})

	t.Run("members pages", func(t *testing.T) {
		seen := map[string]bool{}
		cursor, pages := "", 0
		var size int
		for {
			p, err := s.Members(ctx, 1, cursor, 7)
			if err != nil {
				t.Fatal(err)
			}
			size = p.Size
			pages++
			for _, m := range p.Members {
				if seen[m] {
					t.Fatalf("member %s twice", m)
				}
				seen[m] = true
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if len(seen) != size || pages != (size+6)/7 {
			t.Errorf("walked %d members in %d pages, size %d", len(seen), pages, size)
		}
		if _, err := s.Members(ctx, 3, "", 7); !errors.Is(err, downstream.ErrNoSegment) {
			t.Errorf("segment 3: %v", err)
		}
	})

	t.Run("map", func(t *testing.T) {
		m, err := s.Map(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Segments) != 3 || len(m.Users) != 30 {
			t.Fatalf("%d segments, %d users", len(m.Segments), len(m.Users))
		}
		if m.Explained[0] < m.Explained[1] || m.Explained[0]+m.Explained[1] > 1.0001 {
			t.Errorf("explained %v", m.Explained)
		}
		// Users land nearer their own segment's centroid than the others on the map, mostly.
		near := 0
		for _, u := range m.Users {
			best, bd := -1, math.Inf(1)
			for _, c := range m.Segments {
				if d := math.Hypot(u.X-c.X, u.Y-c.Y); d < bd {
					best, bd = c.ID, d
				}
			}
			if best == u.Segment {
				near++
			}
		}
		if near < 27 {
			t.Errorf("%d of 30 users nearest their own centroid on the map", near)
		}
	})
}
