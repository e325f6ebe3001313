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

// personIntro matches an English phrase that introduces a name, at the start of a window.
var personIntro = regexp.MustCompile(`(?i)^(?:my\s+name\s+is|my\s+name's|name\s*:|signed\s*[,:]|signed\s+by|sincerely\s*,|regards\s*,|yours\s+truly\s*,|` +
	`mr\.?|mrs\.?|ms\.?|miss|dr\.?|this\s+is|i'm|i\s+am|im|call\s+me|thanks\s*,|cheers\s*,|best\s*,|` +
	`(?:ship|shipped|send|sent|deliver|delivered|mail|mailed|addressed)\s+(?:it\s+)?to|(?:review|reviewed|written|posted)\s+by|` +
	`(?:the\s+)?(?:courier|driver|delivery\s+(?:guy|man|driver|person)|agent|rep|representative|technician|installer|salesman|saleswoman|named)\b)`)

var personKeys = []string{"my name", "name", "signed", "sincerely", "regards", "yours truly", "mr", "mrs", "ms", "miss", "dr",
	"this is", "i'm", "i am", "im ", "call me", "thanks", "cheers", "best,", "ship", "send", "sent", "deliver", "mail",
	"addressed", "review", "written", "posted", "the courier", "courier", "driver", "delivery", "agent", "rep",
	"technician", "installer", "sales", "named"}

// titleBrands are product names that start with a title: "Dr. Martens" is a boot.
var titleBrands = setOf("martens pepper scholl scholl's bronner bronner's coffee clean muscle meyer meyer's potato")

// orgWords end or fill the name of a company, a shop or a product rather than a person.
var orgWords = setOf("inc llc ltd co corp company store shop services service team support official center centre " +
	"group market mall express logistics delivery edition version series pro max plus ultra mini")

// nameWord reports whether w looks like a part of a person's name: capitalized (O'Brien, MacLeod,
// Gonzalez-Ruiz), or lower case when lower is set; not a common word.
func nameWord(w string, lower bool) bool {
	if len(w) < 2 {
		return false
	}
	l := strings.ToLower(w)
	if stopWords[l] || quantityWords[l] || orgWords[l] {
		return false
	}
	up := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up++
		case c >= 'a' && c <= 'z', c == '\'' || c == '-':
		default:
			return false
		}
	}
	if up == len(w) {
		return false // ALL CAPS is emphasis or an acronym
	}
	return lower || w[0] >= 'A' && w[0] <= 'Z'
}

// looksLikeWord reports whether a capitalized w is more likely an ordinary word than a name:
// adverbs, participles and adjectives ("Totally", "Disappointed", "Amazing", "Careful").
func looksLikeWord(w string) bool {
	l := strings.ToLower(w)
	if givenNames[l] {
		return false
	}
	for _, suf := range []string{"ly", "ed", "ing", "ful", "ous", "ive", "able", "ible", "less", "est", "ness"} {
		if len(l) > len(suf)+2 && strings.HasSuffix(l, suf) {
			return true
		}
	}
	return false
}

