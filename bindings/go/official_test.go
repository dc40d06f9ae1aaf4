package dstack

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// The official Go SDK's names keep its signatures, defaults and results
// (issue 13). Each test names the upstream behaviour it pins.

func containsText(err error, text string) bool {
	return err != nil && strings.Contains(err.Error(), text)
}

// Compile-time: the official signatures, assignable to variables of the
// official function types.
var (
	_ func([]byte, []byte, string) ([]byte, error)                                            = VerifyEnvEncryptPublicKey
	_ func([]byte, []byte, string, uint64, *VerifyEnvEncryptPublicKeyOptions) ([]byte, error) = VerifyEnvEncryptPublicKeyWithTimestamp
	_ func([]byte, []byte, []byte) bool                                                       = VerifySignatureSimple
	_ func(...DstackClientOption) *TappdClient                                                = NewTappdClient
)

// TappdClient embeds *DstackClient as upstream's: the dstack methods are
// there and send the dstack RPCs to the client's endpoint.
func TestTappdClientEmbedsDstackClient(t *testing.T) {
	tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	var embedded *DstackClient = tc.DstackClient
	if embedded == nil || embedded.Endpoint() != tc.Endpoint() {
		t.Fatalf("embedded client %v", embedded)
	}
	// tappd.sock does not serve /GetKey: the official SDK's result there too.
	_, err := tc.GetKey(ctx(t), "a", "p", "")
	wantStatus(t, err, ErrHTTPStatus)

	// Pointed at an agent that serves the dstack RPCs, they work.
	dc := NewTappdClient(WithEndpoint(sim.dstack), WithLogger(quietLogger))
	defer dc.Close()
	k, err := dc.GetKey(ctx(t), "a", "p", "")
	if err != nil || k.Key != factKeyAP {
		t.Fatalf("GetKey %v %v", k, err)
	}
	if k, err = dc.DstackClient.GetKey(ctx(t), "a", "p", ""); err != nil || k.Key != factKeyAP {
		t.Fatalf("DstackClient.GetKey %v %v", k, err)
	}
	if q, err := dc.GetQuote(ctx(t), []byte("x")); err != nil || q.VerifyEventLog() != nil {
		t.Fatalf("GetQuote %v", err)
	}
	if _, err := dc.GetTlsKey(ctx(t), WithSubject("s")); err != nil {
		t.Fatalf("GetTlsKey %v", err)
	}
	if a, err := dc.Attest(ctx(t), []byte("x")); err != nil || len(a.Attestation) == 0 {
		t.Fatalf("Attest %v", err)
	}
	s, err := dc.Sign(ctx(t), "secp256k1", []byte("m"))
	if err != nil {
		t.Fatalf("Sign %v", err)
	}
	if v, err := dc.Verify(ctx(t), "secp256k1", []byte("m"), s.Signature, s.PublicKey); err != nil || !v.Valid {
		t.Fatalf("Verify %v %v", v, err)
	}
	if _, err := dc.GpuInfo(ctx(t)); err != nil {
		t.Fatalf("GpuInfo %v", err)
	}
	// Close releases the embedded client too.
	if err := dc.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = dc.DstackClient.GetKey(ctx(t), "a", "p", "")
	wantStatus(t, err, ErrClosed)

	// Nil and zero-value clients: errors, not panics.
	for _, c := range []*TappdClient{nil, {}} {
		_, err := c.GetKey(ctx(t), "a", "p", "")
		wantNotInitialized(t, "GetKey", err, "NewTappdClient")
		_, err = c.GetTlsKey(ctx(t))
		wantNotInitialized(t, "GetTlsKey", err, "NewTappdClient")
		_, err = c.Sign(ctx(t), "ed25519", nil)
		wantNotInitialized(t, "Sign", err, "NewTappdClient")
		wantNotInitialized(t, "EmitEvent", c.EmitEvent(ctx(t), "e", nil), "NewTappdClient")
	}
}

