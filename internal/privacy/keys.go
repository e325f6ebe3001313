package privacy

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/profilestream/profilestream/pseudonym"
)

// KeyEnv is the environment variable that conventionally holds the key ring spec.
const KeyEnv = "STREAMER_PSEUDONYM_KEYS"

// MinSecretLen is the minimum length of a key's secret in bytes (pseudonym.MinSecretLen).
const MinSecretLen = pseudonym.MinSecretLen

// Errors returned by ParseKeyRing and LoadKeyRing, always wrapped with the offending entry's
// position (never its secret). Test with errors.Is.
var (
	// ErrNoKey: the spec, variable or file holds no key at all.
	ErrNoKey = errors.New("privacy: no pseudonym key configured")
	// ErrKeyTooShort: a secret decodes to fewer than MinSecretLen bytes.
	ErrKeyTooShort = errors.New("privacy: pseudonym key secret too short")
	// ErrMalformedKey: an entry is not "id:secret", the id is not [a-z0-9_-]{1,16}, the secret
	// does not decode, or an id repeats.
	ErrMalformedKey = errors.New("privacy: malformed pseudonym key")
)

// Key is one HMAC key (pseudonym.Key). ID is short ([a-z0-9_-]{1,16}) and public: it is part of
// every pseudonym made with the key. Secret is at least MinSecretLen bytes and never printed.
type Key = pseudonym.Key

// KeyRing is an ordered set of keys: the first is active (new pseudonyms are made with it), the
// others are older keys still read during a rotation's dual-read window. A KeyRing is immutable
// after construction and safe for concurrent use.
type KeyRing struct {
	keys []Key
	pub  *pseudonym.Ring // the same keys, for making pseudonyms
}

// NewKeyRing checks and copies keys into a ring; keys[0] becomes the active key.
func NewKeyRing(keys ...Key) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	seen := make(map[string]bool, len(keys))
	r := &KeyRing{keys: make([]Key, 0, len(keys))}
	for i, k := range keys {
		if err := validKeyID(k.ID); err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if seen[k.ID] {
			return nil, fmt.Errorf("key %d: duplicate key id %q: %w", i+1, k.ID, ErrMalformedKey)
		}
		seen[k.ID] = true
		if len(k.Secret) < MinSecretLen {
			return nil, fmt.Errorf("key %d (%q): secret has %d bytes, need at least %d: %w",
				i+1, k.ID, len(k.Secret), MinSecretLen, ErrKeyTooShort)
		}
		r.keys = append(r.keys, Key{ID: k.ID, Secret: append([]byte(nil), k.Secret...)})
	}
	pub, err := pseudonym.NewRing(r.keys...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedKey, err) // not reached: checked above
	}
	r.pub = pub
	return r, nil
}

// Public returns the ring as package pseudonym's Ring: what package reader needs to look up
// the profile of a raw user id.
func (r *KeyRing) Public() *pseudonym.Ring { return r.pub }

// ParseKeyRing parses a key ring spec.
//
// The spec is a list of entries separated by commas, semicolons or newlines; blank entries and
// lines starting with '#' are ignored. Each entry is "id:secret". The first entry is the active
// key. The id is 1 to 16 characters of [a-z0-9_-]. The secret is base64 (standard or URL
// alphabet, padding optional) unless prefixed: "hex:<hex digits>" or "base64:<base64>". It must
// decode to at least 32 bytes. Examples:
//
//	k2:8Lq0...RmM=,k1:hex:00112233...eeff
//
// Errors wrap ErrNoKey, ErrMalformedKey or ErrKeyTooShort and name the entry by position, never
// by content, so that an error message cannot leak a secret.
func ParseKeyRing(spec string) (*KeyRing, error) {
	var keys []Key
	n := 0
	for _, line := range strings.Split(spec, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, ent := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' }) {
			ent = strings.TrimSpace(ent)
			if ent == "" {
				continue
			}
			n++
			k, err := parseKeyEntry(ent)
			if err != nil {
				return nil, fmt.Errorf("key entry %d: %w", n, err)
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	return NewKeyRing(keys...)
}

func parseKeyEntry(ent string) (Key, error) {
	id, secret, ok := strings.Cut(ent, ":")
	if !ok {
		return Key{}, fmt.Errorf("want \"id:secret\", found no ':': %w", ErrMalformedKey)
	}
	id = strings.TrimSpace(id)
	if err := validKeyID(id); err != nil {
		return Key{}, err
	}
	secret = strings.TrimSpace(secret)
	var (
		raw []byte
		err error
	)
	switch {
	case strings.HasPrefix(secret, "hex:"):
		raw, err = hex.DecodeString(secret[len("hex:"):])
		if err != nil {
			return Key{}, fmt.Errorf("key %q: secret is not valid hex: %w", id, ErrMalformedKey)
		}
	default:
		raw, err = decodeBase64(strings.TrimPrefix(secret, "base64:"))
		if err != nil {
			return Key{}, fmt.Errorf("key %q: secret is not valid base64 (prefix hex: for hex): %w", id, ErrMalformedKey)
		}
	}
	if len(raw) < MinSecretLen {
		return Key{}, fmt.Errorf("key %q: secret has %d bytes, need at least %d: %w", id, len(raw), MinSecretLen, ErrKeyTooShort)
	}
	return Key{ID: id, Secret: raw}, nil
}

func decodeBase64(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func validKeyID(id string) error {
	if err := pseudonym.ValidKeyID(id); err != nil {
		return fmt.Errorf("%w: %w", err, ErrMalformedKey)
	}
	return nil
}

// LoadKeyRing reads the key ring from the contents of the environment variable (env, the value
// of KeyEnv as the caller read it with os.Getenv) or from a file (file, a path; same format,
// typically one "id:secret" per line, first line active). Exactly one source may be set: both
// set is an error, so that an operator never wonders which keys are in use; neither set returns
// ErrNoKey. The file's contents are never included in errors.
func LoadKeyRing(env, file string) (*KeyRing, error) {
	env = strings.TrimSpace(env)
	switch {
	case env != "" && file != "":
		return nil, fmt.Errorf("both %s and a key file (%s) are set; use one: %w", KeyEnv, file, ErrMalformedKey)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read pseudonym key file: %w", err)
		}
		r, err := ParseKeyRing(string(b))
		if err != nil {
			return nil, fmt.Errorf("pseudonym key file %s: %w", file, err)
		}
		return r, nil
	case env != "":
		r, err := ParseKeyRing(env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return r, nil
	}
	return nil, fmt.Errorf("set %s or give a key file: %w", KeyEnv, ErrNoKey)
}

// NewEphemeralKeyRing makes a ring with one random 32-byte key with id "eph". It is for demos and
// tests only: pseudonyms made with it cannot be reproduced after the process exits.
func NewEphemeralKeyRing() (*KeyRing, error) {
	secret := make([]byte, MinSecretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("privacy: random key: %w", err)
	}
	return NewKeyRing(Key{ID: "eph", Secret: secret})
}

// Active returns the id of the active key.
func (r *KeyRing) Active() string { return r.keys[0].ID }

// IDs returns the key ids in ring order, active first.
func (r *KeyRing) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.ID
	}
	return ids
}

// Len returns the number of keys.
func (r *KeyRing) Len() int { return len(r.keys) }

// String lists the key ids, never the secrets.
func (r *KeyRing) String() string { return "KeyRing[" + strings.Join(r.IDs(), ",") + "]" }
