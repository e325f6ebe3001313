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
