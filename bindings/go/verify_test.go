//go:build dstack_verify

package dstack

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Offline verification against the real Intel-signed quotes of testdata/dcap
// and the real GetQuote fixtures, live simulator evidence (GetQuote, Attest,
// RA-TLS certificates, over real TLS handshakes), forged variants of both, and
// FetchCollateral against a local PCCS (httptest). Times are pinned.

var (
	// 2025-06-25T00:00:00Z: inside the window of the 2025-06-19 collateral.
	now2025 = time.Unix(1750809600, 0)
	// 2026-03-01T00:00:00Z: inside the window of the 2026-02-18 collateral.
	now2026 = time.Unix(1772323200, 0)
	// The tdx_quote collateral's window.
	tdxFrom  = time.Unix(1750329147, 0)
	tdxUntil = time.Unix(1752919235, 0)
	// Validity of the RA-TLS certificates asked for below.
	certFrom  = time.Unix(1735689600, 0)
	certUntil = time.Unix(2082758400, 0)
)

const intelRootSHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"

func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantCheck asserts a *VerifyError with the check, the status sentinel, and a
// message naming the check and both compared values.
func wantCheck(t *testing.T, err error, sentinel error, check string) *VerifyError {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *VerifyError %s, got %v", check, err)
	}
	if ve.Check != check || !errors.Is(err, sentinel) {
		t.Fatalf("want check %s (%v), got %s (status %v): %v", check, sentinel, ve.Check, ve.Status, err)
	}
	var de *DstackError
	if !errors.As(err, &de) || de.Status != ve.Status {
		t.Fatalf("errors.As(*DstackError): %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, check+": ") ||
		(ve.Expected != "" && !strings.Contains(msg, "expected "+ve.Expected)) ||
		(ve.Actual != "" && !strings.Contains(msg, "got "+ve.Actual)) {
		t.Fatalf("message %q does not name the check and values", msg)
	}
	return ve
}

func dev(now time.Time) VerifyOptions {
	return VerifyOptions{Now: now, InsecureSkipIntelSignature: true}
}

func TestVerifyRealTDXQuote(t *testing.T) {
	quote := readTestdata(t, "dcap/tdx_quote")
	col := readTestdata(t, "dcap/tdx_quote_collateral.json")
	v, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025})
	if err != nil {
		t.Fatal(err)
	}
	if v.Evidence != "quote" || v.Tee != "tdx" || v.QuoteVersion != 4 || !v.QuoteVerified ||
		!v.IntelSignatureVerified || v.InsecureSkipIntelSignature || v.TcbStatus != "UpToDate" ||
		len(v.AdvisoryIDs) != 0 || len(v.PPID) != 16 {
		t.Fatalf("unexpected result: %+v", v)
	}
	if !v.CollateralValidFrom.Equal(tdxFrom) || !v.CollateralValidUntil.Equal(tdxUntil) || !v.Now.Equal(now2025) {
		t.Fatalf("window %v..%v now %v", v.CollateralValidFrom, v.CollateralValidUntil, v.Now)
	}
	// The registers as the quote holds them (header 48 bytes; MRTD at body offset 136).
	if v.TD == nil || v.Enclave != nil || !bytes.Equal(v.TD.Mrtd, quote[48+136:48+184]) ||
		!bytes.Equal(v.TD.Rtmr3, quote[48+472:48+520]) || !bytes.Equal(v.ReportData, quote[48+520:48+584]) ||
		v.TD.MrServiceTD != nil {
		t.Fatalf("quote body %+v", v.TD)
	}
	if v.App != nil || v.Certificate != nil || v.EventLogVerified || v.RTMRsVerified != [4]bool{} || v.OSImageHashVerified {
		t.Fatalf("fields of other evidence set: %+v", v)
	}
	var details map[string]any
	if err := json.Unmarshal(v.JSON, &details); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"quote_verified", "event_log_verified", "os_image_hash_verified", "report_data", "tcb_status", "advisory_ids", "app_info"} {
		if _, ok := details[k]; !ok {
			t.Errorf("JSON lacks upstream's details key %s", k)
		}
	}

	// Expected report data.
	if w, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025, ExpectedReportData: v.ReportData}); err != nil || !w.ReportDataChecked {
		t.Fatalf("own report data: %v", err)
	}
	other := append([]byte{v.ReportData[0] ^ 1}, v.ReportData[1:]...)
	_, err = VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025, ExpectedReportData: other})
	ve := wantCheck(t, err, ErrVerificationFailed, "report_data")
	if ve.Expected != hex.EncodeToString(other) || ve.Actual != hex.EncodeToString(v.ReportData) {
		t.Fatalf("values %s / %s", ve.Expected, ve.Actual)
	}
	_, err = VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025, ExpectedReportData: make([]byte, 65)})
	wantCheck(t, err, ErrInvalidArgument, "input")

	// The window's edges.
	for _, now := range []time.Time{tdxFrom, tdxUntil.Add(-time.Second)} {
		if _, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now}); err != nil {
			t.Fatalf("%v: %v", now, err)
		}
	}
	for now, text := range map[time.Time]string{tdxFrom.Add(-time.Second): "2025-06-19T10:32:26Z", tdxUntil: "2025-07-19T10:00:35Z"} {
		_, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now})
		ve := wantCheck(t, err, ErrExpired, "collateral_validity")
		if ve.Actual != text || ve.Expected != "a time from 2025-06-19T10:32:27Z to before 2025-07-19T10:00:35Z" {
			t.Fatalf("values %q / %q", ve.Expected, ve.Actual)
		}
	}
}

