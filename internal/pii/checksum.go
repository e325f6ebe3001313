package pii

import (
	"strings"
	"time"
)

// Checksums and structure rules of the numbers with one: payment cards (Luhn), Chinese resident
// ids, IBANs, UPU tracking ids, US SSNs, UK NINOs, Spanish DNI/NIE, Hong Kong identity cards.

// ssnValid applies the SSA rules: area 000, 666 and 900-999, group 00 and serial 0000 are never
// issued, and two numbers printed on sample cards are famous fakes.
func ssnValid(d []byte) bool {
	if len(d) != 9 {
		return false
	}
	area, group, serial := atoi(string(d[:3])), atoi(string(d[3:5])), atoi(string(d[5:]))
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	s := string(d)
	return s != "078051120" && s != "219099999" && s != "123456789"
}

// ninoValid checks a UK National Insurance number's prefix (the letters D, F, I, Q, U, V never
// appear, O never second, and BG, GB, KN, NK, NT, TN, ZZ are not allocated).
func ninoValid(s string) bool {
	c := compactUpper(s)
	if len(c) != 9 {
		return false
	}
	switch c[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// dniValid checks a Spanish DNI ("12345678Z") or NIE ("X1234567L") control letter.
func dniValid(s string) bool {
	c := compactUpper(s)
	if len(c) != 9 {
		return false
	}
	switch c[0] {
	case 'X':
		c = "0" + c[1:]
	case 'Y':
		c = "1" + c[1:]
	case 'Z':
		c = "2" + c[1:]
	}
	for i := 0; i < 8; i++ {
		if !isDigit(c[i]) {
			return false
		}
	}
	return "TRWAGMYFPDXBNJZSQVHLCKE"[atoi(c[:8])%23] == c[8]
}

// hkidValid checks a Hong Kong identity card number "A123456(7)" (MOD 11, check may be A = 10).
func hkidValid(s string) bool {
	c := compactUpper(strings.NewReplacer("(", "", ")", "").Replace(s))
	if len(c) != 8 && len(c) != 9 {
		return false
	}
	sum := 0
	w := 9
	if len(c) == 8 {
		sum += 36 * 9 // a single letter counts as if preceded by a space (value 36)
		w = 8
	}
	for i := 0; i < len(c)-1; i++ {
		v := 0
		switch ch := c[i]; {
		case isDigit(ch):
			v = int(ch - '0')
		case ch >= 'A' && ch <= 'Z':
			v = int(ch-'A') + 10
		default:
			return false
		}
		sum += v * w
		w--
	}
	chk := (11 - sum%11) % 11
	last := c[len(c)-1]
	if chk == 10 {
		return last == 'A'
	}
	return isDigit(last) && int(last-'0') == chk
}

func luhn(d []byte) bool {
	sum, dbl := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return sum%10 == 0
}

// cardPrefix reports whether d starts like a payment card of its length (Visa, Mastercard,
// Amex, Discover, UnionPay, JCB, Diners, Maestro: first digit 2 to 6).
func cardPrefix(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa; 13-digit numbers are no longer issued and collide with EAN-13 barcodes
		return n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p2 == 36 || p2 == 38 || p2 == 30: // Diners Club
		return n >= 14 && n <= 16
	case p2 == 35, p2 == 62, p2 == 65, p4 == 6011, p2 == 64 && d[2] >= '4': // JCB, UnionPay, Discover
		return n >= 16 && n <= 19
	case p2 == 50, p2 >= 56 && p2 <= 58, p2 == 63, p2 == 67: // Maestro
		return n >= 13 && n <= 19
	}
	return false
}

func cnIDValid(id string, now time.Time) bool {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(id[i]-'0') * weights[i]
	}
	check := "10X98765432"[sum%11]
	last := id[17]
	if last == 'x' {
		last = 'X'
	}
	if last != check {
		return false
	}
	switch id[:2] {
	case "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
		"71", "81", "82", "83", "91":
	default:
		return false
	}
	y := atoi(id[6:10])
	m := atoi(id[10:12])
	d := atoi(id[12:14])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return false
	}
	return y >= 1900 && !t.After(now)
}

func ibanMod97(iban string) bool {
	r := iban[4:] + iban[:4]
	rem := 0
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// ibanLengths is the IBAN length per country (SWIFT IBAN registry).
func ibanLengths() map[string]int {
	const reg = "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29BY28CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24" +
		"FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21" +
		"LT20LU20LV21MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24RS22SA24SC31SE24" +
		"SI19SK24SM27ST25SV28TL23TN24TR26UA29VA22VG24XK20"
	m := make(map[string]int, len(reg)/4)
	for i := 0; i+4 <= len(reg); i += 4 {
		m[reg[i:i+2]] = atoi(reg[i+2 : i+4])
	}
	return m
}

// s10Valid checks the UPU S10 check digit of a tracking id like "RR123456785CN".
func s10Valid(id string) bool {
	w := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(id[2+i]-'0') * w[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return int(id[10]-'0') == c
}

// verhoeff checks the Verhoeff check digit, the last of an Aadhaar number's 12.
func verhoeff(d []byte) bool {
	c := 0
	for i := range d {
		c = verhoeffD[c][verhoeffP[i%8][d[len(d)-1-i]-'0']]
	}
	return c == 0
}

var verhoeffD = [10][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
	{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1}, {6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
	{7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}

var verhoeffP = [8][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
	{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 8, 7, 6, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1}, {2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
	{7, 0, 4, 6, 9, 1, 3, 2, 5, 8}}
