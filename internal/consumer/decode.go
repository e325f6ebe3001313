package consumer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/profilestream/profilestream/internal/event"
)

// Reason says why a message was dead-lettered. Reasons are a small closed set, so they can be
// metric labels; the detail of each rejection goes into the DLQ headers.
type Reason string

// The reasons a message is rejected.
const (
	ReasonEmpty          Reason = "empty_message"
	ReasonTooLarge       Reason = "message_too_large"
	ReasonInvalidUTF8    Reason = "invalid_utf8"
	ReasonBadJSON        Reason = "bad_json"
	ReasonWrongType      Reason = "wrong_field_type"
	ReasonMissingUserID  Reason = "missing_user_id"
	ReasonBadUserID      Reason = "bad_user_id"
	ReasonUnknownAction  Reason = "unknown_action"
	ReasonMissingText    Reason = "missing_text"
	ReasonTextTooLarge   Reason = "text_too_large"
	ReasonFieldTooLarge  Reason = "field_too_large"
	ReasonBadRating      Reason = "bad_rating"
	ReasonBadTimestamp   Reason = "bad_timestamp"
	ReasonUnknownRequest Reason = "unknown_request"
	ReasonUnknownTopic   Reason = "unknown_topic"
)

// Rejection is a decoding failure: the reason and a human-readable detail. The detail never
// contains the message's values (a raw id or text must not reach logs); it names fields only.
type Rejection struct {
	Reason Reason
	Detail string
}

func (r *Rejection) Error() string { return string(r.Reason) + ": " + r.Detail }

func reject(reason Reason, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Limits bound what a single message may carry. Zero fields take the defaults.
type Limits struct {
	// MaxMessageBytes rejects larger messages whole (default 1 MiB). Kafka's own default
	// message.max.bytes is about 1 MB, so this only bites on brokers configured larger.
	MaxMessageBytes int
	// MaxTextBytes rejects a review whose text is longer (default 64 KiB). The encoder reads at
	// most a few hundred tokens, so a longer review is almost certainly not a review.
	MaxTextBytes int
	// MaxFieldBytes bounds every other string field (default 4 KiB).
	MaxFieldBytes int
	// MaxUserIDBytes bounds the user id (default 256).
	MaxUserIDBytes int
}

func (l Limits) withDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = 1 << 20
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = 64 << 10
	}
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = 4 << 10
	}
	if l.MaxUserIDBytes <= 0 {
		l.MaxUserIDBytes = 256
	}
	return l
}

// TopicRole is what a topic carries.
type TopicRole int

// The roles of input topics.
const (
	RoleClicks TopicRole = iota + 1
	RoleReviews
	RoleErasure
)

// Erasure is a request from the erasure topic: forget a user, or record their re-consent.
type Erasure struct {
	event.Origin
	UserID string // raw; cleared by the privacy stage
	// Pseudonyms are the user's pseudonyms under every key of the ring (active first), set by
	// the privacy stage: an erasure must reach a profile still stored under an old key.
	Pseudonyms []string
	Reconsent  bool
}

// wire is the union of the fields of every topic. Flexible fields are kept raw and checked by hand
// so that a wrong type gets its own reason.
type wire struct {
	UserID    json.RawMessage `json:"user_id"`
	ItemID    json.RawMessage `json:"item_id"`
	Action    *string         `json:"action"`
	Category  json.RawMessage `json:"category"`
	ItemTitle *string         `json:"item_title"`
	Summary   *string         `json:"summary"`
	Text      *string         `json:"text"`
	Rating    json.RawMessage `json:"rating"`
	TS        json.RawMessage `json:"ts"`
	Request   *string         `json:"request"`
}