func TestVerifyRealSGXQuoteAndPolicy(t *testing.T) {
	quote := readTestdata(t, "dcap/sgx_quote")
	col := readTestdata(t, "dcap/sgx_quote_collateral.json")
	_, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025})
	ve := wantCheck(t, err, ErrVerificationFailed, "tcb_status")
	if ve.Expected != "one of UpToDate" || ve.Actual != "ConfigurationAndSWHardeningNeeded (advisories INTEL-SA-00289, INTEL-SA-00615)" {
		t.Fatalf("values %q / %q", ve.Expected, ve.Actual)
	}
	parsed, err := ParseTcbPolicy("ConfigurationAndSWHardeningNeeded")
	if err != nil || parsed != TcbUpToDate|TcbConfigurationAndSWHardeningNeeded {
		t.Fatalf("ParseTcbPolicy: %v %v", parsed, err)
	}
	for _, p := range []TcbPolicy{parsed, TcbAny} {
		v, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025, Policy: p})
		if err != nil {
			t.Fatal(err)
		}
		if v.Tee != "sgx" || v.QuoteVersion != 3 || v.Enclave == nil || v.TD != nil || len(v.Enclave.MrEnclave) != 32 ||
			v.TcbStatus != "ConfigurationAndSWHardeningNeeded" ||
			strings.Join(v.AdvisoryIDs, ",") != "INTEL-SA-00289,INTEL-SA-00615" {
			t.Fatalf("%+v", v)
		}
	}
	if p, err := ParseTcbPolicy("any"); err != nil || p != TcbAny {
		t.Fatal(p, err)
	}
	for _, bad := range []string{"Revoked", "Fine"} {
		if _, err := ParseTcbPolicy(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("%s: %v", bad, err)
		}
	}
	// A bit outside the policy is refused, not ignored (no check: a bad argument).
	_, err = VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025, Policy: 256})
	var ve2 *VerifyError
	if !errors.Is(err, ErrInvalidArgument) || errors.As(err, &ve2) {
		t.Fatalf("policy 256: %v", err)
	}
	_, err = VerifyQuote(readTestdata(t, "dcap/tdx_quote_outdated"),
		VerifyOptions{Collateral: readTestdata(t, "dcap/tdx_quote_outdated_collateral.json"), Now: now2026, Policy: TcbAny})
	wantCheck(t, err, ErrVerificationFailed, "tcb_info")
}

