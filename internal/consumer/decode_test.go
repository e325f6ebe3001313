package consumer

import (
	"strings"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/event"
)

func TestDecodeRejects(t *testing.T) {
	huge := `{"user_id":"u1","text":"` + strings.Repeat("a", 2<<20) + `"}`
	longText := `{"user_id":"u1","text":"` + strings.Repeat("a", 70<<10) + `"}`
	tests := []struct {
		name  string
		role  TopicRole
		value string
		want  Reason
	}{
		{"empty message", RoleReviews, "", ReasonEmpty},
		{"whitespace only", RoleClicks, "  \n", ReasonEmpty},
		{"broken json", RoleReviews, `{"user_id": "u1", "text": "x"`, ReasonBadJSON},
		{"not an object", RoleClicks, `[1,2,3]`, ReasonWrongType},
		{"missing user_id", RoleReviews, `{"text":"good"}`, ReasonMissingUserID},
		{"empty user_id", RoleClicks, `{"user_id":"  ","action":"view"}`, ReasonMissingUserID},
		{"user_id object", RoleClicks, `{"user_id":{"a":1},"action":"view"}`, ReasonWrongType},
		{"user_id float", RoleClicks, `{"user_id":1.5,"action":"view"}`, ReasonWrongType},
		{"user_id control chars", RoleClicks, `{"user_id":"a\u0000b","action":"view"}`, ReasonBadUserID},
		{"empty text", RoleReviews, `{"user_id":"u1","text":"   "}`, ReasonMissingText},
		{"no text and no summary", RoleReviews, `{"user_id":"u1","item_id":"B0","rating":5}`, ReasonMissingText},
		{"blank text and blank summary", RoleReviews, `{"user_id":"u1","summary":" ","text":""}`, ReasonMissingText},
		{"text over limit", RoleReviews, longText, ReasonTextTooLarge},
		{"huge message", RoleReviews, huge, ReasonTooLarge},
		{"invalid utf8", RoleReviews, "{\"user_id\":\"u1\",\"text\":\"\xff\xfe\"}", ReasonInvalidUTF8},
		{"text wrong type", RoleReviews, `{"user_id":"u1","text":42}`, ReasonWrongType},
		{"unknown action", RoleClicks, `{"user_id":"u1","action":"teleport"}`, ReasonUnknownAction},
		{"missing action", RoleClicks, `{"user_id":"u1"}`, ReasonUnknownAction},
		{"rating out of range", RoleReviews, `{"user_id":"u1","text":"t","rating":7}`, ReasonBadRating},
		{"rating zero", RoleReviews, `{"user_id":"u1","text":"t","rating":0}`, ReasonBadRating},
		{"rating string junk", RoleReviews, `{"user_id":"u1","text":"t","rating":"five"}`, ReasonWrongType},
		{"ts wrong format", RoleReviews, `{"user_id":"u1","text":"t","ts":"yesterday"}`, ReasonBadTimestamp},
		{"ts milliseconds", RoleClicks, `{"user_id":"u1","action":"buy","ts":1511544070000}`, ReasonBadTimestamp},
		{"ts object", RoleClicks, `{"user_id":"u1","action":"buy","ts":{}}`, ReasonBadTimestamp},
		{"category too long", RoleClicks, `{"user_id":"u1","action":"buy","category":"` + strings.Repeat("c", 5000) + `"}`, ReasonFieldTooLarge},
		{"unknown erasure request", RoleErasure, `{"user_id":"u1","request":"maybe"}`, ReasonUnknownRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, rej := Decode(tc.role, []byte(tc.value), time.Time{}, Limits{})
			if rej == nil {
				t.Fatalf("accepted; want %s", tc.want)
			}
			if rej.Reason != tc.want {
				t.Fatalf("reason %s (%s); want %s", rej.Reason, rej.Detail, tc.want)
			}
			if strings.Contains(rej.Detail, "u1") {
				t.Fatalf("detail leaks a value: %q", rej.Detail)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	fallback := time.Unix(1600000000, 0)
	tests := []struct {
		name  string
		role  TopicRole
		value string
		check func(t *testing.T, ev event.Event)
	}{
		{"taobao pv with numeric ids", RoleClicks, `{"user_id":1,"item_id":2268318,"category":2520377,"action":"pv","ts":1511544070}`,
			func(t *testing.T, ev event.Event) {
				if ev.Kind != event.KindView || ev.UserID != "1" || ev.ItemID != "2268318" || ev.Category != "2520377" || ev.TS.Unix() != 1511544070 {
					t.Fatalf("%+v", ev)
				}
			}},
		{"review with a title and no body", RoleReviews, `{"user_id":"A1","rating":5,"summary":"Five stars","text":""}`,
			func(t *testing.T, ev event.Event) {
				if ev.Kind != event.KindReview || ev.Summary != "Five stars" || ev.EncoderText() != "Five stars" {
					t.Fatalf("%+v", ev)
				}
			}},
		{"review with a title and text absent", RoleReviews, `{"user_id":"A1","summary":"Great"}`,
			func(t *testing.T, ev event.Event) {
				if ev.EncoderText() != "Great" {
					t.Fatalf("%+v", ev)
				}
			}},
		{"review rfc3339", RoleReviews, `{"user_id":"A1","item_id":"B0","rating":4,"summary":"Nice","text":"Works well.","ts":"2018-03-01T10:00:00Z","extra":true}`,
			func(t *testing.T, ev event.Event) {
				if ev.Kind != event.KindReview || ev.Rating != 4 || ev.TS.Year() != 2018 || ev.EncoderText() != "Nice. Works well." {
					t.Fatalf("%+v", ev)
				}
			}},
		{"missing ts uses message time", RoleClicks, `{"user_id":"u","action":"BUY"}`,
			func(t *testing.T, ev event.Event) {
				if !ev.TS.Equal(fallback) || ev.Kind != event.KindBuy {
					t.Fatalf("%+v", ev)
				}
			}},
		{"ts as numeric string", RoleClicks, `{"user_id":"u","action":"cart","ts":"1511544070"}`,
			func(t *testing.T, ev event.Event) {
				if ev.TS.Unix() != 1511544070 {
					t.Fatalf("%+v", ev)
				}
			}},
		{"click without text", RoleClicks, `{"user_id":"u","action":"fav"}`,
			func(t *testing.T, ev event.Event) {
				if ev.EncoderText() != "" {
					t.Fatalf("%q", ev.EncoderText())
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, _, rej := Decode(tc.role, []byte(tc.value), fallback, Limits{})
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			tc.check(t, ev)
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"user_id":"u1","text":"t","rating":3,"ts":1}`), uint8(2))
	f.Add([]byte(`{"user_id":1,"action":"pv"}`), uint8(1))
	f.Add([]byte("\xff"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, role uint8) {
		ev, _, rej := Decode(TopicRole(role%3+1), b, time.Time{}, Limits{})
		if rej == nil && TopicRole(role%3+1) == RoleReviews && strings.TrimSpace(ev.Text) == "" {
			t.Fatal("accepted a review without text")
		}
	})
}
