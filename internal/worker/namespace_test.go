package worker

import (
	"bytes"
	"context"
	"testing"

	"github.com/profilestream/profilestream/internal/consumer"
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/pii"
	"github.com/profilestream/profilestream/internal/privacy"
)

// TestPrepareUsesTopicNamespace checks the wiring of Config.Namespaces: events and erasures are
// pseudonymized in the namespace of their topic, and the zero value keeps legacy pseudonyms.
func TestPrepareUsesTopicNamespace(t *testing.T) {
	ring, err := privacy.NewKeyRing(privacy.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	pz := privacy.NewPseudonymizer(ring)
	ns, err := privacy.ParseNamespaces("shop", []string{"taobao-clicks=taobao"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ns    privacy.Namespaces
		topic string
		want  string
	}{
		{"legacy", privacy.Namespaces{}, "clicks", pz.Pseudonym("42")},
		{"default", ns, "clicks", pz.PseudonymIn("shop", "42")},
		{"override", ns, "taobao-clicks", pz.PseudonymIn("taobao", "42")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &pipeline{privacy: privacy.NewStage(pz, pii.NewScrubber(), tc.ns)}
			b := &consumer.Batch{
				Events:   []event.Event{{Origin: event.Origin{Topic: tc.topic}, Kind: event.KindView, UserID: "42"}},
				Erasures: []consumer.Erasure{{Origin: event.Origin{Topic: tc.topic}, UserID: "42"}},
			}
			if err := p.Prepare(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			if got := b.Events[0].Pseudonym; got != tc.want || b.Events[0].UserID != "" {
				t.Fatalf("event pseudonym %q (user id %q), want %q", got, b.Events[0].UserID, tc.want)
			}
			if got := b.Erasures[0].Pseudonyms; len(got) != 1 || got[0] != tc.want {
				t.Fatalf("erasure pseudonyms %v, want [%s]", got, tc.want)
			}
		})
	}
}
