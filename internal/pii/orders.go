package pii

import "regexp"

// orderDetectors find order, tracking and booking ids after a keyword (English or Chinese),
// before a Chinese keyword, and in the well-known shapes of carriers' tracking numbers.
func orderDetectors() []detector {
	orderKeys := []string{"order", "tracking", "waybill", "parcel", "shipment", "consignment", "confirmation", "invoice", "ref", "booking", "reservation",
		"订单", "单号", "快递号", "物流号"}
	orderKW := `(?i)^(?:\b(?:order|tracking|waybill|parcel|shipment|consignment|confirmation|invoice|ref|reference|booking|reservation)(?:\s*(?:ref\b\.?|reference|#|no\b\.?|number|num\b|id\b|code))?\b\.?` +
		`|订单编号|订单号码|订单号|订单|快递单号|快递号|运单号|运单编号|物流单号|物流号|单号)` +
		`(?:\s*(?:is\b|was\b|:|：|#|=|是|为))*\s*[#(（]?\s*([A-Z0-9](?:[A-Z0-9]|-[A-Z0-9]){5,39})`
	return []detector{
		{typ: OrderID, prio: 5, win: atKeywords(orderKeys, 100), anchored: true, re: regexp.MustCompile(orderKW), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				id := t[st:en]
				return st, en, bounded(t, st, en) && countDigits(id) >= 2 && !dateShape.MatchString(id)
			}},
		{typ: OrderID, prio: 5, win: nearStrings([]string{"订单编号", "订单号", "运单号", "快递单号"}, 60, 0),
			re: regexp.MustCompile(`([A-Za-z0-9]{8,30})\s*(?:是|为)?(?:我的)?(?:订单编号|订单号|运单号|快递单号)`), group: 1,
			check: func(t string, st, en int) (int, int, bool) {
				return st, en, bounded(t, st, en) && countDigits(t[st:en]) >= 6
			}},
		{typ: OrderID, prio: 7, win: nearDigits(8, 18, 12),
			re: regexp.MustCompile(`\b(?:1Z[0-9A-Z]{16}|\d{3}-\d{7}-\d{7}|[A-Z]{2}\d{9}[A-Z]{2}|SF\d{12,13}|JD[A-Z0-9]{13,15}|YT\d{13,15}|9[2-5]\d{2}(?: ?\d{4}){4} ?\d{2})\b`),
			check: func(t string, st, en int) (int, int, bool) {
				id := t[st:en]
				if len(id) == 13 && id[0] >= 'A' && id[0] <= 'Z' && id[1] >= 'A' && id[1] <= 'Z' && isDigit(id[2]) {
					return st, en, s10Valid(id)
				}
				return st, en, true
			}},
	}
}
