package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"unsafe"
)

// TappdClient talks to the legacy tappd agent (tappd.sock). As in the
// official SDK it embeds a *DstackClient for the same endpoint, so the
// dstack methods (GetKey, GetQuote, GetTlsKey, Attest, Sign, Verify,
// GpuInfo, EmitEvent) are there and send the dstack RPCs (`/GetKey`, ...) to
// that endpoint — a real tappd agent answers them with 404, as it does for
// the official SDK. DeriveKey and TdxQuote are the tappd RPCs
// (`/prpc/Tappd.*`), as upstream; Info, GetVersion and IsReachable also use
// the tappd RPCs (upstream inherited the dstack ones, which tappd does not
// serve). Make clients with NewTappdClient: methods on a nil *TappdClient
// or a zero-value TappdClient{} return ErrNotInitialized.
//
// Deprecated: new agents serve dstack.sock; use DstackClient.
type TappdClient struct {
	*DstackClient

	base clientCore[*C.dstack_tappd_client, tappdAgent]
}

// core is the client's core, nil for a nil client.
func (t *TappdClient) core() *clientCore[*C.dstack_tappd_client, tappdAgent] {
	if t == nil {
		return nil
	}
	return &t.base
}

// dstack is the embedded client, or the readiness error of t (nil or zero
// value, or failed creation).
func (t *TappdClient) dstack() (*DstackClient, error) {
	if err := t.core().ready(); err != nil {
		return nil, err
	}
	if t.DstackClient == nil {
		var a tappdAgent
		return nil, notInitialized(a.names())
	}
	return t.DstackClient, nil
}

// NewTappdClient creates a tappd client. It takes the DstackClient options
// (WithEndpoint, WithLogger, WithTimeout). Without an endpoint it uses
// TAPPD_SIMULATOR_ENDPOINT, then the first existing of /var/run/tappd.sock,
// /run/tappd.sock, /var/run/dstack/tappd.sock, /run/dstack/tappd.sock.
//
// Deprecated: use NewDstackClient.
func NewTappdClient(opts ...DstackClientOption) *TappdClient {
	var cfg DstackClient
	applyOptions(&cfg, opts)
	t := &TappdClient{}
	t.base.clientSettings = cfg.base.clientSettings
	t.base.create()
	// The embedded client talks to the endpoint the tappd client resolved.
	embedded := &DstackClient{}
	embedded.base.clientSettings = t.base.clientSettings
	embedded.base.create()
	t.DstackClient = embedded
	return t
}

// Err reports why the client could not be created, or nil.
// ErrNotInitialized for a nil or zero-value client.
func (t *TappdClient) Err() error {
	_, err := t.dstack()
	return err
}

// Endpoint returns the endpoint in use after discovery ("" for a nil client).
func (t *TappdClient) Endpoint() string { return t.core().endpointOrEmpty() }

// Close releases the client (and its embedded DstackClient); idempotent.
// ErrNotInitialized for a nil or zero-value client; nil for one whose
// creation failed.
func (t *TappdClient) Close() error {
	if t != nil && t.DstackClient != nil {
		_ = t.DstackClient.Close()
	}
	return t.core().closeClient()
}

// The methods of the embedded DstackClient, repeated so that a nil
// *TappdClient returns ErrNotInitialized instead of panicking.

// GetKey is DstackClient.GetKey (`/GetKey`) on the tappd endpoint. On tappd
// agents use DeriveK256Key.
func (t *TappdClient) GetKey(ctx context.Context, path string, purpose string, algorithm string) (*GetKeyResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.GetKey(ctx, path, purpose, algorithm)
}

// GetQuote is DstackClient.GetQuote (`/GetQuote`) on the tappd endpoint. On
// tappd agents use TdxQuote or RawQuote.
func (t *TappdClient) GetQuote(ctx context.Context, reportData []byte) (*GetQuoteResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.GetQuote(ctx, reportData)
}

// GetTlsKey is DstackClient.GetTlsKey (`/GetTlsKey`) on the tappd endpoint.
// On tappd agents use DeriveKeyWithOptions.
func (t *TappdClient) GetTlsKey(ctx context.Context, options ...TlsKeyOption) (*GetTlsKeyResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.GetTlsKey(ctx, options...)
}

