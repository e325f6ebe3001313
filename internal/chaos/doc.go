// Package chaos holds the reliability tests of profilestream: the worker is killed with SIGKILL
// at random moments, a second worker joins and leaves the group, Redis is killed and restarted,
// and afterwards every profile must equal the one a clean single-worker run builds from the same
// input: counts exact, vectors within 1e-5, and the same messages in the dead-letter topic.
//
// `make chaos` runs the full version (50k+ events, at least 10 kills); `make test` runs a short
// one. The workers are real `streamer run` processes built from this repository; Kafka is the
// embedded kfake broker in the test process, Redis a private redis-server.
package chaos
