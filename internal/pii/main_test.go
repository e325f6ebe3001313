package pii

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
)

// benchFigures holds the last ns/op of each benchmark, printed as FIGURE lines after the run so
// that they do not break the benchmark result lines.
var benchFigures sync.Map

func recordFigure(name string, v float64) { benchFigures.Store(name, v) }

func TestMain(m *testing.M) {
	code := m.Run()
	var names []string
	benchFigures.Range(func(k, _ any) bool { names = append(names, k.(string)); return true })
	slices.Sort(names)
	for _, n := range names {
		v, _ := benchFigures.Load(n)
		if f := v.(float64); f >= 100 {
			fmt.Printf("FIGURE %s %.0f\n", n, f)
		} else {
			fmt.Printf("FIGURE %s %.2f\n", n, f)
		}
	}
	os.Exit(code)
}
