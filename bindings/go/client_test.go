package dstack

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Facts about the simulator keys (docs/PROTOCOL.md §6.1): GetKey("a", "p") of
// the fixture app keys, the app key that signs it, and the KMS root key.
const (
	factKeyAP     = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94"
	factAppPubKey = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c"
	factKMSRoot   = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6"
)

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newClient(t testing.TB) *DstackClient {
	t.Helper()
	c := NewDstackClient(WithEndpoint(sim.dstack), WithLogger(quietLogger))
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newLegacyClient(t testing.TB) *DstackClient {
	t.Helper()
	c := NewDstackClient(WithEndpoint(simLegacy.dstack), WithLogger(quietLogger))
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantStatus(t *testing.T, err error, sentinel *DstackError) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %v, got nil", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("want %v, got %v", sentinel.Status, err)
	}
}

func TestGetKeyMatchesSimulatorKeysAndChainVerifies(t *testing.T) {
	c := newClient(t)
	r, err := c.GetKey(ctx(t), "a", "p", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Key != factKeyAP {
		t.Fatalf("key %s, want %s", r.Key, factKeyAP)
	}
	if len(r.SignatureChain) != 2 {
		t.Fatalf("chain length %d", len(r.SignatureChain))
	}
	chain, err := r.DecodeSignatureChain()
	if err != nil || len(chain[0]) != 65 || len(chain[1]) != 65 {
		t.Fatalf("chain %v %v", chain, err)
	}
	info, err := r.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(info.AppPublicKey) != factAppPubKey || hex.EncodeToString(info.KMSPublicKey) != factKMSRoot {
		t.Fatalf("chain keys %x %x", info.AppPublicKey, info.KMSPublicKey)
	}

	// A chain checked against the wrong app or KMS key must fail.
	otherApp := mustHex(t, simAppID)
	otherApp[0] ^= 1
	_, err = r.VerifySignatureChain(otherApp, mustHex(t, factKMSRoot))
	wantStatus(t, err, ErrVerificationFailed)
	_, err = r.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factAppPubKey))
	wantStatus(t, err, ErrVerificationFailed)
	// The purpose is bound into the chain.
	r2 := *r
	r2.WithPurpose("other", "secp256k1")
	_, err = r2.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot))
	wantStatus(t, err, ErrVerificationFailed)
}

func TestGetKeyEd25519(t *testing.T) {
	c := newClient(t)
	r, err := c.GetKey(ctx(t), "a", "p", "ed25519")
	if err != nil {
		t.Fatal(err)
	}
	// The key material does not depend on the algorithm (docs/PROTOCOL.md §6.1).
	if r.Key != factKeyAP {
		t.Fatalf("ed25519 key %s", r.Key)
	}
	if _, err := r.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot)); err != nil {
		t.Fatal(err)
	}
	// The same key read as secp256k1 does not match the ed25519 chain.
	r.WithPurpose("p", "secp256k1")
	_, err = r.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot))
	wantStatus(t, err, ErrVerificationFailed)
}

func TestGetKeyErrors(t *testing.T) {
	c := newClient(t)
	_, err := c.GetKey(ctx(t), "a", "p", "rsa")
	if err == nil {
		t.Fatal("unknown algorithm accepted")
	}
	var de *DstackError
	if !errors.As(err, &de) || de.Message == "" {
		t.Fatalf("want a DstackError with a message, got %#v", err)
	}
	// ed25519 on an agent without the Version RPC is refused before sending.
	_, err = newLegacyClient(t).GetKey(ctx(t), "a", "p", "ed25519")
	wantStatus(t, err, ErrUnsupported)
	// secp256k1 works on the old agent.
	r, err := newLegacyClient(t).GetKey(ctx(t), "a", "p", "secp256k1")
	if err != nil || r.Key != factKeyAP {
		t.Fatalf("legacy GetKey %v %v", r, err)
	}
}

