package profilestore

import "github.com/profilestream/profilestream/schema"

// The writer's own keys: docs/schema.md documents them, readers never read them, so they are
// not part of package schema.

// VersionKey returns the key of a profile's version token: "<prefix>:v1:ver:{<pseudonym>}", a
// string "<cid>:<ver>" kept by the single-server write path (see the package doc).
func VersionKey(prefix, pseudonym string) string {
	return schema.KeyPrefix(prefix) + "ver:{" + pseudonym + "}"
}

// AsideKey returns the scratch key the transaction write path renames a refused profile to
// inside one MULTI/EXEC: "<prefix>:v1:aside:{<pseudonym>}". It never exists outside a
// transaction.
func AsideKey(prefix, pseudonym string) string {
	return schema.KeyPrefix(prefix) + "aside:{" + pseudonym + "}"
}

// AsideUndoKey returns the scratch key of the transaction path's undo step:
// "<prefix>:v1:aside:undo" (never exists outside a transaction).
func AsideUndoKey(prefix string) string { return schema.KeyPrefix(prefix) + "aside:undo" }
