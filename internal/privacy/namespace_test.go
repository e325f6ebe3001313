package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
)

func nsRing(t *testing.T) *KeyRing {
	return testRing(t, Key{ID: "k2", Secret: secretB}, Key{ID: "k1", Secret: secretA})
}

// legacyPseudonym is the pseudonym as computed before namespaces: HMAC of the raw id alone.
func legacyPseudonym(secret []byte, id, raw string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(raw))
	return id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func TestNamespaceEmptyKeepsLegacyPseudonyms(t *testing.T) {
	p := NewPseudonymizer(nsRing(t))
	// The legacy pseudonym is the HMAC of the raw id alone; an empty namespace must not change it.
	for _, raw := range []string{"u1", "12345", ""} {
		if a, b, c := p.Pseudonym(raw), p.PseudonymIn("", raw), p.WithNamespace("").Pseudonym(raw); a != b || a != c {
			t.Fatalf("%q: %s %s %s", raw, a, b, c)
		}
	}
	if got, want := p.Pseudonym("u1"), legacyPseudonym(secretB, "k2", "u1"); got != want {
		t.Fatalf("legacy pseudonym changed: %s, want %s", got, want)
	}
}

func TestNamespaceSeparates(t *testing.T) {
	p := NewPseudonymizer(nsRing(t))
	a, b := p.PseudonymIn("shop-a", "12345"), p.PseudonymIn("shop-b", "12345")
	if a == b || a == p.Pseudonym("12345") {
		t.Fatalf("namespaces do not separate: %s %s %s", a, b, p.Pseudonym("12345"))
	}
	if p.WithNamespace("shop-a").Pseudonym("12345") != a || p.PseudonymIn("shop-a", "12345") != a {
		t.Fatal("not deterministic")
	}
	// No ambiguity at the joint: ("a", "b\x00c") vs ("a\x00b", "c") cannot both be valid, and a
	// namespaced input never equals a legacy one.
	if p.PseudonymIn("ab", "c") == p.PseudonymIn("a", "bc") {
		t.Fatal("namespace and id run together")
	}
	c := p.WithNamespace("shop-a").Candidates("12345")
	if len(c) != 2 || c[0] != a || c[1] == a {
		t.Fatalf("candidates %v", c)
	}
	if c2 := p.CandidatesIn("shop-a", "12345"); c2[0] != c[0] || c2[1] != c[1] {
		t.Fatalf("CandidatesIn %v vs %v", c2, c)
	}
}

func TestParseNamespaces(t *testing.T) {
	tests := []struct {
		def   string
		pairs []string
		want  map[string]string // topic -> namespace, "" key for an unknown topic
		err   bool
	}{
		{"", nil, map[string]string{"x": ""}, false},
		{"shop", nil, map[string]string{"x": "shop"}, false},
		{"shop", []string{"clicks=taobao", " reviews = amazon-us "}, map[string]string{"clicks": "taobao", "reviews": "amazon-us", "x": "shop"}, false},
		{"shop", []string{"legacy="}, map[string]string{"legacy": "", "x": "shop"}, false},
		{"Shop", nil, nil, true},
		{"", []string{"clicks"}, nil, true},
		{"", []string{"=x"}, nil, true},
		{"", []string{"a=x", "a=y"}, nil, true},
		{"", []string{"a=has space"}, nil, true},
		{"a\x00b", nil, nil, true},
	}
	for _, tc := range tests {
		n, err := ParseNamespaces(tc.def, tc.pairs)
		if tc.err {
			if !errors.Is(err, ErrMalformedKey) {
				t.Errorf("%q %q: err %v, want ErrMalformedKey", tc.def, tc.pairs, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q %q: %v", tc.def, tc.pairs, err)
		}
		for topic, ns := range tc.want {
			if got := n.For(topic); got != ns {
				t.Errorf("%q %q: For(%q) = %q, want %q", tc.def, tc.pairs, topic, got, ns)
			}
		}
	}
}
