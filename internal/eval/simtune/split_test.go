package simtune

import (
	"fmt"
	"testing"

	"github.com/profilestream/profilestream/internal/eval/evalprofiles"
)

// TestDevIsEvalProfilesSplit: simtune tunes on exactly the DEV half of make eval-profiles, so its
// TEST half holds no user the shipped weights were tuned on.
func TestDevIsEvalProfilesSplit(t *testing.T) {
	for i := range 1000 {
		for _, id := range []string{fmt.Sprint(i), fmt.Sprintf("A%dXYZ", i), fmt.Sprintf("zh-书籍-%d", i)} {
			if dev(id) != (evalprofiles.SplitOf(id) == evalprofiles.SplitDev) {
				t.Fatalf("user %q: simtune dev %v, eval-profiles %s", id, dev(id), evalprofiles.SplitOf(id))
			}
		}
	}
}
