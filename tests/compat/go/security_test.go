package compat

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/xdg-go/scram"
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

// compatClientCert is the client certificate the mutual-TLS listener trusts
// (CHRONIK_TLS_CLIENT_CERT and CHRONIK_TLS_CLIENT_KEY, PEM): their paths.
func compatClientCert(t *testing.T) (cert, key string) {
	t.Helper()
	cert, key = os.Getenv("CHRONIK_TLS_CLIENT_CERT"), os.Getenv("CHRONIK_TLS_CLIENT_KEY")
	if cert == "" || key == "" {
		t.Fatal("no client certificate: CHRONIK_TLS_CLIENT_CERT and CHRONIK_TLS_CLIENT_KEY are not set (tests/compat/run sets them)")
	}
	return cert, key
}

// compatMTLSConfig is compatTLSConfig presenting the client certificate.
func compatMTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	certFile, keyFile := compatClientCert(t)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatalf("client certificate: %v", err)
	}
	cfg := compatTLSConfig(t)
	cfg.Certificates = []tls.Certificate{cert}
	return cfg
}

// unsecuredJWT is a token for the broker's unsecured OAUTHBEARER validator: header
// {"alg":"none"}, claims sub and exp (an hour from now), empty signature.
func unsecuredJWT(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims := fmt.Sprintf(`{"sub":%q,"iat":%d,"exp":%d}`, sub, time.Now().Unix(), time.Now().Add(time.Hour).Unix())
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(claims)) + "."
}

// xdgSCRAM is a Sarama SCRAMClient on github.com/xdg-go/scram (Sarama leaves SCRAM to
// its user; this is the client of its examples, and the one kafka-go's sasl/scram uses).
type xdgSCRAM struct {
	hash scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func newXDGSCRAM512() *xdgSCRAM { return &xdgSCRAM{hash: sha512.New} }
func newXDGSCRAM256() *xdgSCRAM { return &xdgSCRAM{hash: sha256.New} }

func (x *xdgSCRAM) Begin(user, password, authzID string) error {
	c, err := x.hash.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	x.conv = c.NewConversation()
	return nil
}

func (x *xdgSCRAM) Step(challenge string) (string, error) { return x.conv.Step(challenge) }
func (x *xdgSCRAM) Done() bool                            { return x.conv.Done() }
