package evalprofiles

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/data/sample"
	"github.com/profilestream/profilestream/internal/redisproc"
)

// TestRunOnSample runs the whole evaluation through the real worker on the bundled sample (laid
// out as ../shared/data is), on few users: every FIGURE line is printed, the time split works
// (every pseudo-user has a profile), and the default profile finds owners far better than random.
func TestRunOnSample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs streamer run (about a minute)")
	}
	if _, err := redisproc.Binary(); errors.Is(err, redisproc.ErrNoBinary) {
		t.Skip("redis-server is not installed (make deps)")
	}
	dir := t.TempDir()
	layout := map[string]string{
		"amazon-multicat.jsonl.gz": "amazon-reviews-2023-multicat/reviews.jsonl.gz",
		"taobao-clicks.csv.gz":     "taobao-userbehavior/UserBehavior.head-slice.csv.gz",
	}
	for src, dst := range layout {
		b, err := fs.ReadFile(sample.FS, src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "data", dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "streamer")
	if out, err := exec.Command("go", "build", "-o", bin, "../../../cmd/streamer").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o := DefaultOptions()
	o.DataDir, o.Streamer, o.MaxUsers, o.Only, o.Bootstrap, o.Timeout = filepath.Join(dir, "data"), bin, 30, "amazon_multicat,taobao", 200, 2*time.Minute
	var out bytes.Buffer
	if err := Run(ctx, o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log(out.String())
	fig := map[string]float64{}
	for _, m := range regexp.MustCompile(`(?m)^FIGURE (\S+) (\S+)$`).FindAllStringSubmatch(out.String(), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatalf("FIGURE %s %s", m[1], m[2])
		}
		fig[m[1]] = v
	}
	for _, ds := range []string{"amazon_multicat", "taobao"} {
		for _, rp := range []string{"default", "dense", "lexical", "category", "item", "behavior", "tfidf", "random"} {
			for _, m := range []string{"owner_top1", "owner_mrr", "owner_mrr_lo", "owner_mrr_hi"} {
				if _, ok := fig["eval.profiles."+ds+"."+rp+"."+m]; !ok {
					t.Errorf("no FIGURE eval.profiles.%s.%s.%s", ds, rp, m)
				}
			}
		}
		if d, r := fig["eval.profiles."+ds+".default.owner_mrr"], fig["eval.profiles."+ds+".random.owner_mrr"]; d < 2*r {
			t.Errorf("%s: default owner MRR %.3f is not well above random's %.3f", ds, d, r)
		}
	}
	for _, m := range []string{"p1", "p5", "nmi"} {
		if _, ok := fig["eval.profiles.amazon_multicat.default."+m]; !ok {
			t.Errorf("no FIGURE eval.profiles.amazon_multicat.default.%s", m)
		}
	}
	if !strings.Contains(out.String(), "30 of 30 pseudo-users") {
		t.Errorf("not every pseudo-user has a profile")
	}
}
