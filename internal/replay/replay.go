// Package replay turns data files into Kafka events: it is the backfill tool, the load
// generator and the demo's feeder.
//
// A Source reads one file in one of the formats of ../shared/data and yields Records: the topic
// role (clicks or reviews), the user id (for keying), the event's original time and the JSON
// value in the event schema of docs/events.md. Replay then writes them to Kafka, optionally at a
// bounded rate or at a speed-up over the original timestamps.
//
// Formats, detected from the file's first line:
//   - Amazon review JSON lines (user_id, item_id, rating, ts, category, summary, text, item_title);
//   - the Taobao UserBehavior CSV (user, item, category, behavior, ts; no header);
//   - the Chinese online_shopping_10_cats CSV (header cat,label,review). It has no user ids: each
//     row gets a synthetic one, zh-<category>-<n>, four consecutive reviews of a category per user,
//     and its sentiment label becomes a rating (1 -> 5, 0 -> 1).
package replay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/profilestream/profilestream/internal/event"
)

// Kind is the topic role of a record.
type Kind int

// Record kinds.
const (
	Click Kind = iota + 1
	Review
)

// Record is one event ready to produce.
type Record struct {
	Kind   Kind
	UserID string
	TS     time.Time
	Value  []byte
}

// Format names a file format.
type Format string

// The supported formats.
const (
	FormatAmazonJSONL Format = "amazon-jsonl"
	FormatTaobaoCSV   Format = "taobao-csv"
	FormatChineseCSV  Format = "chinese-csv"
)

// Skipped counts the lines of a file that Read did not turn into records, by why.
type Skipped struct {
	// Unparseable lines: not JSON or not CSV, a wrong field count, no user id, a bad timestamp.
	Unparseable int
	// NoText counts reviews that parse but have neither a title (summary) nor a body: the
	// worker would reject them (missing_text), so replay does not produce them. A review with a
	// title and an empty body is a review and is produced.
	NoText int
}

// Total is every line skipped.
func (s Skipped) Total() int { return s.Unparseable + s.NoText }

// Read parses a whole file (gzip or plain) into records, in file order. Lines it cannot use are
// counted in skipped, by reason, and not produced: replay feeds clean data; malformed input is
// what the worker's dead-letter path is tested with.
func Read(r io.Reader) (recs []Record, format Format, skipped Skipped, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", Skipped{}, fmt.Errorf("replay: gzip: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 1<<16)
	}
	first, _ := br.Peek(64)
	switch {
	case bytes.HasPrefix(bytes.TrimSpace(first), []byte("{")):
		recs, skipped, err = readAmazon(br)
		return recs, FormatAmazonJSONL, skipped, err
	case bytes.HasPrefix(bytes.TrimPrefix(first, []byte("\ufeff")), []byte("cat,label,review")):
		recs, skipped, err = readChinese(br)
		return recs, FormatChineseCSV, skipped, err
	default:
		recs, skipped, err = readTaobao(br)
		return recs, FormatTaobaoCSV, skipped, err
	}
}

type amazonRow struct {
	UserID    string  `json:"user_id"`
	ItemID    string  `json:"item_id"`
	Rating    float64 `json:"rating"`
	TS        int64   `json:"ts"`
	Category  string  `json:"category"`
	Summary   string  `json:"summary"`
	Text      string  `json:"text"`
	ItemTitle string  `json:"item_title,omitempty"`
}

func readAmazon(r *bufio.Reader) ([]Record, Skipped, error) {
	var out []Record
	var skipped Skipped
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a amazonRow
		if err := json.Unmarshal(line, &a); err != nil || a.UserID == "" {
			skipped.Unparseable++
			continue
		}
		if !event.HasReviewText(a.Summary, a.Text) {
			skipped.NoText++
			continue
		}
		v, _ := json.Marshal(a)
		out = append(out, Record{Kind: Review, UserID: a.UserID, TS: time.Unix(a.TS, 0).UTC(), Value: v})
	}
	return out, skipped, sc.Err()
}

type clickRow struct {
	UserID   string `json:"user_id"`
	ItemID   string `json:"item_id"`
	Action   string `json:"action"`
	Category string `json:"category"`
	TS       int64  `json:"ts"`
}

