package schema_test

import (
	"math"
	"sort"
	"testing"

	"github.com/profilestream/profilestream/schema"
)

func TestIsOpaqueID(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"2520377", true}, {"", true}, {"a3f9c2", true}, {"  12-34 ", true},
		{"Beauty", false}, {"electronics.smartphone", false}, {"B00ABC123", false},
		{"手机", false}, {"x", true},
	} {
		if got := schema.IsOpaqueID(tc.s); got != tc.want {
			t.Errorf("IsOpaqueID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"The battery is GREAT, great battery!", []string{"battery", "great"}},
		{"Mail me at [EMAIL] now 2024", []string{"mail"}},
		{"手机很好", []string{"好", "手机", "很好", "机很"}[1:]},
		{"iPhone 15 手机", []string{"iphone", "手机"}},
		{"", nil},
	} {
		got := schema.Terms(tc.text)
		var keys []string
		var norm float64
		for k, w := range got {
			keys = append(keys, k)
			norm += w * w
		}
		sort.Strings(keys)
		want := append([]string(nil), tc.want...)
		sort.Strings(want)
		if len(keys) != len(want) {
			t.Errorf("Terms(%q) = %v, want %v", tc.text, keys, want)
			continue
		}
		for i := range keys {
			if keys[i] != want[i] {
				t.Errorf("Terms(%q) = %v, want %v", tc.text, keys, want)
				break
			}
		}
		if len(keys) > 0 && math.Abs(norm-1) > 1e-9 {
			t.Errorf("Terms(%q): squared norm %v, want 1", tc.text, norm)
		}
	}
	if w := schema.Terms("great great battery"); w["great"] <= w["battery"] {
		t.Errorf("a repeated word weighs no more: %v", w)
	}
}

func TestAddBehavior(t *testing.T) {
	a := make([]float32, schema.BehaviorDim)
	b := make([]float32, schema.BehaviorDim)
	schema.AddBehavior(a, "c", "2520377", 1)
	schema.AddBehavior(b, "c", "2520377", 2)
	var na, dot float64
	for i := range a {
		na += float64(a[i]) * float64(a[i])
		dot += float64(a[i]) * float64(b[i])
	}
	if math.Abs(na-1) > 1e-6 || math.Abs(dot-2) > 1e-6 {
		t.Fatalf("|h|^2 = %v, <h, 2h> = %v, want 1 and 2", na, dot)
	}
	c := make([]float32, schema.BehaviorDim)
	schema.AddBehavior(c, "i", "2520377", 1) // another namespace: another direction
	var ac float64
	for i := range a {
		ac += float64(a[i]) * float64(c[i])
	}
	if math.Abs(ac) > 0.6 {
		t.Fatalf("category and item of the same id are too alike: %v", ac)
	}
}
