// Package privacy turns a raw user id into a pseudonym, and runs the privacy step of the pipeline.
//
// Two things leave a click or a review personal: the user id, and whatever the user typed into a
// review. This package owns the first and the step that handles both at the front of the
// pipeline, before anything is encoded, cached, stored, logged or counted; the second, finding
// personal data in free text, is package pii's.
//
// A user id becomes a pseudonym: a keyed hash (HMAC-SHA256) of the raw id under a secret key. A
// plain hash would not do, because user ids come from a small, guessable space and anyone holding
// a profile could hash every candidate id and find the match; without the key that enumeration is
// impossible. The pseudonym carries the id of the key that made it ("k2.Xy3..."), so keys can be
// rotated: a KeyRing holds the active key first and older keys after it, and during a rotation
// the pipeline looks a user up under every key of the ring (Candidates) and moves a profile found
// under an old key to the active one (MigrationPlan). The same raw id always gives the same
// pseudonym under the same key, so the fold stays deterministic and replays land on the same
// profile. A namespace (tenant or source, per input topic: Namespaces) is part of the HMAC input,
// so equal raw ids of two sources stay apart; the empty namespace gives the pseudonyms made
// before namespaces existed.
//
// Stage ties both together for one event: it fills Pseudonym and KeyID, clears the raw UserID
// and scrubs the review's Summary and Text with a pii.Scrubber.
//
// docs/privacy.md describes the threat model, key handling, the rotation procedure, the limits of
// scrubbing and where raw data may live.
package privacy
