package pii

import "regexp"

// idDetectors find IBANs, Chinese resident ids, US social security numbers and other national
// ids (by checksum or shape, or after a keyword).
func (s *Scrubber) idDetectors() []detector {
	now := s.now
	return []detector{
		// Aadhaar (India): 12 digits, first 2-9, Verhoeff check; grouped 4-4-4 it stands alone,
		// ungrouped it needs the keyword.
		{typ: NatID, prio: 4, win: nearDigits(12, 0, 0),
			re: regexp.MustCompile(`\b[2-9]\d{3}[ \-]\d{4}[ \-]\d{4}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && !groupNeighbour(t, st, en) && verhoeff(digitsOf(t[st:en]))
			}},
		{typ: NatID, prio: 4, win: atKeywords([]string{"aadhaar", "aadhar", "uidai", "आधार"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:aadhaa?r|uidai|आधार)(?:\s*(?:card|no\b\.?|number|num\b|#|id\b))*(?:\s*(?:is\b|was\b|:|#|=|-))*\s*([2-9]\d{3}[ \-]?\d{4}[ \-]?\d{4})`), group: 1,
			check: func(t string, st, en int) (int, int, bool) { return st, en, digitBounded(t, st, en) }},
		{typ: IBAN, prio: 3, win: ibanHeads,
			re:    regexp.MustCompile(`(?i)\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}`),
			check: s.checkIBAN},
		{typ: CNID, prio: 4, win: nearDigits(17, 0, 1),
			re: regexp.MustCompile(`[1-9]\d{5}[ \-]?(?:18|19|20)\d{2}[ \-]?(?:0[1-9]|1[0-2])[ \-]?(?:0[1-9]|[12]\d|3[01])[ \-]?\d{3}[ \-]?[\dXx]`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && cnIDValid(compactUpper(t[st:en]), now())
			}},
		{typ: CNID, prio: 4, win: atKeywords([]string{"身份证", "居民身份", "id card", "identity card", "resident id"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:身份证|居民身份证|id\s*card|identity\s+card|resident\s+id(?:\s+card)?)(?:号码|号|编号|(?:\s*(?:no\b\.?|number|#)))?(?:\s*(?:is\b|was\b|:|：|#|=|是|为))*\s*(\d{6}[ \-]?\d{4}[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{3}[ \-]?[\dXx]|\d{6}[ \-]?\d{6}[ \-]?\d{3})`), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) // the keyword says what it is; a typo'd check digit is still an id
			}},
		{typ: SSN, prio: 4, win: nearDigits(9, 0, 0),
			re: regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && ssnValid(digitsOf(t[st:en]))
			}},
		{typ: SSN, prio: 4, win: withDigits(9, atKeywords([]string{"ssn", "social security", "ss#", "ss #", "soc sec", "soc. sec", "social", "社会安全号", "社保号"}, 60)), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:ssns?\b|social\s+security(?:\s+(?:number|no\b\.?|num\b|#|card))?|social(?:\s+(?:no\b\.?|number|#))?|社会安全号(?:码)?|社保号(?:码)?|ss\s?#|soc\.?\s*sec\.?(?:\s*(?:no\b\.?|#))?)(?:\s*(?:is\b|was\b|:|：|#|=|-|of\b|是|为))*\s*(\d{3}[ .\-]?\d{2}[ .\-]?\d{4})`), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, digitBounded(t, st, en) && ssnValid(digitsOf(t[st:en]))
			}},
		{typ: NatID, prio: 4, win: nearDigits(6, 3, 3),
			re:    regexp.MustCompile(`\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`),
			check: func(t string, st, en int) (int, int, bool) { return st, en, ninoValid(t[st:en]) }},
		{typ: NatID, prio: 4, win: nearDigits(7, 3, 3),
			re:    regexp.MustCompile(`\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b`),
			check: func(t string, st, en int) (int, int, bool) { return st, en, dniValid(t[st:en]) }},
		{typ: NatID, prio: 4, win: nearDigits(6, 3, 4),
			re:    regexp.MustCompile(`\b[A-Z]{1,2}\d{6}\s?\([0-9A]\)`),
			check: func(t string, st, en int) (int, int, bool) { return st, en, hkidValid(t[st:en]) }},
		{typ: NatID, prio: 4, win: atKeywords([]string{"hkid", "hong kong id", "香港身份", "身份證"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:hkid|hong\s+kong\s+id(?:entity)?(?:\s+card)?|香港身份[证證]|身份證)(?:\s*(?:号码|號碼|号|號|no\b\.?|number|#))?(?:\s*(?:is\b|was\b|:|：|#|=|是|为|為))*\s*([A-Z]{1,2}\d{6}\s?(?:\([0-9A]\)|[0-9A]))`), group: 1,
			check: func(t string, st, en int) (int, int, bool) { return st, en, bounded(t, st, en) || t[en-1] == ')' }},
		// Keywords that name a national id for certain (no product has an "NRIC"): the id wins over
		// a phone number of the same digits ("SIN 046 454 286").
		{typ: NatID, prio: 4, win: withDigits(5, atKeywords(strongIDKeys, 60)), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:national\s+id(?:entity)?(?:\s+card)?|nric|fin\b|sin\b|social\s+insurance|ni\s+(?:number|no\b\.?)|cpf|curp|pesel|bsn\b|personnummer|pan\s+(?:card|no\b\.?|number)|tin\s+(?:no\b\.?|number)|tax\s+id|drivers?'?\s+licen[cs]e|driving\s+licen[cs]e|身分[证證]|台胞[证證]|通行[证證]|驾驶证|驾照|社保卡|医保卡)` +
				`(?:\s*(?:no\b\.?|number|num\b|#|号码|號碼|号|號))?(?:\s*(?:is\b|was\b|:|：|#|=|是|为|為))*\s*([A-Z0-9](?:[A-Z0-9]|[ .\-/]\d){5,24}(?:\([0-9A-Z]\))?)`), group: 1,
			check: checkContextID},
		{typ: NatID, prio: 12, win: atKeywords([]string{"id", "passport", "证件", "护照", "national insurance", "nino", "dni"}, 60), anchored: true,
			re: regexp.MustCompile(`(?i)^(?:(?:id|identity)\b(?:\s+card\b)?(?:\s*(?:no\b\.?|number|num\b|#))?|passport(?:\s*(?:no\b\.?|number|num\b|#))?|national\s+insurance(?:\s*(?:no\b\.?|number))?|nino|dni|证件号码|证件号|护照号码|护照号|护照)(?:\s*(?:is\b|was\b|:|：|#|=|是|为))*\s*([A-Z0-9](?:[A-Z0-9]|[ \-]\d){5,24})`), group: 1,
			check: checkContextID},
	}
}

// strongIDKeys anchor the ids that follow a keyword naming a national id.
var strongIDKeys = []string{"national id", "nric", "fin ", "fin:", "fin#", "sin ", "sin:", "sin#", "social insurance", "ni number", "ni no",
	"cpf", "curp", "pesel", "bsn", "personnummer", "pan card", "pan no", "pan number", "tin no", "tin number", "tax id",
	"driver license", "drivers license", "driver's license", "driving licence", "driving license", "driver licence",
	"身分证", "身分證", "台胞证", "台胞證", "通行证", "通行證", "驾驶证", "驾照", "社保卡", "医保卡"}

// ibanHeads anchors at "CCdd" (two capitals, two digits) not glued to a word on the left.
func ibanHeads(sc *scan) []window {
	var w []window
	t := sc.text
	for i := 0; i+4 <= len(t); i++ {
		if isLetter(t[i]) && isLetter(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]) && (i == 0 || !isAlnum(t[i-1])) {
			w = append(w, window{i, i + 50})
		}
	}
	return w
}

// groupNeighbour reports whether the digit group t[st:en] continues, past one space, into more
// digits or an alphanumeric head ("ES18 3835 1821 9210 3553": part of a longer number).
func groupNeighbour(t string, st, en int) bool {
	if st >= 2 && t[st-1] == ' ' && isAlnum(t[st-2]) && isDigit(t[st-2]) {
		return true
	}
	return en+1 < len(t) && t[en] == ' ' && isDigit(t[en+1])
}
