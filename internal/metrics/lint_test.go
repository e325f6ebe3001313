package metrics

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
)

// allCollectors returns every series this package defines: the Metrics struct and the lag
// monitor's group status.
func allCollectors(t *testing.T) []prometheus.Collector {
	t.Helper()
	m := New(nil)
	st := NewStall(nil)
	cs := append(m.Collectors(), NewGroupStatus(nil), st.PartitionsStalled, st.OwnPartitionsStalled, st.Stalls, st.Rejoins)
	// Every exported collector field of Metrics must be in Collectors(), or it is never
	// registered (and never linted).
	listed := map[prometheus.Collector]bool{}
	for _, c := range cs {
		listed[c] = true
	}
	v := reflect.ValueOf(m).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		c, ok := v.Field(i).Interface().(prometheus.Collector)
		if f.IsExported() && ok && !listed[c] {
			t.Errorf("Metrics.%s is not returned by Collectors()", f.Name)
		}
	}
	return cs
}

var variableLabels = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)

// labelsOf reads a collector's variable label names from its Desc.
func labelsOf(t *testing.T, c prometheus.Collector) (name string, labels []string) {
	t.Helper()
	ch := make(chan *prometheus.Desc, 4)
	c.Describe(ch)
	close(ch)
	d := <-ch
	s := d.String()
	name = regexp.MustCompile(`fqName: "([^"]*)"`).FindStringSubmatch(s)[1]
	if m := variableLabels.FindStringSubmatch(s); m != nil && strings.TrimSpace(m[1]) != "" {
		for _, l := range strings.Split(m[1], ",") {
			labels = append(labels, strings.TrimSpace(l))
		}
	}
	return name, labels
}

// gatherAll registers every series and gives each vector one child, so that every family
// shows up in the exposition the linter reads.
func gatherAll(t *testing.T) (families []*dto.MetricFamily, labels map[string][]string) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	labels = map[string][]string{}
	for _, c := range allCollectors(t) {
		reg.MustRegister(c)
		name, ls := labelsOf(t, c)
		labels[name] = ls
		vals := make([]string, len(ls))
		for i := range vals {
			vals[i] = "x"
		}
		switch v := c.(type) {
		case *prometheus.CounterVec:
			v.WithLabelValues(vals...).Inc()
		case *prometheus.GaugeVec:
			v.WithLabelValues(vals...).Set(1)
		case *prometheus.HistogramVec:
			v.WithLabelValues(vals...).Observe(0.01)
		case *prometheus.SummaryVec:
			v.WithLabelValues(vals...).Observe(0.01)
		case prometheus.Counter, prometheus.Gauge, prometheus.Histogram, prometheus.Summary:
		default:
			t.Fatalf("%s: collector type %T not handled by the lint test", name, c)
		}
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	got := map[string]bool{}
	for _, f := range fams {
		got[f.GetName()] = true
	}
	for name := range labels {
		if !got[name] {
			t.Errorf("%s registered but not exposed", name)
		}
	}
	return fams, labels
}

