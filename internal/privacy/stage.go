package privacy

import "github.com/profilestream/profilestream/internal/event"

// Stage is the privacy step of the pipeline for one event: it replaces the raw user id by its
// pseudonym under the active key and scrubs the review's text. It is safe for concurrent use.
type Stage struct {
	p *Pseudonymizer
	s *Scrubber
}

// NewStage returns a Stage that pseudonymizes with p and scrubs with s.
func NewStage(p *Pseudonymizer, s *Scrubber) *Stage { return &Stage{p: p, s: s} }

// Pseudonymizer returns the stage's pseudonymizer (for erasure requests and lookups by raw id).
func (st *Stage) Pseudonymizer() *Pseudonymizer { return st.p }

// Scrubber returns the stage's scrubber.
func (st *Stage) Scrubber() *Scrubber { return st.s }

// Apply sets e.Pseudonym and e.KeyID from e.UserID, clears e.UserID, and scrubs e.Summary and
// e.Text. It returns what the scrubber replaced (nil when nothing), for the
// pii_redactions_total metric. An event whose UserID is already empty keeps its Pseudonym, so
// applying the stage twice is harmless. Catalog fields (ItemTitle, Category) are not user
// text and are left alone.
func (st *Stage) Apply(e *event.Event) Counts {
	if e.UserID != "" {
		e.Pseudonym = st.p.Pseudonym(e.UserID)
		e.KeyID = st.p.ActiveKeyID()
		e.UserID = ""
	}
	var total Counts
	for _, f := range []*string{&e.Summary, &e.Text} {
		if *f == "" {
			continue
		}
		out, c := st.s.Scrub(*f)
		*f = out
		if c != nil {
			if total == nil {
				total = Counts{}
			}
			total.Add(c)
		}
	}
	return total
}

// ApplyAll applies the stage to every event and returns the summed counts (never nil).
func (st *Stage) ApplyAll(events []event.Event) Counts {
	total := Counts{}
	for i := range events {
		total.Add(st.Apply(&events[i]))
	}
	return total
}