func TestGetQuoteReplayAndVerify(t *testing.T) {
	c := newClient(t)
	rd := []byte("libdstack go binding")
	q, err := c.GetQuote(ctx(t), rd)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 64)
	copy(want, rd)
	if q.ReportData != hex.EncodeToString(want) {
		t.Fatalf("report data %s", q.ReportData)
	}
	parsed, err := q.ParseQuote()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parsed.ReportData, want) {
		t.Fatalf("quote report data %x", parsed.ReportData)
	}
	if parsed.Version != 4 && parsed.Version != 5 {
		t.Fatalf("quote version %d", parsed.Version)
	}
	if err := q.VerifyEventLog(); err != nil {
		t.Fatal(err)
	}
	rtmrs, err := q.ReplayRTMRs()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if rtmrs[i] != hex.EncodeToString(parsed.RTMRs[i]) {
			t.Fatalf("RTMR%d replay %s, quote %x", i, rtmrs[i], parsed.RTMRs[i])
		}
	}
	events, err := q.DecodeEventLog()
	if err != nil || len(events) == 0 {
		t.Fatalf("events %d %v", len(events), err)
	}
	strict, err := ParseEventLog(q.EventLog)
	if err != nil || len(strict) != len(events) {
		t.Fatalf("strict parse %d %v", len(strict), err)
	}
	for i := range events {
		if strict[i].Event != events[i].Event || strict[i].IMR != events[i].IMR {
			t.Fatalf("event %d differs: %+v vs %+v", i, strict[i], events[i])
		}
	}

	// A different expected report data fails.
	other := *q
	other.ReportData = hex.EncodeToString(make([]byte, 64))
	wantStatus(t, other.VerifyEventLog(), ErrVerificationFailed)

	// A tampered runtime event fails: its digest is recomputed from the payload.
	var raw []map[string]any
	if err := json.Unmarshal([]byte(q.EventLog), &raw); err != nil {
		t.Fatal(err)
	}
	tampered := false
	for _, ev := range raw {
		if ev["event"] == "compose-hash" {
			ev["event_payload"] = strings.Repeat("00", 32)
			tampered = true
		}
	}
	if !tampered {
		t.Fatal("no compose-hash event in the log")
	}
	b, _ := json.Marshal(raw)
	other = *q
	other.EventLog = string(b)
	wantStatus(t, other.VerifyEventLog(), ErrVerificationFailed)
}

func TestGetQuoteBadInput(t *testing.T) {
	c := newClient(t)
	_, err := c.GetQuote(ctx(t), make([]byte, 65))
	wantStatus(t, err, ErrInvalidArgument)
	_, err = c.Attest(ctx(t), make([]byte, 65))
	wantStatus(t, err, ErrInvalidArgument)
	// Empty report data is allowed and quoted as zeros.
	q, err := c.GetQuote(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.ReportData != strings.Repeat("00", 64) {
		t.Fatalf("report data %s", q.ReportData)
	}
	_, err = (&GetQuoteResponse{Quote: "zz"}).DecodeQuote()
	wantStatus(t, err, ErrInvalidHex)
	_, err = ParseQuote([]byte("short"))
	if err == nil {
		t.Fatal("short quote parsed")
	}
	if err := VerifyEventLog(nil, "[]", nil); err == nil {
		t.Fatal("empty quote verified")
	}
}

func TestAttest(t *testing.T) {
	c := newClient(t)
	a, err := c.Attest(ctx(t), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Attestation) == 0 {
		t.Fatal("empty attestation")
	}
	// VersionedAttestation starts with 0x00 (V0 SCALE) or a msgpack map (V1), docs/PROTOCOL.md §7.3.
	if b := a.Attestation[0]; b != 0x00 && !(b >= 0x80 && b <= 0x8f) && b != 0xde && b != 0xdf {
		t.Fatalf("attestation starts with %#x", b)
	}
	_, err = newLegacyClient(t).Attest(ctx(t), []byte("x"))
	if err == nil {
		t.Fatal("legacy agent attested")
	}
}

func TestGetTlsKey(t *testing.T) {
	c := newClient(t)
	r, err := c.GetTlsKey(ctx(t), WithSubject("go.example"), WithAltNames([]string{"a.go.example", "b.go.example"}))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(r.Key))
	if block == nil {
		t.Fatal("key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.CertificateChain) < 2 {
		t.Fatalf("chain of %d", len(r.CertificateChain))
	}
	cb, _ := pem.Decode([]byte(r.CertificateChain[0]))
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "go.example" || strings.Join(cert.DNSNames, ",") != "a.go.example,b.go.example" {
		t.Fatalf("subject %q names %v", cert.Subject.CommonName, cert.DNSNames)
	}
	if !key.(*ecdsa.PrivateKey).PublicKey.Equal(cert.PublicKey) {
		t.Fatal("certificate is not for the key")
	}
	// Default usages follow the official Go SDK: none.
	for _, u := range cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth {
			t.Fatalf("ext key usage %v", cert.ExtKeyUsage)
		}
	}
	der, err := r.AsUint8Array()
	if err != nil || !bytes.Equal(der, block.Bytes) {
		t.Fatalf("AsUint8Array %x %v", der, err)
	}
	first, err := r.AsUint8Array(32)
	if err != nil || !bytes.Equal(first, block.Bytes[:32]) {
		t.Fatalf("AsUint8Array(32) %x %v", first, err)
	}

	r, err = c.GetTlsKey(ctx(t), WithUsageServerAuth(false), WithUsageClientAuth(true),
		WithNotBefore(1700000000), WithNotAfter(1800000000))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ = pem.Decode([]byte(r.CertificateChain[0]))
	cert, err = x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Fatalf("ext key usage %v", cert.ExtKeyUsage)
	}
	if cert.NotBefore.Unix() != 1700000000 || cert.NotAfter.Unix() != 1800000000 {
		t.Fatalf("validity %v %v", cert.NotBefore, cert.NotAfter)
	}

	// An empty validity window is refused before sending, with the agent's text.
	_, err = c.GetTlsKey(ctx(t), WithNotBefore(1800000000), WithNotAfter(1700000000))
	wantStatus(t, err, ErrInvalidArgument)
	if !strings.Contains(err.Error(), "not_before must be earlier than not_after") {
		t.Fatalf("message: %v", err)
	}

	// The validity options need the Version RPC: refused on an old agent.
	_, err = newLegacyClient(t).GetTlsKey(ctx(t), WithNotAfter(1800000000))
	wantStatus(t, err, ErrUnsupported)
	if _, err := newLegacyClient(t).GetTlsKey(ctx(t)); err != nil {
		t.Fatalf("plain GetTlsKey on the old agent: %v", err)
	}
}

