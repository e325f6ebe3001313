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
//   - the REES46 e-commerce CSV (header event_time,event_type,product_id,category_id,
//     category_code,brand,price,user_id,user_session): clicks whose category is the readable
//     category_code ("electronics.smartphone"), or the numeric category_id when it has none, and
//     whose item title is the brand (words: the encoder and the lexical sketch read it); view,
//     cart and purchase become view, cart and buy; remove_from_cart is not an interest and is
//     skipped (Skipped.Removed);
//   - the Chinese online_shopping_10_cats CSV (header cat,label,review). It has no user ids: each
//     row gets a synthetic one, zh-<category>-<n>, four consecutive reviews of a category per user,
//     and its sentiment label becomes a rating (1 -> 5, 0 -> 1).
package replay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

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
	FormatREES46CSV   Format = "rees46-csv"
)

// Skipped counts the lines of a file that Read did not turn into records, by why.
type Skipped struct {
	// Unparseable lines: not JSON or not CSV, a wrong field count, no user id, a bad timestamp.
	Unparseable int
	// NoText counts reviews that parse but have neither a title (summary) nor a body: the
	// worker would reject them (missing_text), so replay does not produce them. A review with a
	// title and an empty body is a review and is produced.
	NoText int
	// Removed counts REES46 remove_from_cart rows: they parse, but taking an item out of the
	// cart is not an interest, so no event is produced.
	Removed int
}

// Total is every line skipped.
func (s Skipped) Total() int { return s.Unparseable + s.NoText + s.Removed }

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
	case bytes.HasPrefix(bytes.TrimPrefix(first, []byte("\ufeff")), []byte("event_time,event_type,product_id,")):
		recs, skipped, err = readREES46(br)
		return recs, FormatREES46CSV, skipped, err
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
	UserID    string `json:"user_id"`
	ItemID    string `json:"item_id"`
	Action    string `json:"action"`
	Category  string `json:"category"`
	ItemTitle string `json:"item_title,omitempty"`
	TS        int64  `json:"ts"`
}

// rees46Actions maps REES46 event types to click actions ("" = skipped as Removed).
var rees46Actions = map[string]string{"view": "view", "cart": "cart", "purchase": "buy", "remove_from_cart": ""}

