package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"unsafe"
)

// GetTlsKeyResponse is the answer to GetTlsKey (and the legacy DeriveKey):
// a PKCS#8 PEM P-256 key and its certificate chain, leaf first.
type GetTlsKeyResponse struct {
	Key              string   `json:"key"`
	CertificateChain []string `json:"certificate_chain"`
}

// AsUint8Array returns the PKCS#8 DER bytes of the key, as the Python and JS
// SDKs do: without an argument (or with a negative one) the whole DER;
// with maxLength n exactly n bytes, truncated or zero-padded (0 gives an
// empty slice). The official Go SDK returned the private scalar instead.
// More than one maxLength is StatusInvalidArgument; more than 16 MiB,
// StatusLimitExceeded.
func (r *GetTlsKeyResponse) AsUint8Array(maxLength ...int) ([]byte, error) {
	if r == nil {
		return nil, nilReceiver("GetTlsKeyResponse")
	}
	if len(maxLength) > 1 {
		return nil, newError(StatusInvalidArgument, "AsUint8Array takes at most one maxLength, got %d", len(maxLength))
	}
	max := int64(-1)
	if len(maxLength) > 0 && maxLength[0] >= 0 {
		max = int64(maxLength[0])
	}
	return outBuffer(256, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		kp, kl := strArg(r.Key)
		return C.dstack_tls_key_as_uint8array(kp, kl, C.int64_t(max), out, capacity, outLen, cerr)
	})
}

// outBuffer calls a C function with an output buffer, growing it once if the
// function says how much it needs.
func outBuffer(guess int, call func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status) ([]byte, error) {
	buf := make([]byte, guess)
	for attempt := 0; attempt < 2; attempt++ {
		var n C.size_t
		var cerr *C.dstack_error
		var p *C.uint8_t
		if len(buf) > 0 {
			p = (*C.uint8_t)(unsafe.Pointer(&buf[0]))
		}
		st := call(p, C.size_t(len(buf)), &n, &cerr)
		if Status(st) == StatusBufferTooSmall && attempt == 0 {
			C.dstack_error_free(cerr)
			buf = make([]byte, int(n))
			continue
		}
		if err := takeError(st, cerr); err != nil {
			return nil, err
		}
		return buf[:int(n)], nil
	}
	return nil, newError(StatusBufferTooSmall, "output size changed between calls")
}

// TlsKeyOption configures GetTlsKey.
type TlsKeyOption func(*tlsKeyOptions)

type tlsKeyOptions struct {
	subject         string
	altNames        []string
	usageRaTls      bool
	usageServerAuth bool
	usageClientAuth bool
	notBefore       *uint64
	notAfter        *uint64
	withAppInfo     bool
	randomSeed      bool
}

// WithSubject sets the certificate subject (CN).
func WithSubject(subject string) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.subject = subject }
}

// WithAltNames sets the subject alternative names.
func WithAltNames(altNames []string) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.altNames = altNames }
}

// WithUsageRaTls embeds the attestation in the certificate. Default false.
func WithUsageRaTls(usage bool) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.usageRaTls = usage }
}

// WithUsageServerAuth sets the serverAuth extended key usage. Default false,
// as in the official Go SDK (the Python and JS SDKs default to true).
func WithUsageServerAuth(usage bool) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.usageServerAuth = usage }
}

// WithUsageClientAuth sets the clientAuth extended key usage. Default false.
func WithUsageClientAuth(usage bool) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.usageClientAuth = usage }
}

// WithNotBefore sets the certificate's notBefore (Unix seconds). Needs an
// agent with the Version RPC.
func WithNotBefore(t uint64) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.notBefore = &t }
}

// WithNotAfter sets the certificate's notAfter (Unix seconds). Needs an
// agent with the Version RPC.
func WithNotAfter(t uint64) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.notAfter = &t }
}

// WithAppInfo embeds the app info extension. Needs an agent with the
// Version RPC.
func WithAppInfo(enabled bool) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.withAppInfo = enabled }
}

// WithRandomSeed makes TappdClient.DeriveKeyWithOptions derive from a random
// seed instead of the path (tappd only; ignored by GetTlsKey, whose keys are
// always random).
func WithRandomSeed(random bool) TlsKeyOption {
	return func(o *tlsKeyOptions) { o.randomSeed = random }
}

// TLS flag bits of the C ABI.
const (
	tlsUsageRaTls      = C.DSTACK_TLS_USAGE_RA_TLS
	tlsUsageServerAuth = C.DSTACK_TLS_USAGE_SERVER_AUTH
	tlsUsageClientAuth = C.DSTACK_TLS_USAGE_CLIENT_AUTH
	tlsWithAppInfo     = C.DSTACK_TLS_WITH_APP_INFO
	tappdRandomSeed    = C.DSTACK_TAPPD_RANDOM_SEED
)

func (o *tlsKeyOptions) flags() uint32 {
	var f uint32
	if o.usageRaTls {
		f |= tlsUsageRaTls
	}
	if o.usageServerAuth {
		f |= tlsUsageServerAuth
	}
	if o.usageClientAuth {
		f |= tlsUsageClientAuth
	}
	if o.withAppInfo {
		f |= tlsWithAppInfo
	}
	return f
}

// GetTlsKey asks for a fresh P-256 key and a certificate for it. Every
// option defaults to off, as in the official Go SDK: without
// WithUsageServerAuth(true) the certificate has no serverAuth usage. The
// validity and app-info options are refused with StatusUnsupported, before
// anything is sent, by agents without the Version RPC.
func (c *DstackClient) GetTlsKey(ctx context.Context, options ...TlsKeyOption) (*GetTlsKeyResponse, error) {
	o := &tlsKeyOptions{}
	for _, opt := range options {
		if opt != nil {
			opt(o)
		}
	}
	return rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*GetTlsKeyResponse, error) {
		names := newCSlices(o.altNames)
		defer names.free()
		np, nl := names.ptr()
		sp, sl := strArg(o.subject)
		var nb, na *C.uint64_t
		var nbv, nav C.uint64_t
		if o.notBefore != nil {
			nbv = C.uint64_t(*o.notBefore)
			nb = &nbv
		}
		if o.notAfter != nil {
			nav = C.uint64_t(*o.notAfter)
			na = &nav
		}
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_client_get_tls_key(p, sp, sl, np, nl, C.uint32_t(o.flags()), nb, na, tmo, out, cerr)
		}, readTlsKeyResponse)
	})
}

func readTlsKeyResponse(r *response) *GetTlsKeyResponse {
	return &GetTlsKeyResponse{
		Key:              r.text(fieldKey),
		CertificateChain: r.textList(fieldCertificateChain),
	}
}
