package embedtable

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/redistest"
)

// counting is a deterministic fake model that counts the texts it encodes.
type counting struct {
	id string
	mu sync.Mutex
	n  int
}

func (c *counting) Encode(_ context.Context, texts []string) ([][]float32, error) {
	c.mu.Lock()
	c.n += len(texts)
	c.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 8)
		for j, r := range t {
			v[j%8] += float32(r%17) / 17
		}
		out[i] = v
	}
	return out, nil
}
func (c *counting) Dim() int        { return 8 }
func (c *counting) ModelID() string { return c.id }
func (c *counting) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestSecondWorkerStartDoesNotReencode: a worker start (a fresh model, a fresh in-process
// cache, the table in front) encodes the short texts once; a second start with its own empty
// in-process cache finds them all in Redis and calls the model only for the long text, with the
// same vectors; another model id never sees the first model's vectors.
func TestSecondWorkerStartDoesNotReencode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb := redistest.Start(t).Client()
	long := strings.Repeat("a long review body ", 20)
	texts := []string{"electronics.smartphone. samsung", "computers.notebook. lenovo", "electronics.smartphone.  samsung ", long}
	start := func(modelID string) (*counting, [][]float32, *Table) {
		m := &counting{id: modelID}
		tab := New(rdb, m, Options{Prefix: "et"})
		vecs, err := encoder.NewCache(tab, 0).Encode(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		return m, vecs, tab
	}
	m1, v1, t1 := start("model-a")
	if got := m1.calls(); got != 3 { // two distinct short texts and the long one
		t.Fatalf("first start: %d texts encoded, want 3", got)
	}
	if st := t1.Stats(); st.Written != 2 || st.Long != 1 {
		t.Fatalf("first start: %+v", st)
	}
	m2, v2, t2 := start("model-a")
	if got := m2.calls(); got != 1 {
		t.Fatalf("second start: %d texts encoded, want 1 (only the long text)", got)
	}
	if st := t2.Stats(); st.Hits != 2 {
		t.Fatalf("second start: %+v, want 2 hits", st)
	}
	for i := range texts {
		for j := range v1[i] {
			if v1[i][j] != v2[i][j] {
				t.Fatalf("text %d: vector %v after the restart, %v before", i, v2[i], v1[i])
			}
		}
	}
	if m3, _, _ := start("model-b"); m3.calls() != 3 {
		t.Fatalf("another model: %d texts encoded, want 3 (its own table)", m3.calls())
	}
}

// TestBounded: no entry is written once the table holds MaxEntries.
func TestBounded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb := redistest.Start(t).Client()
	m := &counting{id: "m"}
	tab := New(rdb, m, Options{Prefix: "et", MaxEntries: 2})
	if _, err := tab.Encode(ctx, []string{"one", "two"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Encode(ctx, []string{"three"}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.HLen(ctx, tab.key).Val(); n != 2 {
		t.Fatalf("table holds %d entries, bound 2", n)
	}
}