// Attest is DstackClient.Attest on the tappd endpoint (tappd has no Attest).
func (t *TappdClient) Attest(ctx context.Context, reportData []byte) (*AttestResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.Attest(ctx, reportData)
}

// GpuInfo is DstackClient.GpuInfo on the tappd endpoint.
func (t *TappdClient) GpuInfo(ctx context.Context) (*GpuInfoResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.GpuInfo(ctx)
}

// Sign is DstackClient.Sign on the tappd endpoint (tappd has no Sign).
func (t *TappdClient) Sign(ctx context.Context, algorithm string, data []byte) (*SignResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.Sign(ctx, algorithm, data)
}

// Verify is DstackClient.Verify on the tappd endpoint (tappd has no Verify).
func (t *TappdClient) Verify(ctx context.Context, algorithm string, data []byte, signature []byte, publicKey []byte) (*VerifyResponse, error) {
	c, err := t.dstack()
	if err != nil {
		return nil, err
	}
	return c.Verify(ctx, algorithm, data, signature, publicKey)
}

// EmitEvent is DstackClient.EmitEvent on the tappd endpoint.
func (t *TappdClient) EmitEvent(ctx context.Context, event string, payload []byte) error {
	c, err := t.dstack()
	if err != nil {
		return err
	}
	return c.EmitEvent(ctx, event, payload)
}

// DeriveKey derives a P-256 TLS key from path with a certificate for subject
// (default: path) and altNames.
//
// Deprecated: use DstackClient.GetKey or GetTlsKey.
func (t *TappdClient) DeriveKey(ctx context.Context, path string, subject string, altNames []string) (*GetTlsKeyResponse, error) {
	if t != nil {
		t.core().log().Warn("deriveKey is deprecated, please use GetKey instead")
	}
	return t.DeriveKeyWithOptions(ctx, path, WithSubject(subject), WithAltNames(altNames))
}

// DeriveKeyWithOptions is DeriveKey with the GetTlsKey options (subject,
// alt names, usages; all usages default to false here) and WithRandomSeed.
// Not in the official SDK.
func (t *TappdClient) DeriveKeyWithOptions(ctx context.Context, path string, options ...TlsKeyOption) (*GetTlsKeyResponse, error) {
	o := &tlsKeyOptions{}
	for _, opt := range options {
		if opt != nil {
			opt(o)
		}
	}
	if o.subject == "" {
		o.subject = path
	}
	return rpc(ctx, t.core(), 0, func(p *C.dstack_tappd_client, tmo C.uint32_t) (*GetTlsKeyResponse, error) {
		names := newCSlices(o.altNames)
		defer names.free()
		np, nl := names.ptr()
		pp, pl := strArg(path)
		sp, sl := strArg(o.subject)
		flags := o.flags() &^ tlsWithAppInfo
		if o.randomSeed {
			flags |= tappdRandomSeed
		}
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_tappd_client_derive_key(p, pp, pl, sp, sl, np, nl, C.uint32_t(flags), tmo, out, cerr)
		}, readTlsKeyResponse)
	})
}

// DeriveK256Key is GetKey on a tappd agent.
func (t *TappdClient) DeriveK256Key(ctx context.Context, path string, purpose string) (*GetKeyResponse, error) {
	return rpc(ctx, t.core(), 0, func(p *C.dstack_tappd_client, tmo C.uint32_t) (*GetKeyResponse, error) {
		pp, pl := strArg(path)
		up, ul := strArg(purpose)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_tappd_client_derive_k256_key(p, pp, pl, up, ul, tmo, out, cerr)
		}, readKeyResponse)
	})
}

// TdxQuote asks for a quote whose report data is hashAlgorithm("app-data:" ‖
// reportData) ("" = sha512). With "raw", reportData (at most 64 bytes) is
// used as is, left-padded with zeros to 64 bytes as the official SDK does
// (GetQuote right-pads: TdxQuoteWithPrefix with "raw" right-pads too).
// ReportData of the result is the 64 bytes the agent must have quoted,
// computed locally, so VerifyEventLog checks it.
//
// Deprecated: use DstackClient.GetQuote.
func (t *TappdClient) TdxQuote(ctx context.Context, reportData []byte, hashAlgorithm string) (*GetQuoteResponse, error) {
	if t != nil {
		t.core().log().Warn("tdxQuote is deprecated, please use GetQuote instead")
	}
	if hashAlgorithm == string(RAW) && len(reportData) < 64 {
		reportData = append(make([]byte, 64-len(reportData)), reportData...)
	}
	return t.TdxQuoteWithPrefix(ctx, reportData, hashAlgorithm, "")
}

