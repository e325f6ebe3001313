package privacy

import (
	"strings"
	"testing"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/pii"
)

func TestStage(t *testing.T) {
	p := NewPseudonymizer(testRing(t, Key{ID: "k2", Secret: secretB}, Key{ID: "k1", Secret: secretA}))
	st := NewStage(p, pii.NewScrubber(), Namespaces{})
	evs := []event.Event{
		{UserID: "A2OYYGWDKQ4EZ", Kind: event.KindReview, Summary: "call 13812345678",
			Text: "mail me: a.b@example.com, ship to 123 Main Street", ItemTitle: "iPhone 13 case"},
		{UserID: "user-2", Kind: event.KindView, ItemTitle: "RTX 3080"},
	}
	c := st.ApplyAll(evs)
	if c[pii.Phone] != 1 || c[pii.Email] != 1 || c[pii.Address] != 1 || c.Total() != 3 {
		t.Fatalf("counts %v", c)
	}
	e := evs[0]
	if e.UserID != "" || e.Pseudonym != p.Pseudonym("A2OYYGWDKQ4EZ") || e.KeyID != "k2" {
		t.Fatalf("identity fields: %+v", e)
	}
	if e.Summary != "call [PHONE]" || strings.Contains(e.Text, "example.com") || strings.Contains(e.Text, "Main") {
		t.Fatalf("text not scrubbed: %q / %q", e.Summary, e.Text)
	}
	if e.ItemTitle != "iPhone 13 case" || evs[1].ItemTitle != "RTX 3080" {
		t.Fatal("catalog fields changed")
	}
	// Applying twice changes nothing.
	before := evs[0]
	if c := st.Apply(&evs[0]); c != nil || evs[0].Pseudonym != before.Pseudonym || evs[0].Text != before.Text {
		t.Fatalf("second Apply changed the event: %v %+v", c, evs[0])
	}
}

func TestStageNamespaces(t *testing.T) {
	p := NewPseudonymizer(testRing(t, Key{ID: "k2", Secret: secretB}, Key{ID: "k1", Secret: secretA}))
	st := NewStage(p, pii.NewScrubber(), Namespaces{Default: "shop-a", ByTopic: map[string]string{"legacy": ""}})
	cases := []struct {
		topic, ns string
	}{
		{"clicks", "shop-a"},
		{"reviews", "shop-a"},
		{"legacy", ""},
	}
	for _, c := range cases {
		e := event.Event{Origin: event.Origin{Topic: c.topic}, UserID: "42"}
		st.Apply(&e)
		if want := p.PseudonymIn(c.ns, "42"); e.Pseudonym != want {
			t.Errorf("%s: pseudonym %s, want the one in namespace %q (%s)", c.topic, e.Pseudonym, c.ns, want)
		}
		cands := st.Erasure(c.topic, "42")
		if len(cands) != 2 || cands[0] != e.Pseudonym || cands[1] != p.CandidatesIn(c.ns, "42")[1] {
			t.Errorf("%s: erasure candidates %v", c.topic, cands)
		}
	}
	if a, b := p.PseudonymIn("shop-a", "42"), p.PseudonymIn("", "42"); a == b {
		t.Fatal("namespaces do not separate pseudonyms")
	}
}