// findPersonEN finds names after an introducing phrase. The phrase decides how much evidence the
// words after it need:
//   - strong ("my name is", "name:", "signed,", a title like "Mr."): capitalized words that are
//     not common English words, or a lower-case known given name (and the word after it);
//   - "this is": only with "speaking" or "here" after the name;
//   - weak ("I'm", "call me", "thanks,", "ship to", "review by", "the courier"): a known given
//     name, or two capitalized name-like words ("I'm Marcus Hernandez", not "I'm Very Happy").
func findPersonEN(sc *scan, wins []window) [][2]int {
	t := sc.text
	lo := sc.lowered()
	var out [][2]int
	for _, w := range wins {
		m := personIntro.FindStringIndex(t[w.start:min(w.end, len(t))])
		if m == nil {
			continue
		}
		pst, pen := w.start+m[0], w.start+m[1]
		phrase := strings.Join(strings.Fields(lo[pst:pen]), " ")
		strong, title, this := false, false, false
		switch {
		case strings.HasPrefix(phrase, "my name"), strings.HasPrefix(phrase, "name"), strings.HasPrefix(phrase, "signed"),
			strings.HasPrefix(phrase, "sincerely"), strings.HasPrefix(phrase, "regards"), strings.HasPrefix(phrase, "yours"):
			strong = true
		case phrase == "mr" || phrase == "mr." || phrase == "mrs" || phrase == "mrs." || phrase == "ms" || phrase == "ms." ||
			phrase == "miss" || phrase == "dr" || phrase == "dr.":
			strong, title = true, true
			if t[pst] < 'A' || t[pst] > 'Z' || t[pst+1] < 'a' || t[pst+1] > 'z' {
				continue // "ms word", "MS Smartphone": titles are written "Mr", "Ms", "Dr"
			}
		case strings.HasPrefix(phrase, "this is"):
			this = true
		}
		// Words after the phrase: separated by single spaces, an optional "(" or ":" first.
		p := pen
		for p < len(t) && (t[p] == ' ' || t[p] == '(' || t[p] == ':') {
			p++
		}
		nst := p
		var words []string
		var ends []int
		for len(words) < 3 && p < len(t) {
			q := p
			for q < len(t) && (isLetter(t[q]) || t[q] == '\'' || t[q] == '-') {
				q++
			}
			if q == p {
				break
			}
			words = append(words, t[p:q])
			ends = append(ends, q)
			if q < len(t) && t[q] == '.' && q-p == 1 {
				ends[len(ends)-1] = q + 1 // a middle initial "J."
				q++
			}
			if q+1 < len(t) && t[q] == ' ' && isLetter(t[q+1]) {
				p = q + 1
				continue
			}
			break
		}
		if len(words) == 0 {
			continue
		}
		firstKnown := givenNames[strings.ToLower(words[0])]
		// After "my name is" a lower-case word is a name unless it is a common word or reads like
		// one ("my name is on the box", "my name is misspelled").
		lowerOK := strong && !title && words[0][0] >= 'a' && (firstKnown || !looksLikeWord(words[0]))
		n := 0
		for i, wd := range words {
			if !nameWord(wd, lowerOK) && !(len(wd) == 1 && i > 0 && wd[0] >= 'A' && wd[0] <= 'Z') {
				break
			}
			n = i + 1
		}
		if n == 0 {
			continue
		}
		if title && n == 1 && titleBrands[strings.ToLower(words[0])] {
			continue
		}
		switch {
		case strong:
		case this:
			after := strings.TrimLeft(lo[ends[n-1]:min(len(lo), ends[n-1]+12)], " ,")
			if !strings.HasPrefix(after, "speaking") && !strings.HasPrefix(after, "here") {
				continue
			}
		default:
			if !firstKnown && (n < 2 || looksLikeWord(words[0]) || looksLikeWord(words[1])) {
				continue
			}
		}
		en := ends[n-1]
		if en-nst < 2 || !bounded(t, nst, en) {
			continue
		}
		out = append(out, [2]int{nst, en})
	}
	return out
}

// signOff matches a name signed at the end of a text: "thanks so much! -- Dave", "— Anna K."
var signOff = regexp.MustCompile(`(?:^|[\s.!?])-{1,3}\s*([A-Z][a-z]+(?:\s+[A-Z][a-z]*\.?)?)\s*[.!]?\s*$`)

func findSignOff(sc *scan, _ []window) [][2]int {
	t := sc.text
	tail := max(0, len(t)-48)
	if strings.IndexByte(t[tail:], '-') < 0 {
		return nil
	}
	m := signOff.FindStringSubmatchIndex(t[tail:])
	if m == nil {
		return nil
	}
	st, en := tail+m[2], tail+m[3]
	w := strings.Fields(t[st:en])
	if !nameWord(w[0], false) || looksLikeWord(w[0]) {
		return nil
	}
	return [][2]int{{st, trimRightAny(t, st, en, ".")}}
}

// cnSurnames are common Chinese family names (the compound ones first so that they win).
var cnCompound = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "独孤"}

const cnSingle = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// cnNameStop are characters that do not occur in a given name here: function words, verbs and
// measure words that follow "我是" in ordinary sentences ("我是第一次买", "我是学生").
const cnNameStop = "的了是在有个一不也都和与就很还要会能说这那买用看给把被对从到为吗呢吧啊呀哦嘛们第次位名"

// cnNotNames are words that follow "我是"/"本人" and begin with a surname character but are not
// names ("我是高手", "本人买家").
var cnNotNames = setOf("高手 老手 新手 老客 老顾客 学生 老师 男生 女生 孩子 宝妈 程序员 上班族 白领 常客 回头客 买家 卖家 " +
	"方便 安全 觉得 感觉 认为 第一 房东 房客 车主 业主 江湖 金牌 钟爱 黄金 白金 王者 包邮 于是 常常 经常 明白 明明 高兴 " +
	"单号 周旋 周到 周末 顾客 顾左右 胡说 胡乱 王牌 张开 马上 马虎 黄色 白色 林立 陈旧 关注 关心 付款 石头 毛病 易用 时候 全部 尚未 应该 单身 成年 成人 连续 施工 柏林 欧洲 文字 宁可 杜绝 温柔 温暖 康复 路过")

