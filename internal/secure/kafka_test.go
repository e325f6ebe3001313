package secure_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/lag"
	"github.com/profilestream/profilestream/internal/secure"
	"github.com/profilestream/profilestream/internal/securetest"
)

// TestKafkaSASLSSL drives the project's three kinds of Kafka client through a broker with a TLS
// listener and SASL, once per mechanism: a kafka-go writer (the DLQ and replay producers) through
// Kafka.Transport, a kafka-go consumer-group reader (the worker's consumer) through Kafka.Dialer,
// and the franz-go admin client of the lag monitor through Kafka.FranzOpts. PROFILESTREAM_KAFKA
// selects kfake, Apache Kafka's SASL_SSL listener, or both.
func TestKafkaSASLSSL(t *testing.T) {
	kafkatest.ForEachMode(t, testKafkaSASLSSL)
}

func testKafkaSASLSSL(t *testing.T, mode kafkatest.Mode) {
	pki := securetest.NewPKI(t)
	k := securetest.StartKafkaMode(context.Background(), t, mode, pki, securetest.KafkaOptions{Pass: pw, Topics: []string{"clicks"}, Partitions: 2})
	for _, mech := range []string{"plain", "scram-sha-256", "scram-sha-512"} {
		t.Run(mech, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			sec, err := secure.NewKafka(k.Config(mech))
			if err != nil {
				t.Fatal(err)
			}
			if err := sec.Probe(ctx, k.Brokers()); err != nil {
				t.Fatalf("probe: %v", err)
			}
			const n = 20
			tr := sec.Transport()
			w := &kafka.Writer{Addr: kafka.TCP(k.Brokers()...), Topic: "clicks", Transport: tr, RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
			msgs := make([]kafka.Message, n)
			for i := range msgs {
				msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(mech + fmt.Sprint(i))}
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				t.Fatalf("kafka-go writer: %v", err)
			}
			w.Close()
			tr.CloseIdleConnections()

			group := "g-" + mech
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: k.Brokers(), GroupID: group, Topic: "clicks", Dialer: sec.Dialer(),
				StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
			defer r.Close()
			seen := 0
			for seen < n {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					t.Fatalf("kafka-go group reader after %d messages: %v", seen, err)
				}
				if strings.HasPrefix(string(m.Value), mech) {
					seen++
				}
				if err := r.CommitMessages(ctx, m); err != nil {
					t.Fatalf("commit: %v", err)
				}
			}

			mon, err := lag.New(k.Brokers(), group, []string{"clicks"}, lag.Options{ClientOpts: sec.FranzOpts(), TimeLag: lag.TimeLagOff})
			if err != nil {
				t.Fatal(err)
			}
			defer mon.Close()
			snap, err := mon.Poll(ctx)
			if err != nil {
				t.Fatalf("franz-go lag poll: %v", err)
			}
			var committed int64
			for _, p := range snap.Partitions {
				committed += max(p.Committed, 0)
			}
			if len(snap.Partitions) != 2 || committed == 0 {
				t.Fatalf("lag snapshot over SASL_SSL: %+v", snap)
			}
		})
	}
}

// TestKafkaRefused: every wrong setting fails fast, with an error that names the problem and
// the flag to check, from the probe and from each client, and never contains the password.
// PROFILESTREAM_KAFKA selects kfake, Apache Kafka, or both.
func TestKafkaRefused(t *testing.T) {
	kafkatest.ForEachMode(t, testKafkaRefused)
}

