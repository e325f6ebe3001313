package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"sync"
	"testing"
)

func testRing(t testing.TB, keys ...Key) *KeyRing {
	t.Helper()
	r, err := NewKeyRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPseudonymMatchesHMAC(t *testing.T) {
	p := NewPseudonymizer(testRing(t, Key{ID: "k1", Secret: secretA}))
	for _, raw := range []string{"", "u1", "A2OYYGWDKQ4EZ", "用户42", string(make([]byte, 10000))} {
		m := hmac.New(sha256.New, secretA)
		m.Write([]byte(raw))
		want := "k1." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
		got := p.Pseudonym(raw)
		if got != want {
			t.Fatalf("Pseudonym(%.10q) = %s, want %s", raw, got, want)
		}
		if len(got) != len("k1.")+PseudonymLen || KeyID(got) != "k1" || !IsPseudonym(got) {
			t.Fatalf("bad shape %q", got)
		}
	}
}

func TestPseudonymDiffers(t *testing.T) {
	a := NewPseudonymizer(testRing(t, Key{ID: "k1", Secret: secretA}))
	b := NewPseudonymizer(testRing(t, Key{ID: "k1", Secret: secretB}))
	if a.Pseudonym("u1") == a.Pseudonym("u2") {
		t.Fatal("two ids collide")
	}
	if a.Pseudonym("u1") == b.Pseudonym("u1") {
		t.Fatal("two secrets give the same pseudonym")
	}
}

func TestRotation(t *testing.T) {
	old := NewPseudonymizer(testRing(t, Key{ID: "k1", Secret: secretA}))
	rot := NewPseudonymizer(testRing(t, Key{ID: "k2", Secret: secretB}, Key{ID: "k1", Secret: secretA}))
	raw := "A2OYYGWDKQ4EZ"
	c := rot.Candidates(raw)
	if len(c) != 2 || c[0] != rot.Pseudonym(raw) || c[1] != old.Pseudonym(raw) {
		t.Fatalf("candidates = %v", c)
	}
	if KeyID(c[0]) != "k2" || KeyID(c[1]) != "k1" {
		t.Fatalf("key ids %s %s", KeyID(c[0]), KeyID(c[1]))
	}
	from, to := rot.MigrationPlan(raw)
	if to != c[0] || len(from) != 1 || from[0] != old.Pseudonym(raw) {
		t.Fatalf("plan from=%v to=%s", from, to)
	}
	from, to = old.MigrationPlan(raw)
	if len(from) != 0 || to != old.Pseudonym(raw) {
		t.Fatalf("single-key plan from=%v to=%s", from, to)
	}
}

func TestKeyID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"k1.AAAAAAAAAAAAAAAAAAAAAA", "k1"},
		{"rot_2026-01.AAAAAAAAAAAAAAAAAAAAAA", "rot_2026-01"},
		{"k1.short", ""},
		{"noseparator", ""},
		{"K1.AAAAAAAAAAAAAAAAAAAAAA", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := KeyID(tc.in); got != tc.want {
			t.Errorf("KeyID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPseudonymConcurrent(t *testing.T) {
	p := NewPseudonymizer(testRing(t, Key{ID: "k2", Secret: secretB}, Key{ID: "k1", Secret: secretA}))
	want := make([]string, 200)
	for i := range want {
		want[i] = p.Pseudonym("user" + strconv.Itoa(i))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 20; r++ {
				for i := range want {
					if got := p.Pseudonym("user" + strconv.Itoa(i)); got != want[i] {
						errs <- got
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("concurrent result differs: %s", e)
	}
}

func BenchmarkPseudonym(b *testing.B) {
	p := NewPseudonymizer(testRing(b, Key{ID: "k1", Secret: secretA}))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = p.Pseudonym("A2OYYGWDKQ4EZ")
		}
	})
	recordFigure("privacy.pseudonym.ns_per_op", float64(b.Elapsed().Nanoseconds())/float64(b.N))
}
