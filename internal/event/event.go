// Package event defines the one event type that every stage of the pipeline passes along.
//
// A click or a review enters the worker as a Kafka message. The consumer decodes it into an
// Event and fills its origin (topic, partition, offset) and its raw fields. Each later stage
// fills the fields it owns and nothing else:
//
//   - privacy replaces the raw UserID by a keyed Pseudonym and scrubs PII out of the text;
//   - the encoder turns EncoderText() into Vector (nil when the event carries no text at all);
//   - profilestore folds the event into the user's profile exactly once, keyed by its origin;
//   - online assigns the user's segment from the updated profile.
//
// The origin triple (Topic, Partition, Offset) is the event's identity: two deliveries of the
// same Kafka message have the same origin, which is what makes exactly-once folding possible.
package event

import (
	"strings"
	"time"

	"github.com/profilestream/profilestream/schema"
)

// Kind is what the user did: one of the click actions or a review.
type Kind uint8

// The kinds of events. The zero Kind is invalid.
const (
	KindView Kind = iota + 1
	KindCart
	KindFav
	KindBuy
	KindReview
)

// Kinds lists every valid kind in a stable order.
var Kinds = [...]Kind{KindView, KindCart, KindFav, KindBuy, KindReview}

// String returns the kind's wire name ("view", "cart", "fav", "buy", "review").
func (k Kind) String() string {
	switch k {
	case KindView:
		return "view"
	case KindCart:
		return "cart"
	case KindFav:
		return "fav"
	case KindBuy:
		return "buy"
	case KindReview:
		return "review"
	}
	return "invalid"
}

// ParseAction maps a click action to its Kind. It accepts Taobao's "pv" as a view and is
// case-insensitive. ok is false for an unknown action.
func ParseAction(s string) (k Kind, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "view", "pv", "click":
		return KindView, true
	case "cart":
		return KindCart, true
	case "fav":
		return KindFav, true
	case "buy":
		return KindBuy, true
	}
	return 0, false
}

// Origin identifies one Kafka message.
type Origin struct {
	Topic     string
	Partition int
	Offset    int64
}

// Event is one click or review on its way through the pipeline.
type Event struct {
	Origin

	// UserID is the raw user id. It exists only between decoding and the privacy stage,
	// which clears it; no later stage may read it.
	UserID string
	// Pseudonym is the keyed pseudonym of the user (set by privacy); KeyID names the key.
	Pseudonym string
	KeyID     string

	Kind      Kind
	ItemID    string
	Category  string
	ItemTitle string
	Summary   string  // reviews only: the review's title
	Text      string  // reviews only: the body (a review needs a Summary or a Text, see HasReviewText)
	Rating    float32 // reviews only, 1..5; 0 means none
	TS        time.Time

	// Vector is the L2-normalized embedding of EncoderText(), set by the encoder stage.
	// It is nil when the event has no text; such an event still counts as activity.
	Vector []float32
}

// EncoderText returns the text that represents the event for the encoder: a review's summary and
// body, or a click's category and item title. A part that is an opaque id rather than words
// (schema.IsOpaqueID: a numeric category such as Taobao's "2520377") is left out: behaviour is
// not text, and such a click is profiled by its category and item sketches and the hashed
// behavioural vector instead. It is empty when the event carries no text.
func (e *Event) EncoderText() string {
	var parts []string
	if e.Kind == KindReview {
		parts = []string{e.Summary, e.Text}
	} else {
		parts = []string{e.Category, e.ItemTitle}
	}
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if schema.IsOpaqueID(p) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(". ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// HasReviewText reports whether a review with this title (summary) and body carries any text. A
// review needs one of the two: a title is text, so a review with a title and an empty body is a
// review; one with neither is rejected by the consumer (and not produced by replay).
func HasReviewText(summary, text string) bool {
	return strings.TrimSpace(summary) != "" || strings.TrimSpace(text) != ""
}
