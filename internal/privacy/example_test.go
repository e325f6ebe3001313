package privacy_test

import (
	"errors"
	"fmt"

	"github.com/profilestream/profilestream/internal/privacy"
)

func ExampleParseKeyRing() {
	// The spec as in docs/privacy.md: active key first, base64 or hex secrets of >= 32 bytes.
	ring, err := privacy.ParseKeyRing("k2:8Lq0aK1Xc1Hm1bQwW3n0pJx9cZ8yT3o5u2mVbN4eRmM=," +
		"k1:hex:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	if err != nil {
		panic(err)
	}
	fmt.Println(ring, ring.Active())

	_, err = privacy.ParseKeyRing("k1:c2hvcnQ=")
	fmt.Println(errors.Is(err, privacy.ErrKeyTooShort), err)
	// Output:
	// KeyRing[k2,k1] k2
	// true key entry 1: key "k1": secret has 5 bytes, need at least 32: privacy: pseudonym key secret too short
}

func ExamplePseudonymizer_MigrationPlan() {
	ring, _ := privacy.ParseKeyRing("k2:hex:" + hex32('b') + ",k1:hex:" + hex32('a'))
	p := privacy.NewPseudonymizer(ring)
	from, to := p.MigrationPlan("A2OYYGWDKQ4EZ")
	fmt.Println(privacy.KeyID(to), len(to), privacy.KeyID(from[0]))
	// Output:
	// k2 25 k1
}

func hex32(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
