package serve

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/profilestream/profilestream/internal/lag"
)

// Health reports the worker's readiness (its /readyz) and the consumer group's lag (from the
// brokers, internal/lag) for the console's operator panel. The zero value and nil report
// "not configured".
type Health struct {
	// ReadyzURL is the worker's /readyz (e.g. http://worker:9100/readyz); "" = not checked.
	ReadyzURL string
	// Lag polls the group's lag; nil = not checked.
	Lag *lag.Monitor
	// Client fetches ReadyzURL (default: a client with a 3 s timeout).
	Client *http.Client
}

// WorkerHealth is the answer of the worker's /readyz.
type WorkerHealth struct {
	Configured bool   `json:"configured"`
	Ready      bool   `json:"ready"`
	Status     int    `json:"status,omitempty"`
	Detail     string `json:"detail,omitempty"`
	Error      string `json:"error,omitempty"`
}

// LagHealth is the consumer group's lag.
type LagHealth struct {
	Configured bool          `json:"configured"`
	Snapshot   *lag.Snapshot `json:"snapshot,omitempty"`
	Error      string        `json:"error,omitempty"`
}

// HealthReport is the body of GET /v1/health.
type HealthReport struct {
	At     time.Time    `json:"at"`
	Worker WorkerHealth `json:"worker"`
	Lag    LagHealth    `json:"lag"`
}

// Check asks the worker and the brokers; failures are reported in the answer, not as errors.
func (h *Health) Check(ctx context.Context) HealthReport {
	rep := HealthReport{At: time.Now().UTC()}
	if h == nil {
		return rep
	}
	if h.ReadyzURL != "" {
		rep.Worker.Configured = true
		c := h.Client
		if c == nil {
			c = &http.Client{Timeout: 3 * time.Second}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.ReadyzURL, nil)
		var resp *http.Response
		if err == nil {
			resp, err = c.Do(req)
		}
		if err != nil {
			rep.Worker.Error = "worker unreachable: " + errText(err)
		} else {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
			resp.Body.Close()
			rep.Worker.Status = resp.StatusCode
			rep.Worker.Ready = resp.StatusCode == http.StatusOK
			rep.Worker.Detail = strings.TrimSpace(string(b))
		}
	}
	if h.Lag != nil {
		rep.Lag.Configured = true
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		snap, err := h.Lag.Poll(pctx)
		if err != nil {
			rep.Lag.Error = errText(err)
		} else {
			rep.Lag.Snapshot = &snap
		}
	}
	return rep
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
