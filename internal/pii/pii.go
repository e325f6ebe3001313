package pii

import "strings"

// Type names a kind of personal data the Scrubber replaces.
type Type string

// The PII types. Each is replaced by its Placeholder, e.g. "[EMAIL]".
const (
	Email   Type = "EMAIL"       // local@domain.tld
	Phone   Type = "PHONE"       // Chinese mobiles and landlines, E.164, common national formats
	Card    Type = "CARD"        // payment cards: 13-19 digits, known first digit, Luhn check
	CNID    Type = "CN_ID"       // Chinese resident id: 18 chars, MOD 11-2 check, plausible birth date
	IBAN    Type = "IBAN"        // country code, length per country, MOD 97 check
	IP      Type = "IP"          // IPv4 with valid octets, IPv6 as net/netip parses it
	URL     Type = "URL"         // http(s):// or www. links
	Address Type = "ADDRESS"     // English street addresses, PO boxes, Chinese road+number addresses
	OrderID Type = "ORDER_ID"    // keyword-led order/tracking ids and well-known tracking shapes
	SSN     Type = "SSN"         // US social security number: area/group/serial rules, or after "SSN"
	NatID   Type = "NATIONAL_ID" // UK NINO, Spanish DNI/NIE, Hong Kong id (checksums); ids after "ID", "passport"
	Person  Type = "PERSON"      // a name after an introducing phrase ("my name is", "我叫", "Mr.")
)

// Types returns every Type in a stable order.
func Types() []Type {
	return []Type{Email, Phone, Card, CNID, IBAN, IP, URL, Address, OrderID, SSN, NatID, Person}
}

// Placeholder returns the text that replaces a span of this type, e.g. "[EMAIL]".
func (t Type) Placeholder() string { return "[" + string(t) + "]" }

// Label returns the lower-case name used in metric labels and figures, e.g. "cn_id".
func (t Type) Label() string { return strings.ToLower(string(t)) }

// Counts is the number of spans replaced, per type. A nil Counts means nothing was replaced.
type Counts map[Type]int

// Total returns the number of spans replaced over all types.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Add adds o into c, which must not be nil.
func (c Counts) Add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// MaxPlaceholderLen is the longest placeholder ("[NATIONAL_ID]").
const MaxPlaceholderLen = 13

// Span is one detected piece of PII: text[Start:End] is replaced by Type's placeholder.
type Span struct {
	Start, End int
	Type       Type
}
