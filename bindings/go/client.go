package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"
)

// DstackClient talks to the dstack guest agent (dstack.sock). It is safe for
// concurrent use: libdstack keeps a small pool of keep-alive connections and
// every call takes its own. Release it with Close; a finalizer does so for a
// client that is dropped without Close. Make clients with NewDstackClient:
// methods on a nil *DstackClient or a zero-value DstackClient{} return
// ErrNotInitialized.
type DstackClient struct {
	base clientCore[*C.dstack_client, dstackAgent]
}

// core is the client's core, nil for a nil client.
func (c *DstackClient) core() *clientCore[*C.dstack_client, dstackAgent] {
	if c == nil {
		return nil
	}
	return &c.base
}

// DstackClientOption configures a DstackClient.
type DstackClientOption func(*DstackClient)

// WithEndpoint sets the agent endpoint: a Unix socket path or an http://
// URL. Empty means discovery: DSTACK_SIMULATOR_ENDPOINT if set, else the
// first existing of /var/run/dstack.sock, /run/dstack.sock,
// /var/run/dstack/dstack.sock, /run/dstack/dstack.sock.
func WithEndpoint(endpoint string) DstackClientOption {
	return func(c *DstackClient) { c.base.endpoint = endpoint }
}

// WithLogger sets the logger for notices (simulator endpoint in use,
// deprecated calls). Default slog.Default().
func WithLogger(logger *slog.Logger) DstackClientOption {
	return func(c *DstackClient) { c.base.logger = logger }
}

// WithTimeout sets the per-call timeout used when the context has no
// deadline (libdstack's default is 3 s). A context deadline always wins when
// it is sooner. 0 keeps the default; a negative duration or one above
// math.MaxUint32 ms (about 49.7 days, the ABI's limit) makes the client
// unusable with StatusInvalidArgument (see Err). Not in the official SDK.
func WithTimeout(d time.Duration) DstackClientOption {
	return func(c *DstackClient) { c.base.timeout = d }
}

// NewDstackClient creates a client. It never fails: a bad endpoint is
// reported by every call on the client (and by Err).
func NewDstackClient(opts ...DstackClientOption) *DstackClient {
	c := &DstackClient{}
	applyOptions(c, opts)
	c.base.create()
	return c
}

// Err reports why the client could not be created, or nil.
// ErrNotInitialized for a nil or zero-value client.
func (c *DstackClient) Err() error { return c.core().ready() }

// Endpoint returns the endpoint in use after discovery ("" for a nil client).
func (c *DstackClient) Endpoint() string { return c.core().endpointOrEmpty() }

// Close releases the client. Calls still running finish first; later calls
// fail with ErrClosed. Idempotent. ErrNotInitialized for a nil or
// zero-value client; nil for one whose creation failed (nothing to release).
func (c *DstackClient) Close() error { return c.core().closeClient() }

// GetKey derives a key for path. algorithm is "secp256k1" (also "k256" or
// "") or "ed25519"; ed25519 needs an agent with the Version RPC, which is
// checked before the request is sent.
func (c *DstackClient) GetKey(ctx context.Context, path string, purpose string, algorithm string) (*GetKeyResponse, error) {
	return rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*GetKeyResponse, error) {
		pp, pl := strArg(path)
		up, ul := strArg(purpose)
		ap, al := strArg(algorithm)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_client_get_key(p, pp, pl, up, ul, ap, al, tmo, out, cerr)
		}, readKeyResponse)
	})
}

// readKeyResponse: GetKey and the tappd DeriveK256Key. PURPOSE and ALGORITHM
// are the request's as libdstack sent it (the default algorithm applied there).
func readKeyResponse(r *response) *GetKeyResponse {
	k := &keptKey{key: r.kept(fieldKey), chain: r.keptList(fieldSignatureChain)}
	return &GetKeyResponse{
		Key:            k.key.hex,
		SignatureChain: append([]string{}, k.chain.hex...),
		purpose:        r.text(fieldPurpose),
		algorithm:      r.text(fieldAlgorithm),
		kept:           k,
	}
}

// GetQuote asks for a TDX quote over reportData (at most 64 bytes; the agent
// right-pads it with zeros).
func (c *DstackClient) GetQuote(ctx context.Context, reportData []byte) (*GetQuoteResponse, error) {
	q, err := rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*GetQuoteResponse, error) {
		dp, dl := bytesArg(reportData)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_client_get_quote(p, dp, dl, tmo, out, cerr)
		}, readQuoteResponse)
	})
	return q, worded(err, reportDataTooLarge)
}

// reportDataTooLarge is the official SDK's text for report data over 64
// bytes; libdstack checks the length (dstack-core).
const reportDataTooLarge = "report data is too large, it should be at most 64 bytes"