// With no usage option the certificate has no serverAuth usage (the Go
// SDK's defaults are all false); only client usage gives clientAuth alone.
func TestGetTlsKeyUsageDefaultsAreTheGoSDKs(t *testing.T) {
	c := newClient(t)
	usages := func(opts ...TlsKeyOption) []x509.ExtKeyUsage {
		t.Helper()
		r, err := c.GetTlsKey(ctx(t), opts...)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode([]byte(r.CertificateChain[0]))
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return cert.ExtKeyUsage
	}
	has := func(us []x509.ExtKeyUsage, u x509.ExtKeyUsage) bool {
		for _, x := range us {
			if x == u {
				return true
			}
		}
		return false
	}
	if us := usages(); has(us, x509.ExtKeyUsageServerAuth) || has(us, x509.ExtKeyUsageClientAuth) {
		t.Fatalf("default usages %v", us)
	}
	if us := usages(WithUsageClientAuth(true)); has(us, x509.ExtKeyUsageServerAuth) || !has(us, x509.ExtKeyUsageClientAuth) {
		t.Fatalf("client-only usages %v", us)
	}
	if us := usages(WithUsageServerAuth(true)); !has(us, x509.ExtKeyUsageServerAuth) {
		t.Fatalf("server usages %v", us)
	}
}

// More than 64 bytes of report data: the official message.
func TestOversizeReportDataHasTheOfficialMessage(t *testing.T) {
	c := newClient(t)
	big := make([]byte, 65)
	_, err := c.GetQuote(ctx(t), big)
	if !errors.Is(err, ErrInvalidArgument) || !containsText(err, "report data is too large") {
		t.Fatalf("GetQuote: %v", err)
	}
	_, err = c.Attest(ctx(t), big)
	if !containsText(err, "report data is too large") {
		t.Fatalf("Attest: %v", err)
	}
	tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	_, err = tc.TdxQuote(ctx(t), big, "raw")
	if !containsText(err, "report data is too large") {
		t.Fatalf("TdxQuote: %v", err)
	}
	// Empty report data is accepted, as upstream.
	if _, err := c.GetQuote(ctx(t), nil); err != nil {
		t.Fatalf("empty report data: %v", err)
	}
}

func TestKeccak256(t *testing.T) {
	for in, want := range map[string]string{
		"":    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
		"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
	} {
		if got := keccak256([]byte(in)); hex.EncodeToString(got[:]) != want {
			t.Errorf("keccak256(%q) = %x", in, got)
		}
	}
	// Around the 136-byte block (checked against go-ethereum with -tags ethereum).
	a, b, c := keccak256(make([]byte, 135)), keccak256(make([]byte, 136)), keccak256(make([]byte, 137))
	if a == b || b == c {
		t.Fatal("padding collision")
	}
}

// VerifySignatureSimple: Keccak-256 of the message, the first 64 bytes of a
// 65-byte signature, a compressed or uncompressed key, high S refused.
func TestVerifySignatureSimple(t *testing.T) {
	acct, err := ToEthereumAccount(&GetKeyResponse{Key: factKeyAP})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("dstack")
	h := keccak256(msg)
	sig, err := acct.Sign(h[:])
	if err != nil {
		t.Fatal(err)
	}
	pub := acctPublicKey(acct)
	compressed, err := secp256k1PublicKey(acctSecret(acct), true)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifySignatureSimple(msg, sig, pub) || !VerifySignatureSimple(msg, sig, compressed) {
		t.Fatal("valid signature refused")
	}
	if VerifySignatureSimple([]byte("other"), sig, pub) || VerifySignatureSimple(msg, sig[:64], pub) ||
		VerifySignatureSimple(msg, sig, pub[:10]) || VerifySignatureSimple(msg, nil, nil) {
		t.Fatal("bad input accepted")
	}
	// The high-S twin of a valid signature: refused, as go-ethereum does.
	n, _ := new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	s := new(big.Int).SetBytes(sig[32:64])
	high := append([]byte(nil), sig...)
	new(big.Int).Sub(n, s).FillBytes(high[32:64])
	if VerifySignatureSimple(msg, high, pub) {
		t.Fatal("high-S signature accepted")
	}
}