func TestVerifyForgedQuotesAndCollateral(t *testing.T) {
	quote := readTestdata(t, "dcap/tdx_quote")
	col := readTestdata(t, "dcap/tdx_quote_collateral.json")
	for off, check := range map[int]string{600: "quote_signature", 640: "quote_signature", 700: "qe_report", 1150: "qe_report"} {
		forged := bytes.Clone(quote)
		forged[off] ^= 1
		_, err := VerifyQuote(forged, VerifyOptions{Collateral: col, Now: now2025})
		wantCheck(t, err, ErrVerificationFailed, check)
	}
	_, err := VerifyQuote(quote[:1000], VerifyOptions{Collateral: col, Now: now2025})
	wantCheck(t, err, ErrVerificationFailed, "quote_format")
	var c map[string]any
	if err := json.Unmarshal(col, &c); err != nil {
		t.Fatal(err)
	}
	sig := c["tcb_info_signature"].(string)
	flip := "0"
	if sig[10] == '0' {
		flip = "1"
	}
	c["tcb_info_signature"] = sig[:10] + flip + sig[11:]
	forged, _ := json.Marshal(c)
	_, err = VerifyQuote(quote, VerifyOptions{Collateral: forged, Now: now2025})
	wantCheck(t, err, ErrVerificationFailed, "collateral_signature")
	_, err = VerifyQuote(quote, VerifyOptions{Collateral: readTestdata(t, "dcap/sgx_quote_collateral.json"), Now: now2025})
	wantCheck(t, err, ErrVerificationFailed, "tcb_info")
	_, err = VerifyQuote(quote, VerifyOptions{Now: now2025})
	wantCheck(t, err, ErrInvalidArgument, "collateral_missing")
	_, err = VerifyQuote(quote, VerifyOptions{Collateral: []byte("{}"), Now: now2025})
	wantCheck(t, err, ErrInvalidArgument, "collateral_format")
	if _, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: time.Unix(-1, 0)}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("time before 1970: %v", err)
	}
}

func TestVerifyRealGetQuoteFixture(t *testing.T) {
	text := readTestdata(t, "fixtures/verifier_fixture_tdx-lite-getquote.json")
	v, err := VerifyGetQuote(text, dev(now2025))
	if err != nil {
		t.Fatal(err)
	}
	if v.Evidence != "get_quote" || v.RTMRsVerified != [4]bool{true, true, true, true} || !v.EventLogVerified ||
		v.IntelSignatureVerified || !v.InsecureSkipIntelSignature || v.QuoteVerified || v.TcbStatus != "" {
		t.Fatalf("%+v", v)
	}
	a := v.App
	if a == nil || hex.EncodeToString(a.AppID) != "86b0e55f2fa8e4fb69d890f14f54d5612707646e" ||
		hex.EncodeToString(a.ComposeHash) != "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9" ||
		hex.EncodeToString(a.InstanceID) != "050bf89570575fe8fab4cb8f0a62a9e64efe8ead" ||
		hex.EncodeToString(a.DeviceID) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" ||
		a.KeyProviderName != "kms" || !a.SystemReady || !strings.Contains(v.VMConfig, `"tdx_attestation_variant":"lite"`) {
		t.Fatalf("app %+v", a)
	}
	var answer GetQuoteResponse
	if err := json.Unmarshal(text, &answer); err != nil {
		t.Fatal(err)
	}
	if w, err := VerifyGetQuoteResponse(&answer, dev(now2025)); err != nil || !bytes.Equal(w.App.ComposeHash, a.ComposeHash) {
		t.Fatalf("from the response type: %v", err)
	}
	_, err = VerifyGetQuote(text, VerifyOptions{Now: now2025})
	wantCheck(t, err, ErrInvalidArgument, "collateral_missing")
	forged := bytes.Replace(text, []byte(`\"event\":\"compose-hash\",\"event_payload\":\"86b0`),
		[]byte(`\"event\":\"compose-hash\",\"event_payload\":\"86b1`), 1)
	if bytes.Equal(forged, text) {
		t.Fatal("fixture changed: no compose-hash event to forge")
	}
	_, err = VerifyGetQuote(forged, dev(now2025))
	ve := wantCheck(t, err, ErrVerificationFailed, "rtmr_replay")
	if len(ve.Expected) != 96 || ve.Expected == ve.Actual || !strings.Contains(ve.Message, "RTMR3") {
		t.Fatalf("%+v", ve)
	}
}

