package secure

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSFiles is the TLS part of a connection's configuration: file paths, never key material.
type TLSFiles struct {
	// Enabled turns TLS on. The other fields without Enabled are an error, so that a forgotten
	// switch never leaves a connection in plaintext that its operator believes encrypted.
	Enabled bool
	// CAFile is a PEM file of the CA certificates that sign the servers' certificates
	// (empty = the system roots).
	CAFile string
	// CertFile and KeyFile are the client certificate and its key (PEM) for mutual TLS;
	// both or neither.
	CertFile, KeyFile string
	// ServerName is the name expected in the servers' certificates (empty = the host of each
	// address dialed).
	ServerName string
}

func (t TLSFiles) anySet() bool {
	return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != ""
}

// Config loads the files into a client *tls.Config; nil when TLS is off. flagPrefix ("kafka",
// "redis") names the flags in errors.
func (t TLSFiles) Config(flagPrefix string) (*tls.Config, error) {
	if !t.Enabled {
		if t.anySet() {
			return nil, fmt.Errorf("--%s-tls-* files are set but TLS is off: add --%s-tls (or %s=true)",
				flagPrefix, flagPrefix, envName(flagPrefix+"-tls"))
		}
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--%s-tls-ca: %w", flagPrefix, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--%s-tls-ca %s: no PEM certificate in the file", flagPrefix, t.CAFile)
		}
		c.RootCAs = pool
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--%s-tls-cert %s / --%s-tls-key %s: %w", flagPrefix, t.CertFile, flagPrefix, t.KeyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	case t.CertFile != "" || t.KeyFile != "":
		return nil, fmt.Errorf("--%s-tls-cert and --%s-tls-key go together: give both or neither", flagPrefix, flagPrefix)
	}
	return c, nil
}
