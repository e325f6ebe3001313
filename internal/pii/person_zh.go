package pii

import (
	"strings"
	"unicode/utf8"
)

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
	"夏天 夏季 夏日 夏装 周一 周二 周三 周四 周五 周六 周日 周天 曾经 许多 许久 韩国 韩版 宋体 钱包 陈列 林林 黄金周 " +
	"黎明 汪洋 王国 王子 李子 刘海 陆军 陆地 韩国 杨梅 杨桃 许可 孙子 孙女 胡子 严格 周年 周岁 周期 陈年 陈皮 黄花 黄梅 黄山 " +
	"梁山 汤圆 莫名 孔雀 严冬 钟情 朱红 杨柳 林木 罗马 罗盘 郑重 唐朝 宋朝 熊猫 陶瓷 谢幕 汪家 王家 李家 张家 刘家 陈家 " +
	"杨家 黄家 吴家 周家 徐家 孙家 林家 高家 何家 郭家 马家 罗家 梁家 宋家 郑家 谢家 韩家 唐家 冯家 " +
	"单号 周旋 周到 周末 顾客 顾左右 胡说 胡乱 王牌 张开 马上 马虎 黄色 白色 林立 陈旧 关注 关心 付款 石头 毛病 易用 时候 全部 尚未 应该 单身 成年 成人 连续 施工 柏林 欧洲 文字 宁可 杜绝 温柔 温暖 康复 路过")

// How much a Chinese introducing phrase vouches for the name after it.
const (
	cnStrong   = iota // "我叫": any surname; the name ends at a boundary, or after two given characters
	cnLabel           // "姓名：", "收件人：": strong with a separator after the label, weak without
	cnWeak            // "我是", "本人", relatives: a common unambiguous surname, and a boundary after the name
	cnRole            // "快递员", "客服": a common unambiguous surname and two given characters, or a boundary
	cnRelation        // "同事", "闺蜜", "感谢": a common surname (cnRelationSurnames), and a boundary after the name
)

// cnRelationSurnames are the surnames accepted after a relation word: the unambiguous ones and a
// few frequent ones that begin ordinary words less often after a relation ("室友何静").
const cnRelationSurnames = cnSafeSurnames + "何马高石田"

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
	{"师傅", cnRole}, {"阿姨", cnRole}, {"叔叔", cnRole}, {"经理", cnRole}, {"导购", cnRole}, {"小姐姐", cnRole}, {"小哥哥", cnRole}, {"我爸", cnWeak}, {"我妈", cnWeak}, {"我老公", cnWeak},
	{"我老婆", cnWeak}, {"我儿子", cnWeak}, {"我女儿", cnWeak}, {"我朋友", cnWeak}, {"我同事", cnWeak},
	// Relatives, friends and people met: a name after them is a person's.
	{"同事", cnRelation}, {"闺蜜", cnRelation}, {"宝宝", cnRelation}, {"宝贝", cnRelation}, {"表姐", cnRelation},
	{"表哥", cnRelation}, {"表妹", cnRelation}, {"表弟", cnRelation}, {"堂姐", cnRelation}, {"堂哥", cnRelation},
	{"室友", cnRelation}, {"舍友", cnRelation}, {"邻居", cnRelation}, {"姐姐", cnRelation}, {"哥哥", cnRelation},
	{"妹妹", cnRelation}, {"弟弟", cnRelation}, {"老公", cnRelation}, {"老婆", cnRelation}, {"男朋友", cnRelation},
	{"女朋友", cnRelation}, {"男友", cnRelation}, {"女友", cnRelation}, {"朋友", cnRelation}, {"同学", cnRelation},
	{"儿子", cnRelation}, {"妈妈", cnRelation}, {"爸爸", cnRelation}, {"老妈", cnRelation}, {"老爸", cnRelation},
	{"爷爷", cnRelation}, {"奶奶", cnRelation}, {"外婆", cnRelation}, {"姥姥", cnRelation}, {"婆婆", cnRelation}, {"女儿", cnRelation}, {"孩子", cnRelation}, {"闺女", cnRelation}, {"感谢", cnRelation},
	{"谢谢", cnRelation}, {"多谢", cnRelation}, {"我和", cnRelation}, {"我跟", cnRelation}, {"和我", cnRelation},
}

