// Package schema is the Redis read contract of profilestream: the one place that names every
// key, every profile hash field, the vector encodings and the decoding of a profile hash.
// Writers (internal/profilestore, internal/online, internal/apps, the worker) build their keys
// and fields here, and readers (the public package reader, downstream apps) decode with the same
// code, so the layout cannot drift between the side that writes and the side that reads.
// docs/schema.md describes the same layout in prose; a test in this package fails when the two
// disagree (a key pattern or field defined here missing from the doc, or a "<prefix>:v1:..."
// pattern in the doc that no builder here produces).
//
// # Keys
//
// Every key starts with a configurable prefix (DefaultPrefix "ps") and the layout version
// ("v1"): "<prefix>:v1:...". Keys that hold one user's data put the pseudonym in a Redis Cluster
// hash tag, "{<pseudonym>}", so that a profile, its version token, its erasure-ledger entry and
// the user's item set live in one slot and one Lua script or MULTI/EXEC can touch them all. Item
// keys tag the item id ("{<item id>}") so an item's hash and its co-occurrence set share a slot;
// the lag table tags the consumer group. Segment keys carry no tag: each is touched by
// single-key scripts only.
//
// # Versioning
//
// Version is the "v1" in every key and the value of the profile's "schema" field. It changes
// only for an incompatible change: a field renamed, removed or re-encoded, a key renamed. A v2
// layout would be written under "<prefix>:v2:..." keys by a new writer while v1 readers keep
// reading v1 keys; a migration copies profiles across and the v1 keys are deleted once no reader
// uses them. Adding a field or a key is compatible and keeps v1. So a reader must tolerate:
// an absent field (it decodes as zero: Segment -1, times zero, vectors nil), an unknown field
// (ignored), and a hash that carries the "mv" field (a profile being moved by key rotation, or
// its tombstone: treat it as absent). Vectors of two encoder models never mix: compare "model"
// and "dim" before comparing vectors.
//
// # Encodings
//
// Vectors are little-endian IEEE 754 float32 blobs of "dim" values (the layout RediSearch's
// FLOAT32 vectors use). The decayed mean "dvec" may instead be stored as little-endian float16
// (2*dim bytes); DecodeDecayedVector tells the two apart by length. Integers and floats are
// decimal strings, times are Unix milliseconds ("0" or absent: unset), "cats" and "items" are
// small JSON arrays.
package schema
