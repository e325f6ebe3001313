package privacy

import (
	"github.com/profilestream/profilestream/pseudonym"
)

// PseudonymLen is the length of the hash part of a pseudonym: 22 base64url characters, the first
// 16 bytes (128 bits) of the HMAC-SHA256 (pseudonym.Len).
const PseudonymLen = pseudonym.Len

// Pseudonymizer maps raw user ids to keyed pseudonyms "<keyid>.<22 base64url chars>" with the
// public package pseudonym (the one implementation, which downstream readers use too). It is
// safe for concurrent use.
//
// A Pseudonymizer has a namespace (see WithNamespace, PseudonymIn): the tenant or source the raw
// ids belong to. It is part of the HMAC input, so the same raw id in two namespaces gives two
// unrelated pseudonyms. The empty namespace is the input used before namespaces existed: its
// pseudonyms are unchanged.
type Pseudonymizer struct {
	ring *KeyRing
	ns   string
}

// NewPseudonymizer returns a Pseudonymizer over ring. The ring must come from NewKeyRing,
// ParseKeyRing, LoadKeyRing or NewEphemeralKeyRing.
func NewPseudonymizer(ring *KeyRing) *Pseudonymizer { return &Pseudonymizer{ring: ring} }

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
func (p *Pseudonymizer) PseudonymIn(ns, raw string) string { return p.ring.pub.Pseudonym(ns, raw) }

// CandidatesIn is Candidates in namespace ns.
func (p *Pseudonymizer) CandidatesIn(ns, raw string) []string { return p.ring.pub.Candidates(ns, raw) }

// Ring returns the key ring.
func (p *Pseudonymizer) Ring() *KeyRing { return p.ring }

// ActiveKeyID returns the id of the key Pseudonym uses.
func (p *Pseudonymizer) ActiveKeyID() string { return p.ring.keys[0].ID }

// Pseudonym returns the pseudonym of raw under the active key.
func (p *Pseudonymizer) Pseudonym(raw string) string { return p.PseudonymIn(p.ns, raw) }

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

// KeyID returns the key id part of a pseudonym, or "" when s is not shaped like one.
func KeyID(s string) string { return pseudonym.KeyID(s) }

// IsPseudonym reports whether s has the shape of a pseudonym (it does not say under which ring).
func IsPseudonym(s string) bool { return pseudonym.IsPseudonym(s) }
