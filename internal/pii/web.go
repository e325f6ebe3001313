package pii

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// knownTLDs are the top-level domains a URL without a scheme or an obfuscated email may end in.
// File extensions that are also country codes and common in reviews (md, sh, py, rs) are left out.
var knownTLDs = setOf("com net org edu gov mil int info biz io co ai app dev me tv cc ly gl to xyz top site " +
	"online shop store tech cn uk de fr jp kr ru br in au ca us eu nl es it ch se no dk fi pl cz at hk tw sg my " +
	"id th vn ph nz ie pt gr tr il za mx ar cl be link club vip ltd wang")

// mailProviders are domains that, after a bare "at", make "name at gmail.com" an email and not
// "available at walmart.com".
var mailProviders = setOf("gmail googlemail yahoo hotmail outlook live msn aol icloud me mac protonmail proton " +
	"gmx web yandex mail qq 163 126 yeah sina sohu foxmail 139 aliyun tom 21cn")

// obfuscated email: "name [at] 163 [dot] com", "name(at)gmail.com", "john at gmail dot com",
// "name＠qq。com" (after normalization "name@qq。com"), "name @ 163.com", "name#163.com".
var (
	obfAt     = `(?:@|#|\[\s*(?:at|@)\s*\]|\(\s*(?:at|@)\s*\)|\{\s*(?:at|@)\s*\}|<\s*(?:at|@)\s*>|\bat\b|艾特)`
	obfDot    = `(?:\.|\[\s*(?:dot|\.)\s*\]|\(\s*(?:dot|\.)\s*\)|\{\s*(?:dot|\.)\s*\}|<\s*(?:dot|\.)\s*>|\bdot\b|点|。)`
	obfDomain = regexp.MustCompile(`(?i)^\s*[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\s*` + obfDot + `\s*[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+`)
	obfAtRe   = regexp.MustCompile(`(?i)` + obfAt)
	obfDotRe  = regexp.MustCompile(`(?i)` + obfDot)
)

// findObfEmail looks at every at-token: the local part is the run of email characters before it
// (after at most one space), the domain the labels and dot-tokens after it; checkObfEmail decides.
//
// The windows are small and anchored (an at-token with the bracket around it), so the token
// expression never runs over the text at large.
func findObfEmail(sc *scan, wins []window) [][2]int {
	t := sc.text
	var out [][2]int
	for _, w := range wins {
		w.start, w.end = max(0, w.start), min(len(t), w.end)
		for w.start > 0 && !utf8.RuneStart(t[w.start]) {
			w.start--
		}
		for w.end < len(t) && !utf8.RuneStart(t[w.end]) {
			w.end++
		}
		for _, at := range obfAtRe.FindAllStringIndex(t[w.start:w.end], -1) {
			a0, a1 := w.start+at[0], w.start+at[1]
			l := a0
			if l > 0 && t[l-1] == ' ' {
				l--
			}
			e := l
			for l > 0 && (isAlnum(t[l-1]) || strings.IndexByte("._%+-", t[l-1]) >= 0) && e-l < 64 {
				l--
			}
			if l == e {
				continue
			}
			// A local part with spelled dots: "nora dot knits at yahoo dot com".
			for k := 0; k < 3; k++ {
				head := strings.ToLower(t[max(0, l-8):l])
				cut := 0
				for _, sep := range []string{" dot ", " [dot] ", " (dot) ", "[dot]", "(dot)"} {
					if strings.HasSuffix(head, sep) {
						cut = len(sep)
						break
					}
				}
				if cut == 0 || l-cut == 0 || !isAlnum(t[l-cut-1]) {
					break
				}
				nl := l - cut
				for nl > 0 && (isAlnum(t[nl-1]) || strings.IndexByte("_%+-", t[nl-1]) >= 0) && l-nl < 64 {
					nl--
				}
				l = nl
			}
			d := obfDomain.FindStringIndex(t[a1:min(len(t), a1+120)])
			if d == nil {
				continue
			}
			if st, en, ok := checkObfEmail(t, l, a1+d[1]); ok {
				out = append(out, [2]int{st, en})
			}
		}
	}
	return out
}

// obfEmailWindows anchors at "@", "艾特" and the word "at" (alone or in brackets).
func obfEmailWindows(sc *scan) []window {
	var w []window
	lo := sc.lowered()
	for off := 0; ; {
		i := strings.Index(lo[off:], "at")
		if i < 0 {
			break
		}
		i += off
		off = i + 2
		if (i == 0 || !isAlnum(lo[i-1])) && (i+2 == len(lo) || !isAlnum(lo[i+2])) {
			w = append(w, window{i - 2, i + 4})
		}
	}
	for _, k := range []string{"@", "艾特", "#"} {
		for off := 0; ; {
			i := strings.Index(lo[off:], k)
			if i < 0 {
				break
			}
			i += off
			off = i + len(k)
			w = append(w, window{i - 2, i + len(k) + 2})
		}
	}
	return w
}

