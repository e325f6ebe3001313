package secure

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Secret is a password or other credential. It prints as "[redacted]" (or "" when empty) with
// every fmt verb and marshals the same way to JSON and text, so a Secret that ends up in a log
// field or an error by mistake does not leak. Reveal returns the value.
type Secret string

const redacted = "[redacted]"

func (s Secret) mask() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Reveal returns the secret itself, for the client library that needs it.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string { return s.mask() }

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.mask() }

// Format prints the mask with every verb (%s, %v, %q, %x, %d...).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.mask()) }

// MarshalText returns the mask, so JSON and text encoders (zerolog's Interface) never see the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

// Set makes *Secret a flag.Value.
func (s *Secret) Set(v string) error { *s = Secret(v); return nil }

// maxSecretFile bounds a password file: a password is short, a large file is a wrong path.
const maxSecretFile = 64 << 10

// ReadSecretFile reads a secret from a file: the whole content without its trailing line end.
// Errors name the file, never its content. An empty secret is an error.
func ReadSecretFile(path string) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("secret file %s: %w", path, err)
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("secret file %s: larger than %d bytes; is it the right file?", path, maxSecretFile)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("secret file %s: %w", path, errEmptySecret)
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("secret file %s: holds several lines; want the secret alone on one line", path)
	}
	return Secret(s), nil
}

var errEmptySecret = errors.New("empty")
