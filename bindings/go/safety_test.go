package dstack

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
)

// Misuse of the public surface gets an error, never a panic: nil and
// zero-value clients, nil contexts and options, out-of-range timeouts, nil
// response pointers. Printing values that hold private keys redacts them.

func wantNotInitialized(t *testing.T, what string, err error, constructor string) {
	t.Helper()
	if !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("%s: want ErrNotInitialized, got %v", what, err)
	}
	if !strings.Contains(err.Error(), constructor) {
		t.Fatalf("%s: message %q does not name %s", what, err, constructor)
	}
}

func TestNilAndZeroValueDstackClientReturnErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    *DstackClient
	}{{"nil", nil}, {"zero value", &DstackClient{}}} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			want := func(what string, err error) { t.Helper(); wantNotInitialized(t, what, err, "NewDstackClient") }
			_, err := c.GetKey(ctx(t), "a", "p", "")
			want("GetKey", err)
			_, err = c.GetQuote(ctx(t), []byte("x"))
			want("GetQuote", err)
			_, err = c.Attest(ctx(t), []byte("x"))
			want("Attest", err)
			_, err = c.Info(ctx(t))
			want("Info", err)
			_, err = c.GetVersion(ctx(t))
			want("GetVersion", err)
			_, err = c.GpuInfo(ctx(t))
			want("GpuInfo", err)
			_, err = c.Sign(ctx(t), "ed25519", []byte("x"))
			want("Sign", err)
			_, err = c.Verify(ctx(t), "ed25519", []byte("x"), make([]byte, 64), make([]byte, 32))
			want("Verify", err)
			want("EmitEvent", c.EmitEvent(ctx(t), "e", []byte("x")))
			_, err = c.GetTlsKey(ctx(t), WithSubject("s"))
			want("GetTlsKey", err)
			_, err = c.TdxQuote(ctx(t), []byte("x"), "raw")
			want("TdxQuote", err)
			want("Err", c.Err())
			want("Close", c.Close())
			if c.IsReachable(ctx(t)) {
				t.Fatal("IsReachable true")
			}
			if c.Endpoint() != "" {
				t.Fatalf("Endpoint %q", c.Endpoint())
			}
			if _, err := c.DeriveKey("p", "s", nil); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("DeriveKey: %v", err)
			}
		})
	}
}

func TestNilAndZeroValueTappdClientReturnErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    *TappdClient
	}{{"nil", nil}, {"zero value", &TappdClient{}}} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			want := func(what string, err error) { t.Helper(); wantNotInitialized(t, what, err, "NewTappdClient") }
			_, err := c.DeriveKey(ctx(t), "p", "s", nil)
			want("DeriveKey", err)
			_, err = c.DeriveKeyWithOptions(ctx(t), "p", WithRandomSeed(true))
			want("DeriveKeyWithOptions", err)
			_, err = c.DeriveK256Key(ctx(t), "a", "p")
			want("DeriveK256Key", err)
			_, err = c.TdxQuote(ctx(t), []byte("x"), "sha256")
			want("TdxQuote", err)
			_, err = c.TdxQuoteWithHashAlgorithm(ctx(t), []byte("x"), RAW)
			want("TdxQuoteWithHashAlgorithm", err)
			_, err = c.TdxQuoteWithPrefix(ctx(t), []byte("x"), "sha512", "p")
			want("TdxQuoteWithPrefix", err)
			_, err = c.RawQuote(ctx(t), make([]byte, 64))
			want("RawQuote", err)
			_, err = c.Info(ctx(t))
			want("Info", err)
			_, err = c.GetVersion(ctx(t))
			want("GetVersion", err)
			want("Err", c.Err())
			want("Close", c.Close())
			if c.IsReachable(ctx(t)) {
				t.Fatal("IsReachable true")
			}
			if c.Endpoint() != "" {
				t.Fatalf("Endpoint %q", c.Endpoint())
			}
		})
	}
}

