package metrics

import (
	"os/exec"
	"testing"
)

// TestAlertRulesPromtool validates deploy/prometheus/alerts.yml with Prometheus' own checker
// and runs its unit tests (alerts_test.yml: each alert fires, or not, on made-up series).
// promtool comes with Debian's prometheus package (scripts/ensure-deps.sh installs it with
// ENSURE_PROMTOOL=1); without it the test skips and says so.
func TestAlertRulesPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus, or ENSURE_PROMTOOL=1 scripts/ensure-deps.sh): alert rules not validated")
	}
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "../../deploy/prometheus"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
