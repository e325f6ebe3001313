package pii_test

import (
	"fmt"

	"github.com/profilestream/profilestream/internal/pii"
)

func ExampleScrubber_Scrub() {
	s := pii.NewScrubber()
	out, counts := s.Scrub("Call me on 138 1234 5678 or mail li.wei@qq.com; order #A1B2C3D4E5 never came.")
	fmt.Println(out)
	fmt.Println(counts[pii.Phone], counts[pii.Email], counts[pii.OrderID])
	// Output:
	// Call me on [PHONE] or mail [EMAIL]; order #[ORDER_ID] never came.
	// 1 1 1
}
