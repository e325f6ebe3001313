package pii

import "testing"

// TestDigitView checks the rewrite of disguised numbers and the map back to the original: every
// view byte maps inside the original, monotonically, and the spelled phone's span covers exactly
// the words that spell it.
func TestDigitView(t *testing.T) {
	tests := []struct{ in, view string }{
		{"call five five five, two one two, four four nine one now", "call 5552124491 now"},
		{"four one five 555 zero one nine two", "415 555 0192"},
		{"手机号幺三九 八八七六 五四三二", "手机号13988765432"},
		{"壹叁捌零零壹贰叁肆伍陆", "13800123456"},
		{"ring O2O 7946 O958 any time", "ring 020 7946 0958 any time"},
		{"call (4l5) 555-0l98", "call (415) 555-0198"},
		{"ssn 5 2 3 - 4 1 - 7 7 8 2", "ssn 523-41-7782"},
		{"at 192[.]168[.]1[.]64 now", "at 192.168.1.64 now"},
		{"+33 6 43 07 42 24 three times", ""},         // a word after a group is a word
		{"one two three apples", ""},                  // too few digits
		{"price 1,299.99 and 2024-03-15", ""},         // nothing disguised
		{"rated 4 point 5, batteries 3 - 4 days", ""}, // too few digits
	}
	for _, tc := range tests {
		v, _, ok := digitView(tc.in)
		if tc.view == "" {
			if ok {
				t.Errorf("digitView(%q) rewrote to %q, want no change", tc.in, v.text)
			}
			continue
		}
		if !ok || v.text != tc.view {
			t.Errorf("digitView(%q) = %q, %v; want %q", tc.in, v.text, ok, tc.view)
			continue
		}
		for i := 1; i < len(v.src); i++ {
			if v.src[i] < v.src[i-1] || int(v.src[i]) > len(tc.in) {
				t.Fatalf("digitView(%q): map not monotone at %d", tc.in, i)
			}
		}
	}
	in := "call five five five, two one two, four four nine one now"
	v, runs, _ := digitView(in)
	if len(runs) != 1 {
		t.Fatalf("runs %v, want one spelled phone", runs)
	}
	st, en := v.span(runs[0][0], runs[0][1])
	if got := in[st:en]; got != "five five five, two one two, four four nine one" {
		t.Errorf("spelled phone maps back to %q", got)
	}
}
