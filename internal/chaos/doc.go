// Package chaos holds the reliability tests of profilestream: the worker is killed with SIGKILL
// at random moments, a second worker joins and leaves the group, Redis is killed and restarted,
// and afterwards every profile must equal the one a clean single-worker run builds from the same
// input: counts exact, vectors within 1e-5, and the same messages in the dead-letter topic.
//
// `make chaos` runs the full version (54k+ events, 12 kills) on a 3-node Apache Kafka cluster and
// also kills one Kafka node with SIGKILL and restarts it; `make test` runs a short one (3 kills)
// on kfake and on a 1-node Apache Kafka. PROFILESTREAM_KAFKA (kfake, real, both) picks the broker,
// see internal/kafkatest. The workers are real `streamer run` processes built from this
// repository (started through links named streamer-wN); the partitions each owns are read from
// the broker by its client id, which carries its pid. Redis is a private redis-server.
//
// Recovery: for each worker SIGKILL the test reads from the broker which partitions the killed
// worker owned and still had lag on, and measures the time until each of them has a committed
// offset past the one at the kill (FIGURE chaos[.kafka].recovery_s_p50 and _max). The workers
// run with the group timing defaults of `streamer run`; CHAOS_WORKER_ARGS appends flags.
//
// Every wait has a deadline and fails with the group's lag, committed offset and owner per
// partition, the last 30 lines of every worker's log and, on real Kafka, of every node's log.
// Waiting for lag 0 also fails as soon as no committed offset moved for 90 s.
package chaos