func checkObfEmail(t string, st, en int) (int, int, bool) {
	for st < en && t[st] == '.' {
		st++
	}
	m := t[st:en]
	at := obfAtRe.FindStringIndex(m)
	if at == nil {
		return 0, 0, false
	}
	rawAt := m[at[0]:at[1]]
	atTok := strings.ToLower(strings.TrimSpace(rawAt))
	spacedAt := at[0] > 0 && m[at[0]-1] == ' ' || at[1] < len(m) && m[at[1]] == ' '
	if atTok == "@" && spacedAt {
		atTok = "[@]" // "name @ 163.com": spaces around the '@' hide it from the plain detector
	}
	local := strings.TrimSpace(m[:at[0]])
	domain := m[at[1]:]
	// Labels between the dot tokens, with where each ends, and whether a dot is obfuscated.
	type label struct {
		text string
		end  int // in m
	}
	var labels []label
	var dotObf []bool
	prev := 0
	for _, d := range obfDotRe.FindAllStringIndex(domain, -1) {
		raw := domain[prev:d[0]]
		labels = append(labels, label{strings.ToLower(strings.TrimSpace(raw)), at[1] + prev + len(strings.TrimRight(raw, " \t"))})
		dotObf = append(dotObf, strings.TrimSpace(domain[d[0]:d[1]]) != ".")
		prev = d[1]
	}
	raw := domain[prev:]
	labels = append(labels, label{strings.ToLower(strings.TrimSpace(raw)), at[1] + prev + len(strings.TrimRight(raw, " \t"))})
	// The address ends at the last label that is a known TLD ("gmail dot com dot au" keeps all).
	last := len(labels) - 1
	for last >= 1 && !knownTLDs[labels[last].text] {
		last--
	}
	if last < 1 || local == "" || strings.Trim(local, "._%+-") == "" {
		return 0, 0, false
	}
	obfuscatedDot := false
	for i := 0; i < last; i++ {
		obfuscatedDot = obfuscatedDot || dotObf[i]
	}
	switch {
	case atTok == "@" && !obfuscatedDot:
		return 0, 0, false // a plain email: the EMAIL detector's job
	case atTok == "#" && !mailProviders[labels[0].text]:
		return 0, 0, false // "#" stands for "@" only before a mail provider ("name#163.com")
	case atTok == "at" && !obfuscatedDot && !mailProviders[labels[0].text]:
		return 0, 0, false // "available at walmart.com"
	case atTok == "at" && !mailProviders[labels[0].text] && !strings.ContainsAny(local, "0123456789._-") &&
		!givenNames[strings.ToLower(local)]:
		return 0, 0, false // "look at amazon dot com": a plain word before a bare "at" is not a user name
	}
	end := st + labels[last].end
	return st, end, bounded(t, st, end)
}