// A client whose creation failed has nothing to release: Close is nil and
// calls report the creation error.
func TestCloseOfFailedClientIsNil(t *testing.T) {
	c := NewDstackClient(WithEndpoint("https://example.invalid"), WithLogger(quietLogger))
	if c.Err() == nil {
		t.Fatal("https endpoint accepted")
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := c.Info(ctx(t)); err == nil || errors.Is(err, ErrNotInitialized) {
		t.Fatalf("Info: want the creation error, got %v", err)
	}
}

// Close works on a copy of a client stored inside another struct (the
// finalizer lives on the shared handle, so no runtime.SetFinalizer on an
// interior pointer, which would abort the process).
func TestCloseOfClientCopiedIntoStruct(t *testing.T) {
	type holder struct {
		pad    [3]uint64
		client DstackClient
	}
	orig := NewDstackClient(WithEndpoint(sim.dstack), WithLogger(quietLogger))
	h := &holder{client: *orig}
	k, err := h.client.GetKey(ctx(t), "a", "p", "")
	if err != nil || k.Key != factKeyAP {
		t.Fatalf("GetKey through the copy: %v", err)
	}
	if err := h.client.Close(); err != nil {
		t.Fatal(err)
	}
	// Both share the handle: the original is closed too.
	_, err = orig.GetKey(ctx(t), "a", "p", "")
	wantStatus(t, err, ErrClosed)
	if err := orig.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWithTimeoutOutOfRange(t *testing.T) {
	maxOK := time.Duration(math.MaxUint32) * time.Millisecond
	for _, d := range []time.Duration{-time.Nanosecond, -time.Second, maxOK + time.Nanosecond, maxOK + time.Millisecond, time.Duration(math.MaxInt64)} {
		c := NewDstackClient(WithEndpoint(sim.dstack), WithLogger(quietLogger), WithTimeout(d))
		err := c.Err()
		wantStatus(t, err, ErrInvalidArgument)
		if !strings.Contains(err.Error(), "WithTimeout") {
			t.Fatalf("%v: message %q does not name WithTimeout", d, err)
		}
		_, err = c.GetKey(ctx(t), "a", "p", "")
		wantStatus(t, err, ErrInvalidArgument)
		tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger), WithTimeout(d))
		wantStatus(t, tc.Err(), ErrInvalidArgument)
	}
	// The bounds themselves are accepted: 0 (default), 1 ns (rounds up to
	// 1 ms) and 2^32-1 ms.
	for _, d := range []time.Duration{0, time.Nanosecond, maxOK} {
		c := NewDstackClient(WithEndpoint(sim.dstack), WithLogger(quietLogger), WithTimeout(d))
		if err := c.Err(); err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		c.Close()
	}
	c := NewDstackClient(WithEndpoint(sim.dstack), WithLogger(quietLogger), WithTimeout(maxOK))
	defer c.Close()
	if k, err := c.GetKey(ctx(t), "a", "p", ""); err != nil || k.Key != factKeyAP {
		t.Fatalf("GetKey with the largest timeout: %v", err)
	}
}

// A deadline beyond the ABI's 2^32-1 ms is capped, not wrapped: time.Until of
// a far deadline saturates at math.MaxInt64, where rounding up overflowed.
func TestFarContextDeadlineIsCapped(t *testing.T) {
	far, cancel := context.WithDeadline(context.Background(), time.Unix(1<<50, 0))
	defer cancel()
	ms, err := timeoutFromContext(far, 0)
	if err != nil || ms != math.MaxUint32 {
		t.Fatalf("timeoutFromContext = %d, %v; want %d", ms, err, uint32(math.MaxUint32))
	}
	if got := durationMs(time.Duration(math.MaxInt64)); got != math.MaxUint32 {
		t.Fatalf("durationMs(MaxInt64) = %d", got)
	}
	if got := durationMs(time.Nanosecond); got != 1 {
		t.Fatalf("durationMs(1ns) = %d", got)
	}
	if k, err := newClient(t).GetKey(far, "a", "p", ""); err != nil || k.Key != factKeyAP {
		t.Fatalf("GetKey with a far deadline: %v", err)
	}
}

func TestNilContextIsAnError(t *testing.T) {
	c := newClient(t)
	var nilCtx context.Context
	_, err := c.GetKey(nilCtx, "a", "p", "")
	wantStatus(t, err, ErrNullArgument)
	if !strings.Contains(err.Error(), "context") {
		t.Fatalf("message %q", err)
	}
	if c.IsReachable(nilCtx) {
		t.Fatal("IsReachable(nil) true")
	}
	tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	_, err = tc.Info(nilCtx)
	wantStatus(t, err, ErrNullArgument)
}

