package metrics

import "github.com/prometheus/client_golang/prometheus"

// NewGroupStatus creates profilestream_consumer_group_status{group,status}: 1 for the group's
// current Burrow-style status (OK, WARN, NOCOMMIT, REWIND, STALL, STOP, LOSS, UNKNOWN; see
// internal/lag), 0 for the
// others, so alerts can match status="STALL" without knowing a numeric code. It registers the
// series on reg unless reg is nil. It lives apart from Metrics because the lag monitor, not
// the pipeline, owns it.
func NewGroupStatus(reg prometheus.Registerer) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "consumer_group_status",
		Help: "1 for the consumer group's current lag status (OK, WARN, NOCOMMIT, REWIND, STALL, STOP, LOSS, UNKNOWN), 0 for the others."},
		[]string{"group", "status"})
	if reg != nil {
		reg.MustRegister(g)
	}
	return g
}