// schemeless URL: a domain with a known TLD followed by a path, "example.com/track?t=1".
var bareURL = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+([a-z]{2,10})(?::\d{2,5})?/[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]]*`)

// bareURLWindows anchors at every '/' that follows a letter (the end of a TLD) or a port.
func bareURLWindows(sc *scan) []window {
	var w []window
	t := sc.text
	for off := 0; ; {
		i := strings.IndexByte(t[off:], '/')
		if i < 0 {
			return w
		}
		i += off
		if i > 0 && isAlnum(t[i-1]) {
			tok := token(t, i, i+1, urlChars)
			w = append(w, tok)
			off = max(i+1, tok.end)
		} else {
			off = i + 1
		}
		if off >= len(t) {
			return w
		}
	}
}

func checkBareURL(t string, st, en int) (int, int, bool) {
	if st > 0 && (t[st-1] == '@' || t[st-1] == '.' || t[st-1] == '/' || t[st-1] == '-') {
		return 0, 0, false // part of an email, a longer name or a path
	}
	m := bareURL.FindStringSubmatchIndex(t[st:en])
	if m == nil {
		return 0, 0, false
	}
	known := knownTLDs[strings.ToLower(t[st+m[2]:st+m[3]])]
	st2, en2, ok := checkURL(t, st, en)
	if !ok {
		return 0, 0, false
	}
	// Need something after the slash ("amazon.com/" alone is a domain). An unknown top-level
	// domain needs a deeper path ("amzn.example/wl/OKP0CHYCRXZU"), which "node.js/react" lacks.
	i := strings.IndexByte(t[st2:en2], '/')
	if i < 0 || en2-st2-i-1 < 1 {
		return 0, 0, false
	}
	if !known {
		segs := 0
		for _, p := range strings.Split(t[st2+i+1:en2], "/") {
			if len(p) >= 2 {
				segs++
			}
		}
		if segs < 2 {
			return 0, 0, false
		}
	}
	return st2, en2, true
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

func checkURL(t string, st, en int) (int, int, bool) {
	// Leave trailing punctuation and an unbalanced closing bracket outside; counts are kept
	// incrementally so that a long tail of ")))" stays linear.
	opens := [2]int{strings.Count(t[st:en], "("), strings.Count(t[st:en], "[")}
	closes := [2]int{strings.Count(t[st:en], ")"), strings.Count(t[st:en], "]")}
trim:
	for en > st {
		c := t[en-1]
		switch {
		case strings.IndexByte(".,;:!?'\"*", c) >= 0:
		case c == ')' && closes[0] > opens[0]:
			closes[0]--
		case c == ']' && closes[1] > opens[1]:
			closes[1]--
		default:
			break trim
		}
		en--
	}
	u := strings.ToLower(t[st:en])
	rest := strings.TrimPrefix(u, "www.")
	if r, ok := strings.CutPrefix(u, "https:"); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(u, "http:"); ok {
		rest = r
	}
	rest = strings.TrimLeft(rest, "/")
	return st, en, len(rest) >= 3 && strings.ContainsAny(rest, "abcdefghijklmnopqrstuvwxyz0123456789")
}

// webDetectors find emails (plain and obfuscated) and URLs (with a scheme or "www.", and bare
// "domain.tld/path").
func webDetectors() []detector {
	return []detector{
		{typ: URL, prio: 1, win: nearStrings([]string{"slash", "/"}, 90, 60), re: spacedURL, check: checkSpacedURL},
		{typ: URL, prio: 1, win: urlTokens,
			re:    regexp.MustCompile(`(?i)(?:\bhttps?:/{0,2}|\bwww\.)[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]]+`),
			check: checkURL},
		{typ: Email, prio: 2, win: emailTokens,
			re: regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b`),
			check: func(t string, st, en int) (int, int, bool) {
				for st < en && t[st] == '.' {
					st++
				}
				return st, en, st < en && t[st] != '@'
			}},
		{typ: Email, prio: 2, win: obfEmailWindows, anchored: true, find: findObfEmail},
		{typ: URL, prio: 1, win: bareURLWindows, re: bareURL, check: checkBareURL},
	}
}

// spacedURL is a link written to get past a link filter: "myblog dot com slash jenny",
// "bit. ly/ 3xYzAbC", "tinyurl . com / y7k2mq". Group 1 is the top-level domain.
var spacedURL = regexp.MustCompile(`(?i)\b[a-z0-9][a-z0-9\-]*(?:\s*` + spacedDot + `\s*[a-z0-9][a-z0-9\-]*)*?\s*` + spacedDot + `\s*([a-z]{2,6})\s*(?:/|\bslash\b)\s*[a-z0-9_\-~%]+(?:(?:\s*(?:/|\bslash\b)\s*|[.?=&])[a-z0-9_\-~%]+)*`)

// spacedDot is a dot in a disguised link: ".", "dot", "[.]", "(.)", "[dot]", "(dot)".
const spacedDot = `(?:\.|\bdot\b|\[\.\]|\(\.\)|\[dot\]|\(dot\))`

// spacedTLDs are the top-level domains a spaced-out link may end in without the word "dot"
// ("bit. ly/ x"): the common ones and the shorteners', not "it" or "in", which prose is full of.
var spacedTLDs = setOf("com net org ly io co me cn uk gl gd to be tv")

// checkSpacedURL accepts a spacedURL match that is disguised (holds "dot" or "slash", or spaces
// around its dots and slashes; a plain one is bareURL's) with a known top-level domain.
func checkSpacedURL(t string, st, en int) (int, int, bool) {
	if st > 0 && (t[st-1] == '@' || t[st-1] == '.' || t[st-1] == '/' || t[st-1] == '-') {
		return 0, 0, false
	}
	m := spacedURL.FindStringSubmatchIndex(t[st:en])
	if m == nil {
		return 0, 0, false
	}
	u := strings.ToLower(t[st:en])
	tld := u[m[2]:m[3]]
	words := strings.Contains(u, "dot") || strings.Contains(u, "slash")
	spaced := strings.ContainsAny(u, " \t[(")
	if !spaced || !knownTLDs[tld] || !words && !spacedTLDs[tld] {
		return 0, 0, false
	}
	// The label before the top-level domain is not a common word ("great. com/..." is not a site).
	head := strings.Fields(strings.NewReplacer(".", " ", " dot ", " ").Replace(u[:m[2]]))
	if len(head) == 0 || stopWords[head[len(head)-1]] && !shorteners[head[len(head)-1]+"."+tld] {
		return 0, 0, false
	}
	return st, trimRightAny(t, st, en, ".-"), true
}

// shorteners are link shorteners whose name is also a common word ("bit. ly/...").
var shorteners = setOf("bit.ly ow.ly is.gd t.co t.cn goo.gl amzn.to youtu.be")
