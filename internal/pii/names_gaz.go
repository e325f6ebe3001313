package pii

import (
	"embed"
	"strings"
	"sync"
)

// The name gazetteer (issue 26, step 2): lists of given names and family names, so that a name
// with no cue word around it can still be read as one ("Yolanda Pierce set it up", "Geoffrey
// Pemberton next door"), and a list of everyday words, so that a capitalized word that reviewers
// also write in lower case ("Retro", "Secret", "Beach") is not taken for part of a name.
//
// gazetteer/given.txt and gazetteer/surname.txt come from the US Census Bureau's 1990 name files
// (public domain, as shipped in the PyPI package names 0.3.0, MIT) and the person lists of
// Faker 40.54.0 (MIT) for some 50 locales; gazetteer/words.txt from the English reviews of the
// shared data sets (words written in lower case at least 4 times) and place names.
// gazetteer/gen_gazetteer.py makes all three; gazetteer/SOURCE.md credits them.
//
// A name that is also an everyday word ("grace", "king", "brown") is marked '~' in its list: it
// counts only where the rules ask for less doubt (see findNamesEN).

//go:embed gazetteer/given.txt gazetteer/surname.txt gazetteer/words.txt gazetteer/given_han.txt
var gazetteerFiles embed.FS

// gazName is what a list says about a lower-case word.
type gazName uint8

const (
	gazNone    gazName = iota
	gazWordToo         // a name that is also an everyday word or a place
	gazSure            // a name and nothing else
)

// gazetteer holds the three lists; it is read once and never changed.
type gazetteer struct {
	given, surname map[string]gazName
	words          map[string]bool
	givenHan       map[rune]bool // characters of Chinese given names
}

// names returns the gazetteer, read from the embedded files on first use.
var names = sync.OnceValue(func() *gazetteer {
	g := &gazetteer{given: readGaz("gazetteer/given.txt"), surname: readGaz("gazetteer/surname.txt"), words: map[string]bool{}}
	for w := range readGaz("gazetteer/words.txt") {
		g.words[w] = true
	}
	g.givenHan = map[rune]bool{}
	for w := range readGaz("gazetteer/given_han.txt") {
		for _, r := range w + modernGivenHan {
			g.givenHan[r] = true
		}
	}
	return g
})

func readGaz(name string) map[string]gazName {
	b, err := gazetteerFiles.ReadFile(name)
	if err != nil {
		panic("pii: embedded " + name + ": " + err.Error()) // embedded at build time: cannot happen
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	m := make(map[string]gazName, len(lines))
	for _, l := range lines {
		if w, ok := strings.CutPrefix(l, "~"); ok {
			m[w] = gazWordToo
		} else if l != "" {
			m[l] = gazSure
		}
	}
	return m
}

// everyday reports whether the lower-case word l is an everyday word or a place, and no name.
func (g *gazetteer) everyday(l string) bool {
	return g.words[l] && g.given[l] == gazNone && g.surname[l] == gazNone
}

// modernGivenHan are characters of Chinese given names common since the 1990s that faker's
// lists (older names) lack; written by hand from the lists of most frequent given names.
const modernGivenHan = "涵怡萱桐远晓雯然轩诺诗梓紫曦若可佳熙博嘉璇琪瑶婧琦毅凯勋昊皓煜铭泽瀚奕晗萌悦蕾薇娇颖倩婕妮珺柔芮岚伊依" +
	"宝贝乐航宸睿锦程逸晨希沐辰馨妍雅琳婉蓓露丹彤菲静雪娟丽敏杰伟强磊军洋勇艳涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉浩宇子欣思" +
	"建国志德海波东林斌峰亮成龙飞宁阳新文立春秋冬梅兰竹菊莲凤琴芳娜婷佩"