func simClient(t *testing.T) *DstackClient {
	t.Helper()
	c := NewDstackClient(WithEndpoint(sim.dstack))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestVerifySimulatorGetQuote(t *testing.T) {
	c := simClient(t)
	ctx := context.Background()
	gq, err := c.GetQuote(ctx, []byte("challenge"))
	if err != nil {
		t.Fatal(err)
	}
	opts := dev(now2025)
	opts.ExpectedReportData = []byte("challenge")
	v, err := VerifyGetQuoteResponse(gq, opts)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !v.ReportDataChecked || v.RTMRsVerified != [4]bool{true, true, true, true} || v.App == nil ||
		hex.EncodeToString(v.App.AppID) != simAppID || hex.EncodeToString(v.App.ComposeHash) != info.ComposeHash ||
		hex.EncodeToString(v.App.InstanceID) != info.InstanceID || hex.EncodeToString(v.App.MrAggregated) != info.MrAggregated {
		t.Fatalf("%+v vs %+v", v.App, info)
	}
	// Not Intel-signed: refused at the pinned root, with or without collateral.
	for _, col := range [][]byte{nil, readTestdata(t, "dcap/tdx_quote_collateral.json")} {
		_, err := VerifyGetQuoteResponse(gq, VerifyOptions{Collateral: col, Now: now2025})
		ve := wantCheck(t, err, ErrVerificationFailed, "pck_chain_root")
		if !strings.Contains(ve.Expected, intelRootSHA256) || !strings.Contains(ve.Actual, "Mock PCK Certificate") {
			t.Fatalf("%+v", ve)
		}
	}
	opts.ExpectedReportData = []byte("other")
	_, err = VerifyGetQuoteResponse(gq, opts)
	wantCheck(t, err, ErrVerificationFailed, "report_data")
	// Forged: one event payload changed in the log.
	var log []map[string]any
	if err := json.Unmarshal([]byte(gq.EventLog), &log); err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if e["event"] == "compose-hash" {
			p := e["event_payload"].(string)
			e["event_payload"] = map[bool]string{true: "1", false: "0"}[p[0] == '0'] + p[1:]
		}
	}
	forgedLog, _ := json.Marshal(log)
	forged := *gq
	forged.EventLog = string(forgedLog)
	_, err = VerifyGetQuoteResponse(&forged, dev(now2025))
	wantCheck(t, err, ErrVerificationFailed, "rtmr_replay")
	if _, err := VerifyGetQuoteResponse(nil, dev(now2025)); err == nil {
		t.Fatal("nil response accepted")
	}
}

