package secure

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	kgosasl "github.com/segmentio/kafka-go/sasl"
	kgoplain "github.com/segmentio/kafka-go/sasl/plain"
	kgoscram "github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kgo"
	franzplain "github.com/twmb/franz-go/pkg/sasl/plain"
	franzscram "github.com/twmb/franz-go/pkg/sasl/scram"
)

// SASL mechanism names as Kafka spells them.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// KafkaConfig configures every Kafka connection of a command. The zero value is plaintext
// without authentication (a PLAINTEXT listener).
type KafkaConfig struct {
	TLS TLSFiles
	// SASLMechanism is plain, scram-sha-256 or scram-sha-512 (any case); empty = no SASL.
	SASLMechanism string
	// SASLUsername is the SASL user.
	SASLUsername string
	// SASLPasswordFile holds the password (see ReadSecretFile).
	SASLPasswordFile string
	// SASLPassword is the password itself, for programs that hold it in memory; the flags set
	// only SASLPasswordFile. Giving both is an error.
	SASLPassword Secret
}

// Kafka is a loaded KafkaConfig: the TLS configuration and the credentials, ready to hand to
// either Kafka client. A nil *Kafka is plaintext without SASL.
type Kafka struct {
	tls  *tls.Config
	mech string
	user string
	pass Secret
}

// NewKafka validates c and reads its files.
func NewKafka(c KafkaConfig) (*Kafka, error) {
	k := &Kafka{}
	var err error
	if k.tls, err = c.TLS.Config("kafka"); err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	switch strings.ToUpper(strings.TrimSpace(c.SASLMechanism)) {
	case "":
		if c.SASLUsername != "" || c.SASLPasswordFile != "" || c.SASLPassword != "" {
			return nil, errors.New("kafka: a SASL user or password is set but no mechanism: add --kafka-sasl-mechanism plain, scram-sha-256 or scram-sha-512")
		}
		return k, nil
	case MechanismPlain:
		k.mech = MechanismPlain
	case MechanismSCRAMSHA256:
		k.mech = MechanismSCRAMSHA256
	case MechanismSCRAMSHA512:
		k.mech = MechanismSCRAMSHA512
	default:
		return nil, fmt.Errorf("kafka: --kafka-sasl-mechanism %q: want plain, scram-sha-256 or scram-sha-512", c.SASLMechanism)
	}
	if k.user = c.SASLUsername; k.user == "" {
		return nil, fmt.Errorf("kafka: SASL %s needs --kafka-sasl-username", k.mech)
	}
	switch {
	case c.SASLPasswordFile != "" && c.SASLPassword != "":
		return nil, errors.New("kafka: give the SASL password once: a file or a value, not both")
	case c.SASLPasswordFile != "":
		if k.pass, err = ReadSecretFile(c.SASLPasswordFile); err != nil {
			return nil, fmt.Errorf("kafka: --kafka-sasl-password-file: %w", err)
		}
	case c.SASLPassword != "":
		k.pass = c.SASLPassword
	default:
		return nil, fmt.Errorf("kafka: SASL %s needs --kafka-sasl-password-file", k.mech)
	}
	if _, err := k.kafkaGoMechanism(); err != nil {
		// SCRAM refuses a user name or password that SASLprep rejects (control or unassigned
		// characters). The library's error quotes the password, so it is dropped here.
		return nil, fmt.Errorf("kafka: SASL %s: the user name or the password contains characters SCRAM does not allow (SASLprep)", k.mech)
	}
	return k, nil
}

// TLS reports whether connections use TLS.
func (k *Kafka) TLS() bool { return k != nil && k.tls != nil }

// Mechanism is the SASL mechanism ("" = none).
func (k *Kafka) Mechanism() string {
	if k == nil {
		return ""
	}
	return k.mech
}

// String describes the security of the connections for a log line, without the password:
// "plaintext", "tls", "sasl_plaintext SCRAM-SHA-512 user=worker", "sasl_ssl PLAIN user=worker".
func (k *Kafka) String() string {
	switch {
	case k.Mechanism() == "" && !k.TLS():
		return "plaintext"
	case k.Mechanism() == "":
		return "tls"
	case k.TLS():
		return fmt.Sprintf("sasl_ssl %s user=%s", k.mech, k.user)
	}
	return fmt.Sprintf("sasl_plaintext %s user=%s", k.mech, k.user)
}

// Warnings lists weak but allowed settings, for the command to log at start.
func (k *Kafka) Warnings() []string {
	if k.Mechanism() != "" && !k.TLS() {
		return []string{"kafka: SASL without TLS (SASL_PLAINTEXT): data and, with PLAIN, the password cross the network in the clear; add --kafka-tls"}
	}
	return nil
}

func (k *Kafka) tlsClone() *tls.Config {
	if !k.TLS() {
		return nil
	}
	return k.tls.Clone()
}

// kafkaGoMechanism is the kafka-go SASL mechanism (nil = none).
func (k *Kafka) kafkaGoMechanism() (kgosasl.Mechanism, error) {
	switch k.Mechanism() {
	case MechanismPlain:
		return kgoplain.Mechanism{Username: k.user, Password: k.pass.Reveal()}, nil
	case MechanismSCRAMSHA256:
		return kgoscram.Mechanism(kgoscram.SHA256, k.user, k.pass.Reveal())
	case MechanismSCRAMSHA512:
		return kgoscram.Mechanism(kgoscram.SHA512, k.user, k.pass.Reveal())
	}
	return nil, nil
}

