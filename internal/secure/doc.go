// Package secure turns one configuration (flags and STREAMER_* variables, secrets read from
// files) into encrypted and authenticated connections to Kafka and Redis.
//
// Kafka: TLS (a CA file or the system roots, an optional client certificate for mutual TLS, an
// optional server name) and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), for the two Kafka
// clients of the project: kafka-go (the worker's consumer group and partition readers through
// Kafka.Dialer, the dead-letter and replay writers through Kafka.Transport) and franz-go (the
// lag monitor's admin client through Kafka.FranzOpts).
//
// Redis: TLS (same files) and an ACL user with its password, applied to go-redis options of a
// single server, a Redis Cluster or either (Redis.ApplyUniversal).
//
// Secrets never leave memory: passwords are read from files (or, for Redis only, the legacy
// --redis-password), held in Secret values that print as [redacted] through fmt, JSON and text
// marshalling, and no error or log line built here contains one. Describe turns the errors a
// misconfiguration causes (an untrusted certificate, a wrong password, TLS against a plaintext
// port) into messages that name the problem and the flag to check.
package secure