func TestInfo(t *testing.T) {
	c := newClient(t)
	info, err := c.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.AppID != simAppID {
		t.Fatalf("app id %s", info.AppID)
	}
	tcb, err := info.DecodeTcbInfo()
	if err != nil {
		t.Fatal(err)
	}
	// compose_hash is SHA-256 of the app-compose bytes (docs/PROTOCOL.md §6.3).
	sum := sha256.Sum256([]byte(tcb.AppCompose))
	if info.ComposeHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("compose hash %s, sha256(app_compose) %x", info.ComposeHash, sum)
	}
	raw, err := GetComposeHashRaw([]byte(tcb.AppCompose))
	if err != nil || raw != info.ComposeHash {
		t.Fatalf("GetComposeHashRaw %s %v", raw, err)
	}
	// The RTMRs in tcb_info are replayable from its (unstripped) event log.
	logJSON, _ := json.Marshal(tcb.EventLog)
	rtmrs, err := ReplayRTMRs(string(logJSON))
	if err != nil {
		t.Fatal(err)
	}
	if rtmrs[0] != tcb.Rtmr0 || rtmrs[1] != tcb.Rtmr1 || rtmrs[2] != tcb.Rtmr2 || rtmrs[3] != tcb.Rtmr3 {
		t.Fatalf("replay %v vs tcb %s %s %s %s", rtmrs, tcb.Rtmr0, tcb.Rtmr1, tcb.Rtmr2, tcb.Rtmr3)
	}
	if _, err := (&InfoResponse{}).DecodeTcbInfo(); err == nil {
		t.Fatal("empty tcb_info decoded")
	}
}

func TestVersionAndGpuInfo(t *testing.T) {
	c := newClient(t)
	v, err := c.GetVersion(ctx(t))
	if err != nil || v.Version == "" || v.Rev == "" {
		t.Fatalf("version %+v %v", v, err)
	}
	g, err := c.GpuInfo(ctx(t))
	if err != nil || g.Attestation != "" {
		t.Fatalf("gpu info %+v %v", g, err)
	}
	_, err = newLegacyClient(t).GetVersion(ctx(t))
	if err == nil {
		t.Fatal("legacy agent has Version")
	}
}