func readTaobao(r *bufio.Reader) ([]Record, Skipped, error) {
	var out []Record
	var skipped Skipped
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(f) != 5 {
			skipped.Unparseable++
			continue
		}
		ts, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			skipped.Unparseable++
			continue
		}
		v, _ := json.Marshal(clickRow{UserID: f[0], ItemID: f[1], Category: f[2], Action: f[3], TS: ts})
		out = append(out, Record{Kind: Click, UserID: f[0], TS: time.Unix(ts, 0).UTC(), Value: v})
	}
	return out, skipped, nil
}

// chineseBase is the synthetic time of the first Chinese review; each row is a minute later.
var chineseBase = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func readChinese(r *bufio.Reader) ([]Record, Skipped, error) {
	var out []Record
	var skipped Skipped
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	perCat := map[string]int{}
	row := 0
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(f) != 3 {
			skipped.Unparseable++
			continue
		}
		if row == 0 && strings.TrimPrefix(f[0], "\ufeff") == "cat" {
			row++
			continue
		}
		row++
		text := strings.TrimPrefix(f[2], "\ufeff")
		if !event.HasReviewText("", text) {
			skipped.NoText++
			continue
		}
		n := perCat[f[0]]
		perCat[f[0]]++
		rating := 1.0
		if f[1] == "1" {
			rating = 5
		}
		ts := chineseBase.Add(time.Duration(row) * time.Minute)
		a := amazonRow{UserID: fmt.Sprintf("zh-%s-%d", f[0], n/4), ItemID: fmt.Sprintf("zh-%s", f[0]), Rating: rating,
			TS: ts.Unix(), Category: f[0], Text: text}
		v, _ := json.Marshal(a)
		out = append(out, Record{Kind: Review, UserID: a.UserID, TS: ts, Value: v})
	}
	return out, skipped, nil
}

// Options control how records are produced.
type Options struct {
	ClicksTopic, ReviewsTopic string // defaults "clicks", "reviews"
	// KeyByUser keys each message by its user id (so one user's events share a partition).
	// Default false: messages are spread round-robin, which the worker must handle too.
	KeyByUser bool
	// Rate caps the events per second (0 = unlimited).
	Rate float64
	// SpeedUp replays at the original inter-event times divided by SpeedUp (0 = ignore times).
	SpeedUp float64
	// Progress, when set, is called after each written chunk with the running count.
	Progress func(written int)
}

// Produce writes the records to Kafka through w in order, honouring rate and speed-up.
func Produce(ctx context.Context, w *kafka.Writer, recs []Record, o Options) (int, error) {
	if o.ClicksTopic == "" {
		o.ClicksTopic = "clicks"
	}
	if o.ReviewsTopic == "" {
		o.ReviewsTopic = "reviews"
	}
	const chunk = 200
	start := time.Now()
	var t0 time.Time
	written := 0
	for i := 0; i < len(recs); i += chunk {
		end := min(i+chunk, len(recs))
		msgs := make([]kafka.Message, 0, end-i)
		for _, r := range recs[i:end] {
			m := kafka.Message{Topic: o.ClicksTopic, Value: r.Value, Time: r.TS}
			if r.Kind == Review {
				m.Topic = o.ReviewsTopic
			}
			if o.KeyByUser {
				m.Key = []byte(r.UserID)
			}
			msgs = append(msgs, m)
		}
		// Pace: the chunk's last record may not be sent before its due time.
		last := recs[end-1]
		var due time.Duration
		if o.SpeedUp > 0 {
			if t0.IsZero() {
				t0 = recs[0].TS
			}
			due = time.Duration(float64(last.TS.Sub(t0)) / o.SpeedUp)
		}
		if o.Rate > 0 {
			due = max(due, time.Duration(float64(end)/o.Rate*float64(time.Second)))
		}
		if wait := due - time.Since(start); wait > 0 {
			select {
			case <-ctx.Done():
				return written, ctx.Err()
			case <-time.After(wait):
			}
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return written, fmt.Errorf("replay: write: %w", err)
		}
		written += len(msgs)
		if o.Progress != nil {
			o.Progress(written)
		}
	}
	return written, nil
}

// NewWriter returns a kafka-go writer suited to replay: no fixed topic (each message names
// its own), round-robin or key hashing, acks from all replicas, topic auto-creation allowed.
func NewWriter(brokers []string) *kafka.Writer {
	return &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Balancer:               &kafka.Hash{}, // falls back to round-robin for nil keys
		RequiredAcks:           kafka.RequireAll,
		AllowAutoTopicCreation: true,
		BatchSize:              200,
		BatchTimeout:           5 * time.Millisecond,
	}
}
