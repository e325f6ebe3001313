package secure_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/internal/securetest"
)

// TestRedisTLSAndACL runs go-redis, configured through RedisConfig, against a redis-server that
// listens only on a TLS port and admits only an ACL user: the right settings work (single
// client and universal client, with and without a client certificate), and each wrong one
// fails at once with an error that names the problem and the flag, never the password.
func TestRedisTLSAndACL(t *testing.T) {
	pki := securetest.NewPKI(t)
	srv := securetest.StartRedis(t, pki, securetest.RedisOptions{Pass: pw})
	dir := t.TempDir()
	goodPW := securetest.WriteSecret(t, dir, "good", pw)
	badPW := securetest.WriteSecret(t, dir, "bad", "not-the-password")

	good := secure.RedisConfig{TLS: pki.TLSFiles(false), Username: srv.User, PasswordFile: goodPW}
	mtls := good
	mtls.TLS = pki.TLSFiles(true)
	wrongPW := good
	wrongPW.PasswordFile = badPW
	wrongUser := good
	wrongUser.Username = "intruder"
	noAuth := good
	noAuth.Username, noAuth.PasswordFile = "", ""
	otherCA := good
	otherCA.TLS.CAFile = pki.OtherCAFile
	systemRoots := good
	systemRoots.TLS.CAFile = ""
	wrongName := good
	wrongName.TLS.ServerName = "redis.example.com"
	plaintext := good
	plaintext.TLS = secure.TLSFiles{}

	for _, tc := range []struct {
		name    string
		cfg     secure.RedisConfig
		problem secure.Problem // ProblemOther = must work
		hint    string
	}{
		{"tls and acl user", good, secure.ProblemOther, ""},
		{"mutual tls", mtls, secure.ProblemOther, ""},
		{"wrong password", wrongPW, secure.ProblemAuth, "--redis-password-file"},
		{"unknown user", wrongUser, secure.ProblemAuth, "--redis-username"},
		{"no credentials", noAuth, secure.ProblemAuth, "requires a password"},
		{"untrusted ca", otherCA, secure.ProblemTLS, "--redis-tls-ca"},
		{"system roots", systemRoots, secure.ProblemTLS, "--redis-tls-ca"},
		{"wrong server name", wrongName, secure.ProblemTLS, "--redis-tls-server-name"},
		{"plaintext client", plaintext, secure.ProblemUnreachable, "--redis-tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := secure.NewRedis(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			single := &redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 2 * time.Second}
			sec.ApplyClient(single)
			universal := &redis.UniversalOptions{Addrs: []string{srv.Addr}, MaxRetries: -1, DialTimeout: 2 * time.Second}
			sec.ApplyUniversal(universal)
			for name, c := range map[string]redis.UniversalClient{"client": redis.NewClient(single), "universal": redis.NewUniversalClient(universal)} {
				start := time.Now()
				err := c.Set(ctx, "ps:k:"+name, "v", 0).Err()
				if err == nil {
					err = c.Get(ctx, "ps:k:"+name).Err()
				}
				c.Close()
				if tc.problem == secure.ProblemOther {
					if err != nil {
						t.Fatalf("%s: %v (server log: %s)", name, err, srv.LogTail())
					}
					continue
				}
				if err == nil {
					t.Fatalf("%s: connected with a wrong configuration", name)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("%s: took %v to fail: a retry loop?", name, d)
				}
				derr := secure.Describe(secure.ServiceRedis, err)
				if secure.ProblemOf(derr) != tc.problem || !strings.Contains(derr.Error(), tc.hint) {
					t.Fatalf("%s: %v: problem %v, want %v with hint %q", name, derr, secure.ProblemOf(derr), tc.problem, tc.hint)
				}
				if strings.Contains(derr.Error(), pw) {
					t.Fatalf("error leaks the password: %v", derr)
				}
				t.Logf("%s: %v", name, derr)
			}
		})
	}
}

// TestRedisClientCertRequired: with tls-auth-clients yes, a client without a certificate is
// refused during the handshake, and the error says to give one.
func TestRedisClientCertRequired(t *testing.T) {
	pki := securetest.NewPKI(t)
	srv := securetest.StartRedis(t, pki, securetest.RedisOptions{Pass: pw, ClientAuth: "yes"})
	pwFile := securetest.WriteSecret(t, t.TempDir(), "pw", pw)
	for _, withCert := range []bool{true, false} {
		sec, err := secure.NewRedis(secure.RedisConfig{TLS: pki.TLSFiles(withCert), Username: srv.User, PasswordFile: pwFile})
		if err != nil {
			t.Fatal(err)
		}
		o := &redis.Options{Addr: srv.Addr, MaxRetries: -1}
		sec.ApplyClient(o)
		c := redis.NewClient(o)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = c.Ping(ctx).Err()
		cancel()
		c.Close()
		if withCert {
			if err != nil {
				t.Fatalf("with a client certificate: %v", err)
			}
			continue
		}
		derr := secure.Describe(secure.ServiceRedis, err)
		if err == nil || secure.ProblemOf(derr) != secure.ProblemTLS || !strings.Contains(derr.Error(), "--redis-tls-cert") {
			t.Fatalf("without a client certificate: %v", derr)
		}
		t.Log(derr)
	}
}

// TestRedisClusterTLS: the same configuration reaches a Redis Cluster of TLS-only nodes through
// a universal client (what the worker builds) and a cluster client: every node's certificate is
// checked against the address the cluster announces, the ACL user works on every node, and an
// untrusted CA is refused with the same explanation as for one server.
func TestRedisClusterTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three redis-server processes")
	}
	pki := securetest.NewPKI(t)
	cl := securetest.StartRedisCluster(t, pki, securetest.RedisOptions{Pass: pw})
	pwFile := securetest.WriteSecret(t, t.TempDir(), "pw", pw)
	good := secure.RedisConfig{TLS: pki.TLSFiles(false), Username: cl.User, PasswordFile: pwFile}
	sec, err := secure.NewRedis(good)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	uo := &redis.UniversalOptions{Addrs: cl.Addrs()[:1], IsClusterMode: true}
	sec.ApplyUniversal(uo)
	co := &redis.ClusterOptions{Addrs: cl.Addrs()}
	sec.ApplyCluster(co)
	for name, c := range map[string]redis.UniversalClient{"universal": redis.NewUniversalClient(uo), "cluster": redis.NewClusterClient(co)} {
		// Keys spread over all slots, so every node is reached.
		for i := 0; i < 60; i++ {
			k := fmt.Sprintf("ps:%s:%d", name, i)
			if err := c.Set(ctx, k, i, 0).Err(); err != nil {
				t.Fatalf("%s: SET %s: %v", name, k, err)
			}
			if v, err := c.Get(ctx, k).Int(); err != nil || v != i {
				t.Fatalf("%s: GET %s = %v, %v", name, k, v, err)
			}
		}
		c.Close()
	}
	bad := good
	bad.TLS.CAFile = pki.OtherCAFile
	bsec, err := secure.NewRedis(bad)
	if err != nil {
		t.Fatal(err)
	}
	bo := &redis.UniversalOptions{Addrs: cl.Addrs(), IsClusterMode: true, MaxRetries: -1}
	bsec.ApplyUniversal(bo)
	bc := redis.NewUniversalClient(bo)
	defer bc.Close()
	derr := secure.Describe(secure.ServiceRedis, bc.Ping(ctx).Err())
	if secure.ProblemOf(derr) != secure.ProblemTLS || !strings.Contains(derr.Error(), "--redis-tls-ca") {
		t.Fatalf("untrusted CA on a cluster: %v", derr)
	}
}
