package encoder

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Special tokens every BERT vocabulary carries.
const (
	tokCLS = "[CLS]"
	tokSEP = "[SEP]"
	tokPAD = "[PAD]"
	tokUNK = "[UNK]"
)

// DefaultMaxCharsPerWord is BERT's bound on the length of one word: a longer word becomes [UNK].
const DefaultMaxCharsPerWord = 100

// ErrVocab reports an unusable vocabulary (missing special tokens, duplicate entries, bad JSON).
var ErrVocab = errors.New("encoder: bad vocabulary")

// Tokenizer is BERT's basic tokenizer followed by WordPiece. It is immutable after creation and
// safe for concurrent use.
type Tokenizer struct {
	vocab           map[string]int32
	tokens          []string
	lower           bool
	stripAccents    bool
	maxCharsPerWord int
	perRuneLower    bool
	prefix          string
	cls, sep        int32
	pad, unk        int32
}

// TokenizerOptions configures NewTokenizer.
type TokenizerOptions struct {
	// Lowercase folds text to lower case before WordPiece (uncased models). Default false.
	Lowercase bool
	// StripAccents removes combining marks after NFD decomposition. Nil means "same as
	// Lowercase", which is BERT's convention.
	StripAccents *bool
	// PerRuneLowercase lowercases each character on its own, as the Hugging Face tokenizers
	// library (the "fast" tokenizers that sentence-transformers and tokenizer.json use) does:
	// a capital sigma always becomes σ. False follows Python's str.lower, as BERT's original
	// tokenizer and transformers' BertTokenizer do: a word-final capital sigma becomes ς.
	// Both map İ to i followed by U+0307 (removed again when accents are stripped).
	PerRuneLowercase bool
}

// NewTokenizer builds a tokenizer over vocab, where vocab[i] is the token with id i.
func NewTokenizer(vocab []string, opts TokenizerOptions) (*Tokenizer, error) {
	t := &Tokenizer{
		vocab:           make(map[string]int32, len(vocab)),
		tokens:          vocab,
		lower:           opts.Lowercase,
		stripAccents:    opts.Lowercase,
		maxCharsPerWord: DefaultMaxCharsPerWord,
		perRuneLower:    opts.PerRuneLowercase,
		prefix:          "##",
	}
	if opts.StripAccents != nil {
		t.stripAccents = *opts.StripAccents
	}
	for i, tok := range vocab {
		if _, dup := t.vocab[tok]; dup {
			// BERT's loader keeps the last id; keep the first, which is what the
			// Hugging Face tokenizers library does. Both are rare in real vocabularies.
			continue
		}
		t.vocab[tok] = int32(i)
	}
	for _, s := range []struct {
		name string
		dst  *int32
	}{{tokCLS, &t.cls}, {tokSEP, &t.sep}, {tokPAD, &t.pad}, {tokUNK, &t.unk}} {
		id, ok := t.vocab[s.name]
		if !ok {
			return nil, fmt.Errorf("%w: special token %s missing", ErrVocab, s.name)
		}
		*s.dst = id
	}
	return t, nil
}

// ReadVocabTxt reads a vocab.txt: one token per line, the line number is the id.
func ReadVocabTxt(r io.Reader) ([]string, error) {
	var vocab []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		vocab = append(vocab, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVocab, err)
	}
	// A trailing newline gives no empty token, but a final empty line would.
	for len(vocab) > 0 && vocab[len(vocab)-1] == "" {
		vocab = vocab[:len(vocab)-1]
	}
	return vocab, nil
}

// tokenizerJSON is the part of a Hugging Face tokenizer.json this package understands.
type tokenizerJSON struct {
	Normalizer *hfNormalizer `json:"normalizer"`
	Model      struct {
		Type                    string           `json:"type"`
		Vocab                   map[string]int32 `json:"vocab"`
		UnkToken                string           `json:"unk_token"`
		ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    int              `json:"max_input_chars_per_word"`
	} `json:"model"`
}

type hfNormalizer struct {
	Type         string          `json:"type"`
	Lowercase    *bool           `json:"lowercase"`
	StripAccents *bool           `json:"strip_accents"`
	Normalizers  []*hfNormalizer `json:"normalizers"`
}

