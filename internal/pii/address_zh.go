package pii

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ---- Chinese rural addresses ----

// cnVillageTail is what follows a village: groups, households, numbers ("3组12户", "5队", "8号").
// A landmark may come between the village and the number: "东山村村委会旁29号".
var cnVillageTail = regexp.MustCompile(`^ ?(?:\d{1,3}|[一二三四五六七八九十]{1,3})(?:组|队|社)(?:\d{1,4}(?:户|号))?|^ ?\d{1,4}(?:户|号)|^` + cnPlace + `{1,6}?\d{1,4}号`)

// findCNVillage finds "<places>乡|镇<places>村<n>组<n>户" (e.g. 河北省保定市清苑区东闾乡南王庄村3组12户).
// A village is an address when a group/household number follows it, or a township (乡/镇) comes
// before it in the same place name; "农村", "乡村", "我们村" are not.
func findCNVillage(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		for off := w.start; off < w.end; {
			i := strings.Index(t[off:w.end], "村")
			if i < 0 {
				break
			}
			i += off
			off = i + len("村")
			left, n := walkPlace(t, i)
			if n < 2 {
				continue
			}
			end := i + len("村")
			tail := cnVillageTail.FindString(t[end:min(len(t), end+40)])
			place := t[left:i]
			town := -1
			for _, k := range []string{"乡", "镇"} {
				if j := strings.LastIndex(place, k); j > town && j > 0 && j+len(k) < len(place) {
					town = j
				}
			}
			if tail == "" && town < 0 {
				continue
			}
			out = append(out, [2]int{left, end + len(tail)})
		}
	}
	return out
}

func cnVillageWindows(sc *scan) []window {
	var w []window
	for off := 0; ; {
		i := strings.Index(sc.text[off:], "村")
		if i < 0 {
			return w
		}
		i += off
		off = i + len("村")
		w = append(w, window{i - 3*(maxPlaceRunes+2), i + 3 + 40})
	}
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
	cnUnit  = `(?:(?:` + cnPlace + `|[件裹员个]|[A-Za-z]){0,10}(?:\d{1,5}|[A-Za-z]|[一二三四五六七八九十]{1,3})(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|弄|期|舍|斋)(?:\d{3,4}室?)?)`
)

var (
	// cnRoad is a road, street or lane followed by its house number: "建国路88号", "张江路123弄".
	cnRoad = regexp.MustCompile(`(?:大道|大街|路|街|巷|胡同|道)(?:[一二三四五六七八九十]段)?(?:` + cnNum + `(?:巷|弄))*` + cnNum + `(?:弄|号)`)
	// cnEstate is the name suffix of a housing estate or building: "阳光花园", "万科小区".
	cnEstate = regexp.MustCompile(`(?:小区|花园|公寓|大厦|家园|新村|苑)`)
	// cnTail is what may follow a house number: a second number, buildings, units, floors, rooms.
	cnTail = regexp.MustCompile(`^(?:` + cnNum + `号)?` + cnUnit + `*`)
	// cnUnits is at least one building/unit/room, as an estate needs.
	cnUnits = regexp.MustCompile(`^` + cnUnit + `+`)
	// cnBuilding is a numbered building in a residential compound: "望京西园三区301号楼".
	// cnRoom is a building followed by a unit or a room number: "5栋2104", "7号楼312", "3栋2单元".
	cnRoom     = regexp.MustCompile(`(?:号楼|栋|幢|座)(?:\d{1,2}单元)?\d{3,4}|(?:号楼|栋|幢|座)(?:\d{1,2}单元|\d{1,3}[楼层]|[A-Za-z]室)`)
	cnBuilding = regexp.MustCompile(`(?:\d{1,2}期)?(?:\d{1,4}|[A-Za-z])(?:号楼|栋|幢|座)`)
)

// cnAddressWindows anchors Chinese addresses at the characters that end a house number or unit.
func cnAddressWindows(sc *scan) []window {
	var w []window
	for _, k := range []string{"号", "弄", "栋", "幢", "座", "单元", "室"} {
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
		// "7号楼312": a building number may read as a house number ("7号") first.
		return end + max(len(cnTail.FindString(t[end:lim])), len(cnUnits.FindString(t[end:lim])))
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
			if st > 0 && isAlnum(t[st-1]) {
				continue
			}
			left, n := walkPlace(t, st)
			en := tail(st)
			// A building with a room ("万科城5栋2104") is an address after any estate name; a
			// building alone needs a district or a city in the place name.
			room := cnRoom.MatchString(t[st:en])
			if n < 3 && !(n >= 2 && room) || !room && !strings.ContainsAny(t[left:st], "区县市镇乡") {
				continue
			}
			out = append(out, [2]int{left, en})
		}
	}
	return out
}
