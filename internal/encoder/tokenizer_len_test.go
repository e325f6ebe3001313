package encoder

import "testing"

// TestTokenizeNeverExceedsMaxLen: a word split into several pieces near the limit must not push
// the sequence past maxLen (it once did, and the model then read past its position table).
func TestTokenizeNeverExceedsMaxLen(t *testing.T) {
	m, err := Load("testdata/tiny-bert", Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := "received gift card right away. came right away.<br />great restaurant.<br />good value.<br />good gift card for twenty five dollars especially for younger crowd. they love it."
	for L := 2; L <= 64; L++ {
		if n := len(m.Tokenizer().Tokenize(text, L)); n > L {
			t.Fatalf("maxLen %d: %d tokens", L, n)
		}
	}
}
