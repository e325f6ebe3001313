package privacy

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	secretA = bytes.Repeat([]byte{0xA5}, 32)
	secretB = []byte("0123456789abcdef0123456789abcdef0123")
)

func TestParseKeyRing(t *testing.T) {
	b64A := base64.StdEncoding.EncodeToString(secretA)
	urlB := base64.RawURLEncoding.EncodeToString(secretB)
	hexA := hex.EncodeToString(secretA)
	short := base64.StdEncoding.EncodeToString(make([]byte, 31))
	tests := []struct {
		name    string
		spec    string
		wantIDs []string
		wantErr error
	}{
		{"one base64", "k1:" + b64A, []string{"k1"}, nil},
		{"two, first active", "k2:" + urlB + ",k1:" + b64A, []string{"k2", "k1"}, nil},
		{"hex prefix", "k1:hex:" + hexA, []string{"k1"}, nil},
		{"base64 prefix", "k1:base64:" + b64A, []string{"k1"}, nil},
		{"lines and comments", "# keys\nk2:" + urlB + "\n\n k1:" + b64A + " \n", []string{"k2", "k1"}, nil},
		{"semicolons and spaces", " k2:" + urlB + " ; k1:" + b64A, []string{"k2", "k1"}, nil},
		{"empty", "", nil, ErrNoKey},
		{"only comments", "# nothing\n,,", nil, ErrNoKey},
		{"no colon", b64A, nil, ErrMalformedKey},
		{"empty id", ":" + b64A, nil, ErrMalformedKey},
		{"upper-case id", "K1:" + b64A, nil, ErrMalformedKey},
		{"id too long", "abcdefghijklmnopq:" + b64A, nil, ErrMalformedKey},
		{"id with dot", "k.1:" + b64A, nil, ErrMalformedKey},
		{"bad base64", "k1:!!!notbase64!!!", nil, ErrMalformedKey},
		{"bad hex", "k1:hex:zz" + hexA, nil, ErrMalformedKey},
		{"empty secret", "k1:", nil, ErrMalformedKey},
		{"too short", "k1:" + short, nil, ErrKeyTooShort},
		{"short hex", "k1:hex:" + hexA[:62], nil, ErrKeyTooShort},
		{"duplicate id", "k1:" + b64A + ",k1:" + urlB, nil, ErrMalformedKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseKeyRing(tc.spec)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), b64A) || strings.Contains(err.Error(), urlB) || strings.Contains(err.Error(), hexA) {
					t.Fatalf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(r.IDs(), ","); got != strings.Join(tc.wantIDs, ",") {
				t.Fatalf("ids = %s, want %v", got, tc.wantIDs)
			}
			if r.Active() != tc.wantIDs[0] {
				t.Fatalf("active = %s", r.Active())
			}
		})
	}
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	k := Key{ID: "k1", Secret: []byte("super-secret-value-that-is-long-enough")}
	r, err := NewKeyRing(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v", k, k, k), r.String(), fmt.Sprintf("%v", r)} {
		if strings.Contains(s, "super-secret") {
			t.Fatalf("secret printed: %s", s)
		}
	}
}

func TestLoadKeyRing(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys")
	spec := "k2:" + base64.StdEncoding.EncodeToString(secretB) + "\nk1:hex:" + hex.EncodeToString(secretA) + "\n"
	if err := os.WriteFile(file, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env, file string
		wantIDs   string
		wantErr   error
	}{
		{"env", "k1:" + base64.StdEncoding.EncodeToString(secretA), "", "k1", nil},
		{"file", "", file, "k2,k1", nil},
		{"neither", "", "", "", ErrNoKey},
		{"both", "k1:" + base64.StdEncoding.EncodeToString(secretA), file, "", ErrMalformedKey},
		{"missing file", "", filepath.Join(dir, "nope"), "", os.ErrNotExist},
		{"short env", "k1:" + base64.StdEncoding.EncodeToString(secretA[:8]), "", "", ErrKeyTooShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := LoadKeyRing(tc.env, tc.file)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(r.IDs(), ","); got != tc.wantIDs {
				t.Fatalf("ids = %s, want %s", got, tc.wantIDs)
			}
		})
	}
}

func TestNewKeyRingCopiesSecret(t *testing.T) {
	s := append([]byte(nil), secretA...)
	r, err := NewKeyRing(Key{ID: "k1", Secret: s})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPseudonymizer(r)
	before := p.Pseudonym("u1")
	s[0] ^= 0xFF
	if p.Pseudonym("u1") != before {
		t.Fatal("ring shares the caller's secret slice")
	}
}

func TestEphemeralKeyRing(t *testing.T) {
	a, err := NewEphemeralKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewEphemeralKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	if NewPseudonymizer(a).Pseudonym("u") == NewPseudonymizer(b).Pseudonym("u") {
		t.Fatal("two ephemeral rings give the same pseudonym")
	}
	if a.Active() != "eph" {
		t.Fatalf("active = %s", a.Active())
	}
}

func FuzzParseKeyRing(f *testing.F) {
	f.Add("k1:" + base64.StdEncoding.EncodeToString(secretA))
	f.Add("k2:hex:" + hex.EncodeToString(secretB) + ",k1:" + base64.RawURLEncoding.EncodeToString(secretA))
	f.Add("# c\nk1:base64:" + base64.StdEncoding.EncodeToString(secretA) + "\n")
	f.Add("k1:")
	f.Add(":::,,;\n#")
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := ParseKeyRing(spec)
		if err != nil {
			if r != nil {
				t.Fatal("ring and error")
			}
			if !errors.Is(err, ErrNoKey) && !errors.Is(err, ErrMalformedKey) && !errors.Is(err, ErrKeyTooShort) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if r.Len() == 0 {
			t.Fatal("empty ring without error")
		}
		for _, k := range r.keys {
			if validKeyID(k.ID) != nil || len(k.Secret) < MinSecretLen {
				t.Fatalf("invalid key accepted: %q (%d bytes)", k.ID, len(k.Secret))
			}
		}
		p := NewPseudonymizer(r).Pseudonym("user")
		if KeyID(p) != r.Active() {
			t.Fatalf("KeyID(%q) != %q", p, r.Active())
		}
	})
}
