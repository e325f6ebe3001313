package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestEnvFallbackAndPrecedence(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  string
		want int
	}{
		{"default", nil, "", 7},
		{"env", nil, "9", 9},
		{"flag wins", []string{"--batch-size", "3"}, "9", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("STREAMER_BATCH_SIZE", tc.env)
			}
			c := NewCommand("x", "x", "x", "")
			n := c.Int("batch-size", 7, "messages per batch")
			if err := c.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if *n != tc.want {
				t.Fatalf("got %d want %d", *n, tc.want)
			}
		})
	}
	t.Setenv("STREAMER_BATCH_SIZE", "lots")
	c := NewCommand("x", "x", "x", "")
	c.Int("batch-size", 7, "")
	if err := c.Parse(nil); err == nil || !strings.Contains(err.Error(), "STREAMER_BATCH_SIZE") {
		t.Fatalf("want an error naming the variable, got %v", err)
	}
}

func TestHelpListsEnv(t *testing.T) {
	c := NewCommand("run", "streamer run [flags]", "Run the worker.", "")
	var l StringList
	c.Var(&l, "brokers", "Kafka bootstrap brokers")
	var buf bytes.Buffer
	c.PrintHelp(&buf)
	if !strings.Contains(buf.String(), "STREAMER_BROKERS") {
		t.Fatal(buf.String())
	}
}

func TestHelpGroups(t *testing.T) {
	c := NewCommand("run", "streamer run [flags]", "Run the worker.", "")
	c.Int("batch-size", 1, "b")
	c.String("brokers", "", "k")
	c.String("redis", "", "r")
	c.Bool("pprof", false, "p")
	c.SetGroups(Group{"Kafka", []string{"brokers", "batch-size"}}, Group{"Redis", []string{"redis", "no-such-flag"}})
	var buf bytes.Buffer
	c.PrintHelp(&buf)
	var got []string
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "Flags"):
			got = append(got, line)
		case strings.HasPrefix(line, "  --"):
			got = append(got, strings.Fields(line)[0])
		}
	}
	want := "Kafka: --brokers --batch-size Redis: --redis Other: --pprof"
	if strings.Join(got, " ") != want {
		t.Fatalf("help lists %q, want %q\n%s", strings.Join(got, " "), want, buf.String())
	}
}
