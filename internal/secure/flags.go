package secure

import "flag"

// AddKafkaFlags registers the Kafka security flags on fs (every command that talks to Kafka
// has them; internal/cli gives each its STREAMER_ variable) and returns the config they fill.
func AddKafkaFlags(fs *flag.FlagSet) *KafkaConfig {
	c := &KafkaConfig{}
	fs.BoolVar(&c.TLS.Enabled, "kafka-tls", false, "connect to Kafka over TLS (SSL and SASL_SSL listeners)")
	fs.StringVar(&c.TLS.CAFile, "kafka-tls-ca", "", "PEM file of the CA certificates that sign the brokers' certificates (empty = the system roots)")
	fs.StringVar(&c.TLS.CertFile, "kafka-tls-cert", "", "PEM file of the client certificate, for brokers that require mutual TLS (with --kafka-tls-key)")
	fs.StringVar(&c.TLS.KeyFile, "kafka-tls-key", "", "PEM file of the client certificate's private key")
	fs.StringVar(&c.TLS.ServerName, "kafka-tls-server-name", "", "name the brokers' certificates must carry (empty = the host of each broker address)")
	fs.StringVar(&c.SASLMechanism, "kafka-sasl-mechanism", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512 (empty = no SASL)")
	fs.StringVar(&c.SASLUsername, "kafka-sasl-username", "", "SASL user name")
	fs.StringVar(&c.SASLPasswordFile, "kafka-sasl-password-file", "", "file holding the SASL password on one line (read at start, never logged)")
	return c
}

// AddRedisFlags registers the Redis security flags on fs and returns the config they fill.
// The legacy --redis-password stays with the caller, which copies it into Password.
func AddRedisFlags(fs *flag.FlagSet) *RedisConfig {
	c := &RedisConfig{}
	fs.BoolVar(&c.TLS.Enabled, "redis-tls", false, "connect to Redis over TLS (redis-server --tls-port)")
	fs.StringVar(&c.TLS.CAFile, "redis-tls-ca", "", "PEM file of the CA certificates that sign the Redis servers' certificates (empty = the system roots)")
	fs.StringVar(&c.TLS.CertFile, "redis-tls-cert", "", "PEM file of the client certificate, for servers with tls-auth-clients yes (with --redis-tls-key)")
	fs.StringVar(&c.TLS.KeyFile, "redis-tls-key", "", "PEM file of the client certificate's private key")
	fs.StringVar(&c.TLS.ServerName, "redis-tls-server-name", "", "name the servers' certificates must carry (empty = the host of each address)")
	fs.StringVar(&c.Username, "redis-username", "", "Redis ACL user (empty = the default user)")
	fs.StringVar(&c.PasswordFile, "redis-password-file", "", "file holding the Redis password on one line (read at start, never logged)")
	return c
}
