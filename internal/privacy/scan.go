package privacy

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// scan is the per-text state the detectors share: the text, an ASCII-lower-cased copy (same
// byte offsets) for keyword search, and the digit clusters.
type scan struct {
	text     string
	lower    string
	clusters []cluster
}

// cluster is a run of digits joined by at most two separator bytes (" -.()+/") between digits;
// n counts its digits. Phone numbers, cards, ids and IP addresses are each inside one cluster.
type cluster struct{ start, end, n int }

func newScan(text string) *scan {
	sc := &scan{text: text}
	i := 0
	for i < len(text) {
		if !isDigit(text[i]) {
			i++
			continue
		}
		c := cluster{start: i}
		for i < len(text) {
			if isDigit(text[i]) {
				c.n++
				i++
				c.end = i
				continue
			}
			j := i
			for j < len(text) && j-i < 2 && strings.IndexByte(" -.()+/", text[j]) >= 0 {
				j++
			}
			if j > i && j < len(text) && isDigit(text[j]) {
				i = j
				continue
			}
			break
		}
		sc.clusters = append(sc.clusters, c)
	}
	return sc
}

// lowered returns the ASCII-lower-cased text, computed once.
func (sc *scan) lowered() string {
	if sc.lower == "" && sc.text != "" {
		b := []byte(sc.text)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		sc.lower = string(b)
	}
	return sc.lower
}

// aroundClusters returns a window [start-before, end+after] for every cluster of at least
// minDigits digits.
func (sc *scan) aroundClusters(minDigits, before, after int) []window {
	var w []window
	for _, c := range sc.clusters {
		if c.n >= minDigits {
			w = append(w, window{c.start - before, c.end + after})
		}
	}
	return w
}

// aroundStrings returns a window [i-before, i+len(k)+after] around every occurrence i of every
// key (searched in the lower-cased text; keys must be lower case).
func (sc *scan) aroundStrings(keys []string, before, after int) []window {
	var w []window
	lo := sc.lowered()
	for _, k := range keys {
		for off := 0; ; {
			i := strings.Index(lo[off:], k)
			if i < 0 {
				break
			}
			i += off
			w = append(w, window{i - before, i + len(k) + after})
			off = i + len(k)
		}
	}
	return w
}

