package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/internal/downstream/dstest"
	"github.com/profilestream/profilestream/internal/redistest"
)

const token = "test-token-0123456789abcdef"

var end = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type rig struct {
	w    *dstest.World
	srv  *Server
	http *httptest.Server
	log  *syncBuf
}

func newRig(t *testing.T, mod func(*Config)) *rig {
	t.Helper()
	w, err := dstest.Seed(context.Background(), redistest.Start(t).Client(), 60, end)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := downstream.New(w.Client, downstream.Options{Keys: w.Pz.Ring().Public(), Namespace: w.Pz.Namespace(), Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuf{}
	cfg := Config{Service: svc, Tokens: []string{"another-token-abcdefghijkl", token}, Log: zerolog.New(log),
		Now: func() time.Time { return end }}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &rig{w: w, srv: srv, http: hs, log: log}
}

// do sends a request with the token (auth "" = none) and returns status and body.
func (r *rig) do(t *testing.T, method, path, auth, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestNewRefusesWithoutTokens(t *testing.T) {
	svc, err := downstream.New(redistest.Start(t).Client(), downstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Service: svc}); !errors.Is(err, ErrNoTokens) {
		t.Errorf("no tokens: %v", err)
	}
	if _, err := New(Config{Service: svc, Tokens: []string{"short"}}); err == nil {
		t.Error("short token accepted")
	}
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, content string
		want          int // tokens; -1 = error
	}{
		{"two", "# ops\n" + token + "\n\n  another-token-abcdefghijkl  \n", 2},
		{"empty", "# nothing\n\n", -1},
		{"short", token + "\nshort\n", -1},
	} {
		got, err := LoadTokens(write(tc.name, tc.content))
		if (tc.want < 0) != (err != nil) || (tc.want >= 0 && len(got) != tc.want) {
			t.Errorf("%s: %v %v", tc.name, got, err)
		}
	}
	if _, err := LoadTokens(""); !errors.Is(err, ErrNoTokens) {
		t.Errorf("no file: %v", err)
	}
	if _, err := LoadTokens(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestAPI(t *testing.T) {
	r := newRig(t, nil)
	ps1 := r.w.Pz.Pseudonym("user-001")
	bearer := "Bearer " + token
	big := strings.Repeat("x", 2000)
	seeds := make([]string, 1001)
	for i := range seeds {
		seeds[i] = fmt.Sprintf("%q", fmt.Sprintf("user-%d", i))
	}
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		want                           string // substring of the body
	}{
		// authentication
		{"no token", "GET", "/v1/segments", "", "", 401, "bearer token"},
		{"wrong token", "GET", "/v1/segments", "Bearer wrong-token-0123456789abc", "", 401, ""},
		{"token prefix only", "GET", "/v1/segments", "Bearer " + token[:len(token)-1], "", 401, ""},
		{"basic auth", "GET", "/v1/segments", "Basic " + token, "", 401, ""},
		{"lowercase scheme", "GET", "/v1/segments", "bearer " + token, "", 401, ""},
		{"empty bearer", "GET", "/v1/segments", "Bearer ", "", 401, ""},
		{"second token works", "GET", "/v1/segments", "Bearer another-token-abcdefghijkl", "", 200, `"initialized":true`},
		{"unknown route", "GET", "/v1/nothing", bearer, "", 404, ""},
		{"wrong method", "DELETE", "/v1/segments", bearer, "", 405, ""},
		// public
		{"openapi without token", "GET", "/openapi.json", "", "", 200, `"openapi": "3.0.3"`},
		{"healthz", "GET", "/healthz", "", "", 200, "ok"},
		{"console", "GET", "/", "", "", 200, "<!doctype html>"},
		// profiles
		{"profile", "GET", "/v1/profiles/" + ps1, bearer, "", 200, `"pseudonym":"` + ps1},
		{"profile has no vectors by default", "GET", "/v1/profiles/" + ps1, bearer, "", 200, `"segment":`},
		{"profile with vectors", "GET", "/v1/profiles/" + ps1 + "?vectors=true", bearer, "", 200, `"vector":[`},
		{"profile bad bool", "GET", "/v1/profiles/" + ps1 + "?vectors=maybe", bearer, "", 400, "true or false"},
		{"unknown pseudonym", "GET", "/v1/profiles/t1.AAAAAAAAAAAAAAAAAAAAAA", bearer, "", 404, "no profile"},
		{"pseudonym with a glob", "GET", "/v1/profiles/t1.%2A", bearer, "", 400, "invalid character"},
		{"pseudonym with a hash tag", "GET", "/v1/profiles/%7Bx%7D", bearer, "", 400, "invalid character"},
		{"pseudonym too long", "GET", "/v1/profiles/" + strings.Repeat("a", 129), bearer, "", 400, "1..128"},
		{"unknown parameter", "GET", "/v1/profiles/" + ps1 + "?foo=1", bearer, "", 400, "unknown parameter"},
		{"repeated parameter", "GET", "/v1/profiles/" + ps1 + "/similar?n=1&n=2", bearer, "", 400, "2 times"},
		{"huge query", "GET", "/v1/profiles/" + ps1 + "/similar?n=1&x=" + big, bearer, "", 414, "longer than"},
		{"malformed query", "GET", "/v1/profiles/" + ps1 + "/similar?n=%zz", bearer, "", 400, "malformed query"},
		// lookup by raw id
		{"lookup", "POST", "/v1/profiles/lookup", bearer, `{"user_id":"user-001"}`, 200, `"pseudonym":"` + ps1},
		{"lookup unknown user", "POST", "/v1/profiles/lookup", bearer, `{"user_id":"user-999"}`, 404, "no profile"},
		{"lookup empty id", "POST", "/v1/profiles/lookup", bearer, `{"user_id":""}`, 400, "user_id"},
		{"lookup huge id", "POST", "/v1/profiles/lookup", bearer, `{"user_id":"` + big[:300] + `"}`, 400, "user_id"},
		{"lookup malformed", "POST", "/v1/profiles/lookup", bearer, `{"user_id":`, 400, "malformed JSON"},
		{"lookup unknown field", "POST", "/v1/profiles/lookup", bearer, `{"user":"user-001"}`, 400, "malformed JSON"},
		{"lookup trailing data", "POST", "/v1/profiles/lookup", bearer, `{"user_id":"user-001"} {}`, 400, "trailing"},
		{"lookup huge body", "POST", "/v1/profiles/lookup", bearer, `{"user_id":"` + strings.Repeat("y", 20000) + `"}`, 413, "body larger"},
		{"lookup without token", "POST", "/v1/profiles/lookup", "", `{"user_id":"user-001"}`, 401, ""},
		// similar
		{"similar", "GET", "/v1/profiles/" + ps1 + "/similar?n=5", bearer, "", 200, `"similarity"`},
		{"similar n=0", "GET", "/v1/profiles/" + ps1 + "/similar?n=0", bearer, "", 400, "out of range"},
		{"similar huge n", "GET", "/v1/profiles/" + ps1 + "/similar?n=99999999999999999999", bearer, "", 400, "not an integer"},
		{"similar n too big", "GET", "/v1/profiles/" + ps1 + "/similar?n=1001", bearer, "", 400, "out of range"},
		{"similar n negative", "GET", "/v1/profiles/" + ps1 + "/similar?n=-3", bearer, "", 400, "out of range"},
		{"similar unknown user", "GET", "/v1/profiles/t1.nobody/similar", bearer, "", 404, "no profile"},
		// recommendations
		{"recommendations", "GET", "/v1/profiles/" + ps1 + "/recommendations?n=3", bearer, "", 200, `"source":"profile"`},
		{"recommendations by category", "GET", "/v1/profiles/" + ps1 + "/recommendations?n=2&category=Games", bearer, "", 200, `"category":"Games"`},
		{"recommendations unknown user: popular", "GET", "/v1/profiles/t1.nobody/recommendations", bearer, "", 200, `"source":"popular"`},
		{"recommendations n too big", "GET", "/v1/profiles/" + ps1 + "/recommendations?n=101", bearer, "", 400, "out of range"},
		// churn
		{"user churn", "GET", "/v1/profiles/" + ps1 + "/churn?at=2026-05-02T00:00:00Z", bearer, "", 200, `"risk":`},
		{"user churn bad time", "GET", "/v1/profiles/" + ps1 + "/churn?at=yesterday", bearer, "", 400, "RFC 3339"},
		{"user churn unknown", "GET", "/v1/profiles/t1.nobody/churn", bearer, "", 404, ""},
		{"churn list", "GET", "/v1/churn?top=5", bearer, "", 200, `"scored":60`},
		{"churn list top=0", "GET", "/v1/churn?top=0", bearer, "", 400, "out of range"},
		{"churn list bad min_events", "GET", "/v1/churn?min_events=x", bearer, "", 400, "not an integer"},
		// segments
		{"segments", "GET", "/v1/segments", bearer, "", 200, `"trend":`},
		{"segments with parameter", "GET", "/v1/segments?x=1", bearer, "", 400, "unknown parameter"},
		{"members", "GET", "/v1/segments/0/members?limit=2", bearer, "", 200, `"next_cursor"`},
		{"members of an unknown segment", "GET", "/v1/segments/99/members", bearer, "", 404, "no such segment"},
		{"members bad id", "GET", "/v1/segments/x/members", bearer, "", 400, "segment id"},
		{"members negative id", "GET", "/v1/segments/-1/members", bearer, "", 400, "segment id"},
		{"members bad cursor", "GET", "/v1/segments/0/members?cursor=!!!", bearer, "", 400, "cursor"},
		{"members forged cursor", "GET", "/v1/segments/0/members?cursor=bXsqfQ", bearer, "", 400, "cursor"},
		{"members huge limit", "GET", "/v1/segments/0/members?limit=100000", bearer, "", 400, "out of range"},
		// look-alikes
		{"look-alikes of a segment", "GET", "/v1/lookalikes?segment=0&n=5", bearer, "", 200, `"score"`},
		{"look-alikes without segment", "GET", "/v1/lookalikes", bearer, "", 400, "required"},
		{"look-alikes of seeds", "POST", "/v1/lookalikes", bearer, `{"user_ids":["user-000","user-003"],"n":4}`, 200, `"score"`},
		{"look-alikes of pseudonyms", "POST", "/v1/lookalikes", bearer, `{"pseudonyms":["` + ps1 + `"]}`, 200, `"score"`},
		{"look-alikes of unknown seeds", "POST", "/v1/lookalikes", bearer, `{"user_ids":["user-999"]}`, 422, "no seed"},
		{"look-alikes without seeds", "POST", "/v1/lookalikes", bearer, `{}`, 400, "seed users"},
		{"look-alikes too many seeds", "POST", "/v1/lookalikes", bearer, `{"user_ids":[` + strings.Join(seeds, ",") + `]}`, 400, "seed users"},
		{"look-alikes n too big", "POST", "/v1/lookalikes", bearer, `{"user_ids":["user-000"],"n":5000}`, 400, "n:"},
		{"look-alikes bad pseudonym", "POST", "/v1/lookalikes", bearer, `{"pseudonyms":["a*"]}`, 400, "invalid character"},
		// map, health
		{"map", "GET", "/v1/map?per_segment=5", bearer, "", 200, `"explained"`},
		{"map too many", "GET", "/v1/map?per_segment=201", bearer, "", 400, "out of range"},
		{"health not configured", "GET", "/v1/health", bearer, "", 200, `"configured":false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := r.do(t, tc.method, tc.path, tc.auth, tc.body)
			if status != tc.status || !bytes.Contains(body, []byte(tc.want)) {
				t.Fatalf("%s %s: status %d, want %d (%q); body %s", tc.method, tc.path, status, tc.status, tc.want, cut(string(body), 300))
			}
			if tc.name == "profile has no vectors by default" && bytes.Contains(body, []byte(`"vector":`)) {
				t.Errorf("vectors without ?vectors=true: %s", cut(string(body), 300))
			}
			if status == 401 && !bytes.Contains(body, []byte("bearer token")) {
				t.Errorf("401 body %s", body)
			}
		})
	}
	// Raw user ids never reach the log; the access log names route patterns.
	logs := r.log.String()
	if strings.Contains(logs, "user-0") || strings.Contains(logs, "user-9") {
		t.Errorf("a raw user id reached the log:\n%s", logs)
	}
	if !strings.Contains(logs, `"route":"POST /v1/profiles/lookup"`) {
		t.Errorf("no access line of the lookup:\n%s", cut(logs, 2000))
	}
}

func TestMembersPagination(t *testing.T) {
	r := newRig(t, nil)
	seen := map[string]bool{}
	cursor, size := "", -1
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		path := "/v1/segments/2/members?limit=4"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		status, body := r.do(t, "GET", path, "Bearer "+token, "")
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var page downstream.MembersPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		size = page.Size
		for _, m := range page.Members {
			if seen[m] {
				t.Fatalf("member twice: %s", m)
			}
			seen[m] = true
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if size < 5 || len(seen) != size {
		t.Fatalf("walked %d of %d members", len(seen), size)
	}
}

func TestLimitsAndHealth(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ready: consuming\n") }))
	defer ready.Close()
	r := newRig(t, func(c *Config) {
		c.MaxScans = 1
		c.Health = &Health{ReadyzURL: ready.URL}
	})
	bearer := "Bearer " + token
	// Scans: the one slot is taken, a scanning request gets 429, a non-scanning one passes.
	r.srv.scans <- struct{}{}
	if status, body := r.do(t, "GET", "/v1/churn", bearer, ""); status != 429 || !bytes.Contains(body, []byte("retry")) {
		t.Errorf("scan while busy: %d %s", status, body)
	}
	if status, _ := r.do(t, "GET", "/v1/segments", bearer, ""); status != 200 {
		t.Errorf("non-scan while busy: %d", status)
	}
	<-r.srv.scans
	if status, _ := r.do(t, "GET", "/v1/churn", bearer, ""); status != 200 {
		t.Errorf("scan when free: %d", status)
	}
	status, body := r.do(t, "GET", "/v1/health", bearer, "")
	if status != 200 || !bytes.Contains(body, []byte(`"ready":true`)) || !bytes.Contains(body, []byte("consuming")) {
		t.Errorf("health: %d %s", status, body)
	}
	// Deadline: a request that cannot finish in time gets 504.
	r.srv.cfg.Timeout = time.Nanosecond
	if status, body := r.do(t, "GET", "/v1/segments", bearer, ""); status != 504 {
		t.Errorf("timeout: %d %s", status, body)
	}
}

// TestOpenAPIMatchesRoutes checks that the document describes exactly the served routes and
// their query parameters, and that docs/openapi.json is the served document.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string][]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			var q []string
			for _, p := range op.Parameters {
				if p.In == "query" {
					q = append(q, p.Name)
				}
			}
			sort.Strings(q)
			documented[strings.ToUpper(method)+" "+path] = q
		}
	}
	served := map[string][]string{"GET /openapi.json": nil, "GET /healthz": nil}
	for _, rt := range apiRoutes() {
		q := append([]string(nil), rt.params...)
		sort.Strings(q)
		served[rt.method+" "+rt.path] = q
	}
	for k, q := range served {
		d, ok := documented[k]
		if !ok {
			t.Errorf("route %s is not in openapi.json", k)
		} else if fmt.Sprint(d) != fmt.Sprint(q) {
			t.Errorf("%s: documented query parameters %v, served %v", k, d, q)
		}
	}
	for k := range documented {
		if _, ok := served[k]; !ok {
			t.Errorf("openapi.json documents %s, which is not served", k)
		}
	}
	committed, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, OpenAPI()) {
		t.Error("docs/openapi.json differs from internal/serve/openapi.json (copy it over)")
	}
}