// Earliest and latest accepted event times. Outside them a timestamp is a unit mistake
// (milliseconds sent as seconds) or garbage.
var (
	minTS = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTS = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Decode parses one message of the given role. fallbackTS (the Kafka message time) is used when
// the event has no ts. It never panics; any problem is a *Rejection.
func Decode(role TopicRole, value []byte, fallbackTS time.Time, lim Limits) (ev event.Event, er Erasure, rej *Rejection) {
	lim = lim.withDefaults()
	if len(bytes.TrimSpace(value)) == 0 {
		return ev, er, reject(ReasonEmpty, "message value is empty")
	}
	if len(value) > lim.MaxMessageBytes {
		return ev, er, reject(ReasonTooLarge, "message is %d bytes, limit %d", len(value), lim.MaxMessageBytes)
	}
	if !utf8.Valid(value) {
		return ev, er, reject(ReasonInvalidUTF8, "message is not valid UTF-8")
	}
	var w wire
	if err := json.Unmarshal(value, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return ev, er, reject(ReasonWrongType, "field %q has JSON type %s, want %s", te.Field, te.Value, te.Type)
		}
		return ev, er, reject(ReasonBadJSON, "not a JSON object: %s", jsonErrorKind(err))
	}
	uid, rej := idField("user_id", w.UserID, lim.MaxUserIDBytes)
	if rej != nil {
		return ev, er, rej
	}
	if uid == "" {
		return ev, er, reject(ReasonMissingUserID, "user_id is missing or empty")
	}
	ts, rej := tsField(w.TS, fallbackTS)
	if rej != nil {
		return ev, er, rej
	}

	if role == RoleErasure {
		er = Erasure{UserID: uid}
		if w.Request != nil {
			switch strings.ToLower(strings.TrimSpace(*w.Request)) {
			case "", "erase", "forget", "delete":
			case "reconsent", "re-consent":
				er.Reconsent = true
			default:
				return ev, er, reject(ReasonUnknownRequest, "request must be erase or reconsent")
			}
		}
		return ev, er, nil
	}

	ev.UserID = uid
	ev.TS = ts
	if ev.ItemID, rej = idField("item_id", w.ItemID, lim.MaxFieldBytes); rej != nil {
		return ev, er, rej
	}
	if ev.Category, rej = idField("category", w.Category, lim.MaxFieldBytes); rej != nil {
		return ev, er, rej
	}
	if ev.ItemTitle, rej = strField("item_title", w.ItemTitle, lim.MaxFieldBytes); rej != nil {
		return ev, er, rej
	}

	switch role {
	case RoleClicks:
		if w.Action == nil {
			return ev, er, reject(ReasonUnknownAction, "action is missing")
		}
		k, ok := event.ParseAction(*w.Action)
		if !ok {
			return ev, er, reject(ReasonUnknownAction, "action must be view|pv|cart|fav|buy")
		}
		ev.Kind = k
	case RoleReviews:
		ev.Kind = event.KindReview
		if ev.Summary, rej = strField("summary", w.Summary, lim.MaxFieldBytes); rej != nil {
			return ev, er, rej
		}
		if w.Text != nil && len(*w.Text) > lim.MaxTextBytes {
			return ev, er, reject(ReasonTextTooLarge, "text is %d bytes, limit %d", len(*w.Text), lim.MaxTextBytes)
		}
		if w.Text != nil {
			ev.Text = *w.Text
		}
		// A title is text: a review with a title and an empty body is a review. Only a review
		// with neither has nothing to say.
		if !event.HasReviewText(ev.Summary, ev.Text) {
			return ev, er, reject(ReasonMissingText, "a review needs a non-empty text or summary")
		}
		r, rej := ratingField(w.Rating)
		if rej != nil {
			return ev, er, rej
		}
		ev.Rating = r
	default:
		return ev, er, reject(ReasonUnknownTopic, "no role for this topic")
	}
	return ev, er, nil
}

func jsonErrorKind(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	if strings.Contains(err.Error(), "unexpected end") {
		return "unexpected end of input"
	}
	return "invalid JSON"
}

// idField accepts a JSON string or an integer (Taobao ids are numbers) and returns it as text.
func idField(name string, raw json.RawMessage, max int) (string, *Rejection) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", reject(ReasonBadJSON, "field %q is not a valid string", name)
		}
		s = strings.TrimSpace(s)
		if len(s) > max {
			if name == "user_id" {
				return "", reject(ReasonBadUserID, "user_id is %d bytes, limit %d", len(s), max)
			}
			return "", reject(ReasonFieldTooLarge, "field %q is %d bytes, limit %d", name, len(s), max)
		}
		if name == "user_id" && strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", reject(ReasonBadUserID, "user_id contains control characters")
		}
		return s, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
			return "", reject(ReasonWrongType, "field %q must be a string or an integer", name)
		}
		return string(raw), nil
	}
	return "", reject(ReasonWrongType, "field %q must be a string or an integer", name)
}

func strField(name string, s *string, max int) (string, *Rejection) {
	if s == nil {
		return "", nil
	}
	if len(*s) > max {
		return "", reject(ReasonFieldTooLarge, "field %q is %d bytes, limit %d", name, len(*s), max)
	}
	return *s, nil
}

func ratingField(raw json.RawMessage) (float32, *Rejection) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var f float64
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, reject(ReasonWrongType, "rating must be a number")
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return 0, reject(ReasonWrongType, "rating must be a number")
		}
		f = v
	} else if err := json.Unmarshal(raw, &f); err != nil {
		return 0, reject(ReasonWrongType, "rating must be a number")
	}
	if math.IsNaN(f) || f < 1 || f > 5 {
		return 0, reject(ReasonBadRating, "rating must be between 1 and 5")
	}
	return float32(f), nil
}

// tsField accepts unix seconds (a JSON number or a numeric string) or an RFC 3339 string.
func tsField(raw json.RawMessage, fallback time.Time) (time.Time, *Rejection) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		if fallback.IsZero() {
			fallback = time.Now()
		}
		return fallback.UTC(), nil
	}
	var t time.Time
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return t, reject(ReasonBadTimestamp, "ts is not a valid string")
		}
		s = strings.TrimSpace(s)
		if secs, err := strconv.ParseFloat(s, 64); err == nil {
			t = unixFloat(secs)
		} else if p, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t = p
		} else {
			return t, reject(ReasonBadTimestamp, "ts must be unix seconds or RFC 3339")
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		secs, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return t, reject(ReasonBadTimestamp, "ts must be unix seconds or RFC 3339")
		}
		t = unixFloat(secs)
	default:
		return t, reject(ReasonBadTimestamp, "ts must be unix seconds or RFC 3339")
	}
	if t.Before(minTS) || t.After(maxTS) {
		return t, reject(ReasonBadTimestamp, "ts is outside 1990..2100 (milliseconds sent as seconds?)")
	}
	return t.UTC(), nil
}

func unixFloat(secs float64) time.Time {
	if math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 1e11 || secs < -1e11 {
		return time.Time{}
	}
	whole := math.Floor(secs)
	return time.Unix(int64(whole), int64((secs-whole)*1e9))
}
