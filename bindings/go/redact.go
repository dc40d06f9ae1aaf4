package dstack

import (
	"crypto/ed25519"
	"fmt"
	"strings"
)

// Printing a value that holds a private key (fmt's %v, %+v, %#v, %s, %x...,
// String, log/slog's text output) shows "<redacted>" in place of the key.
// The exported fields, their JSON encoding and every other method are
// unchanged: read r.Key or json.Marshal(r) when the key is wanted.
//
// Each Format prints a "view": a copy of the value with the secret replaced,
// of an unexported type without methods, so that fmt lays it out exactly as it
// would the original (same field names and order), for every verb and flag.

const redactedText = "<redacted>"

// redact hides a non-empty secret; an empty one stays empty, so a missing key
// is still visible when debugging.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedText
}

func redactBytes(secret []byte) string {
	if len(secret) == 0 {
		return ""
	}
	return redactedText
}

// formatView prints view with the caller's verb and flags. For %#v the view's
// type name (viewType, e.g. "dstack.getKeyResponseView") is replaced with the
// real one (e.g. "dstack.GetKeyResponse").
func formatView(f fmt.State, verb rune, view any, viewType, realType string) {
	if verb == 'v' && f.Flag('#') {
		text := fmt.Sprintf("%#v", view)
		fmt.Fprint(f, strings.Replace(text, viewType, realType, 1))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), view)
}

type getKeyResponseView struct {
	Key            string
	SignatureChain []string
	purpose        string
	algorithm      string
}

// Format prints the response with Key redacted (see redact.go).
func (r GetKeyResponse) Format(f fmt.State, verb rune) {
	formatView(f, verb, getKeyResponseView{redact(r.Key), r.SignatureChain, r.purpose, r.algorithm},
		"dstack.getKeyResponseView", "dstack.GetKeyResponse")
}

// String is the %v form, with Key redacted.
func (r GetKeyResponse) String() string { return fmt.Sprintf("%v", r) }

// GoString is the %#v form, with Key redacted.
func (r GetKeyResponse) GoString() string { return fmt.Sprintf("%#v", r) }

type getTlsKeyResponseView struct {
	Key              string
	CertificateChain []string
}

// Format prints the response with the private key PEM redacted; the
// certificate chain is public and printed.
func (r GetTlsKeyResponse) Format(f fmt.State, verb rune) {
	formatView(f, verb, getTlsKeyResponseView{redact(r.Key), r.CertificateChain},
		"dstack.getTlsKeyResponseView", "dstack.GetTlsKeyResponse")
}

// String is the %v form, with Key redacted.
func (r GetTlsKeyResponse) String() string { return fmt.Sprintf("%v", r) }

// GoString is the %#v form, with Key redacted.
func (r GetTlsKeyResponse) GoString() string { return fmt.Sprintf("%#v", r) }

type solanaKeypairView struct {
	PublicKey  ed25519.PublicKey
	PrivateKey string
	base58     string
}

// Format prints the keypair with PrivateKey (seed ‖ public key) redacted.
func (k SolanaKeypair) Format(f fmt.State, verb rune) {
	formatView(f, verb, solanaKeypairView{k.PublicKey, redactBytes(k.PrivateKey), k.base58},
		"dstack.solanaKeypairView", "dstack.SolanaKeypair")
}

// String is the %v form, with PrivateKey redacted.
func (k SolanaKeypair) String() string { return fmt.Sprintf("%v", k) }

// GoString is the %#v form, with PrivateKey redacted.
func (k SolanaKeypair) GoString() string { return fmt.Sprintf("%#v", k) }