func TestSignVerifyAndChain(t *testing.T) {
	c := newClient(t)
	data := []byte("message to sign")
	digest := sha256.Sum256(data)
	for _, tc := range []struct {
		alg  string
		data []byte
	}{{"ed25519", data}, {"secp256k1", data}, {"k256", data}, {"secp256k1_prehashed", digest[:]}} {
		t.Run(tc.alg, func(t *testing.T) {
			s, err := c.Sign(ctx(t), tc.alg, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot))
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(info.AppPublicKey) != factAppPubKey {
				t.Fatalf("app key %x", info.AppPublicKey)
			}
			v, err := c.Verify(ctx(t), tc.alg, tc.data, s.Signature, s.PublicKey)
			if err != nil || !v.Valid {
				t.Fatalf("verify %v %v", v, err)
			}
			bad := append([]byte(nil), s.Signature...)
			bad[5] ^= 1
			v, err = c.Verify(ctx(t), tc.alg, tc.data, bad, s.PublicKey)
			if err == nil && v.Valid {
				t.Fatal("tampered signature valid")
			}
			// The local check agrees with the agent's Verify.
			if ok, err := VerifySignature(tc.alg, tc.data, s.Signature, s.PublicKey); err != nil || !ok {
				t.Fatalf("local verify %v %v", ok, err)
			}
			if ok, err := VerifySignature(tc.alg, tc.data, bad, s.PublicKey); err != nil || ok {
				t.Fatalf("local verify of a tampered signature: %v %v", ok, err)
			}
			badKey := append([]byte(nil), s.PublicKey...)
			badKey = badKey[:len(badKey)-1]
			_, err = VerifySignature(tc.alg, tc.data, s.Signature, badKey)
			wantStatus(t, err, ErrInvalidArgument)
			_, err = VerifySignature(tc.alg, tc.data, append(append([]byte(nil), s.Signature...), 0), s.PublicKey)
			wantStatus(t, err, ErrInvalidArgument)
			// Tampered data fails the local check.
			forged := *s
			forged.data = append([]byte("x"), tc.data[1:]...)
			_, err = forged.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot))
			wantStatus(t, err, ErrVerificationFailed)
		})
	}
	_, err := VerifySignature("p256", data, make([]byte, 64), make([]byte, 33))
	wantStatus(t, err, ErrInvalidArgument)
	_, err = VerifySignature("secp256k1_prehashed", data, make([]byte, 64), make([]byte, 33))
	wantStatus(t, err, ErrInvalidArgument)
	_, err = c.Sign(ctx(t), "secp256k1_prehashed", []byte("not 32 bytes"))
	if err == nil {
		t.Fatal("short prehashed digest signed")
	}
	_, err = c.Sign(ctx(t), "", data)
	if err == nil {
		t.Fatal("empty algorithm accepted")
	}
	_, err = newLegacyClient(t).Sign(ctx(t), "ed25519", data)
	if err == nil {
		t.Fatal("legacy agent signed")
	}
}