// worded puts the official SDK's text in front of the message of an invalid
// argument libdstack refused. The check is libdstack's; this is only its
// wording where the official SDK has its own.
func worded(err error, text string) error {
	var e *DstackError
	if errors.As(err, &e) && e.Status == StatusInvalidArgument {
		return newError(StatusInvalidArgument, "%s: %s", text, e.Message)
	}
	return err
}

func readQuoteResponse(r *response) *GetQuoteResponse {
	k := &keptQuote{quote: r.kept(fieldQuote), reportData: r.kept(fieldReportData), attestation: r.kept(fieldAttestation)}
	return &GetQuoteResponse{
		Quote:       k.quote.hex,
		EventLog:    r.text(fieldEventLog),
		ReportData:  k.reportData.hex,
		VmConfig:    r.text(fieldVMConfig),
		Attestation: k.attestation.hex,
		kept:        k,
	}
}

// Attest asks for a versioned attestation over reportData (at most 64 bytes).
func (c *DstackClient) Attest(ctx context.Context, reportData []byte) (*AttestResponse, error) {
	a, err := c.attest(ctx, reportData)
	return a, worded(err, reportDataTooLarge)
}

func (c *DstackClient) attest(ctx context.Context, reportData []byte) (*AttestResponse, error) {
	return rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*AttestResponse, error) {
		dp, dl := bytesArg(reportData)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_client_attest(p, dp, dl, tmo, out, cerr)
		}, func(r *response) *AttestResponse {
			b, _ := r.get(fieldAttestation)
			if b == nil {
				b = []byte{}
			}
			return &AttestResponse{Attestation: b}
		})
	})
}

// Info returns the CVM's identity and measurements.
func (c *DstackClient) Info(ctx context.Context) (*InfoResponse, error) {
	return rpcInfo(ctx, c.core())
}

func readInfoResponse(r *response) *InfoResponse {
	info := &InfoResponse{
		AppID:           r.hexField(fieldAppID),
		InstanceID:      r.hexField(fieldInstanceID),
		AppCert:         r.text(fieldAppCert),
		TcbInfo:         r.text(fieldTcbInfo),
		AppName:         r.text(fieldAppName),
		DeviceID:        r.hexField(fieldDeviceID),
		MrAggregated:    r.hexField(fieldMrAggregated),
		KeyProviderInfo: r.text(fieldKeyProviderInfo),
		OsImageHash:     r.hexField(fieldOsImageHash),
		ComposeHash:     r.hexField(fieldComposeHash),
		VmConfig:        r.text(fieldVMConfig),
		CloudVendor:     r.text(fieldCloudVendor),
		CloudProduct:    r.text(fieldCloudProduct),
	}
	if info.TcbInfo != "" {
		tcb, err := readTcbInfo(r, info)
		info.decoded = &decodedTcbInfo{text: info.TcbInfo, tcb: tcb, err: err}
	}
	return info
}

// readTcbInfo builds the decoded tcb_info from the fields libdstack decoded
// from it (MRTD, RTMR0-3, APP_COMPOSE, TCB_EVENT_LOG) and the event-log
// accessors, never by parsing the text. The v0.5 members beside the
// registers are Info's fields of the same values (the agent fills both from
// one source).
func readTcbInfo(r *response, info *InfoResponse) (*TcbInfo, error) {
	mrtd, published := r.get(fieldMRTD)
	if !published {
		return nil, newError(StatusMalformedResponse, "tcb_info is not the JSON object the agent publishes")
	}
	events, err := ParseEventLog(r.text(fieldTcbEventLog))
	if err != nil {
		return nil, err
	}
	tcb := &TcbInfo{
		Mrtd:         hex.EncodeToString(mrtd),
		Rtmr0:        r.hexField(fieldRTMR0),
		Rtmr1:        r.hexField(fieldRTMR1),
		Rtmr2:        r.hexField(fieldRTMR2),
		Rtmr3:        r.hexField(fieldRTMR3),
		AppCompose:   r.text(fieldAppCompose),
		EventLog:     events,
		MrAggregated: info.MrAggregated,
		OsImageHash:  info.OsImageHash,
		ComposeHash:  info.ComposeHash,
		DeviceID:     info.DeviceID,
		RootfsHash:   rootfsHash(info.TcbInfo),
	}
	return tcb, nil
}

// rootfsHash is rootfs_hash of a 0.3 (tappd) tcb_info: the one member of
// TcbInfo the C ABI has no field for yet. The text is read only when it has
// the member, so no tcb_info of a current agent is parsed here; this goes
// away with a DSTACK_FIELD_ROOTFS_HASH.
func rootfsHash(text string) string {
	if !strings.Contains(text, `"rootfs_hash"`) {
		return ""
	}
	var v struct {
		RootfsHash string `json:"rootfs_hash"`
	}
	_ = json.Unmarshal([]byte(text), &v)
	return v.RootfsHash
}