func TestVerifySimulatorAttestation(t *testing.T) {
	c := simClient(t)
	att, err := c.Attest(context.Background(), []byte("nonce"))
	if err != nil {
		t.Fatal(err)
	}
	opts := dev(now2025)
	opts.ExpectedReportData = []byte("nonce")
	v, err := VerifyAttestation(att.Attestation, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Evidence != "attestation_v1" || v.RTMRsVerified != [4]bool{true, true, true, true} || !v.ReportDataChecked ||
		hex.EncodeToString(v.App.AppID) != simAppID || len(v.RuntimeEvents) < 4 {
		t.Fatalf("%+v", v)
	}
	_, err = VerifyAttestation(att.Attestation, VerifyOptions{Now: now2025})
	wantCheck(t, err, ErrVerificationFailed, "pck_chain_root")
	raw := att.Attestation
	for _, bad := range [][]byte{raw[:len(raw)-1], append(bytes.Clone(raw), 0), {1, 2}} {
		_, err := VerifyAttestation(bad, dev(now2025))
		wantCheck(t, err, ErrVerificationFailed, "attestation_format")
	}
	i := bytes.LastIndex(raw, []byte("system-ready"))
	forged := bytes.Clone(raw)
	forged[i] = 'S'
	_, err = VerifyAttestation(forged, dev(now2025))
	wantCheck(t, err, ErrVerificationFailed, "runtime_events")
}

// raTLSKey asks the simulator for an RA-TLS key and certificate.
func raTLSKey(t *testing.T, c *DstackClient) (tls.Certificate, []byte) {
	t.Helper()
	r, err := c.GetTlsKey(context.Background(), WithSubject("ratls.test"), WithAltNames([]string{"localhost"}),
		WithUsageRaTls(true), WithUsageServerAuth(true), WithUsageClientAuth(true), WithAppInfo(true),
		WithNotBefore(uint64(certFrom.Unix())), WithNotAfter(uint64(certUntil.Unix())))
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair([]byte(strings.Join(r.CertificateChain, "\n")), []byte(r.Key))
	if err != nil {
		t.Fatal(err)
	}
	return pair, pair.Certificate[0]
}

func TestVerifyRaTlsCert(t *testing.T) {
	_, der := raTLSKey(t, simClient(t))
	v, err := VerifyRaTlsCert(der, dev(now2025))
	if err != nil {
		t.Fatal(err)
	}
	cert := v.Certificate
	if v.Evidence != "ra_tls_cert" || !v.ReportDataChecked || v.RTMRsVerified != [4]bool{false, false, false, true} ||
		cert == nil || !bytes.Equal(cert.AppID, v.App.AppID) || hex.EncodeToString(v.App.AppID) != simAppID ||
		!cert.NotBefore.Equal(certFrom) || !cert.NotAfter.Equal(certUntil) || !cert.AppInfoExtension ||
		cert.AttestationSource != "attestation" || !strings.Contains(cert.Subject, "ratls.test") {
		t.Fatalf("%+v %+v", v, cert)
	}
	_, err = VerifyRaTlsCert(der, VerifyOptions{Now: now2025})
	wantCheck(t, err, ErrVerificationFailed, "pck_chain_root")
	_, err = VerifyRaTlsCert(der, dev(certFrom.Add(-time.Second)))
	ve := wantCheck(t, err, ErrExpired, "certificate_validity")
	if ve.Actual != "2024-12-31T23:59:59Z" {
		t.Fatal(ve.Actual)
	}
	i := bytes.Index(der, cert.PublicKeyDER) + len(cert.PublicKeyDER) - 1
	forged := bytes.Clone(der)
	forged[i] ^= 1
	_, err = VerifyRaTlsCert(forged, dev(now2025))
	wantCheck(t, err, ErrVerificationFailed, "ra_tls_binding")
	_, err = VerifyRaTlsCert(der[:40], dev(now2025))
	wantCheck(t, err, ErrVerificationFailed, "certificate_format")
	opts := dev(now2025)
	opts.ExpectedReportData = []byte("x")
	if _, err := VerifyRaTlsCert(der, opts); !errors.Is(err, ErrInvalidArgument) {
		t.Fatal(err)
	}
}

func TestVerifyCommittedRaTlsSample(t *testing.T) {
	block, _ := pem.Decode(readTestdata(t, "ratls/simulator_ra_tls_cert.pem"))
	if block == nil {
		t.Fatal("no PEM block in the sample")
	}
	der := block.Bytes
	v, err := VerifyRaTlsCert(der, dev(now2025))
	if err != nil {
		t.Fatal(err)
	}
	if v.Certificate == nil || !bytes.Equal(v.Certificate.AppID, v.App.AppID) {
		t.Fatalf("%+v", v.Certificate)
	}
	_, err = VerifyRaTlsCert(der, VerifyOptions{Now: now2025})
	wantCheck(t, err, ErrVerificationFailed, "pck_chain_root")
}

// serveTLS accepts one connection with cfg, completes the handshake and echoes one byte.
func serveTLS(t *testing.T, cfg *tls.Config) (string, <-chan error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := conn.(*tls.Conn).Handshake(); err != nil {
			done <- err
			return
		}
		buf := make([]byte, 1)
		_, err = conn.Read(buf)
		if err == nil {
			_, err = conn.Write(buf)
		}
		done <- err
	}()
	return ln.Addr().String(), done
}

