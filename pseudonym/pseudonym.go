// Package pseudonym computes the keyed pseudonyms profilestream stores instead of raw user ids:
// "<key id>.<22 base64url characters>", the first 128 bits of HMAC-SHA256(secret, input) under
// one key of a ring. It is the one implementation: the worker (through internal/privacy) makes
// pseudonyms with it, and a downstream service in another module that holds the same key ring
// uses it, through package reader, to find the profile of a raw user id.
//
// The HMAC input is the raw id for the empty namespace (the pseudonyms made before namespaces
// existed), and "\x00" + namespace + "\x00" + raw otherwise, so the same raw id in two
// namespaces (tenants, sources) gives two unrelated pseudonyms. Raw ids never contain NUL.
//
// A Ring is ordered: the first key is active (new pseudonyms are made with it), the others are
// older keys still read while a key rotation moves profiles (docs/privacy.md), so a lookup tries
// Candidates in order. It uses only the standard library.
package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Len is the length of the hash part of a pseudonym: 22 base64url characters, the first 16
// bytes (128 bits) of the HMAC-SHA256.
const Len = 22

// MinSecretLen is the minimum length of a key's secret in bytes (256 bits, the output size of
// SHA-256; a shorter HMAC key gives less security than the hash).
const MinSecretLen = 32

// MaxKeyIDLen is the longest key id; ids are short because every pseudonym carries one.
const MaxKeyIDLen = 16

// Key is one HMAC key. ID is short ([a-z0-9_-]{1,16}) and public: it is part of every
// pseudonym made with the key. Secret is at least MinSecretLen bytes and never printed.
type Key struct {
	ID     string
	Secret []byte
}

// String prints the key id only, so that a key that ends up in a log line leaks nothing.
func (k Key) String() string { return k.ID + ":<redacted>" }

// GoString is String, for %#v.
func (k Key) GoString() string { return k.String() }

// ValidKeyID reports whether id is 1 to MaxKeyIDLen characters of [a-z0-9_-].
func ValidKeyID(id string) error {
	if id == "" || len(id) > MaxKeyIDLen {
		return fmt.Errorf("key id must be 1 to %d characters of [a-z0-9_-], has %d", MaxKeyIDLen, len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("key id %q has character %q outside [a-z0-9_-]", id, c)
		}
	}
	return nil
}

// Ring is an ordered set of keys, the active key first. It is immutable and safe for
// concurrent use; HMAC states are pooled per key so that a pseudonym allocates only itself.
type Ring struct {
	keys  []Key
	pools []*sync.Pool // one per key, ring order
}

// NewRing checks and copies keys into a ring; keys[0] becomes the active key. Ids must be
// valid (ValidKeyID) and distinct, secrets at least MinSecretLen bytes.
func NewRing(keys ...Key) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("pseudonym: no key")
	}
	r := &Ring{keys: make([]Key, 0, len(keys)), pools: make([]*sync.Pool, 0, len(keys))}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if err := ValidKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("pseudonym: key %d: %w", i+1, err)
		}
		if seen[k.ID] {
			return nil, fmt.Errorf("pseudonym: key %d: duplicate key id %q", i+1, k.ID)
		}
		seen[k.ID] = true
		if len(k.Secret) < MinSecretLen {
			return nil, fmt.Errorf("pseudonym: key %d (%q): secret has %d bytes, need at least %d", i+1, k.ID, len(k.Secret), MinSecretLen)
		}
		secret := append([]byte(nil), k.Secret...)
		r.keys = append(r.keys, Key{ID: k.ID, Secret: secret})
		r.pools = append(r.pools, &sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, secret)} }})
	}
	return r, nil
}

// IDs returns the key ids in ring order, active first.
func (r *Ring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.ID
	}
	return ids
}

// Pseudonym returns the pseudonym of raw in namespace ns ("" for the legacy, un-namespaced
// input) under the active key.
func (r *Ring) Pseudonym(ns, raw string) string { return r.under(0, ns, raw) }

// Candidates returns the pseudonyms of raw in namespace ns under every key of the ring, active
// key first: a lookup by raw id tries them in order, and an erasure must act on all of them.
func (r *Ring) Candidates(ns, raw string) []string {
	out := make([]string, len(r.keys))
	for i := range r.keys {
		out[i] = r.under(i, ns, raw)
	}
	return out
}

// under computes the pseudonym with key i.
func (r *Ring) under(i int, ns, raw string) string {
	st := r.pools[i].Get().(*macState)
	st.h.Reset()
	st.buf = st.buf[:0]
	if ns != "" {
		st.buf = append(append(append(st.buf, 0), ns...), 0)
	}
	st.buf = append(st.buf, raw...)
	st.h.Write(st.buf)
	st.sum = st.h.Sum(st.sum[:0])
	var sum [16]byte
	copy(sum[:], st.sum)
	if cap(st.buf) > 4096 {
		st.buf = nil // do not pin a huge id's buffer in the pool
	}
	r.pools[i].Put(st)

	id := r.keys[i].ID
	buf := make([]byte, len(id)+1+Len)
	copy(buf, id)
	buf[len(id)] = '.'
	base64.RawURLEncoding.Encode(buf[len(id)+1:], sum[:16])
	return string(buf)
}

// macState is one pooled HMAC state with a scratch buffer for the input.
type macState struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

// KeyID returns the key id part of a pseudonym, or "" when s is not shaped like one.
func KeyID(s string) string {
	id, rest, ok := strings.Cut(s, ".")
	if !ok || len(rest) != Len || ValidKeyID(id) != nil {
		return ""
	}
	return id
}

// IsPseudonym reports whether s has the shape of a pseudonym (it does not say under which ring).
func IsPseudonym(s string) bool {
	if KeyID(s) == "" {
		return false
	}
	_, rest, _ := strings.Cut(s, ".")
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}
