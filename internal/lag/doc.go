// Package lag measures how far a consumer group is behind, from the broker's point of view,
// and judges each partition the way LinkedIn's Burrow does.
//
// Why from the broker: a kafka-go Reader's Stats().Lag only describes the last partition it
// fetched, so summing it across workers lies. The truth lives in the broker: the end offset of
// each partition (ListOffsets, the high watermark) and the offset the group committed for it
// (OffsetFetch). Lag in messages is end - committed. A partition the group never committed to
// (committed = -1, or the group does not exist yet) lags by end - start: every message still in
// the log is unprocessed.
//
// Lag in seconds answers "how old is the oldest message the group has not processed yet". Two
// estimates are offered (Options.TimeLag):
//
//   - TimeLagTable (the default) keeps, per partition, a small table of (end offset, wall
//     clock) points seen at each poll and interpolates the time at which the first unprocessed
//     offset was written, as kafka-lag-exporter does. It needs no extra requests and does not
//     trust producer timestamps (our replay tool stamps messages with the original event time,
//     which may be years old). Its limit: an offset written before the monitor's first poll
//     has no point in the table; its age is then reported as a lower bound (now - first point,
//     flagged LagSecondsLowerBound) until the group catches up past the table's start.
//   - TimeLagTimestamp fetches the record at the committed offset of every lagging partition
//     and reports now - its timestamp. It is right from the first poll, but only as right as
//     the producer's clock and timestamp type (CreateTime vs LogAppendTime).
//
// Status follows Burrow's evaluation over a sliding window of the last Options.Window polls
// of each partition, see Status and Evaluate. The group's status is its worst partition's.
//
// A Monitor polls; a Snapshot is one poll's result. RenderTable, RenderJSON and Live print it;
// Exporter writes it to the Prometheus lag series. None of this touches the consumer's own
// state: the monitor is a read-only observer that can run anywhere the brokers are reachable.
package lag