// Dialer returns a kafka-go dialer (for kafka.ConsumerGroupConfig, kafka.ReaderConfig and
// direct connections) with the TLS and SASL settings. It is a new dialer on every call.
func (k *Kafka) Dialer() *kafka.Dialer {
	d := &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true, TLS: k.tlsClone()}
	// NewKafka has already built the mechanism once, so this cannot fail.
	d.SASLMechanism, _ = k.kafkaGoMechanism()
	return d
}

// Transport returns a kafka-go transport (for kafka.Writer) with the TLS and SASL settings. It
// is a new transport on every call; close its idle connections when the writer is closed.
func (k *Kafka) Transport() *kafka.Transport {
	t := &kafka.Transport{Dial: (&net.Dialer{Timeout: 3 * time.Second}).DialContext, TLS: k.tlsClone()}
	t.SASL, _ = k.kafkaGoMechanism()
	return t
}

// FranzOpts returns the franz-go client options (for kgo.NewClient, and so for kadm) with the
// TLS and SASL settings; none for a nil or plaintext Kafka.
func (k *Kafka) FranzOpts() []kgo.Opt {
	var opts []kgo.Opt
	if k.TLS() {
		opts = append(opts, kgo.DialTLSConfig(k.tlsClone()))
	}
	switch k.Mechanism() {
	case MechanismPlain:
		opts = append(opts, kgo.SASL(franzplain.Auth{User: k.user, Pass: k.pass.Reveal()}.AsMechanism()))
	case MechanismSCRAMSHA256:
		opts = append(opts, kgo.SASL(franzscram.Auth{User: k.user, Pass: k.pass.Reveal()}.AsSha256Mechanism()))
	case MechanismSCRAMSHA512:
		opts = append(opts, kgo.SASL(franzscram.Auth{User: k.user, Pass: k.pass.Reveal()}.AsSha512Mechanism()))
	}
	return opts
}

// Probe checks that the brokers accept this configuration, in two steps per broker so that a
// failure names its cause: first TCP and the TLS handshake followed by an ApiVersions request
// (which brokers answer before authentication), then a second connection that authenticates
// with SASL and asks for metadata. It returns nil as soon as one broker passes, else the last
// broker's error, explained by Describe (ProblemOf tells unreachable from TLS and auth).
func (k *Kafka) Probe(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("kafka: no brokers")
	}
	var last error
	for _, b := range brokers {
		if ctx.Err() != nil {
			break
		}
		err := k.probe(ctx, b)
		if err == nil {
			return nil
		}
		last = err
	}
	if last == nil {
		last = Describe(ServiceKafka, ctx.Err())
	}
	return last
}

// tlsHandshakeTimeout bounds the probe's TLS handshake.
const tlsHandshakeTimeout = 5 * time.Second

func (k *Kafka) probe(ctx context.Context, broker string) error {
	deadline := func(conn *kafka.Conn) {
		if dl, ok := ctx.Deadline(); ok {
			_ = conn.SetDeadline(dl)
		} else {
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		}
	}
	wrap := func(err error) error { return Describe(ServiceKafka, fmt.Errorf("broker %s: %w", broker, err)) }
	// Step 1: TCP, TLS, and a request every broker answers before authentication. The
	// handshake is done here rather than by the dialer so that a handshake without an answer
	// (a TLS client on a plaintext port that waits for the rest of a "request") is told apart
	// from an unreachable broker.
	raw, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", broker)
	if err != nil {
		return wrap(err)
	}
	conn := raw
	if k.TLS() {
		cfg := k.tlsClone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(broker)
		}
		tc := tls.Client(raw, cfg)
		hctx, hcancel := context.WithTimeout(ctx, tlsHandshakeTimeout)
		err := tc.HandshakeContext(hctx)
		timedOut := errors.Is(hctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		hcancel()
		if err != nil {
			raw.Close()
			if timedOut {
				return &described{svc: ServiceKafka, problem: ProblemTLS, err: fmt.Errorf("broker %s: %w", broker, err),
					hint: fmt.Sprintf("TLS: no handshake answer within %v; is this a plaintext port? (turn --kafka-tls off, or use the TLS listener)", tlsHandshakeTimeout)}
			}
			return wrap(err)
		}
		conn = tc
	}
	kc := kafka.NewConn(conn, "", 0)
	deadline(kc)
	_, err = kc.ApiVersions()
	kc.Close()
	if err != nil {
		return wrap(err)
	}
	// Step 2: authenticate, then a request that needs it.
	kc, err = k.Dialer().DialContext(ctx, "tcp", broker)
	if err != nil {
		// Step 1 passed on this broker, so a refusal here is the login: the broker's SASL error,
		// or the connection closed during the exchange (brokers close after a failed login).
		closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
		if k.Mechanism() != "" && (Classify(err) == ProblemAuth || closed) {
			return &described{svc: ServiceKafka, problem: ProblemAuth, err: fmt.Errorf("broker %s: %w", broker, err),
				hint: fmt.Sprintf("SASL %s authentication as %q failed: wrong user name or password, or a mechanism the broker does not enable (check --kafka-sasl-username, --kafka-sasl-password-file, --kafka-sasl-mechanism)", k.mech, k.user)}
		}
		return wrap(err)
	}
	deadline(kc)
	_, err = kc.Brokers()
	kc.Close()
	if err != nil {
		closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
		if k.Mechanism() == "" && closed {
			return &described{svc: ServiceKafka, problem: ProblemAuth, err: fmt.Errorf("broker %s: %w", broker, err),
				hint: "the broker answered the handshake but closed the connection on the first request that needs a login: it probably requires SASL (set --kafka-sasl-mechanism, --kafka-sasl-username, --kafka-sasl-password-file)"}
		}
		return wrap(err)
	}
	return nil
}
