package pii

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// findHandles finds social-media handles, "@lily.bakes_22" and Weibo's "@吃货小王": an '@' that
// does not continue a word (an email's), then letters, digits, '_', '.', '-'. A Chinese handle
// runs on into the sentence, so it ends before a function word or verb ("@吃货小王有开箱视频").
func findHandles(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		at := w.start
		if at > 0 && (isAlnum(t[at-1]) || strings.IndexByte("._%+-", t[at-1]) >= 0) {
			continue
		}
		p := at + 1
		han := 0
		for p < len(t) {
			r, size := utf8.DecodeRuneInString(t[p:])
			if r < utf8.RuneSelf {
				if !isAlnum(byte(r)) && r != '_' && r != '.' && r != '-' {
					break
				}
			} else if r >= 0x4E00 && r <= 0x9FFF {
				if han >= 2 && strings.ContainsRune(cnNameStop+"有发晒拍", r) {
					break
				}
				han++
			} else if !unicode.IsLetter(r) {
				break
			}
			p += size
			if p-at > 40 {
				break
			}
		}
		p = trimRightAny(t, at+1, p, ".-")
		if n := utf8.RuneCountInString(t[at+1 : p]); n < 2 || han == 0 && n < 3 {
			continue
		}
		// Not an email ("@gmail.com" after an obfuscated local part) and not a decorator or a
		// version ("@2x", "@media").
		h := strings.ToLower(t[at+1 : p])
		if strings.Contains(h, ".") && knownTLDs[h[strings.LastIndexByte(h, '.')+1:]] || isDigit(h[0]) || handleWords[h] {
			continue
		}
		// A Latin handle needs a social cue near it ("follow me on instagram @x", "my IG: @x"):
		// "@seller_support was helpful" is a shop's account, "@Android 13" a platform.
		if han == 0 && !handleCue(sc.lowered(), at, p) {
			continue
		}
		out = append(out, [2]int{at, p})
	}
	return out
}

// handleCues are words near a handle that make it a person's account.
var handleCues = []string{"instagram", "insta", "ig", "twitter", "tiktok", "snapchat", "snap", "weibo", "facebook",
	"youtube", "threads", "follow", "handle", "dm", "my", "微博", "抖音", "小红书", "关注"}

// handleCue reports whether a handle cue stands as a word within 40 bytes before t[at:en] or 24 after.
func handleCue(lo string, at, en int) bool {
	win := lo[max(0, at-40):at] + " " + lo[en:min(len(lo), en+24)]
	for _, c := range handleCues {
		for off := 0; ; {
			i := strings.Index(win[off:], c)
			if i < 0 {
				break
			}
			i += off
			off = i + len(c)
			if c[0] >= utf8.RuneSelf || (i == 0 || !isAlnum(win[i-1])) && (off == len(win) || !isAlnum(win[off])) {
				return true
			}
		}
	}
	return false
}

// handleWords follow '@' in text without naming anyone.
var handleWords = setOf("all everyone here channel home work media import param return override")

func handleWindows(sc *scan) []window {
	var w []window
	for off := 0; ; {
		i := strings.IndexByte(sc.text[off:], '@')
		if i < 0 {
			return w
		}
		i += off
		off = i + 1
		w = append(w, window{i, i + 1})
	}
}

// wechatID is a WeChat (or LINE, Telegram, QQ mail-less) account written after its keyword: 6 to
// 20 letters, digits, '_' or '-', starting with a letter ("加我微信xiaolu_1988", "wechat: mike_88").
var wechatID = regexp.MustCompile(`(?i)^(?:微信号?|v信|vx|wechat(?:\s+id)?|weixin|wx|line\s+id|telegram)\s*(?:[:：]|是|is\b)?\s*([a-z][a-z0-9_-]{5,19})\b`)

var wechatKeys = []string{"微信", "v信", "vx", "wechat", "weixin", "wx", "line id", "telegram"}

// checkWechatID wants a digit or '_' in the id, or the Chinese keyword: "wechat support" is no id.
func checkWechatID(t string, st, en int) (int, int, bool) {
	id := t[st:en]
	if handleWords[strings.ToLower(id)] || !strings.ContainsAny(id, "0123456789_-") && !strings.Contains(t[max(0, st-12):st], "微信") {
		return 0, 0, false
	}
	return st, en, true
}