func TestLintPromlint(t *testing.T) {
	fams, _ := gatherAll(t)
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestLintNamingConventions(t *testing.T) {
	fams, labels := gatherAll(t)
	if len(fams) < 20 {
		t.Fatalf("only %d families gathered", len(fams))
	}
	for _, f := range fams {
		for _, p := range namingProblems(f, labels[f.GetName()]) {
			t.Errorf("%s (%s): %s", f.GetName(), f.GetType(), p)
		}
	}
}

var (
	nonBaseUnit = regexp.MustCompile(`_(ms|milliseconds|microseconds|us|ns|minutes|hours|kb|mb|gb|kib|mib|percent)(_|$)`)
	snakeCase   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// namingProblems checks our conventions on one family: prefix, help, _total exactly on
// counters, base units, and no label that could carry personal data.
func namingProblems(f *dto.MetricFamily, labels []string) []string {
	name := f.GetName()
	base := strings.TrimSuffix(name, "_total")
	rules := []struct {
		ok   bool
		rule string
	}{
		{strings.HasPrefix(name, "profilestream_"), "lacks the profilestream_ prefix"},
		{f.GetHelp() != "" && strings.HasSuffix(f.GetHelp(), "."), "lacks a help sentence ending in a period"},
		{(f.GetType() == dto.MetricType_COUNTER) == strings.HasSuffix(name, "_total"), "must end in _total if and only if it is a counter"},
		{!strings.Contains(name, "duration") && !strings.Contains(name, "latency") || strings.HasSuffix(base, "_seconds"), "measures time but does not end in _seconds"},
		{!strings.Contains(name, "bytes") || strings.HasSuffix(base, "_bytes"), "counts bytes but does not end in _bytes"},
		{!nonBaseUnit.MatchString(name), "uses a non-base unit"},
		{snakeCase.MatchString(name), "is not snake_case"},
	}
	var out []string
	for _, r := range rules {
		if !r.ok {
			out = append(out, r.rule)
		}
	}
	for _, l := range labels {
		switch l {
		case "user", "user_id", "pseudonym", "text", "item", "email":
			out = append(out, "label "+l+" would carry personal data or unbounded cardinality")
		}
	}
	return out
}

func TestLintNamingCatchesViolations(t *testing.T) {
	counter, gauge, hist := dto.MetricType_COUNTER, dto.MetricType_GAUGE, dto.MetricType_HISTOGRAM
	fam := func(name string, typ dto.MetricType) *dto.MetricFamily {
		help := "Help."
		return &dto.MetricFamily{Name: &name, Help: &help, Type: &typ}
	}
	tests := []struct {
		f      *dto.MetricFamily
		labels []string
		bad    bool
	}{
		{fam("profilestream_events_total", counter), []string{"topic"}, false},
		{fam("profilestream_events", counter), nil, true},
		{fam("profilestream_ready_total", gauge), nil, true},
		{fam("events_total", counter), nil, true},
		{fam("profilestream_encode_duration_ms", hist), nil, true},
		{fam("profilestream_encode_duration_seconds", hist), nil, false},
		{fam("profilestream_cache_bytes_used", gauge), nil, true},
		{fam("profilestream_profiles_total", counter), []string{"user_id"}, true},
	}
	for _, tc := range tests {
		if got := namingProblems(tc.f, tc.labels); (len(got) > 0) != tc.bad {
			t.Errorf("%s %v: problems %v, want bad=%v", tc.f.GetName(), tc.labels, got, tc.bad)
		}
	}
}

func TestLintPromlintCatchesViolations(t *testing.T) {
	// The linter used above does flag what we rely on it to flag.
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		prometheus.NewCounter(prometheus.CounterOpts{Name: "profilestream_events", Help: "No _total."}),
		prometheus.NewGauge(prometheus.GaugeOpts{Name: "profilestream_encode_milliseconds", Help: "Not a base unit."}),
	)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) < 2 {
		t.Fatalf("promlint found %d problems in two bad series: %v", len(problems), problems)
	}
}

// TestLintDeployReferencesExist checks that every profilestream_ series named by the Grafana
// dashboard and the Prometheus alerts is one this package exports, so a rename here cannot
// silently blank a panel or disarm an alert.
func TestLintDeployReferencesExist(t *testing.T) {
	fams, _ := gatherAll(t)
	known := map[string]bool{}
	for _, f := range fams {
		n := f.GetName()
		known[n] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			known[n+"_bucket"], known[n+"_sum"], known[n+"_count"] = true, true, true
		}
	}
	ref := regexp.MustCompile(`profilestream_[a-z0-9_]+`)
	for _, file := range []string{"../../deploy/grafana/dashboards/profilestream.json", "../../deploy/prometheus/alerts.yml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		names := ref.FindAllString(string(b), -1)
		if len(names) < 5 {
			t.Fatalf("%s names only %d series", file, len(names))
		}
		for _, n := range names {
			if !known[n] {
				t.Errorf("%s refers to %s, which the worker does not export", file, n)
			}
		}
	}
}
