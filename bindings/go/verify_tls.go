//go:build dstack_verify

package dstack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"
)

// RaTlsOptions configures RaTlsConfig and VerifyPeerCertificate: how the
// peer's RA-TLS certificate is verified during a TLS handshake.
type RaTlsOptions struct {
	// VerifyOptions as for VerifyRaTlsCert (ExpectedReportData must be empty).
	// Collateral, when set, must be that of the peer's platform.
	VerifyOptions
	// PCCSURL, when Collateral is empty and the Intel check is not skipped: the
	// peer's collateral is fetched from this PCCS during the handshake.
	PCCSURL string
	// HTTPClient fetches from PCCSURL (http.DefaultClient when nil).
	HTTPClient *http.Client
	// FetchTimeout bounds that fetch (30 s when 0).
	FetchTimeout time.Duration
	// OnVerified, when set, sees every successful verification and decides
	// whether this peer is acceptable (e.g. compares App.AppID and
	// App.ComposeHash with the expected app): an error rejects the handshake.
	// Without it, any genuine dstack app is accepted.
	OnVerified func(*Verification) error
}

// VerifyPeerCertificate verifies the peer's leaf certificate (rawCerts[0]) as
// an RA-TLS certificate, in the shape of tls.Config.VerifyPeerCertificate. The
// certificate's issuer chain is not checked (the attestation bound to the key
// authenticates the peer), so it is used with InsecureSkipVerify (client) or
// ClientAuth RequireAnyClientCert (server), as RaTlsConfig sets up.
func (o RaTlsOptions) VerifyPeerCertificate(rawCerts [][]byte, _ [][]*x509.Certificate) error {
	if len(rawCerts) == 0 {
		return newError(StatusVerificationFailed, "RA-TLS: the peer presented no certificate")
	}
	opts := o.VerifyOptions
	if len(opts.Collateral) == 0 && !opts.InsecureSkipIntelSignature && o.PCCSURL != "" {
		timeout := o.FetchTimeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		col, err := FetchCollateralWith(ctx, o.HTTPClient, o.PCCSURL, rawCerts[0])
		if err != nil {
			return err
		}
		opts.Collateral = col
	}
	v, err := VerifyRaTlsCert(rawCerts[0], opts)
	if err != nil {
		return err
	}
	if o.OnVerified != nil {
		return o.OnVerified(v)
	}
	return nil
}

// RaTlsConfig returns a client *tls.Config that accepts a server only if its
// certificate is an RA-TLS certificate that verifies with o (the Go form of
// upstream's sdk/go/ratls TLSConfig). The usual CA and host-name checks are off
// (InsecureSkipVerify): the attestation bound to the certificate's key is what
// authenticates the server. For a server verifying RA-TLS clients, set
// ClientAuth: tls.RequireAnyClientCert and VerifyPeerCertificate:
// o.VerifyPeerCertificate on its own config.
func RaTlsConfig(o RaTlsOptions) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify:    true, // replaced by VerifyPeerCertificate (RA-TLS)
		VerifyPeerCertificate: o.VerifyPeerCertificate,
		MinVersion:            tls.VersionTLS12,
	}
}
