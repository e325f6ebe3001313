package lag

import (
	"fmt"
	"time"
)

// Status is a Burrow-style verdict on a partition or a group. The zero value is OK.
// Statuses are ordered by severity: OK < WARN < NOCOMMIT < REWIND < STALL < STOP < LOSS <
// UNKNOWN.
type Status int

const (
	// OK: the partition is caught up (lag 0) or the group is keeping pace.
	OK Status = iota
	// WARN: the group commits (its offset moves) but the lag grew over the whole window: it
	// is falling behind the producers.
	WARN
	// NOCOMMIT: lag > 0 and the group has never committed an offset for the partition: the
	// group is new and has not finished a batch yet, its workers never ran, or --group names
	// another group than the workers'. Becomes STOP after Options.StopAfter.
	NOCOMMIT
	// REWIND: the committed offset went backwards inside the window (an offset reset or a
	// replay). Stays until the backward step slides out of the window.
	REWIND
	// STALL: lag > 0 and the committed offset did not move over the whole window (shorter
	// than Options.StopAfter): the worker is paused, wedged or crash-looping on one batch.
	STALL
	// STOP: lag > 0 and the committed offset has not moved for at least Options.StopAfter:
	// no worker is making progress on this partition (typically none is running).
	STOP
	// LOSS: the committed offset lay below the log start offset inside the window: records
	// were deleted (retention, DeleteRecords) before the group processed them, and the
	// worker will skip from its committed offset to the log start. Stays until that poll
	// slides out of the window; the worker counts the skipped offsets
	// (consumer_skipped_offsets_total) and logs the range.
	LOSS
	// UNKNOWN: the broker does not know the group (it never joined and never committed):
	// usually a mistyped --group. Only a Snapshot's status, never a partition's.
	UNKNOWN
)

var statusNames = [...]string{"OK", "WARN", "NOCOMMIT", "REWIND", "STALL", "STOP", "LOSS", "UNKNOWN"}

// Statuses lists every status in order of severity.
func Statuses() []Status { return []Status{OK, WARN, NOCOMMIT, REWIND, STALL, STOP, LOSS, UNKNOWN} }

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText renders the status name (for JSON).
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("lag: unknown status %q", b)
}

// Worse returns the more severe of s and o.
func (s Status) Worse(o Status) Status {
	if o > s {
		return o
	}
	return s
}

// Observation is one poll of one partition.
type Observation struct {
	At        time.Time
	Committed int64 // -1: nothing committed
	Start     int64 // log start offset
	End       int64
	Lag       int64
}

// Window is what the evaluator sees of one partition: the last polls, oldest first, and when
// the committed offset last changed (it may be older than the window's first poll).
type Window struct {
	Obs      []Observation
	LastMove time.Time // when Committed last changed; the first poll's time if it never did
}

// Evaluate judges a partition by Burrow's rules, extended by the loss and never-committed
// cases, in this order:
//
//  1. a committed offset below the log start in any poll of the window: LOSS;
//  2. any backward step of the committed offset within the window: REWIND;
//  3. last lag 0: OK;
//  4. lag > 0 and now - LastMove >= stopAfter: STOP;
//  5. lag > 0 and nothing ever committed: NOCOMMIT;
//  6. window full (size polls) and the committed offset identical in all of them, with
//     lag > 0 in all: STALL;
//  7. window full, committed moved (last > first) and lag never decreased while ending
//     higher than it started: WARN;
//  8. otherwise OK.
//
// A window shorter than size can only yield LOSS, REWIND, OK, STOP or NOCOMMIT: two polls
// are not a trend.
func Evaluate(w Window, now time.Time, size int, stopAfter time.Duration) Status {
	obs := w.Obs
	if len(obs) == 0 {
		return OK
	}
	for _, o := range obs {
		if o.Committed >= 0 && o.Committed < o.Start {
			return LOSS
		}
	}
	for i := 1; i < len(obs); i++ {
		if obs[i-1].Committed >= 0 && obs[i].Committed < obs[i-1].Committed {
			return REWIND
		}
	}
	last := obs[len(obs)-1]
	if last.Lag <= 0 {
		return OK
	}
	if stopAfter > 0 && !w.LastMove.IsZero() && now.Sub(w.LastMove) >= stopAfter {
		return STOP
	}
	if last.Committed < 0 {
		return NOCOMMIT
	}
	if size < 2 || len(obs) < size {
		return OK
	}
	obs = obs[len(obs)-size:]
	first := obs[0]
	still, growing := true, true
	for i, o := range obs {
		if o.Committed != first.Committed || o.Lag <= 0 {
			still = false
		}
		if i > 0 && o.Lag < obs[i-1].Lag {
			growing = false
		}
	}
	switch {
	case still:
		return STALL
	case growing && last.Committed > first.Committed && last.Lag > first.Lag:
		return WARN
	}
	return OK
}
