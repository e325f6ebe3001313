package reader_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/profilestream/profilestream/pseudonym"
	"github.com/profilestream/profilestream/reader"
	"github.com/profilestream/profilestream/schema"
)

func ExampleReader_Profile() {
	rdb := freshRedis() // in an app: redis.NewClient / redis.NewClusterClient
	defer rdb.Close()
	seedExample(rdb)

	r, err := reader.New(rdb, reader.Options{Prefix: "ps"})
	if err != nil {
		panic(err)
	}
	p, err := r.Profile(context.Background(), "k1.alice")
	if err != nil {
		panic(err)
	}
	now := exampleNow
	fmt.Println("events:", p.Events, "buys:", p.Kinds["buy"], "mean rating:", p.MeanRating())
	fmt.Println("segment:", p.Segment, "recent item:", p.RecentItems[0].ItemID, p.RecentItems[0].Kind)
	fmt.Printf("top category: %s %.3f\n", p.TopCategories(now, 1)[0].Category, p.TopCategories(now, 1)[0].Count)
	fmt.Printf("days since last event: %.0f, activity now: %.3f\n", p.Recency(now).Hours()/24, p.ActivityAt(now))
	fmt.Printf("unit vector: %.3f\n", p.UnitVector())
	// Output:
	// events: 3 buys: 1 mean rating: 5
	// segment: 0 recent item: b1 buy
	// top category: books 2.667
	// days since last event: 26, activity now: 4.312
	// unit vector: [0.949 0.314 0.000]
}

// ExampleReader_ProfileByUserID is what a service in another module does: it holds the
// writer's key ring (from the same secret store), finds a user's profile by raw id, and follows a
// profile that a key rotation moved. It uses only reader, schema and pseudonym (the profile
// hashes are written here by hand, in the layout of docs/schema.md, as the worker writes them).
func ExampleReader_ProfileByUserID() {
	rdb := freshRedis() // in an app: redis.NewClient / redis.NewClusterClient
	defer rdb.Close()
	ctx := context.Background()

	// The ring the workers use while rotating from key "k1" to "k2" (secrets: 32+ random bytes).
	oldKey := pseudonym.Key{ID: "k1", Secret: []byte("an-old-secret-of-at-least-32-bytes")}
	newKey := pseudonym.Key{ID: "k2", Secret: []byte("the-new-secret-of-at-least-32-bytes")}
	ring, err := pseudonym.NewRing(newKey, oldKey)
	if err != nil {
		panic(err)
	}
	// What the workers wrote: Alice still under the old key; Bob moved to the new key (his old
	// hash is a tombstone that names the new pseudonym).
	before, _ := pseudonym.NewRing(oldKey) // the ring before the rotation
	write := func(ps string, fields ...string) {
		rdb.HSet(ctx, schema.ProfileKey(schema.DefaultPrefix, ps), fields)
	}
	write(before.Pseudonym("", "alice"), schema.FieldSchema, "1", schema.FieldKeyID, "k1", schema.FieldEvents, "3", schema.FieldKindPrefix+"buy", "1")
	write(ring.Pseudonym("", "bob"), schema.FieldSchema, "1", schema.FieldKeyID, "k2", schema.FieldEvents, "5")
	write(before.Pseudonym("", "bob"), schema.FieldMovedTo, ring.Pseudonym("", "bob"))

	r, err := reader.New(rdb, reader.Options{Keys: ring})
	if err != nil {
		panic(err)
	}
	for _, user := range []string{"alice", "bob", "mallory"} {
		p, err := r.ProfileByUserID(ctx, user)
		if err != nil {
			fmt.Println(user, errors.Is(err, reader.ErrNotFound))
			continue
		}
		fmt.Println(user, p.KeyID, p.Events, p.Kinds["buy"])
	}
	// Bob's old pseudonym leads to his profile under the new key.
	p, _ := r.Profile(ctx, before.Pseudonym("", "bob"))
	fmt.Println(p.Pseudonym == ring.Pseudonym("", "bob"), p.Events)
	// Output:
	// alice k1 3 1
	// bob k2 5 0
	// mallory true
	// true 5
}

func ExampleReader_Similar() {
	rdb := freshRedis()
	defer rdb.Close()
	seedExample(rdb)

	r, _ := reader.New(rdb, reader.Options{})
	ns, err := r.Similar(context.Background(), "k1.alice", 2)
	if err != nil {
		panic(err)
	}
	for _, n := range ns {
		fmt.Printf("%s %.3f\n", n.Pseudonym, n.Similarity)
	}
	// Output:
	// k1.bob 2.070
	// k1.carol -1.942
}

func ExampleReader_SegmentMembers() {
	rdb := freshRedis()
	defer rdb.Close()
	seedExample(rdb)

	r, _ := reader.New(rdb, reader.Options{})
	m, err := r.SegmentMembers(context.Background(), 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(m)
	// Output:
	// [k1.alice k1.bob]
}