func TestNilOptionsAreIgnored(t *testing.T) {
	c := NewDstackClient(nil, WithEndpoint(sim.dstack), nil, WithLogger(quietLogger))
	defer c.Close()
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	r, err := c.GetTlsKey(ctx(t), nil, WithSubject("nil-opts.example"), nil)
	if err != nil || len(r.CertificateChain) == 0 {
		t.Fatalf("GetTlsKey with nil options: %v", err)
	}
	tc := NewTappdClient(nil, WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	if _, err := tc.DeriveKeyWithOptions(ctx(t), "/p", nil, WithSubject("x")); err != nil {
		t.Fatalf("DeriveKeyWithOptions with nil options: %v", err)
	}
}

func TestNilResponseMethodsReturnErrors(t *testing.T) {
	var k *GetKeyResponse
	_, err := k.DecodeKey()
	wantStatus(t, err, ErrNullArgument)
	_, err = k.DecodeSignatureChain()
	wantStatus(t, err, ErrNullArgument)
	_, err = k.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot))
	wantStatus(t, err, ErrNullArgument)
	if k.WithPurpose("p", "") != nil {
		t.Fatal("WithPurpose on nil made a response")
	}
	var q *GetQuoteResponse
	for name, f := range map[string]func() error{
		"DecodeQuote":       func() error { _, err := q.DecodeQuote(); return err },
		"DecodeReportData":  func() error { _, err := q.DecodeReportData(); return err },
		"DecodeAttestation": func() error { _, err := q.DecodeAttestation(); return err },
		"DecodeEventLog":    func() error { _, err := q.DecodeEventLog(); return err },
		"ReplayRTMRs":       func() error { _, err := q.ReplayRTMRs(); return err },
		"VerifyEventLog":    q.VerifyEventLog,
		"ParseQuote":        func() error { _, err := q.ParseQuote(); return err },
	} {
		if err := f(); !errors.Is(err, ErrNullArgument) {
			t.Fatalf("GetQuoteResponse.%s: %v", name, err)
		}
	}
	var info *InfoResponse
	_, err = info.DecodeTcbInfo()
	wantStatus(t, err, ErrNullArgument)
	var s *SignResponse
	_, err = s.VerifySignatureChain(nil, nil)
	wantStatus(t, err, ErrNullArgument)
	var tls *GetTlsKeyResponse
	_, err = tls.AsUint8Array()
	wantStatus(t, err, ErrNullArgument)
	_, err = ToEthereumAccountSecure(tls)
	wantStatus(t, err, ErrNullArgument)
	_, err = ToSolanaKeypair(k)
	wantStatus(t, err, ErrNullArgument)
	var acct *EthereumAccount
	_, err = acct.Sign(make([]byte, 32))
	wantStatus(t, err, ErrNullArgument)
	if acct.PublicKey() != nil {
		t.Fatal("PublicKey of nil account")
	}
	var kp *SolanaKeypair
	if kp.Sign([]byte("m")) != nil || kp.Verify([]byte("m"), make([]byte, 64)) || kp.PublicKeyString() != "" ||
		kp.PublicKeyBase58() != "" || kp.Bytes() != nil {
		t.Fatal("nil SolanaKeypair methods returned values")
	}
	// fmt prints nil pointers of the redacting types as <nil>.
	if got := fmt.Sprintf("%v %+v %v", k, tls, acct); got != "<nil> <nil> <nil>" {
		t.Fatalf("nil formatting %q", got)
	}
}