// GetVersion returns the agent's version; agents older than 0.5.7 lack the
// RPC and fail with StatusHTTPStatus or StatusAgentError.
func (c *DstackClient) GetVersion(ctx context.Context) (*VersionResponse, error) {
	return rpcVersion(ctx, c.core())
}

// GpuInfo returns the GPU attestation collected at boot.
func (c *DstackClient) GpuInfo(ctx context.Context) (*GpuInfoResponse, error) {
	return rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*GpuInfoResponse, error) {
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_client_gpu_info(p, tmo, out, cerr)
		}, func(r *response) *GpuInfoResponse {
			return &GpuInfoResponse{Attestation: r.text(fieldAttestation)}
		})
	})
}

// Sign signs data with the app's signing key (path "vms", purpose
// "signing"). algorithm: "ed25519", "secp256k1" (alias "k256"; ECDSA over
// SHA-256(data)) or "secp256k1_prehashed" (data is a 32-byte digest).
func (c *DstackClient) Sign(ctx context.Context, algorithm string, data []byte) (*SignResponse, error) {
	return rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*SignResponse, error) {
		ap, al := strArg(algorithm)
		dp, dl := bytesArg(data)
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			return C.dstack_client_sign(p, ap, al, dp, dl, tmo, out, cerr)
		}, func(r *response) *SignResponse {
			sig, _ := r.get(fieldSignature)
			pub, _ := r.get(fieldPublicKey)
			return &SignResponse{
				Signature:      sig,
				SignatureChain: r.list(fieldSignatureChain),
				PublicKey:      pub,
				algorithm:      r.text(fieldAlgorithm),
				data:           append([]byte(nil), data...),
			}
		})
	})
}

// Verify asks the agent to check a signature (agents v0.5.6-v0.5.9; newer
// agents removed the RPC). Prefer the local VerifySignature, same semantics,
// or SignResponse.VerifySignatureChain: the agent's answer is not attested.
func (c *DstackClient) Verify(ctx context.Context, algorithm string, data []byte, signature []byte, publicKey []byte) (*VerifyResponse, error) {
	return rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (*VerifyResponse, error) {
		ap, al := strArg(algorithm)
		dp, dl := bytesArg(data)
		sp, sl := bytesArg(signature)
		kp, kl := bytesArg(publicKey)
		var valid C.bool
		var cerr *C.dstack_error
		st := C.dstack_client_verify(p, ap, al, dp, dl, sp, sl, kp, kl, tmo, &valid, &cerr)
		if err := takeError(st, cerr); err != nil {
			return nil, err
		}
		return &VerifyResponse{Valid: bool(valid)}, nil
	})
}

// EmitEvent extends RTMR3 with a runtime event. Agents since 0.6 removed
// the RPC (the simulator refuses it); older ones without the Version RPC get
// StatusUnsupported before anything is sent.
func (c *DstackClient) EmitEvent(ctx context.Context, event string, payload []byte) error {
	_, err := rpc(ctx, c.core(), 0, func(p *C.dstack_client, tmo C.uint32_t) (struct{}, error) {
		ep, el := strArg(event)
		pp, pl := bytesArg(payload)
		var cerr *C.dstack_error
		st := C.dstack_client_emit_event(p, ep, el, pp, pl, tmo, &cerr)
		return struct{}{}, takeError(st, cerr)
	})
	return err
}

// IsReachable reports whether the agent answers Info within 500 ms (or the
// context's deadline, if sooner).
func (c *DstackClient) IsReachable(ctx context.Context) bool {
	return rpcIsReachable(ctx, c.core())
}

// DeriveKey is the removed dstack 0.3 call; it always fails.
//
// Deprecated: use GetKey (or GetTlsKey for a TLS certificate).
func (c *DstackClient) DeriveKey(path string, subject string, altNames []string) (*GetTlsKeyResponse, error) {
	return nil, newError(StatusUnsupported, "deriveKey is deprecated, please use GetKey instead")
}

// TdxQuote maps the legacy call onto GetQuote; only "raw" is accepted.
//
// Deprecated: use GetQuote.
func (c *DstackClient) TdxQuote(ctx context.Context, reportData []byte, hashAlgorithm string) (*GetQuoteResponse, error) {
	c.core().log().Warn("tdxQuote is deprecated, please use GetQuote instead")
	if hashAlgorithm != string(RAW) {
		return nil, newError(StatusInvalidArgument, "tdxQuote only supports raw hash algorithm")
	}
	return c.GetQuote(ctx, reportData)
}
