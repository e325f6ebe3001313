package secure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/profilestream/profilestream/internal/cli"
)

// Service names a kind of server in messages and selects the flags a hint points to.
type Service string

const (
	ServiceKafka Service = "kafka"
	ServiceRedis Service = "redis"
)

// Problem is the class of a connection error.
type Problem int

const (
	// ProblemOther is anything not recognized below (including nil).
	ProblemOther Problem = iota
	// ProblemUnreachable: nothing listens, the network drops the connection, or a timeout.
	// Retrying may help.
	ProblemUnreachable
	// ProblemTLS: the handshake failed (untrusted or mismatched certificate, TLS against a
	// plaintext port, a client certificate refused). Retrying does not help until the
	// configuration changes.
	ProblemTLS
	// ProblemAuth: the server refused the credentials or the mechanism. Retrying does not
	// help until the configuration changes.
	ProblemAuth
)

func (p Problem) String() string {
	switch p {
	case ProblemUnreachable:
		return "unreachable"
	case ProblemTLS:
		return "tls"
	case ProblemAuth:
		return "auth"
	}
	return "other"
}

// Permanent reports whether the problem needs a configuration change (TLS or authentication)
// rather than patience.
func (p Problem) Permanent() bool { return p == ProblemTLS || p == ProblemAuth }

// Classify sorts a connection error of either Kafka client or go-redis into a Problem.
func Classify(err error) Problem {
	p, _ := diagnose(ServiceKafka, err)
	return p
}

// Describe wraps err with what it most likely means and which flag to check, for logs, errors
// and /readyz. The result wraps err (errors.Is and As still work). nil stays nil.
func Describe(svc Service, err error) error {
	if err == nil {
		return nil
	}
	var d *described
	if errors.As(err, &d) {
		return err
	}
	p, hint := diagnose(svc, err)
	return &described{svc: svc, problem: p, hint: hint, err: err}
}

// ProblemOf returns the Problem of an error Describe returned (or classifies err).
func ProblemOf(err error) Problem {
	var d *described
	if errors.As(err, &d) {
		return d.problem
	}
	return Classify(err)
}

type described struct {
	svc     Service
	problem Problem
	hint    string
	err     error
}

func (d *described) Error() string {
	if d.hint == "" {
		return fmt.Sprintf("%s: %v", d.svc, d.err)
	}
	return fmt.Sprintf("%s: %s: %v", d.svc, d.hint, d.err)
}

func (d *described) Unwrap() error { return d.err }

func diagnose(svc Service, err error) (Problem, string) {
	if err == nil {
		return ProblemOther, ""
	}
	f := "--" + string(svc)
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		kgoErr    kafka.Error
		opErr     *net.OpError
	)
	msg := err.Error()
	switch {
	case errors.As(err, &unknownCA):
		return ProblemTLS, fmt.Sprintf("TLS: the server's certificate is not signed by a trusted CA (check %s-tls-ca)", f)
	case errors.As(err, &hostname):
		return ProblemTLS, fmt.Sprintf("TLS: the server's certificate is not valid for the name dialed (check the address or %s-tls-server-name)", f)
	case errors.As(err, &invalid):
		return ProblemTLS, "TLS: the server's certificate is invalid (expired, not yet valid, or not for server use)"
	case errors.As(err, &verify):
		return ProblemTLS, fmt.Sprintf("TLS: the server's certificate did not verify (check %s-tls-ca)", f)
	case errors.As(err, &record):
		return ProblemTLS, fmt.Sprintf("TLS: the server did not answer in TLS; is this a plaintext port? (turn %s-tls off, or use the TLS port)", f)
	case errors.As(err, &opErr) && opErr.Op == "remote error", strings.Contains(msg, "remote error: tls:"):
		return ProblemTLS, fmt.Sprintf("TLS: the server refused the handshake; it may require a client certificate (%s-tls-cert, %s-tls-key) signed by a CA it trusts", f, f)
	case errors.As(err, &kgoErr) && (kgoErr == kafka.SASLAuthenticationFailed || kgoErr == kafka.IllegalSASLState):
		return ProblemAuth, "SASL authentication failed: wrong user name or password (check --kafka-sasl-username and --kafka-sasl-password-file)"
	case errors.As(err, &kgoErr) && kgoErr == kafka.UnsupportedSASLMechanism:
		return ProblemAuth, "the broker does not accept this SASL mechanism (check --kafka-sasl-mechanism)"
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.IllegalSaslState):
		return ProblemAuth, "SASL authentication failed: wrong user name or password (check --kafka-sasl-username and --kafka-sasl-password-file)"
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		return ProblemAuth, "the broker does not accept this SASL mechanism (check --kafka-sasl-mechanism)"
	case strings.Contains(msg, "WRONGPASS"):
		return ProblemAuth, "wrong user name or password (check --redis-username and --redis-password-file)"
	case strings.Contains(msg, "NOAUTH"):
		return ProblemAuth, "the server requires a password (set --redis-password-file, and --redis-username for an ACL user)"
	case strings.Contains(msg, "NOPERM"):
		return ProblemAuth, "the ACL user lacks a permission the worker needs (see docs/operations.md for the ACL rule)"
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return ProblemTLS, fmt.Sprintf("TLS: the server did not answer in TLS; is this a plaintext port? (turn %s-tls off, or use the TLS port)", f)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ProblemUnreachable, "unreachable"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if svc == ServiceKafka {
			return ProblemUnreachable, "the broker closed the connection (if this repeats: a TLS or SASL mismatch? check --kafka-tls and --kafka-sasl-mechanism)"
		}
		return ProblemUnreachable, fmt.Sprintf("the server closed the connection (if this repeats: TLS on one side only? check %s-tls)", f)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ProblemUnreachable, "timed out"
	}
	return ProblemOther, ""
}

func envName(flag string) string { return cli.EnvName("STREAMER_", flag) }
