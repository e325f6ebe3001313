package lag

import "github.com/profilestream/profilestream/schema"

// TableKey returns the Redis key of a consumer group's offset-time tables (kept by the worker,
// so that a restarted worker keeps its time-lag samples): "<prefix>:v1:lagtable:{<group>}".
// It is operational state, not part of the read contract of package schema; docs/schema.md
// lists it as not for readers.
func TableKey(prefix, group string) string {
	return schema.KeyPrefix(prefix) + "lagtable:{" + group + "}"
}