func TestAsUint8ArrayArgumentChecks(t *testing.T) {
	r, err := newClient(t).GetTlsKey(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.AsUint8Array(1, 2)
	wantStatus(t, err, ErrInvalidArgument)
	// Absurd lengths are refused by libdstack before anything is allocated.
	_, err = r.AsUint8Array(1 << 40)
	wantStatus(t, err, ErrLimitExceeded)
	_, err = r.AsUint8Array(math.MaxInt)
	wantStatus(t, err, ErrLimitExceeded)
	if b, err := r.AsUint8Array(200); err != nil || len(b) != 200 {
		t.Fatalf("AsUint8Array(200): %d bytes, %v", len(b), err)
	}
}

// verbs every redacting Format must cover (fmt calls Format for all of them).
var formatVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10v", "%d"}

// checkRedacted formats v (a value and a pointer) with every verb, String,
// GoString and slog's text handler, and fails if any output contains one of
// secrets; the %v forms must say <redacted> and contain every one of public.
func checkRedacted(t *testing.T, v, ptr any, secrets, public []string, typeName string) {
	t.Helper()
	var outs []string
	for _, verb := range formatVerbs {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, ptr))
	}
	outs = append(outs, fmt.Sprint(v), fmt.Sprintln(ptr), fmt.Sprintf("%v", []any{v}))
	if s, ok := v.(fmt.Stringer); ok {
		outs = append(outs, s.String())
	} else {
		t.Fatalf("%s has no String method", typeName)
	}
	if g, ok := v.(fmt.GoStringer); ok {
		outs = append(outs, g.GoString())
	} else {
		t.Fatalf("%s has no GoString method", typeName)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("response", "value", v, "ptr", ptr)
	outs = append(outs, logged.String())
	for _, out := range outs {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(strings.ToLower(out), strings.ToLower(secret)) {
				t.Fatalf("%s printed its secret: %q", typeName, out)
			}
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		out := fmt.Sprintf(verb, v)
		if !strings.Contains(out, "<redacted>") {
			t.Fatalf("%s %s = %q: no <redacted>", typeName, verb, out)
		}
		for _, p := range public {
			if !strings.Contains(out, p) {
				t.Fatalf("%s %s = %q: lacks %q", typeName, verb, out, p)
			}
		}
	}
	if gs := fmt.Sprintf("%#v", v); !strings.HasPrefix(gs, "dstack."+typeName+"{") {
		t.Fatalf("%%#v = %q, want the dstack.%s{...} form", gs, typeName)
	}
	if s := fmt.Sprintf("%+v", v); !strings.Contains(s, "Key:<redacted>") {
		t.Fatalf("%%+v = %q, want field names", s)
	}
}

// textSecrets lists the spellings of a secret string that must not appear:
// the text itself and its hex (what %x of the default layout would print).
func textSecrets(s string) []string {
	return []string{s, hex.EncodeToString([]byte(s))}
}

// pemBody is the base64 lines of a PEM block.
func pemBody(t *testing.T, p string) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(p, "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatal("empty PEM")
	}
	return lines
}

func TestGetKeyResponseFormatRedactsKey(t *testing.T) {
	c := newClient(t)
	r, err := c.GetKey(ctx(t), "a", "p", "")
	if err != nil {
		t.Fatal(err)
	}
	secrets := textSecrets(r.Key)
	checkRedacted(t, *r, r, secrets, []string{r.SignatureChain[0], r.SignatureChain[1]}, "GetKeyResponse")
	// The tappd DeriveK256Key answer is the same type.
	tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	tr, err := tc.DeriveK256Key(ctx(t), "a", "p")
	if err != nil {
		t.Fatal(err)
	}
	checkRedacted(t, *tr, tr, textSecrets(tr.Key), []string{tr.SignatureChain[0]}, "GetKeyResponse")
	// Field access, JSON and chain verification are unchanged.
	if r.Key != factKeyAP {
		t.Fatalf("Key %q", r.Key)
	}
	js, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(js), `"key":"`+factKeyAP+`"`) {
		t.Fatalf("JSON %s %v", js, err)
	}
	var back GetKeyResponse
	if err := json.Unmarshal(js, &back); err != nil || back.Key != r.Key {
		t.Fatalf("JSON round trip %v", err)
	}
	if _, err := r.VerifySignatureChain(mustHex(t, simAppID), mustHex(t, factKMSRoot)); err != nil {
		t.Fatal(err)
	}
	// An empty key prints as empty: nothing to hide.
	if s := fmt.Sprintf("%+v", GetKeyResponse{}); !strings.Contains(s, "Key: ") {
		t.Fatalf("empty key: %q", s)
	}
}