// How much a Chinese introducing phrase vouches for the name after it.
const (
	cnStrong = iota // "我叫": any surname; the name ends at a boundary, or after two given characters
	cnLabel         // "姓名：", "收件人：": strong with a separator after the label, weak without
	cnWeak          // "我是", "本人", relatives: a common unambiguous surname, and a boundary after the name
	cnRole          // "快递员", "客服": a common unambiguous surname and two given characters, or a boundary
)

// cnIntro are the Chinese phrases that introduce a name.
var cnIntro = []struct {
	key  string
	kind int
}{
	{"我的名字叫", cnStrong}, {"我的名字是", cnStrong}, {"我叫", cnStrong}, {"本人叫", cnStrong}, {"名字叫", cnStrong},
	{"名叫", cnStrong}, {"姓名", cnLabel}, {"联系人", cnLabel}, {"收件人", cnLabel}, {"收货人", cnLabel},
	{"寄件人", cnLabel}, {"签名", cnLabel}, {"落款", cnLabel},
	{"我是", cnWeak}, {"本人", cnWeak}, {"这里是", cnWeak},
	// Roles: a courier, an agent or a relative named in a review.
	{"快递员", cnRole}, {"快递小哥", cnRole}, {"配送员", cnRole}, {"送货员", cnRole}, {"外卖员", cnRole},
	{"骑手", cnRole}, {"客服", cnRole}, {"店主", cnRole}, {"店长", cnRole}, {"老板", cnRole}, {"司机", cnRole},
	{"师傅", cnRole}, {"经理", cnRole}, {"导购", cnRole}, {"我爸", cnWeak}, {"我妈", cnWeak}, {"我老公", cnWeak},
	{"我老婆", cnWeak}, {"我儿子", cnWeak}, {"我女儿", cnWeak}, {"我朋友", cnWeak}, {"我同事", cnWeak},
}

// cnSafeSurnames are frequent surnames that rarely begin an ordinary word, so that after a weak
// phrase "客服王磊" is a name but "客服解释", "快递小哥辛苦", "我是全系列" are not.
const cnSafeSurnames = "王李张刘陈杨黄赵吴周徐孙朱胡郭林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡杜魏吕沈姚卢姜崔钟谭陆汪廖贾夏韦邹熊秦邱尹薛闫段雷侯陶黎贺顾郝龚邵钱严覃戴莫孔汤"

// cnHonorifics after a surname make a form of address, not a name ("赵先生", "王老师").
var cnHonorifics = setOf("先生 女士 小姐 大哥 大姐 师傅 老师 同学 阿姨 叔叔 经理 总 哥 姐 姨 叔 伯 工 sir")

// findPersonZH finds "<intro>[：:]? <surname><1-2 given chars>" (see cnStrong, cnLabel, cnWeak).
func findPersonZH(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		for _, in := range cnIntro {
			if !strings.HasPrefix(t[w.start:], in.key) {
				continue
			}
			p := w.start + len(in.key)
			sep := false
			for p < len(t) && (t[p] == ' ' || t[p] == ':') {
				p++
				sep = true
			}
			if strings.HasPrefix(t[p:], "：") {
				p += len("：")
				sep = true
			}
			for p < len(t) && t[p] == ' ' {
				p++
			}
			kind := in.kind
			if kind == cnLabel {
				kind = cnWeak
				if sep {
					kind = cnStrong
				}
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
			if sur == 0 || kind >= cnWeak && sur <= utf8.UTFMax && !strings.Contains(cnSafeSurnames, t[p:p+sur]) {
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
			if len(ends) == 0 || strings.HasPrefix(t[p+sur:], t[p:p+sur]) || cnNotNames[t[p:ends[len(ends)-1]]] || len(ends) == 2 && cnNotNames[t[p:ends[0]]] ||
				cnHonorifics[t[p+sur:ends[len(ends)-1]]] || cnHonorifics[t[p+sur:ends[0]]] {
				break
			}
			end := -1
			for k := len(ends) - 1; k >= 0; k-- {
				if cnNameBoundary(t, ends[k]) {
					end = ends[k]
					break
				}
			}
			if end < 0 && (kind == cnStrong || kind == cnRole && len(ends) == 2) {
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
	// Particles, and verbs a name is often the subject of ("董子涵买的", "黄思远处理得很及时").
	return strings.ContainsRune("的啊呀哦呢吧嘛在是和也今想要买说用送给穿让来去看做吃觉处帮已很都就还刚又", r)
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
