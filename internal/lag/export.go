package lag

import (
	"math"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/profilestream/profilestream/internal/metrics"
)

// Exporter writes snapshots to the lag series of a metrics.Metrics
// (profilestream_consumer_lag_messages, _seconds and _message_age_seconds by group, topic and
// partition; a figure that cannot be had is NaN, which Prometheus' max() and comparisons
// ignore, so an unknown lag never reads as 0 s) and to
// profilestream_consumer_group_status{group,status} (1 for the current status, 0 for the
// others).
type Exporter struct {
	m      *metrics.Metrics
	status *prometheus.GaugeVec
	seen   map[[3]string]bool // label values exported by the last Update
}

// NewExporter registers the group status series on reg (nil: not registered) and returns an
// exporter that updates it and m's lag series.
func NewExporter(m *metrics.Metrics, reg prometheus.Registerer) *Exporter {
	return &Exporter{m: m, status: metrics.NewGroupStatus(reg), seen: map[[3]string]bool{}}
}

// Update sets the series to the snapshot's values. Series of partitions that are no longer in
// the snapshot are deleted; the others are overwritten in place, so a scrape never sees a
// partition missing. Not safe for concurrent calls (one poll loop calls it).
func (e *Exporter) Update(s Snapshot) {
	now := make(map[[3]string]bool, len(s.Partitions))
	for _, p := range s.Partitions {
		k := [3]string{s.Group, p.Topic, strconv.Itoa(int(p.Partition))}
		now[k] = true
		e.m.LagMessages.WithLabelValues(k[:]...).Set(float64(p.Lag))
		lagS := math.NaN()
		if p.LagSecondsKnown() {
			lagS = p.LagSeconds
		}
		e.m.LagSeconds.WithLabelValues(k[:]...).Set(lagS)
		if s.AgeMeasured {
			age := math.NaN()
			if p.AgeKnown {
				age = p.AgeSeconds
			}
			e.m.LagMessageAge.WithLabelValues(k[:]...).Set(age)
		}
	}
	for k := range e.seen {
		if !now[k] {
			e.m.LagMessages.DeleteLabelValues(k[:]...)
			e.m.LagSeconds.DeleteLabelValues(k[:]...)
			e.m.LagMessageAge.DeleteLabelValues(k[:]...)
		}
	}
	e.seen = now
	for _, st := range Statuses() {
		v := 0.0
		if st == s.Status {
			v = 1
		}
		e.status.WithLabelValues(s.Group, st.String()).Set(v)
	}
}