// envSig signs the env-encrypt message as a KMS would.
func envSig(t *testing.T, acct *EthereumAccount, pub []byte, appID []byte, ts *uint64) []byte {
	t.Helper()
	m := append([]byte("dstack-env-encrypt-pubkey:"), appID...)
	if ts != nil {
		m = binary.BigEndian.AppendUint64(m, *ts)
	}
	m = append(m, pub...)
	h := keccak256(m)
	sig, err := acct.Sign(h[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// The official functions: nil, nil where no key recovers; window errors
// with the official texts; the options struct comparable with its two
// fields. CheckEnvEncryptPublicKey reports every failure.
func TestVerifyEnvEncryptPublicKeyOfficialResults(t *testing.T) {
	opts := VerifyEnvEncryptPublicKeyOptions{300, 60}
	seen := map[VerifyEnvEncryptPublicKeyOptions]bool{opts: true}
	if !seen[VerifyEnvEncryptPublicKeyOptions{MaxAgeSeconds: 300, FutureSkewSeconds: 60}] {
		t.Fatal("options not comparable by value")
	}
	kms, err := ToEthereumAccount(&GetKeyResponse{Key: factKeyAP})
	if err != nil {
		t.Fatal(err)
	}
	kmsKey, _ := secp256k1PublicKey(acctSecret(kms), true)
	want := "0x" + hex.EncodeToString(kmsKey)
	appID := mustHex(t, simAppID)
	pub := bytes.Repeat([]byte{7}, 32)
	now := uint64(time.Now().Unix())
	sig := envSig(t, kms, pub, appID, &now)

	got, err := VerifyEnvEncryptPublicKeyWithTimestamp(pub, sig, simAppID, now, nil)
	if err != nil || string(got) != want {
		t.Fatalf("timestamped: %s %v", got, err)
	}
	if got, err = VerifyEnvEncryptPublicKeyWithTimestamp(pub, sig, "0x"+simAppID, now, &opts); err != nil || string(got) != want {
		t.Fatalf("0x app id: %s %v", got, err)
	}
	legacy := envSig(t, kms, pub, appID, nil)
	if got, err = VerifyEnvEncryptPublicKey(pub, legacy, simAppID); err != nil || string(got) != want {
		t.Fatalf("legacy: %s %v", got, err)
	}
	nothing := func(what string, got []byte, err error) {
		t.Helper()
		if got != nil || err != nil {
			t.Fatalf("%s: want nil, nil (official), got %q, %v", what, got, err)
		}
	}
	zeroR := append(make([]byte, 32), sig[32:]...)
	v27 := append(append([]byte(nil), legacy[:64]...), 27)
	for name, s := range map[string][]byte{"64 bytes": sig[:64], "empty": nil, "r = 0": zeroR} {
		got, err := VerifyEnvEncryptPublicKeyWithTimestamp(pub, s, simAppID, now, nil)
		nothing("timestamped, signature "+name, got, err)
	}
	got, err = VerifyEnvEncryptPublicKey(pub, v27, simAppID)
	nothing("legacy, v = 27", got, err)
	for _, id := range []string{"not-hex", "0X" + simAppID, simAppID[1:]} {
		got, err := VerifyEnvEncryptPublicKeyWithTimestamp(pub, sig, id, now, nil)
		nothing("app id "+id, got, err)
		got, err = VerifyEnvEncryptPublicKey(pub, legacy, id)
		nothing("legacy app id "+id, got, err)
	}
	old := now - 301
	_, err = VerifyEnvEncryptPublicKeyWithTimestamp(pub, envSig(t, kms, pub, appID, &old), simAppID, old, nil)
	if !errors.Is(err, ErrExpired) || !containsText(err, "timestamp is too old: ") {
		t.Fatalf("old: %v", err)
	}
	future := now + 120
	_, err = VerifyEnvEncryptPublicKeyWithTimestamp(pub, envSig(t, kms, pub, appID, &future), simAppID, future, nil)
	if !containsText(err, "timestamp is too far in the future") {
		t.Fatalf("future: %v", err)
	}
	if got, err := VerifyEnvEncryptPublicKeyWithTimestamp(pub, envSig(t, kms, pub, appID, &future), simAppID, future,
		&VerifyEnvEncryptPublicKeyOptions{FutureSkewSeconds: 300}); err != nil || string(got) != want {
		t.Fatalf("future within a wider skew: %s %v", got, err)
	}

	// The sound form: errors, 0X accepted, trusted keys.
	_, err = CheckEnvEncryptPublicKey(pub, sig[:64], simAppID, EnvEncryptPublicKeyCheck{Timestamp: &now})
	wantStatus(t, err, ErrInvalidArgument)
	if got, err := CheckEnvEncryptPublicKey(pub, sig, "0X"+simAppID, EnvEncryptPublicKeyCheck{Timestamp: &now}); err != nil || string(got) != want {
		t.Fatalf("Check 0X: %s %v", got, err)
	}
	_, err = CheckEnvEncryptPublicKey(pub, sig, simAppID, EnvEncryptPublicKeyCheck{Timestamp: &now, TrustedKMSKeys: [][]byte{mustHex(t, factKMSRoot)}})
	wantStatus(t, err, ErrVerificationFailed)
	if _, err := CheckEnvEncryptPublicKey(pub, legacy, simAppID, EnvEncryptPublicKeyCheck{TrustedKMSKeys: [][]byte{kmsKey}}); err != nil {
		t.Fatalf("Check trusted legacy: %v", err)
	}
}

// Input the official SDK rejects is rejected, with its message; input it
// accepts gives its result.
func TestKeyHelpersFollowTheOfficialChecks(t *testing.T) {
	long := &GetKeyResponse{Key: factKeyAP + "01"}
	for _, f := range []func(interface{}) (*EthereumAccount, error){ToEthereumAccount, ToEthereumAccountSecure} {
		_, err := f(long)
		if !errors.Is(err, ErrInvalidArgument) || !containsText(err, "failed to create ECDSA private key: invalid length, need 256 bits") {
			t.Fatalf("33-byte key: %v", err)
		}
	}
	// The Go SDK seeds Solana keys with the first 32 bytes of a longer key
	// and refuses a shorter one.
	seed64 := &GetKeyResponse{Key: factKeyAP + factKeyAP}
	a, err := ToSolanaKeypair(seed64)
	b, err2 := ToSolanaKeypair(&GetKeyResponse{Key: factKeyAP})
	if err != nil || err2 != nil || !bytes.Equal(a.PrivateKey, b.PrivateKey) {
		t.Fatalf("64-byte key: %v %v", err, err2)
	}
	_, err = ToSolanaKeypairSecure(&GetKeyResponse{Key: factKeyAP[:62]})
	if !containsText(err, "key too short, need at least 32 bytes") {
		t.Fatalf("31-byte key: %v", err)
	}
}

// Nested "__proto__" members: JavaScript's result (testdata/README.md), done
// by libdstack's canonical JSON.
func TestComposeHashDropsProtoMembersAsJavaScript(t *testing.T) {
	doc := []byte(`{"runner":"x","a":{"__proto__":{"p":1},"b":2},"l":[{"__proto__":null}]}`)
	canonical, err := ComposeCanonicalJSON(doc, false)
	if err != nil || string(canonical) != `{"a":{"b":2},"l":[{}],"runner":"x"}` {
		t.Fatalf("canonical %s %v", canonical, err)
	}
	h, err := GetComposeHashJSON(doc, false)
	want := sha256.Sum256(canonical)
	if err != nil || h != hex.EncodeToString(want[:]) {
		t.Fatalf("hash %s %v", h, err)
	}
}