func readREES46(r *bufio.Reader) ([]Record, Skipped, error) {
	var out []Record
	var skipped Skipped
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	for row := 0; ; row++ {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if row == 0 && err == nil && len(f) > 0 && strings.TrimPrefix(f[0], "\ufeff") == "event_time" {
			continue // the header
		}
		if err != nil || len(f) != 9 || f[7] == "" || f[2] == "" {
			skipped.Unparseable++
			continue
		}
		action, known := rees46Actions[f[1]]
		ts, terr := time.Parse("2006-01-02 15:04:05 MST", f[0])
		if !known || terr != nil {
			skipped.Unparseable++
			continue
		}
		if action == "" {
			skipped.Removed++
			continue
		}
		cat := f[4]
		if cat == "" {
			cat = f[3]
		}
		v, _ := json.Marshal(clickRow{UserID: f[7], ItemID: f[2], Category: cat, ItemTitle: f[5], Action: action, TS: ts.Unix()})
		out = append(out, Record{Kind: Click, UserID: f[7], TS: ts.UTC(), Value: v})
	}
	return out, skipped, nil
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

// Header names carried by every record Produce writes: the replay's source id (see SourceID)
// and the record's index in it. Together they identify a record, so a replay that is run again
// with Options.Resume skips what already reached the topic instead of writing it twice.
const (
	HeaderSource = "replay.source"
	HeaderIndex  = "replay.index"
)

// SourceID is a short deterministic id of a list of records (a hash of their kinds, user ids,
// times and values): the same file with the same --limit gives the same id.
func SourceID(recs []Record) string {
	h := sha256.New()
	var n [8]byte
	for _, r := range recs {
		binary.LittleEndian.PutUint64(n[:], uint64(r.Kind))
		h.Write(n[:])
		binary.LittleEndian.PutUint64(n[:], uint64(len(r.UserID)))
		h.Write(n[:])
		h.Write([]byte(r.UserID))
		binary.LittleEndian.PutUint64(n[:], uint64(r.TS.UnixNano()))
		h.Write(n[:])
		binary.LittleEndian.PutUint64(n[:], uint64(len(r.Value)))
		h.Write(n[:])
		h.Write(r.Value)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
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
	// Progress, when set, is called after each acknowledged chunk with the running count.
	Progress func(written int)
	// Source is the id written into HeaderSource (default SourceID(recs)).
	Source string
	// Resume first reads the target topics and skips every record of this Source that is
	// already there (a replay that died or was interrupted, run again): each record reaches
	// the topic once. Produce's count then includes the records found.
	Resume bool
}

func (o *Options) defaults(recs []Record) {
	if o.ClicksTopic == "" {
		o.ClicksTopic = "clicks"
	}
	if o.ReviewsTopic == "" {
		o.ReviewsTopic = "reviews"
	}
	if o.Source == "" {
		o.Source = SourceID(recs)
	}
}

// Writer produces replayed records with franz-go's client: idempotent (a retried batch is
// written once, by the broker's sequence numbers), acks from all in-sync replicas, retried
// through broker deaths and leader moves until DeliveryTimeout. A record is reported failed
// only when the client knows it did not land (never sent, or refused by the broker), so the
// count Produce returns is what reached the topic.
type Writer struct {
	cl *kgo.Client
}

// DeliveryTimeout bounds how long a record may wait for the cluster (a broker death, an
// election) before Produce gives up on it.
const DeliveryTimeout = 2 * time.Minute

// NewWriter returns a writer to brokers. opts add client options (TLS and SASL from
// internal/secure, a client id, a logger); later options win. No connection is made yet.
func NewWriter(brokers []string, opts ...kgo.Opt) (*Writer, error) {
	base := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowAutoTopicCreation(),
		kgo.RecordPartitioner(partitioner{}),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RecordDeliveryTimeout(DeliveryTimeout),
		kgo.ProducerBatchMaxBytes(4 << 20),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("replay: kafka client: %w", err)
	}
	return &Writer{cl: cl}, nil
}

// Close flushes nothing (Produce waits for its records) and closes the connections.
func (w *Writer) Close() { w.cl.Close() }

// partitioner hashes keyed records (Kafka's murmur2, as the Java client) and spreads the
// others round-robin.
type partitioner struct{}

func (partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &topicPartitioner{keyed: kgo.StickyKeyPartitioner(nil).ForTopic(t), rr: kgo.RoundRobinPartitioner().ForTopic(t)}
}

type topicPartitioner struct{ keyed, rr kgo.TopicPartitioner }

func (*topicPartitioner) RequiresConsistency(r *kgo.Record) bool { return r.Key != nil }
func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Key != nil {
		return p.keyed.Partition(r, n)
	}
	return p.rr.Partition(r, n)
}

