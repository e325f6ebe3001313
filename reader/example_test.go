package reader_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/profilestream/profilestream/reader"
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
	// unit vector: [0.949 0.316 0.000]
}

func ExampleReader_ProfileByUserID() {
	rdb := freshRedis()
	defer rdb.Close()
	seedExample(rdb)

	// In an app: privacy.NewPseudonymizer(ring).Candidates, with the shared key ring.
	candidates := func(raw string) []string {
		return []string{"k2." + strings.ToLower(raw), "k1." + strings.ToLower(raw)}
	}
	r, _ := reader.New(rdb, reader.Options{Pseudonymize: candidates})
	p, err := r.ProfileByUserID(context.Background(), "Bob")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Pseudonym, p.KeyID, p.Events)
	_, err = r.ProfileByUserID(context.Background(), "Mallory")
	fmt.Println(err)
	// Output:
	// k1.bob k1 1
	// reader: profile of user id: reader: profile not found
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
	// k1.bob 2.879
	// k1.carol -1.887
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