// cnSafeSurnames are frequent surnames that rarely begin an ordinary word, so that after a weak
// phrase "客服王磊" is a name but "客服解释", "快递小哥辛苦", "我是全系列" are not.
const cnSafeSurnames = "王李张刘陈杨黄赵吴周徐孙朱胡郭林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡杜魏吕沈姚卢姜崔钟谭陆汪廖贾夏韦邹熊秦邱尹薛闫段雷侯陶黎贺顾郝龚邵钱严覃戴莫孔汤"

// cnHonorifics after a surname make a form of address, not a name ("赵先生", "王老师").
var cnHonorifics = setOf("先生 女士 小姐 大哥 大姐 师傅 老师 同学 阿姨 叔叔 经理 总 哥 姐 姨 叔 伯 工 sir")

// findPersonZH finds "<intro>[：:]? <surname><1-2 given chars>" (see cnStrong, cnLabel, cnWeak).
func findPersonZH(sc *scan, wins []window) [][2]int {
	t := sc.text
	book := sc.isBook()
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
			if (kind == cnRelation || kind == cnRole) && book {
				break
			}
			if kind == cnLabel {
				kind = cnWeak
				if sep {
					kind = cnStrong
				}
			}
			if e := cnNickname(t, p, kind); e > 0 {
				out = append(out, [2]int{p, e})
				break
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
			safe := cnSafeSurnames
			if kind == cnRelation {
				safe = cnRelationSurnames
			}
			if sur == 0 || kind >= cnWeak && sur <= utf8.UTFMax && !strings.Contains(safe, t[p:p+sur]) {
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
				if len(ends) == 2 && cnWordAfterName[t[ends[0]:min(len(t), ends[1]+3)]] {
					end = ends[0] // "李雪服务很好": the name is 李雪, 服务 the word after it
				}
			}
			if end > 0 && !cnBrands[t[p:end]] {
				out = append(out, [2]int{p, end})
			}
			break
		}
	}
	return out
}

// cnWordAfterName are words that often follow a name in a review ("服务很好", "态度很差"):
// a given name does not swallow their first character.
var cnWordAfterName = setOf("服务 态度 人很 说话 耐心 热情 专业 送货 发货 安装 介绍 推荐 回复 解答 处理 帮忙 帮我 很好 非常 特别 超级 真的 工作 速度 效率")

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
	return strings.ContainsRune("的啊呀哦呢吧嘛在是和也今想要买说用送给穿让来去看做吃觉处帮已很都就还刚又推告建介问叫认一跟拼超真挺", r)
}

func cnIntroWindows(sc *scan) []window {
	var w []window
	for _, i := range cnIntroKeys.starts(sc.text) {
		w = append(w, window{i, i + 40})
	}
	return w
}

// keySet finds where any of a set of keys starts, in one pass over the text: a key is looked
// for only where a rune that starts some key stands.
type keySet struct {
	first  *[1 << 10]uint64 // bit r: some key starts with rune r (keys start in the BMP)
	byRune map[rune][]string
}

func newKeySet(keys ...string) keySet {
	ks := keySet{first: new([1 << 10]uint64), byRune: map[rune][]string{}}
	for _, k := range keys {
		r, _ := utf8.DecodeRuneInString(k)
		ks.first[r>>6&(1<<10-1)] |= 1 << (r & 63)
		ks.byRune[r] = append(ks.byRune[r], k)
	}
	return ks
}

