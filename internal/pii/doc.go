// Package pii finds personal data in free text and replaces it by typed placeholders.
//
// A Scrubber replaces emails (also obfuscated ones), phone numbers, payment cards, Chinese
// resident ids, US social security numbers, other national ids, IBANs, IP addresses, URLs,
// street addresses, order or tracking numbers and names of people by placeholders such as
// "[EMAIL]", and counts what it replaced per Type. The detectors run on a normalized copy of the
// text (NFKC, Unicode spaces and dashes, invisible characters dropped) and their spans are mapped
// back to the original runes.
//
// Detectors are RE2 regular expressions (linear time) or small hand-written finders, each run
// only on windows where a match can be (around a digit cluster, an '@', a keyword), followed by
// the check the format defines where there is one (checksum.go: Luhn for cards, ISO 7064 MOD
// 11-2 plus a birth date for resident ids, MOD 97 for IBANs, the SSA's never-issued ranges for
// SSNs; netip parsing for IP addresses), so that look-alikes such as prices, dates, model
// numbers and ISBNs survive. The files follow the families of detectors: web.go (emails, URLs),
// ids.go (IBANs and national ids), orders.go, numbers.go (cards, IPs, phones), address_en.go and
// address_zh.go, person.go (the list of name finders: person_en.go and person_zh.go after a phrase,
// names_en.go by the words around a name, handles.go; names_gaz.go, a gazetteer of given and
// family names and of everyday words, embedded from gazetteer/); detector.go lists them all and
// scrubber.go ranks overlapping candidates (and joins the parts of one address). Numbers written to dodge a filter (in words, in Chinese numerals,
// with letters for digits, spaced out) are read by the number detectors on a digit view of the
// text (digits.go).
//
// docs/privacy.md gives the measured recall and precision per type on the corpora in testdata
// and what is known to pass.
package pii
