package metrics

import "github.com/prometheus/client_golang/prometheus"

// Stall holds the series of the stall watchdog (internal/consumer.Watchdog). They live apart
// from Metrics because the watchdog, not the pipeline, owns them; every series exists (at 0)
// from the start, so alerts on them never see "no data".
type Stall struct {
	// PartitionsStalled is the number of partitions of the group, whoever owns them, whose
	// committed offset has not moved for the stall threshold while they had lag.
	PartitionsStalled prometheus.Gauge
	// OwnPartitionsStalled counts the stalled partitions this worker owns (/readyz is false
	// while it is above 0).
	OwnPartitionsStalled prometheus.Gauge
	// Stalls counts partitions entering the stalled state.
	Stalls prometheus.Counter
	// Rejoins counts the times the watchdog made this worker leave and join the group again.
	Rejoins prometheus.Counter
}

// NewStall creates the watchdog's series and registers them on reg unless reg is nil.
func NewStall(reg prometheus.Registerer) *Stall {
	s := &Stall{
		PartitionsStalled: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "partitions_stalled",
			Help: "Partitions of the consumer group, whoever owns them, whose committed offset has not moved for the stall threshold while they had lag."}),
		OwnPartitionsStalled: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "own_partitions_stalled",
			Help: "Stalled partitions owned by this worker; /readyz is false while this is above 0."}),
		Stalls: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "stalls_total",
			Help: "Partitions that entered the stalled state (committed offset frozen for the stall threshold while lagging)."}),
		Rejoins: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "stall_rejoins_total",
			Help: "Times the stall watchdog made this worker leave and rejoin the consumer group to force a rebalance."}),
	}
	if reg != nil {
		reg.MustRegister(s.PartitionsStalled, s.OwnPartitionsStalled, s.Stalls, s.Rejoins)
	}
	return s
}