// merge clamps windows to the text, widens them to rune starts and to word boundaries (so that
// \b at a window's edge means what it means in the text), sorts them and joins overlaps.
func (sc *scan) merge(ws []window) []window {
	t := sc.text
	for i := range ws {
		w := &ws[i]
		w.start = max(0, min(w.start, len(t)))
		w.end = max(0, min(w.end, len(t)))
		for w.start > 0 && (!utf8.RuneStart(t[w.start]) || isAlnum(t[w.start-1]) && isAlnum(t[w.start])) {
			w.start--
		}
		for w.end < len(t) && (!utf8.RuneStart(t[w.end]) || isAlnum(t[w.end-1]) && isAlnum(t[w.end])) {
			w.end++
		}
	}
	slices.SortFunc(ws, func(a, b window) int { return a.start - b.start })
	out := ws[:0]
	for _, w := range ws {
		if w.start >= w.end {
			continue
		}
		if n := len(out); n > 0 && w.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}

// token widens [i, j) over bytes in set on both sides.
func token(t string, i, j int, set string) window {
	for i > 0 && (isAlnum(t[i-1]) || strings.IndexByte(set, t[i-1]) >= 0) {
		i--
	}
	for j < len(t) && (isAlnum(t[j]) || strings.IndexByte(set, t[j]) >= 0) {
		j++
	}
	return window{i, j}
}

// emailTokens returns the token of email characters around every '@'.
func emailTokens(sc *scan) []window {
	var w []window
	t := sc.text
	for off := 0; ; {
		i := strings.IndexByte(t[off:], '@')
		if i < 0 {
			return w
		}
		i += off
		tok := token(t, i, i+1, "._%+-")
		w = append(w, tok)
		off = max(i+1, tok.end) // later '@'s of the same token are inside this window
		if off >= len(t) {
			return w
		}
	}
}

// urlChars are the ASCII punctuation characters a URL may contain.
const urlChars = "-._~:/?#@!$&'()*+,;=%[]"

// urlTokens returns the token of URL characters around every "://" and "www.".
func urlTokens(sc *scan) []window {
	var w []window
	lo := sc.lowered()
	for _, k := range []string{"http:", "https:", "www."} {
		for off := 0; ; {
			i := strings.Index(lo[off:], k)
			if i < 0 {
				break
			}
			i += off
			tok := token(sc.text, i, i+len(k), urlChars)
			w = append(w, tok)
			off = max(i+len(k), tok.end)
		}
	}
	return w
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// ipv6Colons returns the token of hex digits, colons and dots around every colon that has a hex
// digit or a colon on both sides.
func ipv6Colons(sc *scan) []window {
	var w []window
	t := sc.text
	for i := 1; i+1 < len(t); i++ {
		if t[i] == ':' && (isHex(t[i-1]) || t[i-1] == ':') && (isHex(t[i+1]) || t[i+1] == ':') {
			tok := token(t, i, i+1, ":.")
			w = append(w, tok)
			i = tok.end
		}
	}
	return w
}

// ---- Chinese addresses ----

// cnStop holds characters that end a place name when walking left from a road: function words
// that often precede an address ("我家住在", "寄到", "地址是").
const cnStop = "我你他她它们的了在是到把被给往寄送住址收货请帮与及就也还很说要这那个买卖件裹员拿去组户"

// isPlaceRune reports whether r may be part of a Chinese place name.
func isPlaceRune(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF && !strings.ContainsRune(cnStop, r)
}

// maxPlaceRunes bounds how far a Chinese address reaches left of its road or estate name:
// province, city, district, town and road names together.
const maxPlaceRunes = 28

// walkPlace returns how far left of pos the place name reaches and how many runes it has.
//
// A single space after an administrative suffix is part of the name ("贵州省 毕节市 七星关区"), and
// when the run holds a province-level name, the address starts there: "改成山东省临沂市…" starts
// at 山东.
func walkPlace(t string, pos int) (start, runes int) {
	start = pos
	for runes < maxPlaceRunes && start > 0 {
		r, size := utf8.DecodeLastRuneInString(t[:start])
		if r == ' ' && start >= 4 {
			if p, _ := utf8.DecodeLastRuneInString(t[:start-1]); strings.ContainsRune(cnAdminSuffix, p) && runes > 0 {
				start--
				continue
			}
		}
		if !isPlaceRune(r) {
			break
		}
		start -= size
		runes++
	}
	if start < pos && t[start] == ' ' {
		start++
	}
	first := -1
	for _, p := range cnProvinces {
		// Only a province written as one ("山东省", "北京市", "广西壮族自治区"), not "香港中路".
		i := strings.Index(t[start:pos], p)
		if i < 0 || first >= 0 && i >= first {
			continue
		}
		if after := t[start+i+len(p) : pos]; strings.HasPrefix(after, "省") || strings.HasPrefix(after, "市") ||
			strings.Contains(after[:min(len(after), 3*4)], "自治区") || strings.HasPrefix(after, "特别行政区") {
			first = i
		}
	}
	if first > 0 {
		runes -= utf8.RuneCountInString(t[start : start+first])
		start += first
	}
	return start, runes
}

// cnAdminSuffix ends the name of an administrative division.
const cnAdminSuffix = "省市区县镇乡村旗盟州"

// cnProvinces are the province-level divisions, where a written address starts.
var cnProvinces = []string{"北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
	"安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃",
	"青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"}

const (
	cnNum   = `(?:\d{1,5}|[一二三四五六七八九十百零]{1,5})`
	cnPlace = `[^\x00-\x{4DFF}\x{A000}-\x{10FFFF}` + cnStop + `]`
	cnUnit  = `(?:(?:` + cnPlace + `|[A-Za-z]){0,10}(?:\d{1,5}|[A-Za-z]|[一二三四五六七八九十]{1,3})(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|弄)(?:\d{3,4}室?)?)`
)

var (
	// cnRoad is a road, street or lane followed by its house number: "建国路88号", "张江路123弄".
	cnRoad = regexp.MustCompile(`(?:大道|大街|路|街|巷|胡同|道)(?:[一二三四五六七八九十]段)?` + cnNum + `(?:弄|号)`)
	// cnEstate is the name suffix of a housing estate or building: "阳光花园", "万科小区".
	cnEstate = regexp.MustCompile(`(?:小区|花园|公寓|大厦|家园|新村|苑)`)
	// cnTail is what may follow a house number: a second number, buildings, units, floors, rooms.
	cnTail = regexp.MustCompile(`^(?:` + cnNum + `号)?` + cnUnit + `*`)
	// cnUnits is at least one building/unit/room, as an estate needs.
	cnUnits = regexp.MustCompile(`^` + cnUnit + `+`)
	// cnBuilding is a numbered building in a residential compound: "望京西园三区301号楼".
	cnBuilding = regexp.MustCompile(`\d{1,4}(?:号楼|栋|幢|座)`)
)

// cnAddressWindows anchors Chinese addresses at the characters that end a house number or unit.
func cnAddressWindows(sc *scan) []window {
	var w []window
	for _, k := range []string{"号", "弄", "栋", "幢", "单元", "室"} {
		for off := 0; ; {
			i := strings.Index(sc.text[off:], k)
			if i < 0 {
				break
			}
			i += off
			w = append(w, window{i - 3*(maxPlaceRunes+16), i + 3*40})
			off = i + len(k)
		}
	}
	return w
}

// findCNAddress finds "<place names><road><number>号<units>" and "<place names><estate><units>".
func findCNAddress(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	tail := func(end int) int {
		lim := min(len(t), end+3*60)
		return end + len(cnTail.FindString(t[end:lim]))
	}
	for _, w := range wins {
		for _, m := range cnRoad.FindAllStringIndex(t[w.start:w.end], -1) {
			st, en := w.start+m[0], w.start+m[1]
			left, n := walkPlace(t, st)
			if n < 2 {
				continue
			}
			out = append(out, [2]int{left, tail(en)})
		}
		for _, m := range cnEstate.FindAllStringIndex(t[w.start:w.end], -1) {
			st, en := w.start+m[0], w.start+m[1]
			left, n := walkPlace(t, st)
			u := cnUnits.FindString(t[en:min(len(t), en+3*60)])
			if n < 2 || u == "" || !strings.ContainsAny(u, "栋幢座单元室号弄") {
				continue // "酒店式公寓2楼": a floor alone does not make an estate name an address
			}
			out = append(out, [2]int{left, en + len(u)})
		}
		// A numbered building after a place name that holds a district or city.
		for _, m := range cnBuilding.FindAllStringIndex(t[w.start:w.end], -1) {
			st := w.start + m[0]
			if st > 0 && isDigit(t[st-1]) {
				continue
			}
			left, n := walkPlace(t, st)
			if n < 3 || !strings.ContainsAny(t[left:st], "区县市镇乡") {
				continue
			}
			out = append(out, [2]int{left, tail(st)})
		}
	}
	return out
}