// starts returns the byte offsets in t where one of the keys starts, ascending.
func (ks keySet) starts(t string) []int {
	var out []int
	for i := 0; i < len(t); {
		if t[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(t[i:])
		if r < 1<<16 && ks.first[r>>6]&(1<<(r&63)) != 0 {
			for _, k := range ks.byRune[r] {
				if strings.HasPrefix(t[i:], k) {
					out = append(out, i)
					break
				}
			}
		}
		i += size
	}
	return out
}

var cnIntroKeys = func() keySet {
	keys := make([]string, len(cnIntro))
	for i, in := range cnIntro {
		keys[i] = in.key
	}
	return newKeySet(keys...)
}()

// cnBrands are brands and shops named like a person ("李宁", "王老吉", "周大福").
var cnBrands = setOf("潘婷 汤臣 李宁 王老吉 张小泉 周大福 周黑鸭 杨国福 陈克明 黄飞红 谢馥春 王致和 李锦记 张裕 刘一手 钟薛高 林清轩 " +
	"马应龙 周生生 谢瑞麟 曹操 刘备 关羽 张飞 诸葛亮 孙悟空 猪八戒 唐僧 沙僧 郭靖 黄蓉 杨过 林黛玉 贾宝玉 薛宝钗 王熙凤 " +
	"宋江 武松 李白 杜甫 苏轼 白居易 鲁迅 金庸 古龙 琼瑶 莫言 余华 韩寒 郭敬明 三毛 张爱玲 钱钟书 沈从文 老舍 巴金 " +
	"马云 马化腾 雷军 董明珠 刘强东 李彦宏 周杰伦 林俊杰 王力宏 刘德华 张学友 成龙 李连杰 周星驰")

// cnHonorificTitles follow a surname to address a person: "刘师傅", "王阿姨", "陈老师", "张总".
var cnHonorificTitles = []string{"师傅", "阿姨", "老师", "先生", "女士", "小姐", "叔叔", "大哥", "大姐", "经理", "奶奶", "爷爷",
	"大爷", "大妈", "医生", "护士", "店长", "老板", "教练", "总", "哥", "姐"}

// findCNHonorific finds "<surname><title>" (刘师傅, 王阿姨): a person addressed by the family
// name. The surname must be an unambiguous one and not end a longer word ("安装师傅" has none).
func findCNHonorific(sc *scan, wins []window) [][2]int {
	t := sc.text
	if sc.isBook() {
		return nil
	}
	var out [][2]int
	for _, w := range wins {
		// w.start is the title; the surname is the rune before it.
		r, size := utf8.DecodeLastRuneInString(t[:w.start])
		if st := cnFullNameBefore(t, w.start); st >= 0 && cnLongTitle(t[w.start:]) {
			out = append(out, [2]int{st, w.start}) // "王建国师傅": the name, the title stays
			continue
		}
		if size == 0 || !strings.ContainsRune(cnSafeSurnames, r) {
			continue
		}
		st := w.start - size
		en := w.start
		for _, h := range cnHonorificTitles {
			if strings.HasPrefix(t[w.start:], h) {
				en = w.start + len(h)
				break
			}
		}
		if en == w.start || cnBrands[t[st:en]] {
			continue
		}
		// "哥"/"姐" alone: not "哥哥"/"姐姐"/"姐妹" (family words), and not before a given name.
		if h := t[w.start:en]; h == "哥" || h == "姐" {
			if nr, _ := utf8.DecodeRuneInString(t[en:]); strings.ContainsRune("哥姐妹弟们", nr) {
				continue
			}
		}
		// The surname starts a word: what comes before it is not a surname-and-given run
		// ("王小明师傅" is the intro finders' business), a particle, a cue or not Chinese.
		if pr, ps := utf8.DecodeLastRuneInString(t[:st]); ps > 0 && pr >= 0x4E00 && pr <= 0x9FFF &&
			strings.ContainsRune(cnSingle, pr) && !strings.ContainsRune(cnNameStop, pr) {
			continue
		}
		if ps, pw := utf8.DecodeLastRuneInString(t[:st]); pw > 0 && cnWordsEndingInSurname[string(ps)+t[st:w.start]] {
			continue // "感谢老板": thanks to the boss, not Mr Xie
		}
		out = append(out, [2]int{st, en})
	}
	return out
}

// cnLongTitle reports whether t starts with a title of two characters or more ("师傅", not "总"
// of "总是" or "哥" of "小哥").
func cnLongTitle(t string) bool {
	for _, h := range cnHonorificTitles {
		if utf8.RuneCountInString(h) >= 2 && strings.HasPrefix(t, h) {
			return true
		}
	}
	return false
}

// cnFullNameBefore returns the start of a full name (an unambiguous surname and one or two given
// characters) that ends at e and opens a clause ("王建国师傅", "，李伟经理"), or -1.
func cnFullNameBefore(t string, e int) int {
	for _, back := range []int{9, 6} {
		st := e - back
		if st < 0 || !utf8.RuneStart(t[st]) {
			continue
		}
		r, size := utf8.DecodeRuneInString(t[st:])
		if !strings.ContainsRune(cnSafeSurnames, r) {
			continue
		}
		given := t[st+size : e]
		ok := true
		for _, g := range given {
			if g < 0x4E00 || g > 0x9FFF || strings.ContainsRune(cnNameStop, g) || strings.ContainsRune(cnSingle, g) && len(given) == size {
				ok = false
			}
		}
		if !ok || strings.HasPrefix(given, t[st:st+size]) || cnNotNames[t[st:e]] || cnBrands[t[st:e]] || cnHonorifics[given] || cnWordsEndingInSurname[t[st:e]] {
			continue
		}
		pr, ps := utf8.DecodeLastRuneInString(t[:st])
		if ps == 0 || pr < 0x4E00 || pr > 0x9FFF || strings.ContainsRune("，。！？、；：", pr) || st >= 6 && cnClauseOpeners[t[st-6:st]] {
			return st
		}
	}
	return -1
}

// cnWordsEndingInSurname are words whose last character is a surname, so that a title after
// them is no name: "感谢老板", "也许先生", "一周总结".
var cnWordsEndingInSurname = setOf("感谢 多谢 道谢 致谢 答谢 鸣谢 也许 或许 允许 些许 金黄 蛋黄 森林 树林 园林 一周 每周 上周 下周 本周 " +
	"紧张 主张 夸张 提高 很高 最高 更高 太高 较高 偏高 推陈 子孙 老王 小王 老李 小李 大王 国王 霸王 称王")

func cnHonorificWindows(sc *scan) []window {
	var w []window
	for _, i := range cnHonorificKeys.starts(sc.text) {
		w = append(w, window{i, i + 1})
	}
	return w
}

var cnHonorificKeys = newKeySet(cnHonorificTitles...)

// findCNAnd finds two names joined by 和 ("李娜和赵明一起拼单"): each a common unambiguous
// surname with one or two given characters, the first at the start of a clause, the second
// followed by a boundary.
func findCNAnd(sc *scan, wins []window) [][2]int {
	t := sc.text
	if sc.isBook() {
		return nil
	}
	var out [][2]int
	for _, w := range wins {
		i := w.start // at 和
		right := cnNameAt(t, i+len("和"))
		if right < 0 {
			continue
		}
		for _, back := range []int{3, 2} { // given name of two characters, then one
			st := i - back*3
			if st < 0 || !utf8.RuneStart(t[st]) {
				continue
			}
			if cnNameAt(t, st) != i {
				continue
			}
			if pr, ps := utf8.DecodeLastRuneInString(t[:st]); ps > 0 && pr >= 0x4E00 && pr <= 0x9FFF &&
				!strings.ContainsRune("，。！？、；：的了是我你他她和跟与同事闺蜜友居", pr) {
				continue // not the start of a clause
			}
			out = append(out, [2]int{st, i}, [2]int{i + len("和"), right})
			break
		}
	}
	return out
}

// cnNameAt returns the end of a name (a common surname, one or two given characters, a
// boundary after) starting at p, or -1.
func cnNameAt(t string, p int) int {
	r, size := utf8.DecodeRuneInString(t[p:])
	if size == 0 || !strings.ContainsRune(cnRelationSurnames, r) {
		return -1
	}
	q := p + size
	var ends []int
	for k := 0; k < 2 && q < len(t); k++ {
		g, gs := utf8.DecodeRuneInString(t[q:])
		if g < 0x4E00 || g > 0x9FFF || strings.ContainsRune(cnNameStop, g) {
			break
		}
		q += gs
		ends = append(ends, q)
	}
	for k := len(ends) - 1; k >= 0; k-- {
		e := ends[k]
		if cnNameBoundary(t, e) && !cnNotNames[t[p:e]] && !cnBrands[t[p:e]] && !cnHonorifics[t[p+size:e]] {
			return e
		}
	}
	return -1
}

func cnAndWindows(sc *scan) []window {
	var w []window
	for off := 0; ; {
		i := strings.Index(sc.text[off:], "和")
		if i < 0 {
			return w
		}
		i += off
		off = i + len("和")
		w = append(w, window{i, i + len("和")})
	}
}

// cnBookWords make a Chinese text a review of a book, a film or a song, where the names are
// authors and characters: there only an introducing phrase ("我叫") makes a name personal.
var cnBookWords = []string{"书", "小说", "作者", "读", "故事", "主人公", "主角", "人物", "情节", "章", "剧", "电影", "演员", "歌", "作品", "文笔"}

func cnBook(t string) bool {
	for _, w := range cnBookWords {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// cnSubjectVerbs follow a name that opens a clause: "张伟说", "王芳觉得", "刘洋推荐".
var cnSubjectVerbs = newKeySet("说", "觉得", "推荐", "告诉", "帮我", "送我", "给我", "问我", "让我", "叫我", "跟我", "买了", "买的",
	"送的", "也说", "都说", "也觉得", "很喜欢", "介绍")

// cnClauseOpeners may stand before a name that opens a clause ("昨天刘洋推荐").
var cnClauseOpeners = setOf("昨天 今天 明天 后来 然后 当时 刚才 上次 最近 因为 所以 但是 而且 结果 其实 还好 幸好 前天 上周")

// findCNSubject finds a name (an unambiguous surname, one or two given characters) opening a
// clause, followed by what people do: "张伟说这个牌子很耐用".
func findCNSubject(sc *scan, _ []window) [][2]int {
	t := sc.text
	verbs := cnSubjectVerbs.starts(t)
	if len(verbs) == 0 || sc.isBook() {
		return nil
	}
	var out [][2]int
	for _, v := range verbs {
		for _, back := range []int{9, 6} {
			st := v - back
			if st < 0 || !utf8.RuneStart(t[st]) {
				continue
			}
			if r, _ := utf8.DecodeRuneInString(t[st:]); !strings.ContainsRune(cnSafeSurnames, r) || cnNameAt(t, st) != v {
				continue
			}
			pr, ps := utf8.DecodeLastRuneInString(t[:st])
			opener := ps == 0 || pr < 0x4E00 || pr > 0x9FFF || strings.ContainsRune("，。！？、；：是", pr)
			if !opener && st >= 6 && cnClauseOpeners[t[st-6:st]] {
				opener = true
			}
			if opener {
				out = append(out, [2]int{st, v})
				break
			}
		}
	}
	return out
}

// cnNickname returns the end of a familiar name at p after a relation or a role: 小/老/阿 and
// a surname ("同事小王", "闺蜜老李"), or after a relation a doubled character ("宝宝朵朵"); 0
// when there is none.
func cnNickname(t string, p, kind int) int {
	if kind < cnWeak {
		return 0
	}
	r0, s0 := utf8.DecodeRuneInString(t[p:])
	if s0 == 0 || p+s0 >= len(t) {
		return 0
	}
	r1, s1 := utf8.DecodeRuneInString(t[p+s0:])
	e := p + s0 + s1
	switch {
	case strings.ContainsRune("小老阿", r0) && strings.ContainsRune(cnSafeSurnames, r1):
	case kind == cnRelation && r0 == r1 && r0 >= 0x4E00 && r0 <= 0x9FFF && !strings.ContainsRune(cnNameStop, r0) &&
		!cnNotNicknames[t[p:e]]:
	default:
		return 0
	}
	if !cnNameBoundary(t, e) {
		// After a role or relation, "小周" or "老李" is a name whatever follows ("客服小周耐心解释"),
		// unless it starts a word ("小王子").
		if nr, _ := utf8.DecodeRuneInString(t[e:]); kind < cnRole || strings.ContainsRune("子儿们家头", nr) {
			return 0
		}
	}
	return e
}

// cnNotNicknames are doubled characters that are words, not pet names.
var cnNotNicknames = setOf("快快 乖乖 天天 常常 刚刚 渐渐 慢慢 好好 偷偷 悄悄 默默 高高 大大 小小 早早 久久 满满 多多少 " +
	"明明 白白 轻轻 静静 紧紧 稍稍 仅仅 往往 处处 时时 样样 个个 人人 家家 事事 哈哈 呵呵 嘻嘻 嘿嘿 谢谢 试试 看看 想想 " +
	"等等 说说 走走 玩玩 尝尝 爸爸 妈妈 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 宝宝 叔叔 阿阿 姥姥 舅舅 婆婆 公公")

// cnObjectCues come right before a person in ordinary sentences: verbs and prepositions whose
// object is someone ("给王思远买的", "帮陈晓雯挑的", "跟赵磊一起"), 的 and 是 ("顺丰的黄伟明很负责",
// "签收人是孙丽").
var cnObjectCues = newKeySet("给", "帮", "跟", "让", "替", "陪", "是", "和", "与", "的", "问", "找", "叫", "儿子", "女儿")

// cnGivenEnd are characters that may follow a name found by findCNGivenName, besides
// cnNameBoundary's: verbs and adverbs that start what the person did.
const cnGivenEnd = "挑试一天很拿取选这那"

// findCNGivenName finds a full name (a frequent surname and one or two characters that are all
// characters of given names, gazetteer/given_han.txt) after an object cue, or opening a text and
// addressed ("何雨桐，谢谢你的推荐"); what follows must end a name. Not in reviews of books or films.
func findCNGivenName(sc *scan, _ []window) [][2]int {
	t := sc.text
	if sc.isBook() {
		return nil
	}
	gz := names()
	var out [][2]int
	try := func(p int, vocative bool) {
		r, size := utf8.DecodeRuneInString(t[p:])
		if size == 0 || !strings.ContainsRune(cnSafeSurnames, r) && !(vocative && strings.ContainsRune(cnRelationSurnames, r)) {
			return
		}
		q := p + size
		var ends []int
		for k := 0; k < 2 && q < len(t); k++ {
			g, gs := utf8.DecodeRuneInString(t[q:])
			if !gz.givenHan[g] || strings.ContainsRune(cnNameStop, g) {
				break
			}
			q += gs
			ends = append(ends, q)
		}
		for k := len(ends) - 1; k >= 0; k-- {
			e := ends[k]
			name := t[p:e]
			if cnNotNames[name] || cnBrands[name] || cnHonorifics[t[p+size:e]] {
				continue
			}
			nr, _ := utf8.DecodeRuneInString(t[e:])
			if vocative {
				if strings.HasPrefix(t[e:], "，") && (strings.HasPrefix(t[e+3:], "谢谢") || strings.HasPrefix(t[e+3:], "你") ||
					strings.HasPrefix(t[e+3:], "您") || strings.HasPrefix(t[e+3:], "辛苦")) {
					out = append(out, [2]int{p, e})
				}
				return
			}
			if cnNameBoundary(t, e) || strings.ContainsRune(cnGivenEnd, nr) {
				out = append(out, [2]int{p, e})
				return
			}
		}
	}
	for _, i := range cnObjectCues.starts(t) {
		for _, k := range cnObjectCues.byRune[firstRune(t[i:])] {
			if strings.HasPrefix(t[i:], k) {
				try(i+len(k), false)
			}
		}
	}
	try(0, true)
	return out
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
