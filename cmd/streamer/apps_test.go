package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/downstream/dstest"
	"github.com/profilestream/profilestream/internal/redistest"
)

// TestDownstreamCommands runs recommend, lookalike and churn against a seeded Redis.
func TestDownstreamCommands(t *testing.T) {
	srv := redistest.Start(t)
	w, err := dstest.Seed(context.Background(), srv.Client(), 45, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Client().Options().Addr
	common := []string{"--redis", addr, "--pseudonym-keys", dstest.KeySpec}
	shortTokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(shortTokens, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STREAMER_SERVE_TOKENS_FILE", "")
	t.Setenv("STREAMER_TOKENS_FILE", "")
	tests := []struct {
		name    string
		args    []string
		code    int
		want    []string // substrings of stdout (or stderr when code != 0)
		notWant string
	}{
		{"recommend table", append([]string{"recommend", "-n", "3"}, append(common, "user-002")...), 0,
			[]string{"source profile", "RANK", "Games-"}, "user-002"},
		{"recommend json", append([]string{"recommend", "--json"}, append(common, "user-002")...), 0,
			[]string{`"source": "profile"`, `"items"`}, "user-002"},
		{"recommend unknown user gets popular", append([]string{"recommend"}, append(common, "nobody")...), 0,
			[]string{"source popular"}, "nobody"},
		{"recommend needs a key", []string{"recommend", "--redis", addr, "user-002"}, 1, []string{"no pseudonym key"}, ""},
		{"recommend by pseudonym", []string{"recommend", "--redis", addr, "--pseudonym", w.Pz.Pseudonym("user-002")}, 0,
			[]string{"source profile"}, ""},
		{"lookalike users", append([]string{"lookalike", "--users", "user-000,user-003", "-n", "5"}, common...), 0,
			[]string{"5 look-alike users of 2 seed users", "SIMILARITY"}, "user-000"},
		{"lookalike segment json", append([]string{"lookalike", "--segment", "1", "-n", "4", "--json"}, common...), 0,
			[]string{`"pseudonym"`, `"score"`}, ""},
		{"lookalike needs seeds", append([]string{"lookalike"}, common...), 1, []string{"want either --users or --segment"}, ""},
		{"churn table", []string{"churn", "--redis", addr, "--top", "3"}, 0,
			[]string{"45 users scored", "RISK", "distribution"}, ""},
		{"churn bad time", []string{"churn", "--redis", addr, "--at", "yesterday"}, 1, []string{"--at"}, ""},
		{"serve refuses to start without a token", []string{"serve", "--redis", addr, "--addr", "127.0.0.1:0"}, 1,
			[]string{"no bearer token configured"}, ""},
		{"serve refuses a short token", []string{"serve", "--redis", addr, "--addr", "127.0.0.1:0", "--tokens-file", shortTokens}, 1,
			[]string{"shorter than 16"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			got := out.String()
			if tc.code != 0 {
				got = errb.String()
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			for _, s := range tc.want {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q:\n%s", s, got)
				}
			}
			if tc.notWant != "" && strings.Contains(out.String()+errb.String(), tc.notWant) {
				t.Errorf("output contains the raw id %q", tc.notWant)
			}
		})
	}
	// churn --json decodes and is sorted.
	var out, errb bytes.Buffer
	if code := run([]string{"churn", "--redis", addr, "--json", "--top", "45"}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	var rep struct {
		Users []struct{ Risk float64 }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Users) != 45 {
		t.Fatalf("%v %d", err, len(rep.Users))
	}
}
