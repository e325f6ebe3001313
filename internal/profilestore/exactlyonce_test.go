package profilestore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// cleanFold folds evs once, in order, into a fresh server and returns the profiles.
func cleanFold(t *testing.T, evs []event.Event) map[string]*schema.Profile {
	t.Helper()
	s := newStore(t, redistest.Start(t).Client(), nil)
	r := foldAll(t, s, evs, len(evs))
	if r.Applied != len(evs) || r.Duplicates != 0 {
		t.Fatalf("clean fold: %+v", r)
	}
	return allProfiles(t, s)
}

func testRedeliveryIsSkipped(t *testing.T) {
	evs := genEvents(3, 600, 10, 3)
	want := cleanFold(t, evs)
	for _, tc := range []struct {
		name  string
		cache int
	}{{"cache", 0}, {"nocache", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, redistest.Start(t).Client(), func(o *Options) { o.CacheSize = tc.cache })
			// A worker folds batches 0..k, is killed before committing, and a new worker (new
			// Store, empty cache) starts again from an older committed offset.
			foldAll(t, s, evs[:400], 100)
			s2 := newStore(t, s.rdb, func(o *Options) { o.CacheSize = tc.cache })
			r := foldAll(t, s2, evs[150:], 70)
			if r.Duplicates != 250 || r.Applied != 200 {
				t.Fatalf("replay: %+v", r)
			}
			// the same batch twice in a row, and duplicates inside one batch
			dup := append(append([]event.Event{}, evs[500:]...), evs[500:]...)
			r = foldAll(t, s2, dup, len(dup))
			if r.Applied != 0 || r.Duplicates != 200 {
				t.Fatalf("double batch: %+v", r)
			}
			sameProfiles(t, want, allProfiles(t, s2))
		})
	}
}

func testDuplicateInsideBatch(t *testing.T) {
	evs := genEvents(4, 50, 3, 2)
	want := cleanFold(t, evs)
	s := newStore(t, redistest.Start(t).Client(), nil)
	batch := append(append([]event.Event{}, evs...), evs[10:30]...)
	r := foldAll(t, s, batch, len(batch))
	if r.Applied != 50 || r.Duplicates != 20 {
		t.Fatalf("%+v", r)
	}
	sameProfiles(t, want, allProfiles(t, s))
}

// TestTwoWorkersConcurrently: two workers (separate Stores and caches) that both believe they
// own the partitions fold overlapping batches of the same events at the same time, each in
// offset order from its own start point (the second may start later, at a newer committed
// offset), as after a rebalance.
func testTwoWorkersConcurrently(t *testing.T) {
	evs := genEvents(5, 3000, 4, 4)
	want := cleanFold(t, evs)
	for _, tc := range []struct {
		name         string
		cacheA       int
		cacheB       int
		done         int // events folded (and partly committed) before the two workers start
		fromA, fromB int // where each worker starts: at or before done (Kafka commits follow writes)
		batchB       int
	}{
		{"nocache", -1, -1, 0, 0, 0, 61},
		{"mixed", 0, -1, 500, 300, 450, 43},
		{"cache", 0, 0, 200, 0, 200, 61},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			a := newStore(t, srv.Client(), func(o *Options) { o.CacheSize = tc.cacheA })
			b := newStore(t, srv.Client(), func(o *Options) { o.CacheSize = tc.cacheB })
			if tc.done > 0 {
				foldAll(t, newStore(t, srv.Client(), nil), evs[:tc.done], 100)
			}
			var wg sync.WaitGroup
			var conflicts [2]int
			run := func(i int, s *Store, from, batch int) {
				defer wg.Done()
				for lo := from; lo < len(evs); lo += batch {
					hi := min(lo+batch, len(evs))
					for {
						r, err := s.Fold(context.Background(), evs[lo:hi])
						conflicts[i] += r.Conflicts
						if err == nil {
							break
						}
						if !errors.Is(err, ErrConflict) {
							t.Errorf("worker %d: %v", i, err)
							return
						}
					}
				}
			}
			wg.Add(2)
			go run(0, a, tc.fromA, 97)
			go run(1, b, tc.fromB, tc.batchB)
			wg.Wait()
			t.Logf("conflicts resolved by re-read: %v", conflicts)
			sameProfiles(t, want, allProfiles(t, a))
		})
	}
}

