package pii

// personDetectors find names of people: after an introducing phrase (English, person_en.go;
// Chinese, person_zh.go), in a sign-off, without a phrase by the words around them (names_en.go,
// and the Chinese relation, title, 和 and clause-subject finders), and social-media handles
// (handles.go).
func personDetectors() []detector {
	return []detector{
		{typ: Person, prio: 11, win: atKeywords(personKeys, 60), anchored: true, find: findPersonEN},
		{typ: Person, prio: 11, win: cnIntroWindows, anchored: true, find: findPersonZH},
		{typ: Person, prio: 11, find: findSignOff},
		{typ: Person, prio: 11, find: findNamesEN},
		{typ: Person, prio: 11, win: cnHonorificWindows, anchored: true, find: findCNHonorific},
		{typ: Person, prio: 11, win: cnAndWindows, anchored: true, find: findCNAnd},
		{typ: Person, prio: 11, find: findCNSubject},
		{typ: Person, prio: 11, find: findCNGivenName},
		{typ: Person, prio: 11, win: handleWindows, anchored: true, find: findHandles},
		{typ: Person, prio: 11, win: withLetters(atKeywords(wechatKeys, 48)), anchored: true, re: wechatID, group: 1, check: checkWechatID},
	}
}