func TestRaTlsConfigOverRealHandshakes(t *testing.T) {
	c := simClient(t)
	serverPair, _ := raTLSKey(t, c)
	clientPair, _ := raTLSKey(t, c)
	var mu sync.Mutex
	var seen []*Verification
	accept := RaTlsOptions{
		VerifyOptions: dev(now2025),
		OnVerified: func(v *Verification) error {
			mu.Lock()
			seen = append(seen, v)
			mu.Unlock()
			if hex.EncodeToString(v.App.AppID) != simAppID {
				return fmt.Errorf("unexpected app %x", v.App.AppID)
			}
			return nil
		},
	}
	// Client verifies the server; server verifies the client (mutual RA-TLS).
	serverCfg := &tls.Config{Certificates: []tls.Certificate{serverPair}, ClientAuth: tls.RequireAnyClientCert,
		VerifyPeerCertificate: accept.VerifyPeerCertificate}
	addr, done := serveTLS(t, serverCfg)
	clientCfg := RaTlsConfig(accept)
	clientCfg.Certificates = []tls.Certificate{clientPair}
	conn, err := tls.Dial("tcp", addr, clientCfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].Certificate == nil || seen[1].Certificate == nil {
		t.Fatalf("OnVerified saw %d verifications", len(seen))
	}

	// The policy rejects: OnVerified's error fails the handshake.
	addr, done = serveTLS(t, &tls.Config{Certificates: []tls.Certificate{serverPair}})
	reject := accept
	reject.OnVerified = func(*Verification) error { return errors.New("not the expected app") }
	if _, err := tls.Dial("tcp", addr, RaTlsConfig(reject)); err == nil || !strings.Contains(err.Error(), "not the expected app") {
		t.Fatalf("rejected peer accepted: %v", err)
	}
	<-done
	// Without the development opt-out the simulator's certificate is refused.
	addr, done = serveTLS(t, &tls.Config{Certificates: []tls.Certificate{serverPair}})
	_, err = tls.Dial("tcp", addr, RaTlsConfig(RaTlsOptions{VerifyOptions: VerifyOptions{Now: now2025}}))
	wantCheck(t, err, ErrVerificationFailed, "pck_chain_root")
	<-done
	// A certificate without an attestation (a self-made one) is refused.
	plain, err := tls.X509KeyPair(selfSignedPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, done = serveTLS(t, &tls.Config{Certificates: []tls.Certificate{plain}})
	_, err = tls.Dial("tcp", addr, RaTlsConfig(accept))
	wantCheck(t, err, ErrVerificationFailed, "certificate_format")
	<-done
	if err := accept.VerifyPeerCertificate(nil, nil); !errors.Is(err, ErrVerificationFailed) {
		t.Fatal(err)
	}
}

// selfSignedPEM makes an ordinary certificate (no attestation) and its key.
func selfSignedPEM(t *testing.T) ([]byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "plain.test"},
		NotBefore: certFrom, NotAfter: certUntil, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// pccsServer answers PCCS requests from testdata/dcap/tdx_quote_collateral.json
// in a PCCS's shape; mode breaks it.
type pccsServer struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
	mode  string
}

