package schema

import (
	"hash/fnv"
	"strconv"
	"strings"
)

// Version is the layout version: the "v1" of every key and the profile's "schema" field.
const Version = 1

// DefaultPrefix is the key prefix used when none is configured.
const DefaultPrefix = "ps"

// versionTag is ":v<Version>:", the part of every key after the prefix.
var versionTag = ":v" + strconv.Itoa(Version) + ":"

func base(prefix string) string { return prefix + versionTag }

// KeyPrefix returns "<prefix>:v1:", the start of every key of this layout version (for ACL key
// patterns, and for the writer's own keys that readers never read, such as its version tokens).
func KeyPrefix(prefix string) string { return base(prefix) }

// ProfileKey returns the key of a user's profile hash: "<prefix>:v1:p:{<pseudonym>}".
func ProfileKey(prefix, pseudonym string) string {
	return base(prefix) + "p:{" + pseudonym + "}"
}

// ProfileScanPattern returns the SCAN MATCH pattern of all profile hashes,
// "<prefix>:v1:p:{*}" (it does not match the user keys that extend a profile key, such as
// the item set).
func ProfileScanPattern(prefix string) string { return base(prefix) + "p:{*}" }

// PseudonymFromProfileKey returns the pseudonym of a profile key, or "" when key is not a
// profile key of prefix.
func PseudonymFromProfileKey(prefix, key string) string {
	p := base(prefix) + "p:{"
	if !strings.HasPrefix(key, p) || !strings.HasSuffix(key, "}") {
		return ""
	}
	return key[len(p) : len(key)-1]
}

// ErasureKey returns the key of a user's erasure-ledger entry:
// "<prefix>:v1:erased:{<pseudonym>}" (value: erasure time in ms; no TTL).
func ErasureKey(prefix, pseudonym string) string {
	return base(prefix) + "erased:{" + pseudonym + "}"
}

// UserItemsKey returns the key of a user's interacted-items sorted set:
// "<prefix>:v1:p:{<pseudonym>}:items" (the profile's hash tag, so the same slot).
func UserItemsKey(prefix, pseudonym string) string {
	return ProfileKey(prefix, pseudonym) + ":items"
}

// UserKeys returns every key that holds one user's data in the user's slot, besides the
// erasure ledger and the writer's version token: the profile hash and the keys kept next to it. Erasure
// deletes them all in one atomic step; a writer that adds a per-user key adds it here. Data
// about a user outside the user's slot (the segment's member set, the segment-change stream)
// is removed separately.
func UserKeys(prefix, pseudonym string) []string {
	return []string{ProfileKey(prefix, pseudonym), UserItemsKey(prefix, pseudonym)}
}

// SegmentCentroidsKey returns the key of the shared segment model hash:
// "<prefix>:v1:seg:centroids".
func SegmentCentroidsKey(prefix string) string { return base(prefix) + "seg:centroids" }

// SegmentMembersKey returns the key of the set of pseudonyms in a segment:
// "<prefix>:v1:seg:<id>:members".
func SegmentMembersKey(prefix string, segment int) string {
	return base(prefix) + "seg:" + strconv.Itoa(segment) + ":members"
}

// SegmentStatsKey returns the key of a segment's statistics hash: "<prefix>:v1:seg:<id>:stats".
func SegmentStatsKey(prefix string, segment int) string {
	return base(prefix) + "seg:" + strconv.Itoa(segment) + ":stats"
}

// SegmentChangesKey returns the key of the segment-change stream: "<prefix>:v1:segchanges".
func SegmentChangesKey(prefix string) string { return base(prefix) + "segchanges" }

// ItemKey returns the key of an item's hash: "<prefix>:v1:item:{<item id>}".
func ItemKey(prefix, itemID string) string { return base(prefix) + "item:{" + itemID + "}" }

// ItemCooccurKey returns the key of an item's co-occurrence sorted set:
// "<prefix>:v1:item:{<item id>}:co" (the item's hash tag, so the same slot as its hash).
func ItemCooccurKey(prefix, itemID string) string { return ItemKey(prefix, itemID) + ":co" }

// ItemPopularityKey returns the key of the item popularity sorted set: "<prefix>:v1:items:pop".
func ItemPopularityKey(prefix string) string { return base(prefix) + "items:pop" }

// Field names of the item hash at ItemKey (docs/schema.md, "Items").
const (
	ItemFieldCategory    = "cat"   // string: category (last one seen)
	ItemFieldTitle       = "title" // string: title, at most 300 bytes
	ItemFieldVector      = "vec"   // vector: item embedding (float32 LE, dim values)
	ItemFieldModel       = "model" // string: encoder model id of vec
	ItemFieldDim         = "dim"   // int: dimension of vec
	ItemFieldSource      = "src"   // string: "text" or "reviews"
	ItemFieldVectorCount = "vn"    // int: number of review embeddings averaged into vec
	ItemFieldLast        = "last"  // ms: newest interaction time
)

// ItemFields lists every item hash field name.
var ItemFields = []string{
	ItemFieldCategory, ItemFieldTitle, ItemFieldVector, ItemFieldModel, ItemFieldDim,
	ItemFieldSource, ItemFieldVectorCount, ItemFieldLast,
}

// EmbeddingTableKey returns the key of the shared embedding table of one encoder model:
// "<prefix>:v1:emb:{<FNV-1a 64 of the model id, hex>}", a hash from the 8-byte xxhash64 of a
// short normalized text to its float16 vector (internal/embedtable). The model id is in the
// key, so vectors of two models (or two precisions of one) never mix.
func EmbeddingTableKey(prefix, modelID string) string {
	h := fnv.New64a()
	h.Write([]byte(modelID))
	return base(prefix) + "emb:{" + strconv.FormatUint(h.Sum64(), 16) + "}"
}
