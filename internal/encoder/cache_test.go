package encoder

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// countingEncoder returns a deterministic vector per text and records every batch it gets.
type countingEncoder struct {
	mu      sync.Mutex
	batches [][]string
	fail    error
}

func (e *countingEncoder) Encode(_ context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail != nil {
		return nil, e.fail
	}
	e.batches = append(e.batches, append([]string(nil), texts...))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t)), float32(cacheKey(t) % 1000), 0, 1}
	}
	return out, nil
}
func (e *countingEncoder) Dim() int        { return 4 }
func (e *countingEncoder) ModelID() string { return "fake@00000000" }

func TestNormalizeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  a \t\n b  ", "a b"},
		{"Cafe\u0301", "Café"},
		{"\u3000x\u00a0y", "x y"},
		{"x", "x"},
	}
	for _, tc := range tests {
		if got := NormalizeText(tc.in); got != tc.want {
			t.Errorf("NormalizeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	inner := &countingEncoder{}
	c := NewCache(inner, 3*(16+cacheEntryOverhead)) // room for 3 entries of dim 4
	if c.Dim() != 4 || c.ModelID() != "fake@00000000" {
		t.Fatal("Dim/ModelID not delegated")
	}
	v, err := c.Encode(ctx, []string{"a b", " a  b ", "c", "a b", "Cafe\u0301", "Café"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inner.batches) != 1 || len(inner.batches[0]) != 3 {
		t.Fatalf("inner batches %q, want one batch of 3 distinct texts", inner.batches)
	}
	if maxAbsDiff(v[0], v[1]) != 0 || maxAbsDiff(v[0], v[3]) != 0 || maxAbsDiff(v[4], v[5]) != 0 {
		t.Error("equal normalized texts got different vectors")
	}
	if s := c.Stats(); s.Hits != 3 || s.Misses != 3 || s.Entries != 3 || s.Bytes != 3*(16+cacheEntryOverhead) {
		t.Errorf("stats %+v", s)
	}
	v[0][0] = 99 // callers own their copies
	again, _ := c.Encode(ctx, []string{"a b"})
	if again[0][0] == 99 {
		t.Error("cache returned a shared slice")
	}
	if len(inner.batches) != 1 {
		t.Error("hit went to the inner encoder")
	}
	// "c" is now least recently used ("a b" was just read, "Café" inserted after "c"):
	// inserting a fourth text evicts it.
	c.Encode(ctx, []string{"Café", "d"})
	if s := c.Stats(); s.Entries != 3 {
		t.Errorf("entries %d after eviction, want 3", s.Entries)
	}
	n := len(inner.batches)
	c.Encode(ctx, []string{"a b", "Café", "d"})
	if len(inner.batches) != n {
		t.Error("recently used entries were evicted")
	}
	c.Encode(ctx, []string{"c"})
	if len(inner.batches) != n+1 {
		t.Error("least recently used entry was not evicted")
	}
	c.Forget("  d ")
	before := len(inner.batches)
	c.Encode(ctx, []string{"d"})
	if len(inner.batches) != before+1 {
		t.Error("Forget did not drop the entry")
	}
	inner.fail = errors.New("boom")
	if _, err := c.Encode(ctx, []string{"new"}); err == nil {
		t.Error("inner error not returned")
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache(&countingEncoder{}, 0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if _, err := c.Encode(context.Background(), []string{"xx", "yy", string(rune('a' + i%26))}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if s := c.Stats(); s.Hits+s.Misses != 8*200*3 || s.Entries != 28 {
		t.Errorf("stats %+v", s)
	}
}

func TestCacheOverModel(t *testing.T) {
	m, err := Load(fixtureDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(m, 1<<20)
	texts := []string{"good phone", "这个手机质量很好", ""}
	want, _ := m.Encode(context.Background(), texts)
	got, err := c.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if maxAbsDiff(got[i], want[i]) > 1e-6 {
			t.Errorf("%q: cached vector differs", texts[i])
		}
	}
}
