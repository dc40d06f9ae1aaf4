// Package tappd is the official SDK's tappd package
// (github.com/Dstack-TEE/dstack/sdk/go/tappd) on libdstack: a client for the
// legacy tappd agent (dstack OS 0.3, tappd.sock) with the same names,
// signatures, defaults and results. Switch by changing the import path.
//
// Deprecated: new agents serve dstack.sock; use the parent package's
// DstackClient.
package tappd

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"

	dstack "github.com/libdstack/libdstack/bindings/go"
)

// QuoteHashAlgorithm is the hash applied to the report data of TdxQuote.
type QuoteHashAlgorithm string

// The hash algorithms of the TdxQuote RPC.
const (
	SHA256    QuoteHashAlgorithm = "sha256"
	SHA384    QuoteHashAlgorithm = "sha384"
	SHA512    QuoteHashAlgorithm = "sha512"
	SHA3_256  QuoteHashAlgorithm = "sha3-256"
	SHA3_384  QuoteHashAlgorithm = "sha3-384"
	SHA3_512  QuoteHashAlgorithm = "sha3-512"
	KECCAK256 QuoteHashAlgorithm = "keccak256"
	KECCAK384 QuoteHashAlgorithm = "keccak384"
	KECCAK512 QuoteHashAlgorithm = "keccak512"
	// RAW passes at most 64 bytes of report data through unhashed.
	RAW QuoteHashAlgorithm = "raw"
)

// INIT_MR is the initial value of an RTMR (48 zero bytes, hex).
const INIT_MR = "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

// DeriveKeyResponse is the answer to DeriveKey: a PKCS#8 PEM P-256 key and
// its certificate chain, leaf first. Printing it shows the key as
// <redacted>; the field and its JSON are unchanged.
type DeriveKeyResponse struct {
	Key              string   `json:"key"`
	CertificateChain []string `json:"certificate_chain"`
}

// ToBytes returns the PKCS#8 DER of the key, cut to maxLength bytes when
// maxLength >= 0 and the DER is longer (as the official SDK; it never pads).
func (d *DeriveKeyResponse) ToBytes(maxLength int) ([]byte, error) {
	if d == nil {
		return nil, &dstack.DstackError{Status: dstack.StatusNullArgument, Message: "method called on a nil *DeriveKeyResponse"}
	}
	der, err := (&dstack.GetTlsKeyResponse{Key: d.Key}).AsUint8Array()
	if err != nil {
		return nil, err
	}
	if maxLength >= 0 && len(der) > maxLength {
		return der[:maxLength], nil
	}
	return der, nil
}

// TdxQuoteResponse is the answer to TdxQuote.
type TdxQuoteResponse struct {
	Quote    string `json:"quote"`
	EventLog string `json:"event_log"`
}

// ReplayRTMRs replays the logged digests of the event log into RTMR0-3
// (index → hex), short digests right-padded to 48 bytes: the official SDK's
// computation. It cannot reproduce RTMR3 of a real quote, whose runtime
// events carry no digest; the parent package's ReplayRTMRs(EventLog)
// recomputes them (and GetQuoteResponse.VerifyEventLog checks the result
// against the quote). A log that is not a JSON array replays as empty, as
// upstream.
func (r *TdxQuoteResponse) ReplayRTMRs() (map[int]string, error) {
	var events []json.RawMessage
	if r == nil || json.Unmarshal([]byte(r.EventLog), &events) != nil {
		return map[int]string{0: INIT_MR, 1: INIT_MR, 2: INIT_MR, 3: INIT_MR}, nil
	}
	return dstack.ReplayRTMRsFromDigests(r.EventLog)
}

// EventLog is one event of the TCB info's event log.
type EventLog struct {
	IMR          int    `json:"imr"`
	EventType    int    `json:"event_type"`
	Digest       string `json:"digest"`
	Event        string `json:"event"`
	EventPayload string `json:"event_payload"`
}

// TcbInfo is the decoded tcb_info of an Info answer.
type TcbInfo struct {
	Mrtd     string     `json:"mrtd"`
	Rtmr0    string     `json:"rtmr0"`
	Rtmr1    string     `json:"rtmr1"`
	Rtmr2    string     `json:"rtmr2"`
	Rtmr3    string     `json:"rtmr3"`
	EventLog []EventLog `json:"event_log"`
}

// TappdInfoResponse is the answer to Info, with tcb_info decoded.
type TappdInfoResponse struct {
	AppID      string  `json:"app_id"`
	InstanceID string  `json:"instance_id"`
	AppCert    string  `json:"app_cert"`
	TcbInfo    TcbInfo `json:"tcb_info"`
	AppName    string  `json:"app_name"`
}

// TappdClient talks to the tappd agent. It is safe for concurrent use.
type TappdClient struct {
	endpoint string
	logger   *slog.Logger
	client   *dstack.TappdClient
}

// TappdClientOption configures a TappdClient.
type TappdClientOption func(*TappdClient)

