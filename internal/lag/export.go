package lag

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/profilestream/profilestream/internal/metrics"
)

// Exporter writes snapshots to the lag series of a metrics.Metrics
// (profilestream_consumer_lag_messages and _seconds by group, topic and partition) and to
// profilestream_consumer_group_status{group,status} (1 for the current status, 0 for the
// others).
type Exporter struct {
	m      *metrics.Metrics
	status *prometheus.GaugeVec
}

// NewExporter registers the group status series on reg (nil: not registered) and returns an
// exporter that updates it and m's lag series.
func NewExporter(m *metrics.Metrics, reg prometheus.Registerer) *Exporter {
	return &Exporter{m: m, status: metrics.NewGroupStatus(reg)}
}

// Update replaces the group's series with the snapshot's values; partitions that disappeared
// lose their series.
func (e *Exporter) Update(s Snapshot) {
	g := prometheus.Labels{"group": s.Group}
	e.m.LagMessages.DeletePartialMatch(g)
	e.m.LagSeconds.DeletePartialMatch(g)
	for _, p := range s.Partitions {
		part := strconv.Itoa(int(p.Partition))
		e.m.LagMessages.WithLabelValues(s.Group, p.Topic, part).Set(float64(p.Lag))
		e.m.LagSeconds.WithLabelValues(s.Group, p.Topic, part).Set(p.LagSeconds)
	}
	for _, st := range Statuses() {
		v := 0.0
		if st == s.Status {
			v = 1
		}
		e.status.WithLabelValues(s.Group, st.String()).Set(v)
	}
}
