package privacy

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ---- names of people ----

// givenNames is a list of common English given names: after a weak introducing phrase ("I'm",
// "I am") a capitalized word is taken for a name only if it is one of them, and after "my name
// is" a lower-case one.
var givenNames = setOf("james john robert michael william david richard joseph thomas charles christopher daniel " +
	"matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason " +
	"jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory " +
	"alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter " +
	"kyle noah ethan jeremy walter christian keith roger terry austin sean gerald carl harold dylan arthur " +
	"lawrence jordan jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent " +
	"mason roy ralph bobby russell bradley philip eugene liam oliver lucas leo max sam tom tim mike dave dan chris " +
	"matt nick alex ben jake luke mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa " +
	"nancy betty sandra margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie " +
	"dorothy rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole samantha " +
	"katherine christine helen debra rachel carolyn janet maria catherine heather diane olivia julie joyce " +
	"victoria ruth virginia lauren kelly christina joan evelyn judith andrea hannah megan cheryl jacqueline " +
	"martha madison teresa gloria sara janice ann kathryn abigail sophia frances jean alice judy isabella julia " +
	"grace amber denise danielle marilyn beverly charlotte natalie theresa diana brittany doris kayla alexis " +
	"lori marie ava mia chloe ella lily zoe kate jane sophie lucy amelia harper evelyn wei li ming hui yan jun " +
	"priya raj rahul amit ahmed mohammed muhammad ali fatima omar hans klaus pierre jean marco giulia lars")

// personIntro matches an English introducing phrase and the words after it; group 1 is the name.
var personIntro = regexp.MustCompile(`(?i)^(?:my\s+name\s+is|my\s+name's|name\s*:|i'm|i\s+am|im|this\s+is|signed\s*,?|sincerely\s*,|regards\s*,|best\s*,|cheers\s*,|thanks\s*,|yours\s+truly\s*,|call\s+me|mr\.?|mrs\.?|ms\.?|miss|dr\.?)` +
	`\s+((?-i:[A-Za-z][a-z]*(?:'[A-Z][a-z]+)?(?:-[A-Za-z][a-z]+)?)(?:\s+(?-i:[A-Z](?:[a-z]+|\.)|[A-Z]'[A-Z][a-z]+|[a-z]+)(?:-[A-Z][a-z]+)?){0,2})`)

var personKeys = []string{"my name", "name:", "name :", "i'm", "i am", "im ", "this is", "signed", "sincerely", "regards",
	"best,", "cheers", "thanks,", "yours truly", "call me", "mr", "mrs", "ms", "miss", "dr"}

// findPersonEN finds names after an introducing phrase. The phrase decides how much evidence the
// words after it need:
//   - strong ("my name is", "name:", "signed,", a title like "Mr."): capitalized words that are
//     not common English words, or a lower-case known given name;
//   - "this is": only with "speaking" or "here" after the name;
//   - weak ("I'm", "I am", "call me", "thanks,"): the first word must be a known given name.
func findPersonEN(sc *scan, wins []window) [][2]int {
	t := sc.text
	lo := sc.lowered()
	var out [][2]int
	for _, w := range wins {
		m := personIntro.FindStringSubmatchIndex(t[w.start:min(w.end, len(t))])
		if m == nil {
			continue
		}
		phrase := strings.Join(strings.Fields(lo[w.start+m[0]:w.start+m[2]]), " ")
		nst := w.start + m[2]
		words := strings.Fields(t[nst : w.start+m[3]])
		strong, title, this := false, false, false
		switch {
		case strings.HasPrefix(phrase, "my name"), strings.HasPrefix(phrase, "name"), strings.HasPrefix(phrase, "signed"),
			strings.HasPrefix(phrase, "sincerely"), strings.HasPrefix(phrase, "regards"), strings.HasPrefix(phrase, "yours"):
			strong = true
		case strings.HasPrefix(phrase, "mr"), strings.HasPrefix(phrase, "ms"), strings.HasPrefix(phrase, "miss"),
			strings.HasPrefix(phrase, "dr"):
			strong, title = true, true
		case strings.HasPrefix(phrase, "this is"):
			this = true
		}
		if title && !strings.HasSuffix(phrase, ".") && w.start+m[2] > 0 && t[w.start+m[0]] >= 'a' {
			continue // "ms word", "dr" in a sentence: titles are written capitalized
		}
		// Keep words while they look like name parts.
		n := 0
		for i, wd := range words {
			l := strings.ToLower(strings.TrimSuffix(wd, "."))
			capital := wd[0] >= 'A' && wd[0] <= 'Z'
			if stopWords[l] || quantityWords[l] {
				break
			}
			if i == 0 {
				known := givenNames[l]
				switch {
				case strong && (capital || known):
				case this && capital:
				case !strong && !this && known && (capital || phrase == "call me"):
				default:
					n = -1
				}
				if n < 0 {
					break
				}
			} else if !capital && !(strong && givenNames[strings.ToLower(words[0])] && !capital && words[0][0] >= 'a' && i == 1) {
				break // a surname is capitalized, or follows a lower-case known name
			}
			n = i + 1
		}
		if n <= 0 {
			continue
		}
		// End of the kept words in t.
		en := nst
		for i := 0; i < n; i++ {
			en += strings.Index(t[en:], words[i]) + len(words[i])
		}
		en = trimRightAny(t, nst, en, ".")
		if this {
			after := strings.TrimLeft(lo[en:min(len(lo), en+12)], " ,")
			if !strings.HasPrefix(after, "speaking") && !strings.HasPrefix(after, "here") {
				continue
			}
		}
		if en-nst < 2 || !bounded(t, nst, en) {
			continue
		}
		out = append(out, [2]int{nst, en})
	}
	return out
}

