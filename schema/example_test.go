package schema_test

import (
	"fmt"

	"github.com/profilestream/profilestream/schema"
)

func ExampleProfileKey() {
	fmt.Println(schema.ProfileKey("ps", "k1.AbC"))
	fmt.Println(schema.ErasureKey("ps", "k1.AbC"))
	fmt.Println(schema.UserKeys("ps", "k1.AbC"))
	fmt.Println(schema.PseudonymFromProfileKey("ps", "ps:v1:p:{k1.AbC}"))
	// Output:
	// ps:v1:p:{k1.AbC}
	// ps:v1:erased:{k1.AbC}
	// [ps:v1:p:{k1.AbC} ps:v1:p:{k1.AbC}:items]
	// k1.AbC
}

func ExampleSegmentMembersKey() {
	fmt.Println(schema.SegmentCentroidsKey("ps"))
	fmt.Println(schema.SegmentMembersKey("ps", 3))
	fmt.Println(schema.SegmentStatsKey("ps", 3))
	fmt.Println(schema.SegmentChangesKey("ps"))
	// Output:
	// ps:v1:seg:centroids
	// ps:v1:seg:3:members
	// ps:v1:seg:3:stats
	// ps:v1:segchanges
}

func ExampleItemKey() {
	fmt.Println(schema.ItemKey("ps", "B00X"))
	fmt.Println(schema.ItemCooccurKey("ps", "B00X"))
	fmt.Println(schema.ItemPopularityKey("ps"))
	// Output:
	// ps:v1:item:{B00X}
	// ps:v1:item:{B00X}:co
	// ps:v1:items:pop
}

func ExampleDecodeProfile() {
	// What HGETALL of a profile returns (a few fields; absent ones decode as zero).
	h := map[string]string{
		schema.FieldSchema:        "1",
		schema.FieldModel:         "default@f962492c",
		schema.FieldDim:           "2",
		schema.FieldEvents:        "3",
		"n:view":                  "2",
		"n:buy":                   "1",
		schema.FieldVector:        string(schema.EncodeVector([]float32{3, 4})),
		schema.FieldCategories:    `[{"c":"books","n":1.5}]`,
		schema.FieldLastSeen:      "1700000000000",
		"a_field_from_the_future": "ignored",
	}
	p, err := schema.DecodeProfile(h)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.ModelID, p.Dim, p.Events, p.Kinds["view"], p.Kinds["buy"])
	fmt.Println(p.Vector, schema.Normalize(p.Vector))
	fmt.Println(p.Categories[0].Category, p.Categories[0].Count, p.LastSeen.Format("2006-01-02"))
	fmt.Println(p.Segment, p.DecayedMean == nil)
	// Output:
	// default@f962492c 2 3 2 1
	// [3 4] [0.6 0.8]
	// books 1.5 2023-11-14
	// -1 true
}