func TestEmitEvent(t *testing.T) {
	c := newClient(t)
	before, err := c.GetQuote(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EmitEvent(ctx(t), "go-test-event", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	after, err := c.GetQuote(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := before.ParseQuote()
	pa, _ := after.ParseQuote()
	if bytes.Equal(pb.RTMRs[3], pa.RTMRs[3]) {
		t.Fatal("RTMR3 unchanged by EmitEvent")
	}
	if err := after.VerifyEventLog(); err != nil {
		t.Fatalf("log with the emitted event: %v", err)
	}
	err = c.EmitEvent(ctx(t), "", nil)
	if err == nil {
		t.Fatal("empty event name accepted")
	}
	err = newLegacyClient(t).EmitEvent(ctx(t), "e", nil)
	wantStatus(t, err, ErrUnsupported)
}

func TestIsReachableAndNoAgent(t *testing.T) {
	if !newClient(t).IsReachable(ctx(t)) {
		t.Fatal("simulator not reachable")
	}
	missing := filepath.Join(t.TempDir(), "none.sock")
	c := NewDstackClient(WithEndpoint(missing), WithLogger(quietLogger))
	defer c.Close()
	if c.IsReachable(ctx(t)) {
		t.Fatal("missing socket reachable")
	}
	_, err := c.Info(ctx(t))
	wantStatus(t, err, ErrNoAgent)
	if c.Endpoint() != missing {
		t.Fatalf("endpoint %q", c.Endpoint())
	}
}

func TestDiscoveryFromEnvironment(t *testing.T) {
	t.Setenv("DSTACK_SIMULATOR_ENDPOINT", sim.dstack)
	var logged bytes.Buffer
	c := NewDstackClient(WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	defer c.Close()
	if c.Endpoint() != sim.dstack {
		t.Fatalf("endpoint %q", c.Endpoint())
	}
	// WithLogger receives the notice the official SDK logs when it takes the simulator
	// endpoint from the environment.
	if out := logged.String(); !strings.Contains(out, "using simulator endpoint") || !strings.Contains(out, sim.dstack) {
		t.Fatalf("logger got %q", out)
	}
	// The deprecated TdxQuote warns through the same logger.
	logged.Reset()
	if _, err := c.TdxQuote(ctx(t), []byte("x"), "raw"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "deprecated") {
		t.Fatalf("logger got %q", logged.String())
	}
	if _, err := c.GetKey(ctx(t), "a", "p", ""); err != nil {
		t.Fatal(err)
	}
}

// silentAgent accepts connections and never answers.
func silentAgent(t *testing.T) (string, *int32) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "silent.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	accepted := new(int32)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			*accepted++
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return path, accepted
}

func TestContextDeadlineAndCancel(t *testing.T) {
	path, _ := silentAgent(t)
	c := NewDstackClient(WithEndpoint(path), WithLogger(quietLogger))
	defer c.Close()

	dctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := c.GetKey(dctx, "a", "p", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}

	cctx, cancel2 := context.WithCancel(context.Background())
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel2()
	}()
	_, err = c.Info(cctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}

	// No deadline: the client's own timeout bounds the call.
	short := NewDstackClient(WithEndpoint(path), WithLogger(quietLogger), WithTimeout(100*time.Millisecond))
	defer short.Close()
	_, err = short.GetVersion(context.Background())
	wantStatus(t, err, ErrTimeout)
}

func TestExpiredContextSendsNothing(t *testing.T) {
	path, accepted := silentAgent(t)
	c := NewDstackClient(WithEndpoint(path), WithLogger(quietLogger))
	defer c.Close()
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Info(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	dctx, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := c.Info(dctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expired: %v", err)
	}
	if c.IsReachable(dctx) {
		t.Fatal("reachable with an expired context")
	}
	time.Sleep(50 * time.Millisecond)
	if *accepted != 0 {
		t.Fatalf("%d connections made with an expired context", *accepted)
	}
}

// fakeAgent answers every connection with fixed bytes.
func fakeAgent(t *testing.T, reply string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				buf := make([]byte, 4096)
				_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				_, _ = conn.Read(buf)
				_, _ = conn.Write([]byte(reply))
			}(conn)
		}
	}()
	return path
}

func httpReply(status int, body string) string {
	return fmt.Sprintf("HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", status, len(body), body)
}

func TestMalformedAgentAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply string
		want  *DstackError
	}{
		{"garbage", "this is not http\r\n\r\n", ErrMalformedHTTP},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"key\":", ErrIO},
		{"not json", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", ErrMalformedResponse},
		{"bad hex", httpReply(200, `{"key":"zz","signature_chain":[]}`), ErrMalformedResponse},
		{"agent error", httpReply(400, `{"error":"no such key"}`), ErrAgent},
		{"404", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", ErrHTTPStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewDstackClient(WithEndpoint(fakeAgent(t, tc.reply)), WithLogger(quietLogger))
			defer c.Close()
			_, err := c.GetKey(ctx(t), "a", "p", "")
			wantStatus(t, err, tc.want)
			if tc.want == ErrAgent && !strings.Contains(err.Error(), "no such key") {
				t.Fatalf("agent message lost: %v", err)
			}
		})
	}
}