// cnSurnames are common Chinese family names (the compound ones first so that they win).
var cnCompound = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "独孤"}

const cnSingle = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// cnNameStop are characters that do not occur in a given name here: function words, verbs and
// measure words that follow "我是" in ordinary sentences ("我是第一次买", "我是学生").
const cnNameStop = "的了是在有个一不也都和与就很还要会能说这那买用看给把被对从到为吗呢吧啊呀哦嘛们人第次位名学生老师先女士同事朋友客户顾客卖粉丝新手男孩爸妈" +
	"今昨元块钱本店铺所以因为但而且如果虽然已经刚才觉得认为感觉非常太挺差评论收货快递产品东西质量者"

// cnIntro are the Chinese phrases that introduce a name; strong ones accept a name without a
// boundary after it.
var cnIntro = []struct {
	key    string
	strong bool
}{
	{"我的名字叫", true}, {"我的名字是", true}, {"我叫", true}, {"本人叫", true}, {"名字叫", true}, {"姓名", true},
	{"联系人", true}, {"收件人", true}, {"收货人", true}, {"寄件人", true}, {"签名", true}, {"落款", true},
	{"我是", false}, {"本人", false}, {"这里是", false},
}

// findPersonZH finds "<intro>[：:]? <surname><1-2 given chars>". After a weak intro ("我是",
// "本人") the name must be followed by a boundary (punctuation, a space, the end, or a particle
// like 的/啊), since "我是王者荣耀玩家" is not a name.
func findPersonZH(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		for _, in := range cnIntro {
			if !strings.HasPrefix(t[w.start:], in.key) {
				continue
			}
			p := w.start + len(in.key)
			for p < len(t) && (t[p] == ' ' || t[p] == ':') {
				p++
			}
			if strings.HasPrefix(t[p:], "：") {
				p += len("：")
			}
			for p < len(t) && t[p] == ' ' {
				p++
			}
			sur := 0
			for _, c := range cnCompound {
				if strings.HasPrefix(t[p:], c) {
					sur = len(c)
					break
				}
			}
			if sur == 0 {
				if r, size := utf8.DecodeRuneInString(t[p:]); strings.ContainsRune(cnSingle, r) {
					sur = size
				}
			}
			if sur == 0 {
				break
			}
			// Up to two given-name characters.
			ends := []int{}
			q := p + sur
			for k := 0; k < 2 && q < len(t); k++ {
				r, size := utf8.DecodeRuneInString(t[q:])
				if r < 0x4E00 || r > 0x9FFF || strings.ContainsRune(cnNameStop, r) {
					break
				}
				q += size
				ends = append(ends, q)
			}
			if len(ends) == 0 {
				break
			}
			end := -1
			for k := len(ends) - 1; k >= 0; k-- {
				if cnNameBoundary(t, ends[k]) {
					end = ends[k]
					break
				}
			}
			if end < 0 && in.strong {
				end = ends[len(ends)-1]
			}
			if end > 0 {
				out = append(out, [2]int{p, end})
			}
			break
		}
	}
	return out
}

// cnNameBoundary reports whether a name may end at i.
func cnNameBoundary(t string, i int) bool {
	if i >= len(t) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(t[i:])
	if r < 0x4E00 || r > 0x9FFF {
		return true // punctuation, space, digits, Latin
	}
	return strings.ContainsRune("的啊呀哦呢吧嘛，。！？、在是和也今想要", r)
}

func cnIntroWindows(sc *scan) []window {
	var w []window
	for _, in := range cnIntro {
		for off := 0; ; {
			i := strings.Index(sc.text[off:], in.key)
			if i < 0 {
				break
			}
			i += off
			off = i + len(in.key)
			w = append(w, window{i, i + 40})
		}
	}
	return w
}

// ---- Chinese rural addresses ----

// cnVillageTail is what follows a village: groups, households, numbers ("3组12户", "5队", "8号").
var cnVillageTail = regexp.MustCompile(`^(?:\d{1,3}|[一二三四五六七八九十]{1,3})(?:组|队|社)(?:\d{1,4}(?:户|号))?|^\d{1,4}(?:户|号)`)

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