// ParseTokenizerJSON reads a Hugging Face tokenizer.json with a WordPiece model and returns the
// vocabulary and the normalization flags it declares (BertNormalizer, or a Sequence containing
// Lowercase / StripAccents), with PerRuneLowercase set as the tokenizers library lowercases.
func ParseTokenizerJSON(data []byte) ([]string, TokenizerOptions, error) {
	var tj tokenizerJSON
	var opts TokenizerOptions
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, opts, fmt.Errorf("%w: tokenizer.json: %w", ErrVocab, err)
	}
	if tj.Model.Type != "WordPiece" {
		return nil, opts, fmt.Errorf("%w: tokenizer.json: model type %q, want WordPiece", ErrVocab, tj.Model.Type)
	}
	if len(tj.Model.Vocab) == 0 {
		return nil, opts, fmt.Errorf("%w: tokenizer.json: empty vocab", ErrVocab)
	}
	vocab := make([]string, len(tj.Model.Vocab))
	for tok, id := range tj.Model.Vocab {
		if id < 0 || int(id) >= len(vocab) || vocab[id] != "" {
			return nil, opts, fmt.Errorf("%w: tokenizer.json: id %d of %q out of range or duplicate", ErrVocab, id, tok)
		}
		vocab[id] = tok
	}
	var walk func(n *hfNormalizer)
	walk = func(n *hfNormalizer) {
		if n == nil {
			return
		}
		switch n.Type {
		case "BertNormalizer":
			if n.Lowercase != nil {
				opts.Lowercase = *n.Lowercase
			} else {
				opts.Lowercase = true // the tokenizers library's default
			}
			opts.StripAccents = n.StripAccents
		case "Lowercase":
			opts.Lowercase = true
		case "StripAccents":
			t := true
			opts.StripAccents = &t
		case "Sequence":
			for _, c := range n.Normalizers {
				walk(c)
			}
		}
	}
	walk(tj.Normalizer)
	opts.PerRuneLowercase = true // a tokenizer.json is run by the tokenizers library
	if opts.Lowercase && opts.StripAccents == nil && tj.Normalizer != nil && tj.Normalizer.Type == "Sequence" {
		f := false
		opts.StripAccents = &f
	}
	return vocab, opts, nil
}

