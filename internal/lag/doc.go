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
// Lag in seconds answers "how far behind in time is the group", as kafka-lag-exporter defines
// it: each poll records every partition's end offset with the wall-clock time in a small
// bounded table, and PartitionLag.LagSeconds is now minus the time at which the end offset was
// the committed offset, interpolated in that table. It needs no extra requests and does not
// trust producer timestamps (our replay tool stamps messages with the original event time,
// which may be years old). A committed offset older than the table is extrapolated back along
// the table's average produce rate (EstimateExtrapolated); without two points of different
// offsets the figure is unknown (EstimateUnknown), never counted from the monitor's start.
//
// Options.MessageAge adds a second, differently named figure, PartitionLag.AgeSeconds: now
// minus the timestamp of the first unprocessed record, fetched with one request per partition
// (so a record batch larger than the per-partition limit is never dropped and read as 0 s).
// It is right from the first poll, but only as right as the producer's clock and timestamp
// type (CreateTime vs LogAppendTime).
//
// Status follows Burrow's evaluation over a sliding window of the last Options.Window polls
// of each partition, see Status and Evaluate. The group's status is its worst partition's.
//
// A Monitor polls; a Snapshot is one poll's result. RenderTable, RenderJSON and Live print it;
// Exporter writes it to the Prometheus lag series. None of this touches the consumer's own
// state: the monitor is a read-only observer that can run anywhere the brokers are reachable.
package lag