// WithEndpoint sets the agent endpoint: a Unix socket path or an http://
// URL.
func WithEndpoint(endpoint string) TappdClientOption {
	return func(c *TappdClient) { c.endpoint = endpoint }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(logger *slog.Logger) TappdClientOption {
	return func(c *TappdClient) { c.logger = logger }
}

// NewTappdClient creates a client. Without an endpoint it uses
// TAPPD_SIMULATOR_ENDPOINT when set, else the first existing of
// /var/run/tappd.sock, /run/tappd.sock, /var/run/dstack/tappd.sock,
// /run/dstack/tappd.sock, else /var/run/tappd.sock. It never fails: a bad
// endpoint is reported by every call.
func NewTappdClient(opts ...TappdClientOption) *TappdClient {
	c := &TappdClient{logger: slog.Default()}
	for _, opt := range opts {
		if opt != nil {
			opt(c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	c.endpoint = c.getEndpoint()
	// The parent package's client logs deprecation notices that this
	// package does not give.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c.client = dstack.NewTappdClient(dstack.WithEndpoint(c.endpoint), dstack.WithLogger(quiet))
	return c
}

func (c *TappdClient) getEndpoint() string {
	if c.endpoint != "" {
		return c.endpoint
	}
	if sim, ok := os.LookupEnv("TAPPD_SIMULATOR_ENDPOINT"); ok {
		c.logger.Info("using tappd simulator endpoint", "endpoint", sim)
		return sim
	}
	paths := []string{"/var/run/tappd.sock", "/run/tappd.sock", "/var/run/dstack/tappd.sock", "/run/dstack/tappd.sock"}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths[0]
}

// inner is the libdstack client, or nil for a nil client or one not made by
// NewTappdClient (whose calls then fail with dstack.ErrNotInitialized).
func (c *TappdClient) inner() *dstack.TappdClient {
	if c == nil {
		return nil
	}
	return c.client
}

// Close releases the client; idempotent. Not in the official SDK (a
// finalizer releases a client dropped without Close).
func (c *TappdClient) Close() error { return c.inner().Close() }

// DeriveKey derives a TLS key from path, with path as the certificate
// subject.
func (c *TappdClient) DeriveKey(ctx context.Context, path string) (*DeriveKeyResponse, error) {
	return c.DeriveKeyWithSubjectAndAltNames(ctx, path, path, nil)
}

// DeriveKeyWithSubject derives a TLS key from path with the given subject.
func (c *TappdClient) DeriveKeyWithSubject(ctx context.Context, path string, subject string) (*DeriveKeyResponse, error) {
	return c.DeriveKeyWithSubjectAndAltNames(ctx, path, subject, nil)
}

// DeriveKeyWithSubjectAndAltNames derives a TLS key from path with the
// given subject (empty: path) and subject alternative names.
func (c *TappdClient) DeriveKeyWithSubjectAndAltNames(ctx context.Context, path string, subject string, altNames []string) (*DeriveKeyResponse, error) {
	if subject == "" {
		subject = path
	}
	r, err := c.inner().DeriveKeyWithOptions(ctx, path, dstack.WithSubject(subject), dstack.WithAltNames(altNames))
	if err != nil {
		return nil, err
	}
	return &DeriveKeyResponse{Key: r.Key, CertificateChain: r.CertificateChain}, nil
}

// TdxQuote asks for a quote over SHA-512 of the report data (the official
// default).
func (c *TappdClient) TdxQuote(ctx context.Context, reportData []byte) (*TdxQuoteResponse, error) {
	return c.TdxQuoteWithHashAlgorithm(ctx, reportData, SHA512)
}

// TdxQuoteWithHashAlgorithm asks for a quote over hashAlgorithm of the
// report data. With RAW the report data must be at most 64 bytes and is
// left-padded with zeros to 64, as the official SDK does.
func (c *TappdClient) TdxQuoteWithHashAlgorithm(ctx context.Context, reportData []byte, hashAlgorithm QuoteHashAlgorithm) (*TdxQuoteResponse, error) {
	if hashAlgorithm == RAW && len(reportData) < 64 {
		reportData = append(make([]byte, 64-len(reportData)), reportData...)
	}
	q, err := c.inner().TdxQuoteWithPrefix(ctx, reportData, string(hashAlgorithm), "")
	var e *dstack.DstackError
	if errors.As(err, &e) && e.Status == dstack.StatusInvalidArgument {
		// libdstack refused the length (raw report data is exactly 64 bytes);
		// this package's official text names the algorithm RAW.
		return nil, &dstack.DstackError{Status: e.Status,
			Message: strings.Replace(e.Message, "when hashAlgorithm is raw", "when hashAlgorithm is RAW", 1)}
	}
	if err != nil {
		return nil, err
	}
	return &TdxQuoteResponse{Quote: q.Quote, EventLog: q.EventLog}, nil
}

// Info returns the CVM's identity and measurements, tcb_info decoded.
func (c *TappdClient) Info(ctx context.Context) (*TappdInfoResponse, error) {
	r, err := c.inner().Info(ctx)
	if err != nil {
		return nil, err
	}
	// What libdstack decoded from tcb_info (not the text parsed again).
	d, err := r.DecodeTcbInfo()
	if err != nil {
		return nil, err
	}
	tcb := TcbInfo{Mrtd: d.Mrtd, Rtmr0: d.Rtmr0, Rtmr1: d.Rtmr1, Rtmr2: d.Rtmr2, Rtmr3: d.Rtmr3,
		EventLog: make([]EventLog, len(d.EventLog))}
	for i, e := range d.EventLog {
		tcb.EventLog[i] = EventLog{IMR: e.IMR, EventType: e.EventType, Digest: e.Digest, Event: e.Event, EventPayload: e.EventPayload}
	}
	return &TappdInfoResponse{AppID: r.AppID, InstanceID: r.InstanceID, AppCert: r.AppCert, TcbInfo: tcb, AppName: r.AppName}, nil
}
