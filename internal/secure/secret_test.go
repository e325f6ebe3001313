package secure_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/secure"
)

const pw = "hunter2-Very-Secret"

func TestSecretNeverPrints(t *testing.T) {
	s := secure.Secret(pw)
	var logged bytes.Buffer
	logger := zerolog.New(&logged)
	logger.Info().Interface("cfg", secure.KafkaConfig{SASLPassword: s}).
		Interface("s", s).Stringer("str", s).Msg("x")
	cases := map[string]string{
		"%s":   fmt.Sprintf("%s", s),
		"%v":   fmt.Sprintf("%v", s),
		"%+v":  fmt.Sprintf("%+v", secure.KafkaConfig{SASLPassword: s}),
		"%#v":  fmt.Sprintf("%#v", secure.RedisConfig{Password: s}),
		"%q":   fmt.Sprintf("%q", s),
		"%x":   fmt.Sprintf("%x", s),
		"%d":   fmt.Sprintf("%d", s),
		"err":  fmt.Errorf("wrapped %v", s).Error(),
		"log":  logged.String(),
		"json": func() string { b, _ := json.Marshal(secure.RedisConfig{Password: s}); return string(b) }(),
	}
	for name, out := range cases {
		if strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s: want [redacted] in %s", name, out)
		}
	}
	if s.Reveal() != pw {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
	if secure.Secret("").String() != "" {
		t.Fatal("an empty secret should print empty (help shows no default)")
	}
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, content, want, err string
	}{
		{"plain", pw, pw, ""},
		{"newline", pw + "\n", pw, ""},
		{"crlf", pw + "\r\n", pw, ""},
		{"spaces kept", " " + pw + " \n", " " + pw + " ", ""},
		{"empty", "\n", "", "empty"},
		{"two lines", pw + "\nsecond-" + pw + "\n", "", "several lines"},
		{"huge", strings.Repeat("x", 70<<10), "", "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := secure.ReadSecretFile(write(strings.ReplaceAll(tc.name, " ", "_"), tc.content))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || got.Reveal() != tc.want {
				t.Fatalf("got %q, %v; want %q", got.Reveal(), err, tc.want)
			}
		})
	}
	if _, err := secure.ReadSecretFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
