package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
)

// PseudonymLen is the length of the hash part of a pseudonym: 22 base64url characters, the first
// 16 bytes (128 bits) of the HMAC-SHA256.
const PseudonymLen = 22

// Pseudonymizer maps raw user ids to keyed pseudonyms "<keyid>.<22 base64url chars>". It is safe
// for concurrent use; HMAC states are pooled per key so that a call allocates only its result.
//
// A Pseudonymizer has a namespace (see WithNamespace, PseudonymIn): the tenant or source the raw
// ids belong to. It is part of the HMAC input, so the same raw id in two namespaces gives two
// unrelated pseudonyms. The empty namespace is the input used before namespaces existed: its
// pseudonyms are unchanged.
type Pseudonymizer struct {
	ring  *KeyRing
	pools []*sync.Pool // one per key, ring order
	ns    string
}

// NewPseudonymizer returns a Pseudonymizer over ring. The ring must come from NewKeyRing,
// ParseKeyRing, LoadKeyRing or NewEphemeralKeyRing.
func NewPseudonymizer(ring *KeyRing) *Pseudonymizer {
	p := &Pseudonymizer{ring: ring, pools: make([]*sync.Pool, len(ring.keys))}
	for i, k := range ring.keys {
		secret := k.Secret
		p.pools[i] = &sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, secret)} }}
	}
	return p
}

// WithNamespace returns a Pseudonymizer that shares p's keys and pools and pseudonymizes in
// namespace ns ("" is the legacy, un-namespaced input). ns must pass ValidNamespace.
func (p *Pseudonymizer) WithNamespace(ns string) *Pseudonymizer {
	q := *p
	q.ns = ns
	return &q
}

// Namespace returns the namespace Pseudonym, Candidates and MigrationPlan use.
func (p *Pseudonymizer) Namespace() string { return p.ns }

// PseudonymIn returns the pseudonym of raw in namespace ns under the active key.
func (p *Pseudonymizer) PseudonymIn(ns, raw string) string { return p.under(0, ns, raw) }

// CandidatesIn is Candidates in namespace ns.
func (p *Pseudonymizer) CandidatesIn(ns, raw string) []string {
	out := make([]string, len(p.pools))
	for i := range p.pools {
		out[i] = p.under(i, ns, raw)
	}
	return out
}

// Ring returns the key ring.
func (p *Pseudonymizer) Ring() *KeyRing { return p.ring }

// ActiveKeyID returns the id of the key Pseudonym uses.
func (p *Pseudonymizer) ActiveKeyID() string { return p.ring.keys[0].ID }

// Pseudonym returns the pseudonym of raw under the active key.
func (p *Pseudonymizer) Pseudonym(raw string) string { return p.under(0, p.ns, raw) }

// Candidates returns the pseudonyms of raw under every key of the ring, active key first. During a
// rotation's dual-read window, a lookup by raw id tries them in order, and an erasure check must
// test all of them.
func (p *Pseudonymizer) Candidates(raw string) []string { return p.CandidatesIn(p.ns, raw) }

// MigrationPlan returns where a profile of raw may be found under old keys (from, in ring order)
// and where it belongs now (to, under the active key). A caller that finds no profile under to
// but one under from[i] moves it (profilestore's Move) and deletes the old one. from is empty
// when the ring has one key.
func (p *Pseudonymizer) MigrationPlan(raw string) (from []string, to string) {
	c := p.Candidates(raw)
	return c[1:], c[0]
}

// under computes the pseudonym with key i. The HMAC input is raw for the empty namespace (as
// before namespaces existed), and "\x00" + ns + "\x00" + raw otherwise. Raw ids never contain a
// NUL (the decoder rejects control characters in user_id, and ValidNamespace forbids it), so no
// namespaced input equals a legacy one and no two namespaces share an input.
func (p *Pseudonymizer) under(i int, ns, raw string) string {
	st := p.pools[i].Get().(*macState)
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
	p.pools[i].Put(st)

	id := p.ring.keys[i].ID
	buf := make([]byte, len(id)+1+PseudonymLen)
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
func KeyID(pseudonym string) string {
	id, rest, ok := strings.Cut(pseudonym, ".")
	if !ok || len(rest) != PseudonymLen || validKeyID(id) != nil {
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
