package secure

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures every Redis connection of a command. The zero value is plaintext
// without authentication.
type RedisConfig struct {
	TLS TLSFiles
	// Username is the ACL user (empty = the default user, with Password for requirepass).
	Username string
	// PasswordFile holds the password (see ReadSecretFile).
	PasswordFile string
	// Password is the password itself (the legacy --redis-password and STREAMER_REDIS_PASSWORD,
	// or a program holding it in memory). Giving both is an error.
	Password Secret
}

// Redis is a loaded RedisConfig. A nil *Redis is plaintext without authentication.
type Redis struct {
	tls  *tls.Config
	user string
	pass Secret
}

// NewRedis validates c and reads its files.
func NewRedis(c RedisConfig) (*Redis, error) {
	r := &Redis{user: c.Username}
	var err error
	if r.tls, err = c.TLS.Config("redis"); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	switch {
	case c.PasswordFile != "" && c.Password != "":
		return nil, errors.New("redis: give the password once: --redis-password-file or --redis-password, not both")
	case c.PasswordFile != "":
		if r.pass, err = ReadSecretFile(c.PasswordFile); err != nil {
			return nil, fmt.Errorf("redis: --redis-password-file: %w", err)
		}
	default:
		r.pass = c.Password
	}
	if r.user != "" && r.pass == "" {
		return nil, fmt.Errorf("redis: ACL user %q needs --redis-password-file", r.user)
	}
	return r, nil
}

// TLS reports whether connections use TLS.
func (r *Redis) TLS() bool { return r != nil && r.tls != nil }

// Username is the ACL user ("" = default).
func (r *Redis) Username() string {
	if r == nil {
		return ""
	}
	return r.user
}

// String describes the connection security for a log line, without the password:
// "plaintext", "tls user=profilestream", "plaintext password".
func (r *Redis) String() string {
	s := "plaintext"
	if r.TLS() {
		s = "tls"
	}
	switch {
	case r.Username() != "":
		s += " user=" + r.user
	case r != nil && r.pass != "":
		s += " password"
	}
	return s
}

// Warnings lists weak but allowed settings, for the command to log at start.
func (r *Redis) Warnings() []string {
	if r != nil && r.pass != "" && !r.TLS() {
		return []string{"redis: a password without TLS crosses the network in the clear; add --redis-tls"}
	}
	return nil
}

func (r *Redis) tlsClone() *tls.Config {
	if !r.TLS() {
		return nil
	}
	return r.tls.Clone()
}

// credentials sets the user and password when configured; options that already carry them
// keep them otherwise.
func (r *Redis) credentials(user, pass *string) {
	if r.user != "" {
		*user = r.user
	}
	if r.pass != "" {
		*pass = r.pass.Reveal()
	}
}

// ApplyUniversal sets TLS and credentials on options for redis.NewUniversalClient (one server,
// a Cluster, or a failover set). TLS follows r (off when r has none); a user or password that r
// does not set is left as the options have it. Each node's certificate is checked against its own host
// unless a server name is configured.
func (r *Redis) ApplyUniversal(o *redis.UniversalOptions) {
	if r == nil {
		return
	}
	o.TLSConfig = r.tlsClone()
	r.credentials(&o.Username, &o.Password)
}

// ApplyClient sets TLS and credentials on options for redis.NewClient.
func (r *Redis) ApplyClient(o *redis.Options) {
	if r == nil {
		return
	}
	o.TLSConfig = r.tlsClone()
	r.credentials(&o.Username, &o.Password)
}

// ApplyCluster sets TLS and credentials on options for redis.NewClusterClient.
func (r *Redis) ApplyCluster(o *redis.ClusterOptions) {
	if r == nil {
		return
	}
	o.TLSConfig = r.tlsClone()
	r.credentials(&o.Username, &o.Password)
}