func TestGetTlsKeyResponseFormatRedactsKey(t *testing.T) {
	c := newClient(t)
	r, err := c.GetTlsKey(ctx(t), WithSubject("redact.example"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(textSecrets(r.Key), pemBody(t, r.Key)...)
	secrets = append(secrets, "PRIVATE KEY")
	checkRedacted(t, *r, r, secrets, []string{"BEGIN CERTIFICATE"}, "GetTlsKeyResponse")
	// The tappd DeriveKey answer is the same type.
	tc := NewTappdClient(WithEndpoint(sim.tappd), WithLogger(quietLogger))
	defer tc.Close()
	tr, err := tc.DeriveKey(ctx(t), "/svc", "svc.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRedacted(t, *tr, tr, append(textSecrets(tr.Key), pemBody(t, tr.Key)...), []string{"BEGIN CERTIFICATE"}, "GetTlsKeyResponse")
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back GetTlsKeyResponse
	if err := json.Unmarshal(js, &back); err != nil || back.Key != r.Key || len(back.CertificateChain) != len(r.CertificateChain) {
		t.Fatalf("JSON round trip lost the key: %v", err)
	}
}

func TestAccountAndKeypairFormatRedactPrivateKey(t *testing.T) {
	k := &GetKeyResponse{Key: factKeyAP}
	acct, err := ToEthereumAccountSecure(k)
	if err != nil {
		t.Fatal(err)
	}
	priv := acctSecret(acct)
	secrets := []string{hex.EncodeToString(priv), fmt.Sprint(priv), fmt.Sprintf("%#v", priv), fmt.Sprint(acct.PrivateKey)}
	checkRedacted(t, *acct, acct, secrets, []string{acct.Address.Hex()}, "EthereumAccount")
	if !bytes.Equal(acctSecret(acct), mustHex(t, factKeyAP)) {
		t.Fatal("PrivateKey changed")
	}

	kp, err := ToSolanaKeypairSecure(k)
	if err != nil {
		t.Fatal(err)
	}
	seed := kp.PrivateKey[:32]
	secrets = []string{hex.EncodeToString(seed), fmt.Sprint([]byte(seed)), strings.Trim(fmt.Sprint([]byte(seed)), "[]"),
		hex.EncodeToString(kp.PrivateKey)}
	checkRedacted(t, *kp, kp, secrets, []string{kp.PublicKeyBase58()}, "SolanaKeypair")
	if !bytes.Equal(kp.Bytes()[:32], mustHex(t, factKeyAP)) {
		t.Fatal("Bytes changed")
	}
}

// Key responses are accepted by value too; anything else is a clear error.
func TestKeyHelpersAcceptValuesAndNameBadTypes(t *testing.T) {
	byPtr, err := ToEthereumAccountSecure(&GetKeyResponse{Key: factKeyAP})
	if err != nil {
		t.Fatal(err)
	}
	byValue, err := ToEthereumAccountSecure(GetKeyResponse{Key: factKeyAP})
	if err != nil || byValue.Address.Hex() != byPtr.Address.Hex() {
		t.Fatalf("by value: %v", err)
	}
	kp, err := ToSolanaKeypairSecure(GetKeyResponse{Key: factKeyAP})
	if err != nil || !bytes.Equal(kp.Bytes()[:32], mustHex(t, factKeyAP)) {
		t.Fatalf("solana by value: %v", err)
	}
	tls, err := newClient(t).GetTlsKey(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	a1, err1 := ToEthereumAccountSecure(tls)
	a2, err2 := ToEthereumAccountSecure(*tls)
	if err1 != nil || err2 != nil || a1.Address.Hex() != a2.Address.Hex() {
		t.Fatalf("TLS key by pointer/value: %v %v", err1, err2)
	}
	for _, bad := range []interface{}{nil, 5, factKeyAP, &InfoResponse{}} {
		_, err := ToEthereumAccount(bad)
		wantStatus(t, err, ErrInvalidArgument)
		if !strings.Contains(err.Error(), "GetKeyResponse") || !strings.Contains(err.Error(), fmt.Sprintf("%T", bad)) {
			t.Fatalf("%T: message %q", bad, err)
		}
	}
}
