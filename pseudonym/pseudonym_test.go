package pseudonym_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/profilestream/profilestream/pseudonym"
)

var (
	k1 = pseudonym.Key{ID: "k1", Secret: []byte(strings.Repeat("a", 32))}
	k2 = pseudonym.Key{ID: "k2", Secret: []byte(strings.Repeat("b", 32))}
)

// reference is the pseudonym computed from its definition, without the pools.
func reference(k pseudonym.Key, ns, raw string) string {
	in := raw
	if ns != "" {
		in = "\x00" + ns + "\x00" + raw
	}
	m := hmac.New(sha256.New, k.Secret)
	m.Write([]byte(in))
	return k.ID + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func TestPseudonymMatchesDefinition(t *testing.T) {
	r, err := pseudonym.NewRing(k2, k1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ns, raw string }{{"", "user-1"}, {"shop-a", "user-1"}, {"shop-b", "user-1"}, {"", ""}, {"", strings.Repeat("é", 3000)}} {
		got := r.Candidates(tc.ns, tc.raw)
		want := []string{reference(k2, tc.ns, tc.raw), reference(k1, tc.ns, tc.raw)}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("Candidates(%q, %.20q) = %v, want %v", tc.ns, tc.raw, got, want)
		}
		if p := r.Pseudonym(tc.ns, tc.raw); p != want[0] || pseudonym.KeyID(p) != "k2" || !pseudonym.IsPseudonym(p) {
			t.Errorf("Pseudonym(%q, %.20q) = %q, want %q under k2", tc.ns, tc.raw, p, want[0])
		}
	}
	if r.Pseudonym("shop-a", "u") == r.Pseudonym("shop-b", "u") || r.Pseudonym("", "u") == r.Pseudonym("shop-a", "u") {
		t.Error("namespaces share pseudonyms")
	}
}

func TestNewRingRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []pseudonym.Key
	}{
		{"no key", nil},
		{"short secret", []pseudonym.Key{{ID: "k1", Secret: []byte("short")}}},
		{"bad id", []pseudonym.Key{{ID: "K1", Secret: k1.Secret}}},
		{"long id", []pseudonym.Key{{ID: strings.Repeat("k", 17), Secret: k1.Secret}}},
		{"duplicate id", []pseudonym.Key{k1, k1}},
	} {
		if _, err := pseudonym.NewRing(tc.keys...); err == nil {
			t.Errorf("%s: NewRing accepted %v", tc.name, tc.keys)
		} else if strings.Contains(err.Error(), string(k1.Secret)) {
			t.Errorf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
}

func TestKeyID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"k1.AAAAAAAAAAAAAAAAAAAAAA", "k1"}, {"k1.short", ""}, {"nodot", ""}, {"K1.AAAAAAAAAAAAAAAAAAAAAA", ""},
	} {
		if got := pseudonym.KeyID(tc.in); got != tc.want {
			t.Errorf("KeyID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