// Produce writes the records in order, honouring rate and speed-up, and returns how many
// reached the topics. Records carry the current time as their Kafka timestamp: the event's own
// time is in the value (field ts, which the worker reads), because a broker judges retention
// on record timestamps and would delete a backfill of years-old events at its next retention
// check, before the worker read it. Each chunk is waited for before the next is sent; when ctx
// ends, the chunk in flight is still waited for (bounded by DeliveryTimeout), so the count is
// exact and a rerun with Options.Resume continues where this one stopped.
func Produce(ctx context.Context, w *Writer, recs []Record, o Options) (int, error) {
	o.defaults(recs)
	var have map[int]bool
	if o.Resume {
		var err error
		if have, err = w.present(ctx, o); err != nil {
			return 0, err
		}
	}
	const chunk = 200
	start := time.Now()
	var t0 time.Time
	written := 0
	for i := 0; i < len(recs); i += chunk {
		end := min(i+chunk, len(recs))
		batch := make([]*kgo.Record, 0, end-i)
		for j, r := range recs[i:end] {
			idx := i + j
			if have[idx] {
				written++
				continue
			}
			m := &kgo.Record{Topic: o.ClicksTopic, Value: r.Value, Headers: []kgo.RecordHeader{
				{Key: HeaderSource, Value: []byte(o.Source)},
				{Key: HeaderIndex, Value: []byte(strconv.Itoa(idx))},
			}}
			if r.Kind == Review {
				m.Topic = o.ReviewsTopic
			}
			if o.KeyByUser {
				m.Key = []byte(r.UserID)
			}
			batch = append(batch, m)
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
		if wait := due - time.Since(start); wait > 0 && len(batch) > 0 {
			select {
			case <-ctx.Done():
				return written, ctx.Err()
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			return written, ctx.Err()
		}
		if len(batch) > 0 {
			// Not cancelled with ctx: records already sent may land, and the count must say so.
			res := w.cl.ProduceSync(context.WithoutCancel(ctx), batch...)
			var firstErr error
			for _, r := range res {
				if r.Err == nil {
					written++
				} else if firstErr == nil {
					firstErr = r.Err
				}
			}
			if firstErr != nil {
				return written, fmt.Errorf("replay: write: %w", firstErr)
			}
		}
		if o.Progress != nil {
			o.Progress(written)
		}
	}
	return written, ctx.Err()
}

// present reads the target topics to their end and returns the indexes of this source's
// records found there.
func (w *Writer) present(ctx context.Context, o Options) (map[int]bool, error) {
	topics := []string{o.ClicksTopic}
	if o.ReviewsTopic != o.ClicksTopic {
		topics = append(topics, o.ReviewsTopic)
	}
	adm := kadm.NewClient(w.cl)
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("replay: resume: end offsets: %w", err)
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("replay: resume: start offsets: %w", err)
	}
	want := map[string]map[int32]kgo.Offset{}
	left := map[string]map[int32]int64{}
	ends.Each(func(e kadm.ListedOffset) {
		if e.Err != nil {
			return // a topic that does not exist yet holds nothing of ours
		}
		s, ok := starts.Lookup(e.Topic, e.Partition)
		if !ok || s.Err != nil || s.Offset >= e.Offset {
			return
		}
		if want[e.Topic] == nil {
			want[e.Topic], left[e.Topic] = map[int32]kgo.Offset{}, map[int32]int64{}
		}
		want[e.Topic][e.Partition] = kgo.NewOffset().At(s.Offset)
		left[e.Topic][e.Partition] = e.Offset
	})
	have := map[int]bool{}
	if len(want) == 0 {
		return have, nil
	}
	rd, err := kgo.NewClient(append(w.cl.Opts(), kgo.ConsumePartitions(want))...)
	if err != nil {
		return nil, fmt.Errorf("replay: resume: %w", err)
	}
	defer rd.Close()
	// Bounded: a partition whose end offset is never reached (its last offsets are
	// transaction markers) must not hang the replay.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	pending := 0
	for _, ps := range left {
		pending += len(ps)
	}
	for pending > 0 {
		fs := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("replay: resume: reading what the topics hold: %w", err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = fmt.Errorf("replay: resume: read %s/%d: %w", t, p, err) })
		if ferr != nil {
			return nil, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			var src, idx string
			for _, h := range r.Headers {
				switch h.Key {
				case HeaderSource:
					src = string(h.Value)
				case HeaderIndex:
					idx = string(h.Value)
				}
			}
			if src == o.Source {
				if n, err := strconv.Atoi(idx); err == nil {
					have[n] = true
				}
			}
			if end, ok := left[r.Topic][r.Partition]; ok && r.Offset+1 >= end {
				delete(left[r.Topic], r.Partition)
				pending--
			}
		})
	}
	return have, nil
}
