package tappd

import (
	"bufio"
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dstack "github.com/libdstack/libdstack/bindings/go"
)

// The official tappd package's API on libdstack, against the simulator's
// tappd socket.

const simAppID = "5bb4ff9a3837357f19dc176407a5709c62eb6c56"

var tappdSock string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	os.Unsetenv("TAPPD_SIMULATOR_ENDPOINT")
	os.Unsetenv("DSTACK_SIMULATOR_ENDPOINT")
	bin := os.Getenv("DSTACK_SIMULATOR_BIN")
	if bin == "" {
		bin = "../../../target/release/dstack-simulator"
	}
	dir, err := os.MkdirTemp("", "dstack-tappd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(bin, "--dir", filepath.Join(dir, "sim"), "--app-keys",
		"../../../testdata/fixtures/simulator_appkeys.json", "--app-id", simAppID)
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "simulator:", err)
		return 1
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "tappd: ") {
				tappdSock = strings.TrimPrefix(line, "tappd: ")
			}
			if line == "ready" {
				ready <- true
				_, _ = io.Copy(io.Discard, out)
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			fmt.Fprintln(os.Stderr, "simulator exited")
			return 1
		}
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "simulator not ready")
		return 1
	}
	return m.Run()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newClient(t *testing.T) *TappdClient {
	c := NewTappdClient(WithEndpoint(tappdSock), WithLogger(quiet))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Compile-time: the official signatures.
var (
	_ func(...TappdClientOption) *TappdClient                                                    = NewTappdClient
	_ func(string) TappdClientOption                                                             = WithEndpoint
	_ func(*slog.Logger) TappdClientOption                                                       = WithLogger
	_ func(*TappdClient, context.Context, string) (*DeriveKeyResponse, error)                    = (*TappdClient).DeriveKey
	_ func(*TappdClient, context.Context, string, string) (*DeriveKeyResponse, error)            = (*TappdClient).DeriveKeyWithSubject
	_ func(*TappdClient, context.Context, string, string, []string) (*DeriveKeyResponse, error)  = (*TappdClient).DeriveKeyWithSubjectAndAltNames
	_ func(*TappdClient, context.Context, []byte) (*TdxQuoteResponse, error)                     = (*TappdClient).TdxQuote
	_ func(*TappdClient, context.Context, []byte, QuoteHashAlgorithm) (*TdxQuoteResponse, error) = (*TappdClient).TdxQuoteWithHashAlgorithm
	_ func(*TappdClient, context.Context) (*TappdInfoResponse, error)                            = (*TappdClient).Info
	_ func(*DeriveKeyResponse, int) ([]byte, error)                                              = (*DeriveKeyResponse).ToBytes
	_ func(*TdxQuoteResponse) (map[int]string, error)                                            = (*TdxQuoteResponse).ReplayRTMRs
	_ TcbInfo                                                                                    = TappdInfoResponse{}.TcbInfo
)

func TestDeriveKey(t *testing.T) {
	c := newClient(t)
	k, err := c.DeriveKey(ctx(t), "/svc")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(k.CertificateChain[0]))
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil || cert.Subject.CommonName != "/svc" {
		t.Fatalf("subject %v %v", cert, err)
	}
	again, err := c.DeriveKeyWithSubject(ctx(t), "/svc", "other")
	if err != nil || again.Key != k.Key {
		t.Fatalf("not derived from the path: %v", err)
	}
	k3, err := c.DeriveKeyWithSubjectAndAltNames(ctx(t), "/svc", "", []string{"a.example"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = pem.Decode([]byte(k3.CertificateChain[0]))
	cert, _ = x509.ParseCertificate(b.Bytes)
	if cert.Subject.CommonName != "/svc" || len(cert.DNSNames) != 1 || cert.DNSNames[0] != "a.example" {
		t.Fatalf("subject %q names %v", cert.Subject.CommonName, cert.DNSNames)
	}
	// ToBytes: the DER, cut (never padded) when maxLength >= 0.
	kb, _ := pem.Decode([]byte(k.Key))
	whole, err := k.ToBytes(-1)
	if err != nil || string(whole) != string(kb.Bytes) {
		t.Fatalf("ToBytes(-1) %v", err)
	}
	if cut, _ := k.ToBytes(32); string(cut) != string(kb.Bytes[:32]) {
		t.Fatal("ToBytes(32)")
	}
	if all, _ := k.ToBytes(10000); len(all) != len(kb.Bytes) {
		t.Fatal("ToBytes padded")
	}
	if empty, _ := k.ToBytes(0); len(empty) != 0 {
		t.Fatal("ToBytes(0)")
	}
	// Printing hides the key.
	if s := fmt.Sprintf("%v %+v %#v", k, *k, k); strings.Contains(s, "PRIVATE KEY") || !strings.Contains(s, "<redacted>") {
		t.Fatalf("printed %s", s)
	}
}

func TestTdxQuote(t *testing.T) {
	c := newClient(t)
	data := []byte("report")
	q, err := c.TdxQuote(ctx(t), data)
	if err != nil {
		t.Fatal(err)
	}
	// Default SHA-512 of "app-data:" ‖ data, checked against the quote.
	want := sha512.Sum512(append([]byte("app-data:"), data...))
	full := dstack.GetQuoteResponse{Quote: q.Quote, EventLog: q.EventLog, ReportData: hex.EncodeToString(want[:])}
	if err := full.VerifyEventLog(); err != nil {
		t.Fatal(err)
	}
	// RAW: left-padded to 64 bytes, as the official package.
	q, err = c.TdxQuoteWithHashAlgorithm(ctx(t), []byte{0xab}, RAW)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(make([]byte, 63), 0xab)
	full = dstack.GetQuoteResponse{Quote: q.Quote, EventLog: q.EventLog, ReportData: hex.EncodeToString(padded)}
	if err := full.VerifyEventLog(); err != nil {
		t.Fatalf("raw report data not left-padded: %v", err)
	}
	_, err = c.TdxQuoteWithHashAlgorithm(ctx(t), make([]byte, 65), RAW)
	if err == nil || !strings.Contains(err.Error(), "report data is too large, it should be at most 64 bytes when hashAlgorithm is RAW") {
		t.Fatalf("65 bytes raw: %v", err)
	}
	// ReplayRTMRs is the official digest replay: RTMR0-2 match the quote.
	rtmrs, err := q.ReplayRTMRs()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := full.ParseQuote()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if rtmrs[i] != hex.EncodeToString(parsed.RTMRs[i]) {
			t.Fatalf("RTMR%d %s", i, rtmrs[i])
		}
	}
	bad := TdxQuoteResponse{EventLog: "not json"}
	if r, err := bad.ReplayRTMRs(); err != nil || r[3] != INIT_MR {
		t.Fatalf("malformed log: %v %v", r, err)
	}
}

func TestInfo(t *testing.T) {
	info, err := newClient(t).Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.AppID != simAppID || len(info.TcbInfo.Mrtd) != 96 || len(info.TcbInfo.EventLog) == 0 {
		t.Fatalf("info %+v", info)
	}
}

func TestEndpointDiscovery(t *testing.T) {
	t.Setenv("TAPPD_SIMULATOR_ENDPOINT", tappdSock)
	c := NewTappdClient(WithLogger(quiet))
	defer c.Close()
	if _, err := c.Info(ctx(t)); err != nil {
		t.Fatal(err)
	}
	var nilClient *TappdClient
	if _, err := nilClient.Info(ctx(t)); err == nil {
		t.Fatal("nil client answered")
	}
}
