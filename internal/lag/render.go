package lag

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// RenderTable writes the snapshot as aligned columns (topic, partition, committed, end, lag,
// lag_s, age_s, status, owner), then totals, the group status and the events/s trend. lag_s is
// the interpolated time lag ("~" marks an extrapolated figure, "unknown" one that cannot be
// had yet); age_s the message-timestamp age ("-" when not measured).
func RenderTable(w io.Writer, s Snapshot) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "topic\tpartition\tcommitted\tend\tlag\tlag_s\tage_s\tstatus\t owner\t\n")
	for _, p := range s.Partitions {
		committed := "-"
		if p.Committed >= 0 {
			committed = strconv.FormatInt(p.Committed, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\t %s\t\n", p.Topic, p.Partition, committed, p.End, p.Lag,
			lagSeconds(p), ageSeconds(p, s.AgeMeasured), p.Status, orDash(p.Owner))
	}
	var end int64
	extrapolated := false
	for _, p := range s.Partitions {
		end += p.End
		extrapolated = extrapolated || (p.LagSeconds == s.MaxLagSeconds && p.LagSecondsEstimate == EstimateExtrapolated)
	}
	maxLag := strconv.FormatFloat(s.MaxLagSeconds, 'f', 1, 64)
	switch {
	case s.UnknownLagSeconds > 0 && s.MaxLagSeconds == 0:
		maxLag = "unknown"
	case s.UnknownLagSeconds > 0:
		maxLag = ">=" + maxLag
	case extrapolated:
		maxLag = "~" + maxLag
	}
	maxAge := "-"
	if s.AgeMeasured {
		maxAge = strconv.FormatFloat(s.MaxAgeSeconds, 'f', 1, 64)
	}
	fmt.Fprintf(tw, "total\t%d\t\t%d\t%d\t%s\t%s\t%s\t \t\n", len(s.Partitions), end, s.TotalLag, maxLag, maxAge, s.Status)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "group %s  state %s  members %d  status %s  consumed %.1f ev/s  produced %.1f ev/s  trend %s  at %s\n",
		s.Group, s.State, s.Members, s.Status, s.ConsumeRate, s.ProduceRate, Sparkline(s.RateHistory, 30),
		s.At.UTC().Format(time.RFC3339))
	if err == nil && s.UnknownLagSeconds > 0 {
		_, err = fmt.Fprintf(w, "lag_s unknown on %d partition(s): lag in seconds is interpolated on end offsets sampled over time, and their end offset has not moved since sampling began; keep the live view running or sample longer (--samples)\n", s.UnknownLagSeconds)
	}
	if err == nil && s.GroupUnknown {
		_, err = fmt.Fprintf(w, "UNKNOWN: the broker does not know group %s (no member ever joined it, nothing committed): check --group against the workers' --group\n", s.Group)
	}
	if err == nil && s.SkippedOffsets > 0 {
		_, err = fmt.Fprintf(w, "LOSS: %d offsets were deleted (retention or DeleteRecords) before the group processed them; their events are lost to the profiles (worker: error log and consumer_skipped_offsets_total)\n", s.SkippedOffsets)
	} else if err == nil && s.Status == LOSS {
		_, err = fmt.Fprintf(w, "LOSS: within the status window a committed offset was below its log start: records were deleted before the group processed them (worker: error log and consumer_skipped_offsets_total)\n")
	}
	if err == nil && s.Status == NOCOMMIT {
		_, err = fmt.Fprintf(w, "NOCOMMIT: partitions with lag and no committed offset: the group has not finished a batch yet, its workers are not running, or --group names another group\n")
	}
	if err == nil && len(s.MissingTopics) > 0 {
		_, err = fmt.Fprintf(w, "missing topics (not created yet): %s\n", strings.Join(s.MissingTopics, ", "))
	}
	return err
}

func lagSeconds(p PartitionLag) string {
	switch p.LagSecondsEstimate {
	case EstimateUnknown:
		return "unknown"
	case EstimateExtrapolated:
		return "~" + strconv.FormatFloat(p.LagSeconds, 'f', 1, 64)
	}
	return strconv.FormatFloat(p.LagSeconds, 'f', 1, 64)
}

func ageSeconds(p PartitionLag, measured bool) string {
	switch {
	case !measured:
		return "-"
	case !p.AgeKnown:
		return "unknown"
	}
	return strconv.FormatFloat(p.AgeSeconds, 'f', 1, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// RenderJSON writes the snapshot as one JSON object followed by a newline.
func RenderJSON(w io.Writer, s Snapshot) error {
	return json.NewEncoder(w).Encode(s)
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width values as a bar per value, scaled to the largest.
func Sparkline(vals []float64, width int) string {
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	hi := 0.0
	for _, v := range vals {
		hi = math.Max(hi, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if hi > 0 {
			i = int(v / hi * float64(len(sparks)-1))
		}
		b.WriteRune(sparks[min(max(i, 0), len(sparks)-1)])
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// Live redraws the table on w every interval (ANSI clear screen and cursor home before each
// frame) until ctx ends, then returns nil. A failed poll is shown in place of the table and
// retried at the next tick; Live never exits on a transient broker fault.
func Live(ctx context.Context, w io.Writer, m *Monitor, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Second
	}
	var werr error
	m.Run(ctx, interval, func(s Snapshot, err error) {
		var b strings.Builder
		b.WriteString("\x1b[H\x1b[2J")
		fmt.Fprintf(&b, "streamer lag  group %s  every %s  (Ctrl-C quits)\n\n", m.Group(), interval)
		if err != nil {
			fmt.Fprintf(&b, "poll failed (retrying): %v\n", err)
		} else {
			_ = RenderTable(&b, s)
		}
		if _, err := io.WriteString(w, b.String()); err != nil && werr == nil {
			werr = err
		}
	})
	if werr != nil {
		return fmt.Errorf("lag: live view: %w", werr)
	}
	return nil
}