// TestStaleCacheConflict: a cached profile that another writer changed is rejected by the
// compare-and-set, re-read, and the other writer's events are not folded twice.
func testStaleCacheConflict(t *testing.T) {
	evs := genEvents(6, 200, 1, 2)
	want := cleanFold(t, evs)
	srv := redistest.Start(t)
	a := newStore(t, srv.Client(), nil)
	b := newStore(t, srv.Client(), nil)
	foldAll(t, a, evs[:50], 50)  // a caches the profile at version 1
	foldAll(t, b, evs[:120], 60) // b moves it on
	r := foldAll(t, a, evs[50:], 150)
	if r.Conflicts != 1 || r.Applied != 80 || r.Duplicates != 70 {
		t.Fatalf("%+v", r)
	}
	sameProfiles(t, want, allProfiles(t, a))
}

// TestPartitionsIndependent: one user's events on several partitions and topics; each has its
// own watermark, and interleaving them differently gives the same profile.
func TestPartitionsIndependent(t *testing.T) {
	evs := genEvents(7, 300, 1, 5)
	for i := range evs {
		if i%3 == 0 {
			evs[i].Topic = "reviews"
		}
	}
	want := cleanFold(t, evs)
	// per-partition order kept, partitions interleaved in another way
	byPart := map[string][]event.Event{}
	var keys []string
	for _, e := range evs {
		k := e.Topic + ":" + fmtInt(int64(e.Partition))
		if _, ok := byPart[k]; !ok {
			keys = append(keys, k)
		}
		byPart[k] = append(byPart[k], e)
	}
	var other []event.Event
	for i := len(keys) - 1; i >= 0; i-- {
		other = append(other, byPart[keys[i]]...)
	}
	s := newStore(t, redistest.Start(t).Client(), nil)
	foldAll(t, s, other, 37)
	got := allProfiles(t, s)
	sameProfiles(t, want, got)
	if n := len(got["k1.ua"].Watermarks); n != 10 {
		t.Fatalf("want 10 watermarks (2 topics x 5 partitions), got %d", n)
	}
}

