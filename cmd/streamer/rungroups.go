package main

import "github.com/profilestream/profilestream/internal/cli"

// runGroups are the concerns `streamer run --help` lists its flags under. The sections of the
// configuration reference in docs/operations.md have the same titles and flags (the TLS and
// SASL groups are documented under "Secure configuration"); TestRunHelpMatchesDoc checks both.
var runGroups = []cli.Group{
	{Title: "Kafka", Flags: []string{"brokers", "group", "clicks-topic", "reviews-topic", "erasure-topic", "dlq-topic",
		"batch-size", "batch-timeout", "queue-batches", "lag-interval", "session-timeout", "heartbeat-interval",
		"rebalance-timeout", "stall-after", "kafka-debug"}},
	{Title: "Kafka TLS and SASL", Flags: []string{"kafka-tls", "kafka-tls-ca", "kafka-tls-cert", "kafka-tls-key",
		"kafka-tls-server-name", "kafka-sasl-mechanism", "kafka-sasl-username", "kafka-sasl-password-file"}},
	{Title: "Redis", Flags: []string{"redis", "redis-cluster", "redis-password", "key-prefix", "profile-ttl"}},
	{Title: "Redis TLS and ACL user", Flags: []string{"redis-tls", "redis-tls-ca", "redis-tls-cert", "redis-tls-key",
		"redis-tls-server-name", "redis-username", "redis-password-file"}},
	{Title: "Privacy", Flags: []string{"pseudonym-keys", "pseudonym-key-file", "pseudonym-namespace", "pseudonym-namespace-topic"}},
	{Title: "Model and profiles", Flags: []string{"model-dir", "encoder-precision", "embedding-cache-mb", "embedding-table-entries", "decayed-float16", "profile-cache",
		"half-life", "weight-view", "weight-cart", "weight-fav", "weight-buy", "weight-review", "top-categories", "migrate-settings",
		"behavior-refit-interval", "behavior-fit-profiles"}},
	{Title: "Segments", Flags: []string{"k", "k-min", "k-max", "segment-refit-interval", "segment-margin",
		"centroid-merge-interval", "sweep-rate", "no-segments"}},
	{Title: "Process", Flags: []string{"metrics-addr", "pprof", "log-level", "log-format"}},
}