// VocabSize is the number of tokens in the vocabulary.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the string of token id, or "" when out of range.
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// Tokenize returns the token ids of text framed by [CLS] and [SEP], at most maxLen ids in total
// (maxLen < 2 is treated as 2). It never fails: anything unknown becomes [UNK].
//
// The result is the reference tokenization of the whole text cut to maxLen ids. The text is read
// only until the ids are full, so the cost is linear in the bytes before that point: whitespace,
// control characters and dropped bytes cost a scan but never end the reading early, and a word
// is always tokenized whole (a long word is split only where the reference splits it).
func (t *Tokenizer) Tokenize(text string, maxLen int) []int32 {
	if maxLen < 2 {
		maxLen = 2
	}
	limit := maxLen - 2 // room for word pieces
	ids := make([]int32, 1, min(maxLen, 64))
	ids[0] = t.cls
	var word []byte // the current whitespace-delimited word, cleaned
	full := func() bool { return len(ids)-1 >= limit }
	flush := func() {
		if len(word) > 0 && !full() {
			ids = t.appendWord(ids, string(word), limit+1)
		}
		word = word[:0]
	}
	for i := 0; i < len(text) && !full(); {
		c := text[i]
		if c < utf8.RuneSelf { // ASCII fast path
			i++
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				flush()
			case c < 0x20 || c == 0x7f:
				// control characters are dropped
			default:
				word = append(word, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == utf8.RuneError || isControl(r):
			// dropped (invalid UTF-8 decodes to RuneError)
		case isWhitespace(r):
			flush()
		case isCJK(r):
			flush()
			word = utf8.AppendRune(word, r)
			flush()
		default:
			word = utf8.AppendRune(word, r)
		}
	}
	flush()
	return append(ids, t.sep)
}

// appendWord normalizes one whitespace-delimited word, splits it at punctuation and appends
// the WordPiece ids of every piece, stopping at len(ids) == max.
func (t *Tokenizer) appendWord(ids []int32, s string, max int) []int32 {
	if t.lower {
		s = t.toLower(s)
	}
	if t.stripAccents {
		s = stripAccents(s)
	}
	// Punctuation splits a word into runs of non-punctuation and single punctuation chars.
	// Lowercasing may produce whitespace-free but possibly new characters; BERT splits again
	// on whitespace after this step, which we mirror.
	start := -1
	for i, r := range s {
		if len(ids) >= max {
			start = -1
			break // a word's pieces may have overshot max: truncated below
		}
		switch {
		case isPunct(r):
			if start >= 0 {
				ids = t.wordPiece(ids, s[start:i])
				start = -1
			}
			if len(ids) < max {
				ids = t.wordPiece(ids, string(r))
			}
		case isWhitespace(r):
			if start >= 0 {
				ids = t.wordPiece(ids, s[start:i])
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 && len(ids) < max {
		ids = t.wordPiece(ids, s[start:])
	}
	if len(ids) > max {
		ids = ids[:max]
	}
	return ids
}

// wordPiece appends the greedy longest-match-first pieces of one word, or [UNK] when the word
// is longer than maxCharsPerWord or some part of it matches nothing.
func (t *Tokenizer) wordPiece(ids []int32, w string) []int32 {
	if utf8.RuneCountInString(w) > t.maxCharsPerWord {
		return append(ids, t.unk)
	}
	n0 := len(ids)
	var buf strings.Builder
	for start := 0; start < len(w); {
		end := len(w)
		found := int32(-1)
		for end > start {
			sub := w[start:end]
			if start > 0 {
				buf.Reset()
				buf.WriteString(t.prefix)
				buf.WriteString(sub)
				sub = buf.String()
			}
			if id, ok := t.vocab[sub]; ok {
				found = id
				break
			}
			_, size := utf8.DecodeLastRuneInString(w[start:end])
			end -= size
		}
		if found < 0 {
			return append(ids[:n0], t.unk)
		}
		ids = append(ids, found)
		start = end
	}
	return ids
}

// Batch is a padded batch of token ids: IDs[i] has length Len, Mask[i][j] is 1 for real tokens
// and 0 for padding, Lengths[i] counts the real tokens of sequence i.
type Batch struct {
	IDs     [][]int32
	Mask    [][]int32
	Lengths []int
	Len     int
}

// TokenizeBatch tokenizes texts and pads them to the longest sequence.
func (t *Tokenizer) TokenizeBatch(texts []string, maxLen int) Batch {
	b := Batch{IDs: make([][]int32, len(texts)), Mask: make([][]int32, len(texts)), Lengths: make([]int, len(texts))}
	for i, s := range texts {
		b.IDs[i] = t.Tokenize(s, maxLen)
		b.Lengths[i] = len(b.IDs[i])
		b.Len = max(b.Len, len(b.IDs[i]))
	}
	for i := range b.IDs {
		n := len(b.IDs[i])
		m := make([]int32, b.Len)
		for j := 0; j < n; j++ {
			m[j] = 1
		}
		for len(b.IDs[i]) < b.Len {
			b.IDs[i] = append(b.IDs[i], t.pad)
		}
		b.Mask[i] = m
	}
	return b
}

// toLower lowercases one whitespace-delimited word the way the reference tokenizer does (see
// TokenizerOptions.PerRuneLowercase). Go's strings.ToLower differs from both references on
// capital I with dot above (Go gives a plain i) and, for Python, on the final sigma.
func (t *Tokenizer) toLower(s string) string {
	special := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// Σ is CE A3, İ is C4 B0: only words holding one need the slow path.
			if (c == 0xCE && i+1 < len(s) && s[i+1] == 0xA3) || (c == 0xC4 && i+1 < len(s) && s[i+1] == 0xB0) {
				special = true
				break
			}
		}
	}
	if !special {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range rs {
		switch {
		case r == '\u0130': // İ: full case mapping, as Python and Rust both do
			b.WriteString("i\u0307")
		case r == '\u03A3' && !t.perRuneLower && finalSigma(rs, i):
			b.WriteRune('\u03C2')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition as CPython's str.lower applies it: the capital
// sigma at rs[i] follows a cased letter and is not followed by one, skipping case-ignorable
// characters on both sides.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && isCaseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !isCased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && isCaseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !isCased(rs[j])
}

// isCased is Unicode's Cased property: Lu, Ll, Lt, Other_Lowercase or Other_Uppercase.
func isCased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk, and the Word_Break
// classes MidLetter, MidNumLet and Single_Quote.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '\u00B7', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019', '\u2024', '\u2027',
		'\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

func stripAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isWhitespace follows BERT: space, tab, newline, carriage return and Unicode Zs, plus the other
// characters Python's str.split treats as separators (line and paragraph separators, which
// BERT's cleaning keeps and its whitespace split then splits on).
func isWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r':
		return true
	}
	if r < utf8.RuneSelf {
		return false
	}
	return unicode.Is(unicode.Zs, r) || r == '\u2028' || r == '\u2029'
}

// isControl follows BERT: every "C*" category (control, format such as zero-width and
// bidi marks, private use, surrogate, unassigned) except tab, newline and carriage return.
func isControl(r rune) bool {
	switch r {
	case '\t', '\n', '\r':
		return false
	}
	if r < 0x20 || r == 0x7f {
		return true
	}
	if r < utf8.RuneSelf {
		return false
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) {
		return true
	}
	// unassigned (Cn): in no category at all
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// isPunct follows BERT: all non-letter/number ASCII symbols plus Unicode P*.
func isPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsPunct(r)
}

// isCJK reports the CJK Unified Ideographs blocks BERT splits one character per token.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}