func testKafkaRefused(t *testing.T, mode kafkatest.Mode) {
	pki := securetest.NewPKI(t)
	ctx := context.Background()
	saslSSL := securetest.StartKafkaMode(ctx, t, mode, pki, securetest.KafkaOptions{Pass: pw, Topics: []string{"clicks"}})
	var mtlsOnly *securetest.Kafka
	var plainBrokers []string
	// A TLS client on a plaintext port: kfake answers the ClientHello with bytes that are not
	// TLS (a record header error); Apache Kafka reads the ClientHello as the size of a request
	// far above socket.request.max.bytes and closes the connection.
	plainProblem, plainHint := secure.ProblemTLS, "plaintext port"
	if mode == kafkatest.ModeReal {
		// The same broker's PLAINTEXT listener; a second broker that requires a client
		// certificate (and SASL, which the handshake never reaches).
		plainBrokers = saslSSL.PlaintextBrokers()
		mtlsOnly = securetest.StartKafkaMode(ctx, t, mode, pki, securetest.KafkaOptions{Pass: pw, ClientAuth: tls.RequireAndVerifyClientCert, Topics: []string{"clicks"}})
		plainProblem, plainHint = secure.ProblemUnreachable, "--kafka-tls"
	} else {
		plainBrokers = securetest.StartKafka(t, pki, securetest.KafkaOptions{NoTLS: true, NoSASL: true, Topics: []string{"clicks"}}).Brokers()
		mtlsOnly = securetest.StartKafka(t, pki, securetest.KafkaOptions{NoSASL: true, ClientAuth: tls.RequireAndVerifyClientCert, Topics: []string{"clicks"}})
	}

	good := saslSSL.Config("scram-sha-512")
	with := func(f func(c *secure.KafkaConfig)) secure.KafkaConfig { c := good; f(&c); return c }
	for _, tc := range []struct {
		name    string
		brokers []string
		cfg     secure.KafkaConfig
		problem secure.Problem
		hint    string
	}{
		{"wrong password scram-sha-512", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.SASLPassword = "wrong-" + pw }), secure.ProblemAuth, "--kafka-sasl-password-file"},
		{"wrong password plain", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.SASLMechanism, c.SASLPassword = "plain", "wrong-"+pw }), secure.ProblemAuth, "--kafka-sasl-password-file"},
		{"unknown user scram-sha-256", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.SASLMechanism, c.SASLUsername = "scram-sha-256", "intruder" }), secure.ProblemAuth, "--kafka-sasl-username"},
		{"no sasl on a sasl listener", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.SASLMechanism, c.SASLUsername, c.SASLPassword = "", "", "" }), secure.ProblemAuth, "requires SASL"},
		{"untrusted ca", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.TLS.CAFile = pki.OtherCAFile }), secure.ProblemTLS, "--kafka-tls-ca"},
		{"wrong server name", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.TLS.ServerName = "kafka.example.com" }), secure.ProblemTLS, "--kafka-tls-server-name"},
		{"plaintext client on tls listener", saslSSL.Brokers(), with(func(c *secure.KafkaConfig) { c.TLS = secure.TLSFiles{} }), secure.ProblemUnreachable, "--kafka-tls"},
		{"tls client on plaintext listener", plainBrokers, secure.KafkaConfig{TLS: pki.TLSFiles(false)}, plainProblem, plainHint},
		{"no client certificate for mtls", mtlsOnly.Brokers(), secure.KafkaConfig{TLS: pki.TLSFiles(false)}, secure.ProblemTLS, "--kafka-tls-cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := secure.NewKafka(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s: no error with a wrong configuration", what)
				}
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("%s: error leaks the password: %v", what, err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			perr := sec.Probe(ctx, tc.brokers)
			check("probe", perr)
			if secure.ProblemOf(perr) != tc.problem || !strings.Contains(perr.Error(), tc.hint) {
				t.Fatalf("probe: %v: problem %v, want %v with %q", perr, secure.ProblemOf(perr), tc.problem, tc.hint)
			}
			t.Logf("probe: %v", perr)

			// The clients themselves fail too (bounded by the context, not a silent loop).
			wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer wcancel()
			w := &kafka.Writer{Addr: kafka.TCP(tc.brokers...), Topic: "clicks", Transport: sec.Transport(), MaxAttempts: 2}
			check("kafka-go writer", w.WriteMessages(wctx, kafka.Message{Value: []byte("x")}))
			w.Close()

			mon, err := lag.New(tc.brokers, "g", []string{"clicks"}, lag.Options{ClientOpts: sec.FranzOpts(), TimeLag: lag.TimeLagOff})
			if err != nil {
				t.Fatal(err)
			}
			_, err = mon.Poll(wctx)
			mon.Close()
			check("franz-go lag poll", err)
		})
	}
}