func TestCloseAndConcurrency(t *testing.T) {
	c := NewDstackClient(WithEndpoint(sim.dstack), WithLogger(quietLogger))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.GetKey(context.Background(), "a", "p", "")
			if err != nil {
				errs <- err
				return
			}
			if r.Key != factKeyAP {
				errs <- errors.New("wrong key " + r.Key)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetKey(ctx(t), "a", "p", "")
	wantStatus(t, err, ErrClosed)
}

func TestCloseWhileCallInFlight(t *testing.T) {
	path, _ := silentAgent(t)
	c := NewDstackClient(WithEndpoint(path), WithLogger(quietLogger), WithTimeout(300*time.Millisecond))
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Info(cctx)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	// The call returns at once; the C call still holds the handle, so Close
	// only marks it and the background call frees it when it times out.
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
	c.Close()
	time.Sleep(400 * time.Millisecond)
}

func TestDeprecatedDstackMethods(t *testing.T) {
	c := newClient(t)
	if _, err := c.DeriveKey("p", "s", nil); err == nil {
		t.Fatal("DeriveKey succeeded")
	}
	if _, err := c.TdxQuote(ctx(t), []byte("x"), "sha512"); err == nil {
		t.Fatal("TdxQuote accepted sha512")
	}
	q, err := c.TdxQuote(ctx(t), []byte("x"), "raw")
	if err != nil || !strings.HasPrefix(q.ReportData, "78") {
		t.Fatalf("TdxQuote raw %v %v", q, err)
	}
}

func TestTappdClient(t *testing.T) {
	tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	if err := tc.Err(); err != nil {
		t.Fatal(err)
	}
	if !tc.IsReachable(ctx(t)) {
		t.Fatal("tappd not reachable")
	}
	k, err := tc.DeriveKey(ctx(t), "/svc", "", []string{"svc.example"})
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := pem.Decode([]byte(k.CertificateChain[0]))
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "/svc" || len(cert.DNSNames) != 1 || cert.DNSNames[0] != "svc.example" {
		t.Fatalf("subject %q names %v", cert.Subject.CommonName, cert.DNSNames)
	}
	// Path-derived: the same path gives the same key.
	k2, err := tc.DeriveKey(ctx(t), "/svc", "", nil)
	if err != nil || k2.Key != k.Key {
		t.Fatalf("DeriveKey not deterministic: %v", err)
	}

	data := []byte("tappd report")
	q, err := tc.TdxQuote(ctx(t), data, "")
	if err != nil {
		t.Fatal(err)
	}
	// Default: SHA-512("app-data:" ‖ data) (docs/PROTOCOL.md §2.2).
	want := sha512.Sum512(append([]byte("app-data:"), data...))
	if q.ReportData != hex.EncodeToString(want[:]) {
		t.Fatalf("report data %s", q.ReportData)
	}
	if err := q.VerifyEventLog(); err != nil {
		t.Fatal(err)
	}
	// raw: left-padded, as the official SDK.
	q, err = tc.TdxQuote(ctx(t), []byte{0xab}, "raw")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.VerifyEventLog(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(q.ReportData, "00ab") || !strings.HasPrefix(q.ReportData, "00") {
		t.Fatalf("raw report data %s", q.ReportData)
	}
	// TdxQuoteWithPrefix: right-padded like GetQuote.
	q, err = tc.TdxQuoteWithPrefix(ctx(t), []byte{0xab}, "raw", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.VerifyEventLog(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q.ReportData, "ab00") {
		t.Fatalf("raw report data %s", q.ReportData)
	}
	_, err = tc.TdxQuote(ctx(t), make([]byte, 65), "raw")
	wantStatus(t, err, ErrInvalidArgument)

	k256, err := tc.DeriveK256Key(ctx(t), "a", "p")
	if err != nil || k256.Key != factKeyAP {
		t.Fatalf("DeriveK256Key %v %v", k256, err)
	}
	if _, err := k256.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot)); err != nil {
		t.Fatal(err)
	}
	info, err := tc.Info(ctx(t))
	if err != nil || info.AppID != simAppID {
		t.Fatalf("tappd info %v %v", info, err)
	}
	if _, err := tc.GetVersion(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if tc.Close() != nil || tc.Close() != nil {
		t.Fatal("close")
	}
	_, err = tc.Info(ctx(t))
	wantStatus(t, err, ErrClosed)
}

func BenchmarkGetKey(b *testing.B) {
	c := newClient(b)
	bctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.GetKey(bctx, "bench", "p", ""); err != nil {
			b.Fatal(err)
		}
	}
}
