package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestStartupErrorsFollowLogFormat: a worker that refuses to start says why in the log format
// it was asked for, so a JSON log pipeline does not drop the one line that matters.
func TestStartupErrorsFollowLogFormat(t *testing.T) {
	t.Setenv("STREAMER_PSEUDONYM_KEYS", "")
	t.Setenv("STREAMER_PSEUDONYM_KEY_FILE", "")
	tests := []struct {
		name string
		env  string
		args []string
		json bool
	}{
		{"flag", "", []string{"run", "--log-format", "json"}, true},
		{"flag=", "", []string{"run", "--log-format=json"}, true},
		{"env", "json", []string{"run"}, true},
		{"flag wins over env", "json", []string{"run", "-log-format=console"}, false},
		{"auto, not a terminal", "", []string{"run"}, true},
		{"forget", "json", []string{"forget", "someone"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("STREAMER_LOG_FORMAT", tc.env)
			var out, errb bytes.Buffer
			if rc := run(tc.args, &out, &errb); rc != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", rc, errb.String())
			}
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, "no pseudonym key") {
				t.Fatalf("last line does not give the reason: %q", last)
			}
			var m map[string]any
			err := json.Unmarshal([]byte(last), &m)
			if tc.json != (err == nil) {
				t.Fatalf("JSON=%v wanted, got %q (%v)", tc.json, last, err)
			}
			if tc.json && (m["level"] != "error" || m["service"] != "profilestream" || m["command"] != tc.args[0]) {
				t.Fatalf("JSON line lacks level/service/command: %v", m)
			}
		})
	}
}

func TestProfileHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		var out, errb bytes.Buffer
		if rc := run([]string{"profile", arg}, &out, &errb); rc != 0 {
			t.Errorf("profile %s: exit %d", arg, rc)
		}
		if s := errb.String(); strings.Contains(s, "unknown profile subcommand") || !strings.Contains(s, "Usage: streamer profile get") {
			t.Errorf("profile %s printed:\n%s", arg, s)
		}
	}
	var out, errb bytes.Buffer
	if rc := run([]string{"profile", "put"}, &out, &errb); rc == 0 || !strings.Contains(errb.String(), "unknown profile subcommand") {
		t.Errorf("profile put: exit %d, %s", rc, errb.String())
	}
}