func testErasure(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := newStore(t, srv.Client(), nil)
	b := newStore(t, srv.Client(), nil)
	evs := genEvents(8, 40, 1, 1)
	foldAll(t, a, evs[:20], 20) // a has the profile cached
	if err := b.SetSegments(ctx, []SegmentAssignment{{Pseudonym: "k1.ua", Segment: 2, CentroidVersion: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client().SAdd(ctx, schema.SegmentMembersKey("ps", 2), "k1.ua", "other").Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Forget(ctx, "k1.ua"); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.IsErased(ctx, "k1.ua"); err != nil || !ok {
		t.Fatalf("IsErased %v %v", ok, err)
	}
	if m, _ := srv.Client().SMembers(ctx, schema.SegmentMembersKey("ps", 2)).Result(); len(m) != 1 || m[0] != "other" {
		t.Fatalf("segment members after forget: %v", m)
	}
	// in flight: a computes from its cache (no read), the script refuses
	r := foldAll(t, a, evs[20:30], 10)
	if r.Erased != 10 || r.Applied != 0 {
		t.Fatalf("cached path: %+v", r)
	}
	// read path
	r = foldAll(t, a, evs[30:], 10)
	if r.Erased != 10 || r.Applied != 0 {
		t.Fatalf("read path: %+v", r)
	}
	if _, err := a.Get(ctx, "k1.ua"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("profile resurrected: %v", err)
	}
	if err := a.Reconsent(ctx, "k1.ua"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.IsErased(ctx, "k1.ua"); ok {
		t.Fatal("still erased after reconsent")
	}
	more := genEvents(9, 5, 1, 1)
	for i := range more {
		more[i].Offset += 1000
	}
	r = foldAll(t, a, more, 5)
	if r.Applied != 5 {
		t.Fatalf("after reconsent: %+v", r)
	}
	p, err := a.Get(ctx, "k1.ua")
	if err != nil || p.Events != 5 || p.Version != 1 {
		t.Fatalf("fresh profile after reconsent: %+v %v", p, err)
	}
}

func testNoScriptAndRedisRestart(t *testing.T) {
	evs := genEvents(10, 400, 10, 2)
	want := cleanFold(t, evs)
	srv := redistest.Start(t, redistest.WithAppendOnly())
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	s := newStore(t, rdb, nil)
	ctx := context.Background()
	foldAll(t, s, evs[:100], 50)
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	foldAll(t, s, evs[100:200], 50) // NOSCRIPT -> SCRIPT LOAD -> retried
	srv.Kill()
	if _, err := s.Fold(ctx, evs[200:300]); err == nil {
		t.Fatal("fold against a dead redis did not fail")
	}
	srv.Restart() // AOF keeps the data; the script cache is empty again
	// the caller retries the failed batch, overlapping what was already written
	foldAll(t, s, evs[150:], 100)
	sameProfiles(t, want, allProfiles(t, s))
}

func TestModelChangeResetsVectors(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	a := newStore(t, rdb, nil)
	evs := genEvents(11, 40, 1, 1)
	for i := range evs {
		evs[i].Vector = unitVecSeed(int64(i))
	}
	foldAll(t, a, evs[:20], 20)
	b := newStore(t, rdb, func(o *Options) { o.ModelID = "model-2" })
	foldAll(t, b, evs[20:21], 1)
	p, err := b.Get(ctx, "k1.ua")
	if err != nil {
		t.Fatal(err)
	}
	w := b.opts.ActionWeights[evs[20].Kind]
	if p.ModelID != "model-2" || p.Events != 21 || p.VectorWeight != w {
		t.Fatalf("after model change: model %s events %d vw %v", p.ModelID, p.Events, p.VectorWeight)
	}
	for i := range p.Vector {
		if p.Vector[i] != evs[20].Vector[i] {
			t.Fatalf("vector not reset: %v vs %v", p.Vector, evs[20].Vector)
		}
	}
}

func unitVecSeed(seed int64) []float32 {
	v := make([]float32, testDim)
	v[seed%testDim] = 1
	return v
}

func testTTL(t *testing.T) {
	rdb := redistest.Start(t).Client()
	s := newStore(t, rdb, func(o *Options) { o.TTL = time.Hour })
	foldAll(t, s, genEvents(12, 5, 1, 1), 5)
	ttl, err := rdb.PTTL(context.Background(), schema.ProfileKey("ps", "k1.ua")).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("ttl %v %v", ttl, err)
	}
}

func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster start takes a few seconds")
	}
	evs := genEvents(13, 1000, 26, 3)
	want := cleanFold(t, evs)
	cl := redistest.StartCluster(t).Client()
	a := newStore(t, cl, nil)
	b := newStore(t, cl, func(o *Options) { o.CacheSize = -1 })
	foldAll(t, a, evs[:600], 100)
	foldAll(t, b, evs[300:], 100) // overlap: duplicates by watermark across slots
	ctx := context.Background()
	if err := cl.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return c.ScriptFlush(ctx).Err() }); err != nil {
		t.Fatal(err)
	}
	foldAll(t, a, evs[900:], 50)
	got := allProfiles(t, a)
	sameProfiles(t, want, got)
	if err := a.SetSegments(ctx, []SegmentAssignment{{Pseudonym: "k1.ub", Segment: 1, CentroidVersion: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Forget(ctx, "k1.uc"); err != nil {
		t.Fatal(err)
	}
	r := foldAll(t, a, genEvents(13, 1000, 26, 3), 1000)
	if r.Applied != 0 || r.Erased == 0 {
		t.Fatalf("refold on cluster: %+v", r)
	}
}

func TestRedeliveryIsSkipped(t *testing.T)     { bothWriteModes(t, testRedeliveryIsSkipped) }
func TestDuplicateInsideBatch(t *testing.T)    { bothWriteModes(t, testDuplicateInsideBatch) }
func TestTwoWorkersConcurrently(t *testing.T)  { bothWriteModes(t, testTwoWorkersConcurrently) }
func TestStaleCacheConflict(t *testing.T)      { bothWriteModes(t, testStaleCacheConflict) }
func TestErasure(t *testing.T)                 { bothWriteModes(t, testErasure) }
func TestNoScriptAndRedisRestart(t *testing.T) { bothWriteModes(t, testNoScriptAndRedisRestart) }
func TestTTL(t *testing.T)                     { bothWriteModes(t, testTTL) }

// testForgetRace: folds that create profiles race with Forget of the same users. Whatever the
// interleaving, an erased user must end without a profile (no resurrection by an in-flight fold).
func testForgetRace(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Client(), nil)
	f := newStore(t, srv.Client(), nil)
	const users = 300
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for lo := 0; lo < users; lo += 10 {
			var evs []event.Event
			for u := lo; u < lo+10; u++ {
				evs = append(evs, event.Event{Origin: event.Origin{Topic: "t", Offset: int64(u)},
					Pseudonym: fmt.Sprintf("k1.r%03d", u), Kind: event.KindView, TS: t0})
			}
			for {
				_, err := s.Fold(ctx, evs)
				if err == nil {
					break
				}
				if !errors.Is(err, ErrConflict) {
					t.Error(err)
					return
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		for u := 0; u < users; u++ {
			if err := f.Forget(ctx, fmt.Sprintf("k1.r%03d", u)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if n := len(allProfiles(t, s)); n != 0 {
		t.Fatalf("%d erased users have a profile", n)
	}
}

func TestForgetRace(t *testing.T) { bothWriteModes(t, testForgetRace) }

// TestRefusedWriteRestores: on the transaction path the HSETs of a user whose fence check fails
// still run inside the MULTI/EXEC; the undo step must put the stored profile back exactly (every
// field, the TTL) and leave no scratch key behind, whichever way the check failed.
func TestRefusedWriteRestores(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client()
	a := newStore(t, rdb, func(o *Options) { o.TTL = time.Hour })
	b := newStore(t, rdb, func(o *Options) { o.TTL = time.Hour })
	evs := genEvents(21, 90, 1, 1)
	foldAll(t, a, evs[:30], 30) // a caches version 1
	foldAll(t, b, evs[:60], 60) // b moves the profile on (version 2)
	key := schema.ProfileKey("ps", "k1.ua")
	if err := rdb.PExpire(ctx, key, 30*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	before, err := rdb.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	// a's write is computed from its stale cache: the fence refuses it, the undo restores.
	cw := []casWrite{{pseudonym: "k1.ua", expVer: "1", expCID: a.cache.get("k1.ua").CreationID,
		fields: []interface{}{schema.FieldEvents, "999", schema.FieldVector, []byte("garbage"), "junk", "1"}}}
	// and a new profile for an erased user: the fence refuses, the undo deletes the scratch hash.
	if err := b.Forget(ctx, "k1.zz"); err != nil {
		t.Fatal(err)
	}
	cw = append(cw, casWrite{pseudonym: "k1.zz", expVer: "0", fields: []interface{}{schema.FieldEvents, "1"}})
	res, err := a.writeTx(ctx, rdb, cw)
	if err != nil {
		t.Fatal(err)
	}
	if res[0] != -1 || res[1] != -2 {
		t.Fatalf("fence results %v, want [-1 -2]", res)
	}
	after, err := rdb.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("restored profile has %d fields, want %d", len(after), len(before))
	}
	for f, v := range before {
		if after[f] != v {
			t.Fatalf("field %q changed by a refused write", f)
		}
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 29*time.Minute || ttl > 30*time.Minute {
		t.Fatalf("TTL after restore %v, want the stored 30m", ttl)
	}
	if n := rdb.Exists(ctx, schema.ProfileKey("ps", "k1.zz")).Val(); n != 0 {
		t.Fatal("erased user got a profile from a refused write")
	}
	if keys := rdb.Keys(ctx, "ps:v1:aside:*").Val(); len(keys) != 0 {
		t.Fatalf("scratch keys left behind: %v", keys)
	}
	// the version token, if any, still vouches for the restored profile
	if tok, err := rdb.Get(ctx, VersionKey("ps", "k1.ua")).Result(); err == nil && tok != before["cid"]+":"+before["ver"] {
		t.Fatalf("version token %q does not match the restored profile (cid %s, ver %s)", tok, before["cid"], before["ver"])
	}
	if n := rdb.Exists(ctx, VersionKey("ps", "k1.zz")).Val(); n != 0 {
		t.Fatal("erased user got a version token from a refused write")
	}
	// and the store recovers: a re-reads and folds the rest exactly once
	foldAll(t, a, evs[30:], 60)
	want := cleanFold(t, evs)
	sameProfiles(t, want, allProfiles(t, a))
}

// TestSetSegmentsDuringFold: Fold folds cached profiles in place while SetSegments updates the
// cached copies from another goroutine (online's sweep does); run with -race. The folded
// profiles must still equal a clean fold.
func TestSetSegmentsDuringFold(t *testing.T) {
	evs := genEvents(31, 2000, 6, 2)
	want := cleanFold(t, evs)
	s := newStore(t, redistest.Start(t).Client(), nil)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := int64(1); ; v++ {
			select {
			case <-stop:
				return
			default:
			}
			var as []SegmentAssignment
			for u := 0; u < 6; u++ {
				as = append(as, SegmentAssignment{Pseudonym: "k1.u" + string(rune('a'+u)), Segment: int(v % 3), CentroidVersion: v})
			}
			if err := s.SetSegments(ctx, as); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	foldAll(t, s, evs, 40)
	close(stop)
	wg.Wait()
	sameProfiles(t, want, allProfiles(t, s))
}

// TestMixedWritePaths: a transaction-path store (version tokens) and a script-path store (which
// deletes tokens) fold overlapping batches of the same users concurrently on one server, with
// caches: a token must never vouch for a profile the other path changed.
func TestMixedWritePaths(t *testing.T) {
	evs := genEvents(41, 3000, 4, 3)
	want := cleanFold(t, evs)
	srv := redistest.Start(t)
	tx := newStore(t, srv.Client(), nil)
	sc := newStore(t, srv.Client(), func(o *Options) { o.UseScript = true })
	var wg sync.WaitGroup
	run := func(s *Store, from, batch int) {
		defer wg.Done()
		for lo := from; lo < len(evs); lo += batch {
			for {
				_, err := s.Fold(context.Background(), evs[lo:min(lo+batch, len(evs))])
				if err == nil {
					break
				}
				if !errors.Is(err, ErrConflict) {
					t.Error(err)
					return
				}
			}
		}
	}
	wg.Add(2)
	go run(tx, 0, 97)
	go run(sc, 0, 61)
	wg.Wait()
	sameProfiles(t, want, allProfiles(t, tx))
}

// TestTokenOfDeletedProfile: a profile deleted by hand (DEL, not Forget) leaves its version
// token behind; the next fold from a worker that still caches the profile must not write a
// partial hash: the check sees the profile is gone, the store re-reads and starts afresh.
func TestTokenOfDeletedProfile(t *testing.T) {
	rdb := redistest.Start(t).Client()
	ctx := context.Background()
	s := newStore(t, rdb, nil)
	evs := genEvents(51, 40, 1, 1)
	foldAll(t, s, evs[:20], 20)
	if n := rdb.Exists(ctx, VersionKey("ps", "k1.ua")).Val(); n != 1 {
		t.Fatal("no version token after a transaction-path fold")
	}
	if err := rdb.Del(ctx, schema.ProfileKey("ps", "k1.ua")).Err(); err != nil {
		t.Fatal(err)
	}
	r := foldAll(t, s, evs[20:], 20)
	if r.Conflicts != 1 || r.Applied != 20 {
		t.Fatalf("%+v", r)
	}
	p, err := s.Get(ctx, "k1.ua")
	if err != nil {
		t.Fatal(err)
	}
	if p.Events != 20 || p.Schema != schema.ProfileSchema || p.ModelID == "" || p.CreationID == "" || p.Dim != testDim {
		t.Fatalf("not a complete fresh profile: %+v", p)
	}
}

func TestCountsByTopic(t *testing.T) { bothWriteModes(t, testCountsByTopic) }

// testCountsByTopic: one Fold of a batch mixing topics splits its duplicates and erased events
// by topic (the worker's per-topic counters come from here, so it folds a batch once).
func testCountsByTopic(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Client(), nil)
	mk := func(topic, user string, off int64) event.Event {
		return event.Event{Origin: event.Origin{Topic: topic, Partition: 0, Offset: off}, Pseudonym: user,
			Kind: event.KindView, Category: "books", ItemID: "i", TS: t0}
	}
	first := []event.Event{mk("clicks", "k1.ua", 0), mk("clicks", "k1.ua", 1), mk("reviews", "k1.ua", 0), mk("clicks", "k1.ub", 2)}
	if r, err := s.Fold(ctx, first); err != nil || r.Applied != 4 || r.Duplicates != 0 || r.Erased != 0 {
		t.Fatalf("first fold: %+v %v", r, err)
	}
	if err := s.Forget(ctx, "k1.ub"); err != nil {
		t.Fatal(err)
	}
	// Redeliver the first batch plus new events, and an event of the erased user.
	again := append(append([]event.Event(nil), first...), mk("reviews", "k1.ua", 1), mk("clicks", "k1.ub", 3))
	r, err := s.Fold(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		got, want map[string]int
	}{
		{"duplicates", r.DuplicatesByTopic, map[string]int{"clicks": 2, "reviews": 1}},
		{"erased", r.ErasedByTopic, map[string]int{"clicks": 2}},
	}
	for _, c := range cases {
		if len(c.got) != len(c.want) {
			t.Errorf("%s by topic %v, want %v (result %+v)", c.name, c.got, c.want, r)
			continue
		}
		for k, v := range c.want {
			if c.got[k] != v {
				t.Errorf("%s by topic %v, want %v (result %+v)", c.name, c.got, c.want, r)
			}
		}
	}
	if r.Applied != 1 || r.Duplicates != 3 || r.Erased != 2 {
		t.Errorf("totals %+v, want applied 1, duplicates 3, erased 2", r)
	}
}

func TestSketchesExactlyOnce(t *testing.T) { bothWriteModes(t, testSketchesExactlyOnce) }

// testSketchesExactlyOnce folds events with redeliveries (a batch folded twice, overlapping
// batches, two stores) and checks the interest sketches, the behavioural vector and the
// document-frequency hash against an independent computation from the events folded once.
func testSketchesExactlyOnce(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := newStore(t, srv.Client(), nil)
	b := newStore(t, srv.Client(), func(o *Options) { o.CacheSize = -1 })
	words := []string{"battery", "screen", "novel", "garden", "guitar"}
	var evs []event.Event
	for i := 0; i < 60; i++ {
		e := event.Event{Origin: event.Origin{Topic: "t", Offset: int64(i)}, Pseudonym: "k1.u" + strconv.Itoa(i%3),
			Kind: event.KindView, Category: strconv.Itoa(1000 + i%4), ItemID: "i" + strconv.Itoa(i%5),
			TS: t0.Add(time.Duration(i) * time.Hour)}
		if i%2 == 0 {
			e.Kind, e.Text, e.Rating = event.KindReview, words[i%5]+" "+words[(i+1)%5], 4
		}
		evs = append(evs, e)
	}
	foldAll(t, a, evs[:40], 10)
	foldAll(t, a, evs[:40], 7)  // redelivered
	foldAll(t, b, evs[30:], 10) // overlap, through another store
	foldAll(t, a, evs[50:], 3)
	hl := a.opts.HalfLife
	for u := 0; u < 3; u++ {
		ps := "k1.u" + strconv.Itoa(u)
		terms, items := map[string]float64{}, map[string]float64{}
		bvec := make([]float32, schema.BehaviorDim)
		var last time.Time
		for _, e := range evs {
			if e.Pseudonym == ps {
				last = e.TS
			}
		}
		for _, e := range evs {
			if e.Pseudonym != ps {
				continue
			}
			dw := a.opts.ActionWeights[e.Kind] * schema.DecayFactorBetween(e.TS, last, hl)
			for term, w := range schema.Terms(e.Text) {
				terms[term] += dw * w
			}
			items[e.ItemID] += dw
			schema.AddBehavior(bvec, "c", e.Category, dw)
			schema.AddBehavior(bvec, "i", e.ItemID, dw)
		}
		p, err := a.Get(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		want := &schema.Profile{BehaviorVector: bvec}
		for term, w := range terms {
			want.Terms = append(want.Terms, schema.TermWeight{Term: term, Weight: w})
		}
		for id, w := range items {
			want.ItemSketch = append(want.ItemSketch, schema.ItemWeight{ItemID: id, Weight: w})
		}
		sameSketches(t, ps, want, p)
	}
	df, err := srv.Client().HGetAll(ctx, schema.DFKey("ps")).Result()
	if err != nil {
		t.Fatal(err)
	}
	// every user has every word and its 4/3 categories once: df = users holding it
	if df["users"] != "3" || df["t:battery"] != "3" || df["c:1000"] != "3" || df["c:1001"] != "3" {
		t.Fatalf("document frequencies %v", df)
	}
}
