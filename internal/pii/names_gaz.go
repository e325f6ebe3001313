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

//go:embed gazetteer/given.txt gazetteer/surname.txt gazetteer/words.txt
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
}

// names returns the gazetteer, read from the embedded files on first use.
var names = sync.OnceValue(func() *gazetteer {
	g := &gazetteer{given: readGaz("gazetteer/given.txt"), surname: readGaz("gazetteer/surname.txt"), words: map[string]bool{}}
	for w := range readGaz("gazetteer/words.txt") {
		g.words[w] = true
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
