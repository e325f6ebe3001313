package secure_test

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/internal/securetest"
)

func TestNewKafkaValidation(t *testing.T) {
	pki := securetest.NewPKI(t)
	pwFile := securetest.WriteSecret(t, t.TempDir(), "pw", pw)
	for _, tc := range []struct {
		name string
		cfg  secure.KafkaConfig
		err  string // "" = valid
		desc string // String() when valid
	}{
		{"zero is plaintext", secure.KafkaConfig{}, "", "plaintext"},
		{"tls system roots", secure.KafkaConfig{TLS: secure.TLSFiles{Enabled: true}}, "", "tls"},
		{"tls ca", secure.KafkaConfig{TLS: pki.TLSFiles(false)}, "", "tls"},
		{"mtls", secure.KafkaConfig{TLS: pki.TLSFiles(true)}, "", "tls"},
		{"sasl_ssl scram", secure.KafkaConfig{TLS: pki.TLSFiles(false), SASLMechanism: "SCRAM-SHA-512", SASLUsername: "w", SASLPasswordFile: pwFile}, "", "sasl_ssl SCRAM-SHA-512 user=w"},
		{"sasl_plaintext plain", secure.KafkaConfig{SASLMechanism: "plain", SASLUsername: "w", SASLPassword: pw}, "", "sasl_plaintext PLAIN user=w"},
		{"ca without tls", secure.KafkaConfig{TLS: secure.TLSFiles{CAFile: pki.CAFile}}, "TLS is off: add --kafka-tls (or STREAMER_KAFKA_TLS=true)", ""},
		{"cert without key", secure.KafkaConfig{TLS: secure.TLSFiles{Enabled: true, CertFile: pki.ClientCert}}, "go together", ""},
		{"key is not a key", secure.KafkaConfig{TLS: secure.TLSFiles{Enabled: true, CertFile: pki.ClientCert, KeyFile: pki.CAFile}}, "--kafka-tls-key", ""},
		{"ca not pem", secure.KafkaConfig{TLS: secure.TLSFiles{Enabled: true, CAFile: pwFile}}, "no PEM certificate", ""},
		{"ca missing", secure.KafkaConfig{TLS: secure.TLSFiles{Enabled: true, CAFile: pki.Dir + "/nope.pem"}}, "no such file", ""},
		{"unknown mechanism", secure.KafkaConfig{SASLMechanism: "gssapi", SASLUsername: "w", SASLPassword: pw}, "want plain, scram-sha-256 or scram-sha-512", ""},
		{"user without mechanism", secure.KafkaConfig{SASLUsername: "w"}, "no mechanism", ""},
		{"password without mechanism", secure.KafkaConfig{SASLPasswordFile: pwFile}, "no mechanism", ""},
		{"mechanism without user", secure.KafkaConfig{SASLMechanism: "plain", SASLPassword: pw}, "--kafka-sasl-username", ""},
		{"mechanism without password", secure.KafkaConfig{SASLMechanism: "plain", SASLUsername: "w"}, "--kafka-sasl-password-file", ""},
		{"password twice", secure.KafkaConfig{SASLMechanism: "plain", SASLUsername: "w", SASLPassword: pw, SASLPasswordFile: pwFile}, "not both", ""},
		{"password file missing", secure.KafkaConfig{SASLMechanism: "plain", SASLUsername: "w", SASLPasswordFile: pwFile + ".missing"}, "--kafka-sasl-password-file", ""},
		// xdg-go/scram quotes the password in its SASLprep error; ours must not.
		{"scram password not saslprep", secure.KafkaConfig{SASLMechanism: "scram-sha-256", SASLUsername: "w", SASLPassword: pw + "\u0007"}, "SASLprep", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := secure.NewKafka(tc.cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := k.String(); got != tc.desc || strings.Contains(got, pw) {
				t.Fatalf("String() = %q, want %q", got, tc.desc)
			}
			wantOpts := 0
			if k.TLS() {
				wantOpts++
			}
			if k.Mechanism() != "" {
				wantOpts++
			}
			if n := len(k.FranzOpts()); n != wantOpts {
				t.Fatalf("FranzOpts: %d options, want %d", n, wantOpts)
			}
			d, tr := k.Dialer(), k.Transport()
			if (d.TLS != nil) != k.TLS() || (tr.TLS != nil) != k.TLS() {
				t.Fatal("dialer/transport TLS does not follow the config")
			}
			if (d.SASLMechanism != nil) != (k.Mechanism() != "") || (tr.SASL != nil) != (k.Mechanism() != "") {
				t.Fatal("dialer/transport SASL does not follow the config")
			}
			if k.Mechanism() != "" && d.SASLMechanism.Name() != k.Mechanism() {
				t.Fatalf("mechanism %s, want %s", d.SASLMechanism.Name(), k.Mechanism())
			}
		})
	}
	var nilK *secure.Kafka
	if nilK.String() != "plaintext" || len(nilK.FranzOpts()) != 0 || nilK.Dialer().TLS != nil {
		t.Fatal("a nil *Kafka must be plaintext")
	}
}

func TestNewRedisValidation(t *testing.T) {
	pki := securetest.NewPKI(t)
	pwFile := securetest.WriteSecret(t, t.TempDir(), "pw", pw)
	for _, tc := range []struct {
		name string
		cfg  secure.RedisConfig
		err  string
		desc string
	}{
		{"zero", secure.RedisConfig{}, "", "plaintext"},
		{"legacy password", secure.RedisConfig{Password: pw}, "", "plaintext password"},
		{"tls acl", secure.RedisConfig{TLS: pki.TLSFiles(true), Username: "ps", PasswordFile: pwFile}, "", "tls user=ps"},
		{"user without password", secure.RedisConfig{Username: "ps"}, "needs --redis-password-file", ""},
		{"password twice", secure.RedisConfig{Password: pw, PasswordFile: pwFile}, "not both", ""},
		{"cert without tls", secure.RedisConfig{TLS: secure.TLSFiles{CertFile: pki.ClientCert, KeyFile: pki.ClientKey}}, "add --redis-tls", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := secure.NewRedis(tc.cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), pw) {
					t.Fatalf("err = %v, want %q (and no password)", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != tc.desc {
				t.Fatalf("String() = %q, want %q", r.String(), tc.desc)
			}
		})
	}
}

func TestRedisApplyKeepsUnsetCredentials(t *testing.T) {
	pki := securetest.NewPKI(t)
	tlsOnly, err := secure.NewRedis(secure.RedisConfig{TLS: pki.TLSFiles(false)})
	if err != nil {
		t.Fatal(err)
	}
	o := &redis.UniversalOptions{Password: "from-options"}
	tlsOnly.ApplyUniversal(o)
	if o.TLSConfig == nil || o.Password != "from-options" || o.Username != "" {
		t.Fatalf("TLS-only security changed the credentials: %+v", o)
	}
	withUser, err := secure.NewRedis(secure.RedisConfig{Username: "ps", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	c := &redis.ClusterOptions{Password: "old"}
	withUser.ApplyCluster(c)
	if c.TLSConfig != nil || c.Username != "ps" || c.Password != pw {
		t.Fatalf("cluster options: user %q, TLS %v", c.Username, c.TLSConfig != nil)
	}
	var nilR *secure.Redis
	nilR.ApplyClient(&redis.Options{})
}
