package compat

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
)

// The SASL and TLS scenarios of every Go client point at the listeners tests/compat/run
// names (or at the plain broker, where they fail, which is the report's point).

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// compatTLSConfig trusts CHRONIK_TLS_CA (the suite's self-signed CA) for 127.0.0.1, or
// anything when no CA is given.
func compatTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	ca := os.Getenv("CHRONIK_TLS_CA")
	if ca == "" {
		return &tls.Config{InsecureSkipVerify: true}
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}
