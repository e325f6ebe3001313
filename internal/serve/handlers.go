package serve

import (
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/profilestream/profilestream/internal/apps"
	"github.com/profilestream/profilestream/internal/downstream"
	"github.com/profilestream/profilestream/reader"
)

//go:embed openapi.json
var openapiDoc []byte

//go:embed console
var consoleFS embed.FS

// OpenAPI returns the OpenAPI 3 document of the API (also committed as docs/openapi.json).
func OpenAPI() []byte { return openapiDoc }

// apiError is an error with an HTTP status and a message safe to show (no raw ids).
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

// route is one API route. The table is the single list the mux and the OpenAPI test use.
type route struct {
	method, path string
	params       []string // allowed query parameters
	scan         bool     // scans every profile: counted against MaxScans
	fn           func(s *Server, r *http.Request, q url.Values) (any, error)
}

func apiRoutes() []route {
	return []route{
		{"GET", "/v1/profiles/{pseudonym}", []string{"vectors"}, false, (*Server).getProfile},
		{"POST", "/v1/profiles/lookup", []string{"vectors"}, false, (*Server).lookupProfile},
		{"GET", "/v1/profiles/{pseudonym}/similar", []string{"n"}, true, (*Server).getSimilar},
		{"GET", "/v1/profiles/{pseudonym}/recommendations", []string{"n", "category"}, false, (*Server).getRecommendations},
		{"GET", "/v1/profiles/{pseudonym}/churn", []string{"at"}, false, (*Server).getUserChurn},
		{"GET", "/v1/segments", nil, false, (*Server).getSegments},
		{"GET", "/v1/segments/{id}/members", []string{"limit", "cursor"}, false, (*Server).getMembers},
		{"GET", "/v1/lookalikes", []string{"segment", "n"}, true, (*Server).getLookAlikes},
		{"POST", "/v1/lookalikes", nil, true, (*Server).postLookAlikes},
		{"GET", "/v1/churn", []string{"top", "at", "min_events"}, true, (*Server).getChurn},
		{"GET", "/v1/map", []string{"per_segment"}, false, (*Server).getMap},
		{"GET", "/v1/health", nil, false, (*Server).getHealth},
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range apiRoutes() {
		mux.Handle(rt.method+" "+rt.path, s.api(rt))
	}
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapiDoc)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	sub, _ := fs.Sub(consoleFS, "console")
	files := http.FileServerFS(sub)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
		http.ServeFileFS(w, r, sub, "index.html")
	})
	mux.Handle("GET /console/{file}", http.StripPrefix("/console/", files))
	return s.accessLog(mux)
}

type errBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="profilestream"`)
	writeJSON(w, http.StatusUnauthorized, errBody{"missing or invalid bearer token"})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// accessLog logs one line per request: method, route pattern (never the path or the query,
// which may name users), status, size and duration.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "(unmatched)"
		}
		s.cfg.Log.Info().Str("method", r.Method).Str("route", pattern).Int("status", sw.status).
			Int("bytes", sw.bytes).Dur("took", time.Since(start)).Msg("request")
	})
}

// api wraps a route: authentication, parameter checks, scan limit, deadline, error mapping.
func (s *Server) api(rt route) http.Handler {
	allowed := map[string]bool{}
	for _, p := range rt.params {
		allowed[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			unauthorized(w)
			return
		}
		if len(r.URL.RawQuery) > s.cfg.MaxQueryBytes {
			writeJSON(w, http.StatusRequestURITooLong, errBody{fmt.Sprintf("query string longer than %d bytes", s.cfg.MaxQueryBytes)})
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errBody{"malformed query string"})
			return
		}
		for k, v := range q {
			if !allowed[k] {
				writeJSON(w, http.StatusBadRequest, errBody{fmt.Sprintf("unknown parameter %q", cut(k, 40))})
				return
			}
			if len(v) > 1 {
				writeJSON(w, http.StatusBadRequest, errBody{fmt.Sprintf("parameter %q given %d times", k, len(v))})
				return
			}
		}
		if rt.scan {
			select {
			case s.scans <- struct{}{}:
				defer func() { <-s.scans }()
			default:
				w.Header().Set("Retry-After", "1")
				writeJSON(w, http.StatusTooManyRequests, errBody{"too many scanning requests at once; retry"})
				return
			}
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxBodyBytes))
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
		defer cancel()
		out, err := rt.fn(s, r.WithContext(ctx), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		writeJSON(w, ae.status, errBody{ae.msg})
	case errors.As(err, &mbe):
		writeJSON(w, http.StatusRequestEntityTooLarge, errBody{fmt.Sprintf("body larger than %d bytes", mbe.Limit)})
	case errors.Is(err, downstream.ErrNotFound):
		writeJSON(w, http.StatusNotFound, errBody{"no profile for this user"})
	case errors.Is(err, downstream.ErrNoSegment):
		writeJSON(w, http.StatusNotFound, errBody{"no such segment"})
	case errors.Is(err, apps.ErrNoSeeds):
		writeJSON(w, http.StatusUnprocessableEntity, errBody{"no seed user has a profile"})
	case errors.Is(err, downstream.ErrNoKey):
		writeJSON(w, http.StatusNotImplemented, errBody{"this server has no pseudonym key: look profiles up by pseudonym"})
	case errors.Is(err, context.DeadlineExceeded):
		writeJSON(w, http.StatusGatewayTimeout, errBody{fmt.Sprintf("request took longer than %s", s.cfg.Timeout)})
	case errors.Is(err, context.Canceled):
		writeJSON(w, http.StatusServiceUnavailable, errBody{"request canceled"})
	default:
		s.cfg.Log.Error().Err(err).Str("route", r.Pattern).Msg("request failed")
		writeJSON(w, http.StatusInternalServerError, errBody{"internal error"})
	}
}

// intParam parses an integer query parameter in [lo, hi], def when absent.
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("parameter %q: not an integer", name)
	}
	if n < lo || n > hi {
		return 0, badRequest("parameter %q: %d out of range %d..%d", name, n, lo, hi)
	}
	return n, nil
}

// pseudonymParam validates the {pseudonym} path element: opaque, but of the pseudonym alphabet
// (base64url, '.', key ids), so that no key pattern or hash tag can be injected.
func pseudonymParam(r *http.Request) (string, error) {
	ps := r.PathValue("pseudonym")
	if err := checkPseudonym(ps); err != nil {
		return "", err
	}
	return ps, nil
}

func checkPseudonym(ps string) error {
	if ps == "" || len(ps) > 128 {
		return badRequest("pseudonym: want 1..128 characters")
	}
	for _, c := range ps {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return badRequest("pseudonym: invalid character (want letters, digits, '.', '-', '_')")
		}
	}
	return nil
}

func boolParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, badRequest("parameter %q: want true or false", name)
}

// timeParam parses at=RFC 3339 | now; def when absent.
func (s *Server) timeParam(q url.Values, name string, def time.Time) (time.Time, error) {
	v := q.Get(name)
	switch v {
	case "":
		return def, nil
	case "now":
		return s.cfg.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRequest("parameter %q: want an RFC 3339 time or \"now\"", name)
	}
	return t, nil
}

// decodeBody decodes a JSON body strictly (unknown fields and trailing data are errors).
func decodeBody(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &apiError{http.StatusUnsupportedMediaType, "want Content-Type application/json"}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("malformed JSON body")
	}
	if dec.More() {
		return badRequest("malformed JSON body: trailing data")
	}
	return nil
}

// ProfileResponse is a profile as the API returns it, with its interests for people (top terms
// by TF-IDF, categories, items and recent interactions, weights decayed to now).
type ProfileResponse struct {
	Pseudonym string           `json:"pseudonym"`
	Profile   *reader.Profile  `json:"profile"`
	Interests reader.Interests `json:"interests"`
}

func (s *Server) profileResponse(r *http.Request, p *reader.Profile, vectors bool) (ProfileResponse, error) {
	in, err := s.cfg.Service.Reader().Interests(r.Context(), p, s.cfg.Now(), 10)
	if err != nil {
		return ProfileResponse{}, err
	}
	if !vectors {
		p.Vector, p.DecayedMean, p.BehaviorVector = nil, nil, nil
	}
	return ProfileResponse{Pseudonym: p.Pseudonym, Profile: p, Interests: in}, nil
}

func (s *Server) getProfile(r *http.Request, q url.Values) (any, error) {
	ps, err := pseudonymParam(r)
	if err != nil {
		return nil, err
	}
	vectors, err := boolParam(q, "vectors")
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Service.Profile(r.Context(), ps)
	if err != nil {
		return nil, err
	}
	return s.profileResponse(r, p, vectors)
}

// LookupRequest is the body of POST /v1/profiles/lookup.
type LookupRequest struct {
	UserID string `json:"user_id"`
}

func (s *Server) lookupProfile(r *http.Request, q url.Values) (any, error) {
	vectors, err := boolParam(q, "vectors")
	if err != nil {
		return nil, err
	}
	var req LookupRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.UserID == "" || len(req.UserID) > maxIDBytes {
		return nil, badRequest("user_id: want 1..%d bytes", maxIDBytes)
	}
	ps, found, err := s.cfg.Service.Resolve(r.Context(), req.UserID)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, downstream.ErrNotFound
	}
	p, err := s.cfg.Service.Profile(r.Context(), ps)
	if err != nil {
		return nil, err
	}
	return s.profileResponse(r, p, vectors)
}

// UsersResponse is a list of scored users.
type UsersResponse struct {
	Users any `json:"users"`
}

func (s *Server) getSimilar(r *http.Request, q url.Values) (any, error) {
	ps, err := pseudonymParam(r)
	if err != nil {
		return nil, err
	}
	n, err := intParam(q, "n", 10, 1, MaxUsers)
	if err != nil {
		return nil, err
	}
	out, err := s.cfg.Service.Similar(r.Context(), ps, n)
	if err != nil {
		return nil, err
	}
	return UsersResponse{out}, nil
}

func (s *Server) getRecommendations(r *http.Request, q url.Values) (any, error) {
	ps, err := pseudonymParam(r)
	if err != nil {
		return nil, err
	}
	n, err := intParam(q, "n", 10, 1, MaxRecommendations)
	if err != nil {
		return nil, err
	}
	cat := q.Get("category")
	if len(cat) > 200 {
		return nil, badRequest("category: longer than 200 bytes")
	}
	return s.cfg.Service.Recommend(r.Context(), ps, n, cat)
}

func (s *Server) getUserChurn(r *http.Request, q url.Values) (any, error) {
	ps, err := pseudonymParam(r)
	if err != nil {
		return nil, err
	}
	at, err := s.timeParam(q, "at", s.cfg.Now())
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Service.Profile(r.Context(), ps)
	if err != nil {
		return nil, err
	}
	st, err := s.cfg.Service.Settings(r.Context())
	if err != nil {
		return nil, err
	}
	c := downstream.Churn(st, p, at)
	return struct {
		At time.Time `json:"at"`
		downstream.ChurnRisk
	}{at.UTC(), c}, nil
}

func (s *Server) getSegments(r *http.Request, q url.Values) (any, error) {
	return s.cfg.Service.Segments(r.Context())
}

func (s *Server) getMembers(r *http.Request, q url.Values) (any, error) {
	seg, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || seg < 0 || seg > 1<<20 {
		return nil, badRequest("segment id: want a non-negative integer")
	}
	limit, err := intParam(q, "limit", 100, 1, MaxUsers)
	if err != nil {
		return nil, err
	}
	after := ""
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(b) < 2 || b[0] != 'm' {
			return nil, badRequest("cursor: malformed (use next_cursor of the previous page as is)")
		}
		after = string(b[1:])
		if err := checkPseudonym(after); err != nil {
			return nil, badRequest("cursor: malformed (use next_cursor of the previous page as is)")
		}
	}
	page, err := s.cfg.Service.Members(r.Context(), seg, after, limit)
	if err != nil {
		return nil, err
	}
	if page.Next != "" {
		page.Next = base64.RawURLEncoding.EncodeToString([]byte("m" + page.Next))
	}
	return page, nil
}

func (s *Server) getLookAlikes(r *http.Request, q url.Values) (any, error) {
	if q.Get("segment") == "" {
		return nil, badRequest("parameter \"segment\" is required (or POST seed users)")
	}
	seg, err := intParam(q, "segment", 0, 0, 1<<20)
	if err != nil {
		return nil, err
	}
	n, err := intParam(q, "n", 100, 1, MaxUsers)
	if err != nil {
		return nil, err
	}
	out, err := s.cfg.Service.LookAlikeSegment(r.Context(), seg, n)
	if err != nil {
		return nil, err
	}
	return UsersResponse{out}, nil
}

// LookAlikeRequest is the body of POST /v1/lookalikes: seed users by raw id or pseudonym.
type LookAlikeRequest struct {
	UserIDs    []string `json:"user_ids"`
	Pseudonyms []string `json:"pseudonyms"`
	N          int      `json:"n"`
}

func (s *Server) postLookAlikes(r *http.Request, q url.Values) (any, error) {
	var req LookAlikeRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.N == 0 {
		req.N = 100
	}
	if req.N < 1 || req.N > MaxUsers {
		return nil, badRequest("n: want 1..%d", MaxUsers)
	}
	k := len(req.UserIDs) + len(req.Pseudonyms)
	if k == 0 || k > MaxSeeds {
		return nil, badRequest("want 1..%d seed users in user_ids and pseudonyms", MaxSeeds)
	}
	seeds := make([]string, 0, k)
	for _, ps := range req.Pseudonyms {
		if err := checkPseudonym(ps); err != nil {
			return nil, err
		}
		seeds = append(seeds, ps)
	}
	for _, id := range req.UserIDs {
		if id == "" || len(id) > maxIDBytes {
			return nil, badRequest("user_ids: each want 1..%d bytes", maxIDBytes)
		}
		ps, _, err := s.cfg.Service.Resolve(r.Context(), id)
		if err != nil {
			return nil, err
		}
		seeds = append(seeds, ps)
	}
	out, err := s.cfg.Service.LookAlike(r.Context(), seeds, req.N)
	if err != nil {
		return nil, err
	}
	return UsersResponse{out}, nil
}

func (s *Server) getChurn(r *http.Request, q url.Values) (any, error) {
	top, err := intParam(q, "top", 20, 1, MaxUsers)
	if err != nil {
		return nil, err
	}
	minEv, err := intParam(q, "min_events", 1, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	at, err := s.timeParam(q, "at", time.Time{})
	if err != nil {
		return nil, err
	}
	return s.cfg.Service.Churn(r.Context(), downstream.ChurnQuery{Top: top, At: at, MinEvents: int64(minEv)})
}

func (s *Server) getMap(r *http.Request, q url.Values) (any, error) {
	per, err := intParam(q, "per_segment", 40, 0, MaxMapPerSegment)
	if err != nil {
		return nil, err
	}
	return s.cfg.Service.Map(r.Context(), per)
}

func (s *Server) getHealth(r *http.Request, q url.Values) (any, error) {
	return s.cfg.Health.Check(r.Context()), nil
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
