package privacy

import (
	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/pii"
)

// Stage is the privacy step of the pipeline, the one the worker runs: it replaces an event's
// raw user id by its pseudonym under the active key, in the namespace of the topic the event
// came from, and scrubs the review's text; for an erasure request it gives every pseudonym the
// raw id may have (one per key of the ring). It is safe for concurrent use.
type Stage struct {
	p  *Pseudonymizer
	s  *pii.Scrubber
	ns Namespaces
}

// NewStage returns a Stage that pseudonymizes with p in the namespaces ns (the zero Namespaces
// is the legacy, empty namespace for every topic) and scrubs with s.
func NewStage(p *Pseudonymizer, s *pii.Scrubber, ns Namespaces) *Stage {
	return &Stage{p: p, s: s, ns: ns}
}

// Apply sets e.Pseudonym and e.KeyID from e.UserID in the namespace of e.Topic, clears
// e.UserID, and scrubs e.Summary and e.Text. It returns what the scrubber replaced (nil when
// nothing), for the pii_redactions_total metric. An event whose UserID is already empty keeps
// its Pseudonym, so applying the stage twice is harmless. Catalog fields (ItemTitle, Category)
// are not user text and are left alone.
func (st *Stage) Apply(e *event.Event) pii.Counts {
	if e.UserID != "" {
		e.Pseudonym = st.p.PseudonymIn(st.ns.For(e.Topic), e.UserID)
		e.KeyID = st.p.ActiveKeyID()
		e.UserID = ""
	}
	var total pii.Counts
	for _, f := range []*string{&e.Summary, &e.Text} {
		if *f == "" {
			continue
		}
		out, c := st.s.Scrub(*f)
		*f = out
		if c != nil {
			if total == nil {
				total = pii.Counts{}
			}
			total.Add(c)
		}
	}
	return total
}

// ApplyAll applies the stage to every event and returns the summed counts (never nil).
func (st *Stage) ApplyAll(events []event.Event) pii.Counts {
	total := pii.Counts{}
	for i := range events {
		total.Add(st.Apply(&events[i]))
	}
	return total
}

// Erasure returns the pseudonyms a raw user id that asked for erasure on topic may have: under
// every key of the ring (active first, for the rotation dual-read window), in the topic's
// namespace. The caller drops the raw id.
func (st *Stage) Erasure(topic, rawUserID string) []string {
	return st.p.CandidatesIn(st.ns.For(topic), rawUserID)
}