// rawReportDataTooLarge is the official SDK's text for raw report data over
// 64 bytes.
const rawReportDataTooLarge = "report data is too large, it should be at most 64 bytes when hashAlgorithm is raw"

// TdxQuoteWithHashAlgorithm is TdxQuote with a typed algorithm.
func (t *TappdClient) TdxQuoteWithHashAlgorithm(ctx context.Context, reportData []byte, hashAlgorithm QuoteHashAlgorithm) (*GetQuoteResponse, error) {
	return t.TdxQuote(ctx, reportData, string(hashAlgorithm))
}

// TdxQuoteWithPrefix is TdxQuote with the tag hashed before the data
// ("" = "app-data"); with "raw", short report data is right-padded like
// GetQuote does. Not in the official SDK.
func (t *TappdClient) TdxQuoteWithPrefix(ctx context.Context, reportData []byte, hashAlgorithm string, prefix string) (*GetQuoteResponse, error) {
	// Raw report data over 64 bytes is refused by libdstack (dstack-core's
	// tappd report data: exactly 64 bytes), worded as the official SDK.
	if hashAlgorithm == string(RAW) && len(reportData) < 64 {
		padded := make([]byte, 64)
		copy(padded, reportData)
		reportData = padded
	}
	expected, err := TappdReportData(reportData, hashAlgorithm, prefix)
	if err != nil {
		return nil, worded(err, rawReportDataTooLarge)
	}
	return rpc(ctx, t.core(), 0, func(p *C.dstack_tappd_client, tmo C.uint32_t) (*GetQuoteResponse, error) {
		dp, dl := bytesArg(reportData)
		hp, hl := strArg(hashAlgorithm)
		xp, xl := strArg(prefix)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_tappd_client_tdx_quote(p, dp, dl, hp, hl, xp, xl, tmo, out, cerr)
		}, func(r *response) *GetQuoteResponse {
			q := readQuoteResponse(r)
			q.setReportData(expected)
			return q
		})
	})
}

// RawQuote asks for a quote over exactly 64 bytes of report data.
func (t *TappdClient) RawQuote(ctx context.Context, reportData []byte) (*GetQuoteResponse, error) {
	return rpc(ctx, t.core(), 0, func(p *C.dstack_tappd_client, tmo C.uint32_t) (*GetQuoteResponse, error) {
		dp, dl := bytesArg(reportData)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_tappd_client_raw_quote(p, dp, dl, tmo, out, cerr)
		}, func(r *response) *GetQuoteResponse {
			q := readQuoteResponse(r)
			q.setReportData(reportData)
			return q
		})
	})
}

// Info returns the CVM's identity (Tappd.Info).
func (t *TappdClient) Info(ctx context.Context) (*InfoResponse, error) {
	return rpcInfo(ctx, t.core())
}

// GetVersion returns the agent's version (Tappd.Version).
func (t *TappdClient) GetVersion(ctx context.Context) (*VersionResponse, error) {
	return rpcVersion(ctx, t.core())
}

// IsReachable reports whether Tappd.Info answers within 500 ms.
func (t *TappdClient) IsReachable(ctx context.Context) bool {
	return rpcIsReachable(ctx, t.core())
}

// TappdReportData computes the 64 bytes of report data a tappd agent quotes
// for TdxQuote(reportData, hashAlgorithm, prefix).
func TappdReportData(reportData []byte, hashAlgorithm string, prefix string) ([]byte, error) {
	out := make([]byte, 64)
	dp, dl := bytesArg(reportData)
	hp, hl := strArg(hashAlgorithm)
	xp, xl := strArg(prefix)
	var cerr *C.dstack_error
	st := C.dstack_tappd_report_data(dp, dl, hp, hl, xp, xl, (*C.uint8_t)(unsafe.Pointer(&out[0])), &cerr)
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	return out, nil
}
