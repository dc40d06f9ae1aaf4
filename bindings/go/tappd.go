package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"encoding/hex"
	"unsafe"
)

// TappdClient talks to the legacy tappd agent (tappd.sock, `/prpc/Tappd.*`).
// Unlike the official SDK's wrapper, every method goes to a tappd RPC: Info
// is Tappd.Info, not the dstack /Info that tappd does not serve. Make
// clients with NewTappdClient: methods on a nil *TappdClient or a zero-value
// TappdClient{} return ErrNotInitialized.
//
// Deprecated: new agents serve dstack.sock; use DstackClient.
type TappdClient struct {
	base clientCore[*C.dstack_tappd_client, tappdAgent]
}

// core is the client's core, nil for a nil client.
func (t *TappdClient) core() *clientCore[*C.dstack_tappd_client, tappdAgent] {
	if t == nil {
		return nil
	}
	return &t.base
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
	return t
}

// Err reports why the client could not be created, or nil.
// ErrNotInitialized for a nil or zero-value client.
func (t *TappdClient) Err() error { return t.core().ready() }

// Endpoint returns the endpoint in use after discovery ("" for a nil client).
func (t *TappdClient) Endpoint() string { return t.core().endpointOrEmpty() }

// Close releases the client; idempotent. ErrNotInitialized for a nil or
// zero-value client; nil for one whose creation failed.
func (t *TappdClient) Close() error { return t.core().closeClient() }

// DeriveKey derives a P-256 TLS key from path with a certificate for subject
// (default: path) and altNames.
//
// Deprecated: use DstackClient.GetKey or GetTlsKey.
func (t *TappdClient) DeriveKey(ctx context.Context, path string, subject string, altNames []string) (*GetTlsKeyResponse, error) {
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
		}, func(r *response) *GetKeyResponse {
			return &GetKeyResponse{
				Key:            r.hexField(fieldKey),
				SignatureChain: r.hexList(fieldSignatureChain),
				purpose:        r.text(fieldPurpose),
				algorithm:      r.text(fieldAlgorithm),
			}
		})
	})
}

// TdxQuote asks for a quote whose report data is hashAlgorithm("app-data:" ‖
// reportData) ("" = sha512). With "raw", reportData (at most 64 bytes) is
// used as is and right-padded with zeros like GetQuote does — the official
// SDK left-padded it. ReportData of the result is the 64 bytes the agent
// must have quoted, computed locally, so VerifyEventLog checks it.
//
// Deprecated: use DstackClient.GetQuote.
func (t *TappdClient) TdxQuote(ctx context.Context, reportData []byte, hashAlgorithm string) (*GetQuoteResponse, error) {
	return t.TdxQuoteWithPrefix(ctx, reportData, hashAlgorithm, "")
}

// TdxQuoteWithHashAlgorithm is TdxQuote with a typed algorithm.
func (t *TappdClient) TdxQuoteWithHashAlgorithm(ctx context.Context, reportData []byte, hashAlgorithm QuoteHashAlgorithm) (*GetQuoteResponse, error) {
	return t.TdxQuote(ctx, reportData, string(hashAlgorithm))
}

// TdxQuoteWithPrefix is TdxQuote with the tag hashed before the data
// ("" = "app-data"). Not in the official SDK.
func (t *TappdClient) TdxQuoteWithPrefix(ctx context.Context, reportData []byte, hashAlgorithm string, prefix string) (*GetQuoteResponse, error) {
	if hashAlgorithm == string(RAW) {
		if len(reportData) > 64 {
			return nil, newError(StatusInvalidArgument, "report data is too large, it should be at most 64 bytes when hashAlgorithm is raw")
		}
		padded := make([]byte, 64)
		copy(padded, reportData)
		reportData = padded
	}
	expected, err := TappdReportData(reportData, hashAlgorithm, prefix)
	if err != nil {
		return nil, err
	}
	return rpc(ctx, t.core(), 0, func(p *C.dstack_tappd_client, tmo C.uint32_t) (*GetQuoteResponse, error) {
		dp, dl := bytesArg(reportData)
		hp, hl := strArg(hashAlgorithm)
		xp, xl := strArg(prefix)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_tappd_client_tdx_quote(p, dp, dl, hp, hl, xp, xl, tmo, out, cerr)
		}, func(r *response) *GetQuoteResponse {
			q := readQuoteResponse(r)
			q.ReportData = hex.EncodeToString(expected)
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
			q.ReportData = hex.EncodeToString(reportData)
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