func newPCCS(t *testing.T) *pccsServer {
	t.Helper()
	var c map[string]string
	if err := json.Unmarshal(readTestdata(t, "dcap/tdx_quote_collateral.json"), &c); err != nil {
		t.Fatal(err)
	}
	enc := func(pem string) string { return url.PathEscape(pem) }
	crl, _ := hex.DecodeString(c["pck_crl"])
	type answer struct {
		body   []byte
		header map[string]string
	}
	answers := map[string]answer{
		"/sgx/certification/v4/pckcrl": {crl, map[string]string{"SGX-PCK-CRL-Issuer-Chain": enc(c["pck_crl_issuer_chain"])}},
		"/tdx/certification/v4/tcb": {[]byte(`{"tcbInfo":` + c["tcb_info"] + `,"signature":"` + c["tcb_info_signature"] + `"}`),
			map[string]string{"TCB-Info-Issuer-Chain": enc(c["tcb_info_issuer_chain"])}},
		"/tdx/certification/v4/qe/identity": {[]byte(`{"enclaveIdentity":` + c["qe_identity"] + `,"signature":"` + c["qe_identity_signature"] + `"}`),
			map[string]string{"SGX-Enclave-Identity-Issuer-Chain": enc(c["qe_identity_issuer_chain"])}},
		"/sgx/certification/v4/rootcacrl": {[]byte(c["root_ca_crl"]), nil},
	}
	p := &pccsServer{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.RequestURI())
		mode := p.mode
		p.mu.Unlock()
		a, ok := answers[r.URL.Path]
		if !ok || (mode == "404" && strings.HasSuffix(r.URL.Path, "/tcb")) {
			http.Error(w, "no such collateral", http.StatusNotFound)
			return
		}
		for k, v := range a.header {
			if mode == "no-header" && strings.HasSuffix(r.URL.Path, "/identity") {
				continue
			}
			if mode == "sgx-header" && k == "TCB-Info-Issuer-Chain" {
				k = "SGX-TCB-Info-Issuer-Chain"
			}
			w.Header().Set(k, v)
		}
		body := a.body
		if mode == "bad-body" && strings.HasSuffix(r.URL.Path, "/tcb") {
			body = []byte(`{"signature":"00"}`)
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(p.Close)
	return p
}

func TestFetchCollateral(t *testing.T) {
	p := newPCCS(t)
	quote := readTestdata(t, "dcap/tdx_quote")
	ctx := context.Background()
	col, err := FetchCollateral(ctx, p.URL+"/sgx/certification/v4/", quote)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.paths) != 4 || p.paths[0] != "/sgx/certification/v4/pckcrl?ca=platform&encoding=der" ||
		!strings.HasPrefix(p.paths[1], "/tdx/certification/v4/tcb?fmspc=") || !strings.HasSuffix(p.paths[1], "&update=standard") ||
		p.paths[2] != "/tdx/certification/v4/qe/identity?update=standard" || p.paths[3] != "/sgx/certification/v4/rootcacrl" {
		t.Fatalf("requests %q", p.paths)
	}
	v, err := VerifyQuote(quote, VerifyOptions{Collateral: col, Now: now2025})
	if err != nil || v.TcbStatus != "UpToDate" {
		t.Fatalf("fetched collateral: %v", err)
	}
	p.mode = "sgx-header"
	if _, err := FetchCollateralWith(ctx, p.Client(), p.URL, quote); err != nil {
		t.Fatal(err)
	}
	// Evidence that holds a quote: the URLs name its platform.
	p.paths = nil
	if _, err := FetchCollateral(ctx, p.URL, readTestdata(t, "fixtures/verifier_fixture_tdx-lite-getquote.json")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.paths[1], "/tdx/certification/v4/tcb?fmspc=") {
		t.Fatalf("%q", p.paths)
	}

	p.mode = "404"
	_, err = FetchCollateral(ctx, p.URL, quote)
	var pe *PCCSError
	if !errors.As(err, &pe) || pe.HTTPStatus != 404 || !strings.Contains(pe.URL, "/tcb?fmspc=") || !errors.Is(err, ErrIO) {
		t.Fatalf("404: %v", err)
	}
	p.mode = "no-header"
	_, err = FetchCollateral(ctx, p.URL, quote)
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "SGX-Enclave-Identity-Issuer-Chain") || pe.HTTPStatus != 0 {
		t.Fatalf("no header: %v", err)
	}
	p.mode = "bad-body"
	_, err = FetchCollateral(ctx, p.URL, quote)
	wantCheck(t, err, ErrInvalidArgument, "collateral_format")
	p.mode = ""
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FetchCollateral(cancelled, p.URL, quote); !errors.As(err, &pe) || !errors.Is(err, ErrIO) {
		t.Fatalf("cancelled: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	if _, err := FetchCollateral(ctx, dead, quote); !errors.As(err, &pe) {
		t.Fatalf("refused: %v", err)
	}
	_, err = FetchCollateral(ctx, p.URL, []byte("junk"))
	wantCheck(t, err, ErrVerificationFailed, "quote_format")
	if _, err := FetchCollateral(ctx, " ", quote); !errors.Is(err, ErrInvalidArgument) {
		t.Fatal(err)
	}
	//lint:ignore SA1012 a nil context is refused, not dereferenced
	if _, err := FetchCollateral(nil, p.URL, quote); !errors.Is(err, ErrNullArgument) { //nolint:staticcheck
		t.Fatal(err)
	}
}

// TestVerificationFieldsAreJSONKeys ties the generated field table of
// dstack_verify.h (abiVerificationFields) to the JSON this binding reads: every
// field but TCB_POLICY (the mask behind accepted_tcb_statuses) is a key of the
// result JSON, CERT_X under "certificate".
func TestVerificationFieldsAreJSONKeys(t *testing.T) {
	keys := map[string]bool{}
	var collect func(prefix string, m map[string]any)
	collect = func(prefix string, m map[string]any) {
		for k, v := range m {
			keys[prefix+k] = true
			if sub, ok := v.(map[string]any); ok {
				p := ""
				if k == "certificate" {
					p = "cert_"
				}
				collect(p, sub)
			}
		}
	}
	add := func(v *Verification, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(v.JSON, &m); err != nil {
			t.Fatal(err)
		}
		collect("", m)
	}
	add(VerifyQuote(readTestdata(t, "dcap/sgx_quote"), VerifyOptions{Collateral: readTestdata(t, "dcap/sgx_quote_collateral.json"), Now: now2025, Policy: TcbAny}))
	_, der := raTLSKey(t, simClient(t))
	add(VerifyRaTlsCert(der, dev(now2025)))
	for _, f := range abiVerificationFields {
		if f.Name == "TCB_POLICY" {
			continue
		}
		if !keys[strings.ToLower(f.Name)] {
			t.Errorf("field %s (%d) is no key of the result JSON", f.Name, f.Value)
		}
	}
	if len(abiVerificationFields) < 60 {
		t.Fatalf("%d fields", len(abiVerificationFields))
	}
}
