package archtest

import (
	"bufio"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/profilestream/profilestream/"

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

// codeGraph returns, per package directory (relative to the root), the module packages its
// non-test files import.
func codeGraph(t *testing.T, root string) map[string][]string {
	t.Helper()
	deps := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if deps[rel] == nil {
			deps[rel] = map[string]bool{}
		}
		for _, im := range f.Imports {
			p := strings.Trim(im.Path.Value, `"`)
			if strings.HasPrefix(p, module) {
				deps[rel][strings.TrimPrefix(p, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for pkg, set := range deps {
		list := []string{}
		for p := range set {
			list = append(list, p)
		}
		sort.Strings(list)
		out[pkg] = list
	}
	return out
}

// docGraph parses the "Import graph" table of docs/architecture.md: rows of the form
// | `pkg` | `dep`, `dep` | (a dash for none).
func docGraph(t *testing.T, root string) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "## ") {
			in = line == "## Import graph"
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 2 {
			t.Fatalf("architecture.md: malformed import row %q", line)
		}
		pkg := strings.Trim(strings.TrimSpace(cells[0]), "`")
		deps := []string{}
		for _, d := range strings.Split(cells[1], ",") {
			d = strings.Trim(strings.TrimSpace(d), "`")
			if d != "" && d != "-" {
				deps = append(deps, d)
			}
		}
		sort.Strings(deps)
		if _, dup := out[pkg]; dup {
			t.Errorf("architecture.md lists %s twice", pkg)
		}
		out[pkg] = deps
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Error(`architecture.md has no "## Import graph" table`)
	}
	return out
}

func TestArchitectureDocMatchesImports(t *testing.T) {
	root := repoRoot(t)
	code, doc := codeGraph(t, root), docGraph(t, root)
	pkgs := map[string]bool{}
	for p := range code {
		pkgs[p] = true
	}
	for p := range doc {
		pkgs[p] = true
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		c, inCode := code[p]
		d, inDoc := doc[p]
		switch {
		case !inDoc:
			t.Errorf("package %s is missing from docs/architecture.md (imports: %s)", p, show(c))
		case !inCode:
			t.Errorf("docs/architecture.md lists %s, which has no Go files", p)
		case strings.Join(c, ",") != strings.Join(d, ","):
			t.Errorf("%s: code imports %s, docs/architecture.md says %s", p, show(c), show(d))
		}
	}
	if t.Failed() {
		var b strings.Builder
		b.WriteString("the table as the code has it:\n| package | imports of the module (production files) |\n|---|---|\n")
		for _, p := range names {
			if c, ok := code[p]; ok {
				cells := make([]string, len(c))
				for i, d := range c {
					cells[i] = "`" + d + "`"
				}
				row := strings.Join(cells, ", ")
				if row == "" {
					row = "-"
				}
				b.WriteString("| `" + p + "` | " + row + " |\n")
			}
		}
		t.Log(b.String())
	}
}

// TestOneWayFlow checks the pipeline's direction: a stage never imports a later stage, and no
// stage imports the worker that wires them.
func TestOneWayFlow(t *testing.T) {
	code := codeGraph(t, repoRoot(t))
	order := []string{"internal/consumer", "internal/pii", "internal/privacy", "internal/encoder", "internal/profilestore", "internal/online"}
	for i, p := range order {
		for _, d := range code[p] {
			if d == "internal/worker" || strings.HasPrefix(d, "cmd/") {
				t.Errorf("%s imports %s", p, d)
			}
			for _, later := range order[i+1:] {
				if d == later {
					t.Errorf("%s imports the later stage %s", p, d)
				}
			}
		}
	}
	for _, d := range code["reader"] {
		if strings.HasPrefix(d, "internal/") {
			t.Errorf("reader (public, for downstream apps) imports %s", d)
		}
	}
	// schema is the read contract and pseudonym the one pseudonym function: standard library
	// only, so every reader (in any module) can use them.
	for _, pub := range []string{"schema", "pseudonym"} {
		for _, d := range code[pub] {
			t.Errorf("%s (public, for readers) imports %s; it must import no module package", pub, d)
		}
	}
}

func show(deps []string) string {
	if len(deps) == 0 {
		return "nothing"
	}
	return strings.Join(deps, ", ")
}

// TestEvalTree keeps evaluation and benchmark code in its own tree: a package named like one
// (eval*, *bench) lives under internal/eval/, and only the command of the same name, or another
// evaluation, imports a package of that tree (so nothing of it is linked into streamer).
func TestEvalTree(t *testing.T) {
	code := codeGraph(t, repoRoot(t))
	for p, deps := range code {
		base := p[strings.LastIndex(p, "/")+1:]
		inTree := strings.HasPrefix(p, "internal/eval/")
		looksEval := strings.HasPrefix(base, "eval") || strings.HasSuffix(base, "bench")
		if looksEval && !inTree && !strings.HasPrefix(p, "cmd/") {
			t.Errorf("%s is an evaluation or benchmark by its name; it belongs under internal/eval/", p)
		}
		for _, d := range deps {
			if !strings.HasPrefix(d, "internal/eval/") || inTree {
				continue
			}
			if p != "cmd/"+d[strings.LastIndex(d, "/")+1:] {
				t.Errorf("%s imports %s; only cmd/%s (or another evaluation) may", p, d, d[strings.LastIndex(d, "/")+1:])
			}
		}
	}
}

// TestStreamerLinksNoHarness keeps test harnesses out of the production binary: nothing that
// cmd/streamer imports, directly or not, is a test harness (a package named *test, such as
// kafkatest with its Apache Kafka JVM launcher, redistest or securetest; the chaos tests) or an
// evaluation. The embedded broker of `streamer demo` and `streamer broker` is internal/embedkafka.
func TestStreamerLinksNoHarness(t *testing.T) {
	code := codeGraph(t, repoRoot(t))
	const bin = "cmd/streamer"
	if _, ok := code[bin]; !ok {
		t.Fatalf("%s not found", bin)
	}
	via := map[string]string{bin: ""} // package -> the package that first imported it
	queue := []string{bin}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, d := range code[p] {
			if _, seen := via[d]; !seen {
				via[d] = p
				queue = append(queue, d)
			}
		}
	}
	for p := range via {
		base := p[strings.LastIndex(p, "/")+1:]
		if strings.HasSuffix(base, "test") || base == "chaos" || strings.HasPrefix(p, "internal/eval/") {
			chain := []string{p}
			for q := via[p]; q != ""; q = via[q] {
				chain = append([]string{q}, chain...)
			}
			t.Errorf("%s links the test harness %s (%s)", bin, p, strings.Join(chain, " -> "))
		}
	}
}

// TestWritePathImportsNoReadSide: the packages of the write path (the pipeline's stages, the
// item-index writer and the worker that wires them) import none of the read side's
// applications (apps, downstream, serve). They share only the Redis contract, schema.
func TestWritePathImportsNoReadSide(t *testing.T) {
	code := codeGraph(t, repoRoot(t))
	write := []string{"internal/consumer", "internal/privacy", "internal/encoder", "internal/profilestore",
		"internal/online", "internal/itemindex", "internal/worker"}
	read := map[string]bool{"internal/apps": true, "internal/downstream": true, "internal/serve": true}
	for _, p := range write {
		if _, ok := code[p]; !ok {
			t.Errorf("write-path package %s not found (renamed? update this test)", p)
		}
		for _, d := range code[p] {
			if read[d] {
				t.Errorf("%s (write path) imports the read-side package %s", p, d)
			}
		}
	}
}

// TestFlowDiagram checks the prose of the data-flow diagram at the top of docs/architecture.md:
// every stage it names is a package, and no stage imports a stage the diagram puts after it.
func TestFlowDiagram(t *testing.T) {
	root := repoRoot(t)
	code := codeGraph(t, root)
	b, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "```\n")
	end := strings.Index(doc[start+4:], "```") + start + 4
	if start < 0 || end < start {
		t.Fatal("architecture.md: no flow diagram (a ``` block) found")
	}
	stage := regexp.MustCompile(`(?m)^\s*-> (\S+)`)
	var stages []string
	for _, m := range stage.FindAllStringSubmatch(doc[start:end], -1) {
		stages = append(stages, m[1])
	}
	if len(stages) < 5 {
		t.Fatalf("flow diagram names %d stages (%v); want the pipeline's", len(stages), stages)
	}
	for i, p := range stages {
		if _, ok := code[p]; !ok {
			t.Errorf("flow diagram names %s, which is not a package", p)
		}
		for _, d := range code[p] {
			if slices.Contains(stages[i+1:], d) {
				t.Errorf("%s imports %s, which the flow diagram puts after it", p, d)
			}
		}
	}
}

// TestImportClaims checks the prose claims of the package list in docs/architecture.md: a bullet
// "- `pkg` (... imports nothing of the project ...)" or "(... imports only `a`, `b` of the
// project ...)" must be true of the code (the names are those before "of the project").
func TestImportClaims(t *testing.T) {
	root := repoRoot(t)
	code := codeGraph(t, root)
	b, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	bullet := regexp.MustCompile("(?m)^- `([^`]+)` \\(([^)]*)\\)")
	claims := 0
	for _, m := range bullet.FindAllStringSubmatch(string(b), -1) {
		pkg, note := m[1], m[2]
		var want []string
		switch {
		case strings.Contains(note, "imports nothing of the project"):
			want = []string{}
		case strings.Contains(note, "imports only "):
			only := note[strings.Index(note, "imports only "):]
			if i := strings.Index(only, " of the project"); i >= 0 {
				only = only[:i]
			}
			for _, n := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(only, -1) {
				want = append(want, n[1])
			}
		default:
			continue
		}
		claims++
		got, ok := code[pkg]
		if !ok {
			t.Errorf("architecture.md makes an import claim about %s, which is not a package", pkg)
			continue
		}
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("architecture.md says %s imports %s of the project; the code imports %s", pkg, show(want), show(got))
		}
	}
	if claims == 0 {
		t.Error("architecture.md makes no import claim this test can read; the pattern changed?")
	}
}
