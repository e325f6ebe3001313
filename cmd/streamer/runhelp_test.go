package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestRunHelpMatchesDoc: `streamer run --help` lists every flag under a concern (no "Other"),
// and each section of the configuration reference in docs/operations.md lists the same flags as
// the help group of the same title; the flags of the groups without a section (TLS and SASL)
// are documented elsewhere in docs/operations.md.
func TestRunHelpMatchesDoc(t *testing.T) {
	var out bytes.Buffer
	_ = cmdRun(context.Background(), []string{"--help"}, &out, &out)
	help := map[string][]string{}
	var order []string
	group := ""
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "  --"):
			if group == "" {
				t.Fatalf("flag before any group in the help:\n%s", out.String())
			}
			help[group] = append(help[group], strings.TrimPrefix(strings.Fields(line)[0], "--"))
		case strings.HasSuffix(line, ":") && line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "Flags"):
			group = strings.TrimSuffix(line, ":")
			order = append(order, group)
		}
	}
	if len(order) < 5 {
		t.Fatalf("help has %d flag groups (%v); want them by concern:\n%s", len(order), order, out.String())
	}
	if other := help["Other"]; len(other) > 0 {
		t.Errorf("flags of streamer run in no group: %v; add each to runGroups (cmd/streamer/rungroups.go) and to its section of docs/operations.md", other)
	}

	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "## Configuration reference (`streamer run`)")
	if start < 0 {
		t.Fatal("docs/operations.md has no configuration reference of streamer run")
	}
	ref := doc[start:]
	if end := strings.Index(ref[3:], "\n## "); end >= 0 {
		ref = ref[:end+3]
	}
	flagRe := regexp.MustCompile("`--([a-z0-9-]+)`")
	sections := map[string][]string{}
	section := ""
	for _, line := range strings.Split(ref, "\n") {
		if t, ok := strings.CutPrefix(line, "### "); ok {
			section = strings.TrimSpace(t)
			sections[section] = nil
			continue
		}
		if section == "" || !strings.HasPrefix(line, "| `--") {
			continue
		}
		first := strings.Split(line, "|")[1] // the flag column
		for _, m := range flagRe.FindAllStringSubmatch(first, -1) {
			sections[section] = append(sections[section], m[1])
		}
	}
	if len(sections) == 0 {
		t.Fatal("read no section from the configuration reference of docs/operations.md")
	}
	for title, flags := range sections {
		got := slices.Clone(help[title])
		want := slices.Clone(flags)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("docs/operations.md section %q lists %v; the help group %q lists %v", title, want, title, got)
		}
	}
	for _, title := range order {
		if _, ok := sections[title]; ok {
			continue
		}
		for _, f := range help[title] {
			if !strings.Contains(doc, "`--"+f) {
				t.Errorf("--%s (help group %q) is nowhere in docs/operations.md", f, title)
			}
		}
	}
}
