//go:build dstack_verify

package dstack

// Offline verification of dstack evidence, over libdstack_verify (a superset of
// libdstack: verification is a separate library so that libdstack stays small
// for apps inside the CVM). Build with `-tags dstack_verify`: cgo.go then links
// libdstack_verify.a, and this file and verify_tls.go are compiled.

// #include <stdlib.h>
// #include "dstack_verify.h"
import "C"

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unsafe"
)

// TcbPolicy is a bitmask of accepted Intel TCB statuses (dstack_tcb_policy).
// The zero value is the default: UpToDate only. Revoked is never accepted.
type TcbPolicy uint32

// The bits of TcbPolicy, one per TCB status; cgo's values from dstack_verify.h.
const (
	TcbUpToDate                             TcbPolicy = C.DSTACK_TCB_POLICY_UP_TO_DATE
	TcbSWHardeningNeeded                    TcbPolicy = C.DSTACK_TCB_POLICY_SW_HARDENING_NEEDED
	TcbConfigurationNeeded                  TcbPolicy = C.DSTACK_TCB_POLICY_CONFIGURATION_NEEDED
	TcbConfigurationAndSWHardeningNeeded    TcbPolicy = C.DSTACK_TCB_POLICY_CONFIGURATION_AND_SW_HARDENING_NEEDED
	TcbOutOfDate                            TcbPolicy = C.DSTACK_TCB_POLICY_OUT_OF_DATE
	TcbOutOfDateConfigurationNeeded         TcbPolicy = C.DSTACK_TCB_POLICY_OUT_OF_DATE_CONFIGURATION_NEEDED
	TcbTDRelaunchAdvised                    TcbPolicy = C.DSTACK_TCB_POLICY_TD_RELAUNCH_ADVISED
	TcbTDRelaunchAdvisedConfigurationNeeded TcbPolicy = C.DSTACK_TCB_POLICY_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
	// TcbAny accepts every status but Revoked: read Verification.TcbStatus to decide.
	TcbAny TcbPolicy = C.DSTACK_TCB_POLICY_ANY
)

var tcbStatusBits = map[string]TcbPolicy{
	"uptodate":                             TcbUpToDate,
	"swhardeningneeded":                    TcbSWHardeningNeeded,
	"configurationneeded":                  TcbConfigurationNeeded,
	"configurationandswhardeningneeded":    TcbConfigurationAndSWHardeningNeeded,
	"outofdate":                            TcbOutOfDate,
	"outofdateconfigurationneeded":         TcbOutOfDateConfigurationNeeded,
	"tdrelaunchadvised":                    TcbTDRelaunchAdvised,
	"tdrelaunchadvisedconfigurationneeded": TcbTDRelaunchAdvisedConfigurationNeeded,
	"any":                                  TcbAny,
}

// ParseTcbPolicy returns the policy accepting UpToDate and the statuses named
// (Intel's names, ASCII case ignored, e.g. "OutOfDate"; "any" for every status
// but Revoked), as the CLI's --allow-status. Unknown names and Revoked are
// StatusInvalidArgument.
func ParseTcbPolicy(names ...string) (TcbPolicy, error) {
	p := TcbUpToDate
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		bit, ok := tcbStatusBits[strings.ToLower(n)]
		if !ok {
			return 0, newError(StatusInvalidArgument, "unknown TCB status %q (Revoked is never accepted)", n)
		}
		p |= bit
	}
	return p, nil
}

// VerifyOptions are the inputs every verification takes besides the evidence.
type VerifyOptions struct {
	// Collateral is the PCCS QuoteCollateralV3 JSON for the quote (see
	// FetchCollateral). Required unless InsecureSkipIntelSignature.
	Collateral []byte
	// Now is the verification time: collateral, CRLs and certificates must be
	// valid then. The zero value means time.Now().
	Now time.Time
	// Policy is the set of accepted TCB statuses; 0 means TcbUpToDate.
	Policy TcbPolicy
	// ExpectedReportData, when not empty, must be the quote's report data (up
	// to 64 bytes, zero-padded as the agent pads it). Not for certificates.
	ExpectedReportData []byte
	// InsecureSkipIntelSignature skips the Intel signature chain: development
	// only (the simulator's quotes are signed by a mock key). Everything else is
	// checked, and the result says so (IntelSignatureVerified false).
	InsecureSkipIntelSignature bool
}

// VerifyError is a failed verification: Check names the check that failed
// (e.g. "rtmr_replay", "tcb_status", "pck_chain_root"; the list is in
// verify/README.md), Expected and Actual are the values it compared (empty when
// it compared none). errors.Is matches the status sentinels
// (ErrVerificationFailed, ErrExpired, ErrInvalidArgument) and errors.As finds
// the *DstackError behind it.
type VerifyError struct {
	DstackError
	Check    string
	Expected string
	Actual   string
}

// Unwrap gives the *DstackError with the status and message.
func (e *VerifyError) Unwrap() error { return &e.DstackError }

// verifyError is takeError for libdstack_verify calls: it keeps the check and
// the compared values of a failed verification.
func verifyError(st C.dstack_status, cerr *C.dstack_error) error {
	if Status(st) == StatusOK {
		if cerr != nil {
			C.dstack_error_free(cerr)
		}
		return nil
	}
	if cerr == nil {
		return &DstackError{Status: Status(st)}
	}
	defer C.dstack_error_free(cerr)
	base := DstackError{Status: Status(st), Message: sliceString(C.dstack_error_message(cerr))}
	check := sliceString(C.dstack_error_check(cerr))
	if check == "" {
		return &base
	}
	return &VerifyError{
		DstackError: base,
		Check:       check,
		Expected:    sliceString(C.dstack_error_expected(cerr)),
		Actual:      sliceString(C.dstack_error_actual(cerr)),
	}
}

// TDReport holds the registers of a TDX quote body, as quoted.
type TDReport struct {
	TeeTcbSvn, MrSeam, MrSignerSeam, SeamAttributes, TdAttributes, Xfam []byte
	Mrtd, MrConfigID, MrOwner, MrOwnerConfig                            []byte
	Rtmr0, Rtmr1, Rtmr2, Rtmr3                                          []byte
	// MrServiceTD is set for TDX 1.5 (v5) bodies only.
	MrServiceTD []byte
}

// EnclaveReport holds the fields of an SGX quote body.
type EnclaveReport struct {
	MrEnclave, MrSigner []byte
	IsvProdID, IsvSvn   uint16
	Attributes          []byte
}

// RuntimeEvent is one measured runtime event of RTMR3.
type RuntimeEvent struct {
	Event   string
	Payload []byte
	// Version is the digest version, 1 or 2.
	Version int
}

// AppInfo is the app's identity, decoded from the verified RTMR3 runtime
// events.
type AppInfo struct {
	AppID, ComposeHash, InstanceID []byte
	// DeviceID is SHA-256 of the Intel-verified PPID (of nothing when the Intel
	// check was skipped, as the agent reports it).
	DeviceID               []byte
	MrSystem, MrAggregated []byte
	// OsImageHash is the measured os-image-hash event (not recomputed from the image).
	OsImageHash []byte
	// KeyProviderInfo is the raw key-provider event payload (JSON).
	KeyProviderInfo                []byte
	KeyProviderName, KeyProviderID string
	InitScriptHashes               [][]byte
	SystemReady                    bool
}

// CertificateInfo is what an RA-TLS certificate stated (its identity
// extensions matched the attestation).
type CertificateInfo struct {
	Subject, Issuer     string
	NotBefore, NotAfter time.Time
	// PublicKeyDER is the SubjectPublicKeyInfo bound into the quote's report data.
	PublicKeyDER     []byte
	AppID            []byte // nil without the app-id extension
	Usage            string // "" without the usage extension
	AppInfoExtension bool
	// AttestationSource is "attestation" (extension …1.8) or
	// "legacy_quote_and_event_log" (…1.1 and …1.2).
	AttestationSource string
}

// Verification is the result of a successful verification: every field,
// whichever the evidence (those a kind of evidence lacks are nil, empty or
// false). The names follow the JSON of `dstack verify --json`, whose keys
// include upstream dstack-verifier's /verify details (quote_verified,
// event_log_verified, os_image_hash_verified, report_data, tcb_status,
// advisory_ids, app_info).
type Verification struct {
	// Evidence is "quote", "get_quote", "attestation_v0", "attestation_v1" or "ra_tls_cert".
	Evidence string
	// Tee is "tdx" or "sgx".
	Tee          string
	QuoteVersion int
	// QuoteVerified is upstream's quote_verified: the Intel chain verified and
	// the TCB status accepted.
	QuoteVerified              bool
	IntelSignatureVerified     bool
	InsecureSkipIntelSignature bool
	// TcbStatus is Intel's name of the TCB status; "" when the Intel check was skipped.
	TcbStatus           string
	AdvisoryIDs         []string
	AcceptedTcbStatuses []string
	// CollateralValidFrom and CollateralValidUntil bound the collateral's
	// validity window; zero without collateral.
	CollateralValidFrom, CollateralValidUntil time.Time
	Now                                       time.Time
	PPID                                      []byte
	ReportData                                []byte
	// ReportDataChecked: the report data was compared (ExpectedReportData, or a
	// certificate's key binding) and matched.
	ReportDataChecked bool
	// ReportDataPayload is set for dstack-pod attestations.
	ReportDataPayload string
	// TD is set for TDX quotes, Enclave for SGX quotes.
	TD      *TDReport
	Enclave *EnclaveReport
	// EventLogVerified: the event log replayed to the quote's RTMR3 (and every
	// boot RTMR it covers).
	EventLogVerified bool
	// RTMRsVerified says, per RTMR, whether the event log replayed to it.
	RTMRsVerified [4]bool
	// OSImageHashVerified is always false: the OS image is not recomputed offline.
	OSImageHashVerified bool
	RuntimeEvents       []RuntimeEvent
	App                 *AppInfo
	// VMConfig is the host-supplied vm_config, returned as given (not verified).
	VMConfig    string
	Certificate *CertificateInfo
	// JSON is the whole result as the library's JSON text.
	JSON []byte
}

// hexBytes decodes a JSON hex string (null to nil).
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == nil {
		*h = nil
		return nil
	}
	d, err := hex.DecodeString(*s)
	*h = d
	return err
}

type verificationJSON struct {
	Evidence                   string   `json:"evidence"`
	Tee                        string   `json:"tee"`
	QuoteVersion               int      `json:"quote_version"`
	QuoteVerified              bool     `json:"quote_verified"`
	IntelSignatureVerified     bool     `json:"intel_signature_verified"`
	InsecureSkipIntelSignature bool     `json:"insecure_skip_intel_signature"`
	TcbStatus                  *string  `json:"tcb_status"`
	AdvisoryIDs                []string `json:"advisory_ids"`
	AcceptedTcbStatuses        []string `json:"accepted_tcb_statuses"`
	CollateralValidFrom        *int64   `json:"collateral_valid_from"`
	CollateralValidUntil       *int64   `json:"collateral_valid_until"`
	Now                        int64    `json:"now"`
	PPID                       hexBytes `json:"ppid"`
	ReportData                 hexBytes `json:"report_data"`
	ReportDataChecked          bool     `json:"report_data_checked"`
	ReportDataPayload          *string  `json:"report_data_payload"`
	QuoteBody                  struct {
		TeeTcbSvn      hexBytes `json:"tee_tcb_svn"`
		MrSeam         hexBytes `json:"mr_seam"`
		MrSignerSeam   hexBytes `json:"mr_signer_seam"`
		SeamAttributes hexBytes `json:"seam_attributes"`
		TdAttributes   hexBytes `json:"td_attributes"`
		Xfam           hexBytes `json:"xfam"`
		Mrtd           hexBytes `json:"mrtd"`
		MrConfigID     hexBytes `json:"mr_config_id"`
		MrOwner        hexBytes `json:"mr_owner"`
		MrOwnerConfig  hexBytes `json:"mr_owner_config"`
		Rtmr0          hexBytes `json:"rtmr0"`
		Rtmr1          hexBytes `json:"rtmr1"`
		Rtmr2          hexBytes `json:"rtmr2"`
		Rtmr3          hexBytes `json:"rtmr3"`
		MrServiceTD    hexBytes `json:"mr_service_td"`
		MrEnclave      hexBytes `json:"mr_enclave"`
		MrSigner       hexBytes `json:"mr_signer"`
		IsvProdID      uint16   `json:"isv_prod_id"`
		IsvSvn         uint16   `json:"isv_svn"`
		Attributes     hexBytes `json:"attributes"`
	} `json:"quote_body"`
	EventLogVerified    bool    `json:"event_log_verified"`
	RTMRsVerified       [4]bool `json:"rtmrs_verified"`
	OSImageHashVerified bool    `json:"os_image_hash_verified"`
	RuntimeEvents       []struct {
		Event   string   `json:"event"`
		Payload hexBytes `json:"payload"`
		Version int      `json:"version"`
	} `json:"runtime_events"`
	AppInfo *struct {
		AppID            hexBytes   `json:"app_id"`
		ComposeHash      hexBytes   `json:"compose_hash"`
		InstanceID       hexBytes   `json:"instance_id"`
		DeviceID         hexBytes   `json:"device_id"`
		MrSystem         hexBytes   `json:"mr_system"`
		MrAggregated     hexBytes   `json:"mr_aggregated"`
		OsImageHash      hexBytes   `json:"os_image_hash"`
		KeyProviderInfo  hexBytes   `json:"key_provider_info"`
		KeyProviderName  string     `json:"key_provider_name"`
		KeyProviderID    string     `json:"key_provider_id"`
		InitScriptHashes []hexBytes `json:"init_script_hashes"`
		SystemReady      bool       `json:"system_ready"`
	} `json:"app_info"`
	VMConfig    *string `json:"vm_config"`
	Certificate *struct {
		Subject           string   `json:"subject"`
		Issuer            string   `json:"issuer"`
		NotBefore         int64    `json:"not_before"`
		NotAfter          int64    `json:"not_after"`
		PublicKeyDER      hexBytes `json:"public_key_der"`
		AppID             hexBytes `json:"app_id"`
		Usage             *string  `json:"usage"`
		AppInfoExtension  bool     `json:"app_info_extension"`
		AttestationSource string   `json:"attestation_source"`
	} `json:"certificate"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func unixOrZero(t *int64) time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Unix(*t, 0).UTC()
}

// verificationFromJSON builds the result from the library's JSON
// (dstack_verification_json).
func verificationFromJSON(text []byte) (*Verification, error) {
	var j verificationJSON
	if err := json.Unmarshal(text, &j); err != nil {
		return nil, newError(StatusMalformedResponse, "libdstack_verify result JSON: %v", err)
	}
	v := &Verification{
		Evidence: j.Evidence, Tee: j.Tee, QuoteVersion: j.QuoteVersion,
		QuoteVerified: j.QuoteVerified, IntelSignatureVerified: j.IntelSignatureVerified,
		InsecureSkipIntelSignature: j.InsecureSkipIntelSignature, TcbStatus: deref(j.TcbStatus),
		AdvisoryIDs: j.AdvisoryIDs, AcceptedTcbStatuses: j.AcceptedTcbStatuses,
		CollateralValidFrom: unixOrZero(j.CollateralValidFrom), CollateralValidUntil: unixOrZero(j.CollateralValidUntil),
		Now: time.Unix(j.Now, 0).UTC(), PPID: []byte(j.PPID), ReportData: []byte(j.ReportData),
		ReportDataChecked: j.ReportDataChecked, ReportDataPayload: deref(j.ReportDataPayload),
		EventLogVerified: j.EventLogVerified, RTMRsVerified: j.RTMRsVerified,
		OSImageHashVerified: j.OSImageHashVerified, VMConfig: deref(j.VMConfig), JSON: text,
	}
	b := j.QuoteBody
	if j.Tee == "sgx" {
		v.Enclave = &EnclaveReport{MrEnclave: b.MrEnclave, MrSigner: b.MrSigner, IsvProdID: b.IsvProdID,
			IsvSvn: b.IsvSvn, Attributes: b.Attributes}
	} else {
		v.TD = &TDReport{TeeTcbSvn: b.TeeTcbSvn, MrSeam: b.MrSeam, MrSignerSeam: b.MrSignerSeam,
			SeamAttributes: b.SeamAttributes, TdAttributes: b.TdAttributes, Xfam: b.Xfam, Mrtd: b.Mrtd,
			MrConfigID: b.MrConfigID, MrOwner: b.MrOwner, MrOwnerConfig: b.MrOwnerConfig, Rtmr0: b.Rtmr0,
			Rtmr1: b.Rtmr1, Rtmr2: b.Rtmr2, Rtmr3: b.Rtmr3, MrServiceTD: b.MrServiceTD}
	}
	v.RuntimeEvents = make([]RuntimeEvent, len(j.RuntimeEvents))
	for i, e := range j.RuntimeEvents {
		v.RuntimeEvents[i] = RuntimeEvent{Event: e.Event, Payload: e.Payload, Version: e.Version}
	}
	if a := j.AppInfo; a != nil {
		hashes := make([][]byte, len(a.InitScriptHashes))
		for i, h := range a.InitScriptHashes {
			hashes[i] = h
		}
		v.App = &AppInfo{AppID: a.AppID, ComposeHash: a.ComposeHash, InstanceID: a.InstanceID,
			DeviceID: a.DeviceID, MrSystem: a.MrSystem, MrAggregated: a.MrAggregated,
			OsImageHash: a.OsImageHash, KeyProviderInfo: a.KeyProviderInfo,
			KeyProviderName: a.KeyProviderName, KeyProviderID: a.KeyProviderID,
			InitScriptHashes: hashes, SystemReady: a.SystemReady}
	}
	if c := j.Certificate; c != nil {
		v.Certificate = &CertificateInfo{Subject: c.Subject, Issuer: c.Issuer,
			NotBefore: time.Unix(c.NotBefore, 0).UTC(), NotAfter: time.Unix(c.NotAfter, 0).UTC(),
			PublicKeyDER: c.PublicKeyDER, AppID: c.AppID, Usage: deref(c.Usage),
			AppInfoExtension: c.AppInfoExtension, AttestationSource: c.AttestationSource}
	}
	return v, nil
}

// unixSeconds is opts.Now as the ABI's uint64 (time.Now() for the zero value).
func unixSeconds(t time.Time) (C.uint64_t, error) {
	if t.IsZero() {
		t = time.Now()
	}
	if t.Unix() < 0 {
		return 0, newError(StatusInvalidArgument, "VerifyOptions.Now %v is before 1970", t)
	}
	return C.uint64_t(t.Unix()), nil
}

// verification runs one libdstack_verify entry point and reads its result.
func verification(opts VerifyOptions, call func(col *C.uint8_t, colLen C.size_t, now C.uint64_t,
	policy C.dstack_tcb_policy, out **C.dstack_verification, cerr **C.dstack_error) C.dstack_status) (*Verification, error) {
	now, err := unixSeconds(opts.Now)
	if err != nil {
		return nil, err
	}
	cp, cl := bytesArg(opts.Collateral)
	var out *C.dstack_verification
	var cerr *C.dstack_error
	st := call(cp, cl, now, C.dstack_tcb_policy(opts.Policy), &out, &cerr)
	if err := verifyError(st, cerr); err != nil {
		return nil, err
	}
	defer C.dstack_verification_free(out)
	return verificationFromJSON([]byte(sliceString(C.dstack_verification_json(out))))
}

// VerifyQuote verifies a raw TDX (v4/v5) or SGX (v3) quote, DCAP only: the PCK
// chain up to the pinned Intel SGX Root CA, opts.Collateral valid at opts.Now,
// the QE report and identity, the quote signature, the TCB status against
// opts.Policy, the TD attributes, and opts.ExpectedReportData when set.
//
// A failed check is a *VerifyError naming the check and the compared values,
// with status StatusVerificationFailed, StatusExpired (collateral outside its
// window) or StatusInvalidArgument (the caller's own inputs).
func VerifyQuote(quote []byte, opts VerifyOptions) (*Verification, error) {
	return verification(opts, func(col *C.uint8_t, colLen C.size_t, now C.uint64_t, policy C.dstack_tcb_policy,
		out **C.dstack_verification, cerr **C.dstack_error) C.dstack_status {
		qp, ql := bytesArg(quote)
		rp, rl := bytesArg(opts.ExpectedReportData)
		return C.dstack_verify_quote(qp, ql, col, colLen, now, policy, rp, rl,
			C.bool(opts.InsecureSkipIntelSignature), out, cerr)
	})
}

// VerifyGetQuote verifies a GetQuote answer, the JSON as the agent returns it
// ({"quote": hex, "event_log": text, "vm_config": text}): the quote as in
// VerifyQuote, then the event log replayed soundly into RTMR3 (and every boot
// RTMR it covers) against the quote, and the app's identity (App).
func VerifyGetQuote(getQuoteJSON []byte, opts VerifyOptions) (*Verification, error) {
	return verification(opts, func(col *C.uint8_t, colLen C.size_t, now C.uint64_t, policy C.dstack_tcb_policy,
		out **C.dstack_verification, cerr **C.dstack_error) C.dstack_status {
		jp, jl := bytesArg(getQuoteJSON)
		rp, rl := bytesArg(opts.ExpectedReportData)
		return C.dstack_verify_get_quote(jp, jl, col, colLen, now, policy, rp, rl,
			C.bool(opts.InsecureSkipIntelSignature), out, cerr)
	})
}

// VerifyGetQuoteResponse is VerifyGetQuote for the answer of
// DstackClient.GetQuote.
func VerifyGetQuoteResponse(r *GetQuoteResponse, opts VerifyOptions) (*Verification, error) {
	if r == nil {
		return nil, nilReceiver("GetQuoteResponse")
	}
	m := map[string]string{"quote": r.Quote, "event_log": r.EventLog}
	if r.VmConfig != "" {
		m["vm_config"] = r.VmConfig
	}
	j, err := json.Marshal(m)
	if err != nil {
		return nil, newError(StatusInvalidArgument, "GetQuoteResponse: %v", err)
	}
	return VerifyGetQuote(j, opts)
}

// VerifyAttestation verifies a versioned attestation (V0 SCALE or V1 msgpack),
// the bytes of an Attest answer (AttestResponse.Attestation): the quote as in
// VerifyQuote, the event log replayed into all four RTMRs, the attestation's
// runtime events and stated report data against the log and the quote, and
// the app's identity.
func VerifyAttestation(attestation []byte, opts VerifyOptions) (*Verification, error) {
	return verification(opts, func(col *C.uint8_t, colLen C.size_t, now C.uint64_t, policy C.dstack_tcb_policy,
		out **C.dstack_verification, cerr **C.dstack_error) C.dstack_status {
		ap, al := bytesArg(attestation)
		rp, rl := bytesArg(opts.ExpectedReportData)
		return C.dstack_verify_attestation(ap, al, col, colLen, now, policy, rp, rl,
			C.bool(opts.InsecureSkipIntelSignature), out, cerr)
	})
}

// VerifyRaTlsCert verifies an RA-TLS certificate (DER, e.g.
// tls.ConnectionState.PeerCertificates[0].Raw) issued by the agent with
// WithUsageRaTls: its validity at opts.Now, the binding of its key into the
// quote's report data, the quote as in VerifyQuote, RTMR3 replayed from its
// event log, and its app-id / app-info extensions against the attested
// identity. opts.ExpectedReportData must be empty: the key fixes the report data.
func VerifyRaTlsCert(certDER []byte, opts VerifyOptions) (*Verification, error) {
	if len(opts.ExpectedReportData) != 0 {
		return nil, newError(StatusInvalidArgument, "VerifyRaTlsCert: ExpectedReportData does not apply (the certificate's key fixes the report data)")
	}
	return verification(opts, func(col *C.uint8_t, colLen C.size_t, now C.uint64_t, policy C.dstack_tcb_policy,
		out **C.dstack_verification, cerr **C.dstack_error) C.dstack_status {
		dp, dl := bytesArg(certDER)
		return C.dstack_verify_ra_tls_cert(dp, dl, col, colLen, now, policy,
			C.bool(opts.InsecureSkipIntelSignature), out, cerr)
	})
}

// verifyOutBuffer is outBuffer for libdstack_verify calls (keeping the check of
// a failure).
func verifyOutBuffer(guess int, call func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status) ([]byte, error) {
	buf := make([]byte, guess)
	for attempt := 0; attempt < 2; attempt++ {
		var n C.size_t
		var cerr *C.dstack_error
		var p *C.uint8_t
		if len(buf) > 0 {
			p = (*C.uint8_t)(unsafe.Pointer(&buf[0]))
		}
		st := call(p, C.size_t(len(buf)), &n, &cerr)
		if Status(st) == StatusBufferTooSmall && attempt == 0 && int(n) > len(buf) {
			C.dstack_error_free(cerr)
			buf = make([]byte, int(n))
			continue
		}
		if err := verifyError(st, cerr); err != nil {
			return nil, err
		}
		return buf[:int(n)], nil
	}
	return nil, errors.New("dstack: output size kept growing")
}

// pccsRequestURL is dstack_pccs_url: the URL of one PCCS request for the quote in evidence.
func pccsRequestURL(evidence []byte, base string, request C.dstack_pccs_request) (string, error) {
	u, err := verifyOutBuffer(256, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		ep, el := bytesArg(evidence)
		bp, bl := strArg(base)
		return C.dstack_pccs_url(ep, el, bp, bl, request, out, capacity, outLen, cerr)
	})
	return string(u), err
}

// pccsCollateral is dstack_pccs_collateral: the collateral JSON from the four answers.
func pccsCollateral(evidence []byte, a [4]pccsAnswer) ([]byte, error) {
	return verifyOutBuffer(64*1024, func(out *C.uint8_t, capacity C.size_t, outLen *C.size_t, cerr **C.dstack_error) C.dstack_status {
		ep, el := bytesArg(evidence)
		b0, l0 := bytesArg(a[0].body)
		c0, k0 := strArg(a[0].chain)
		b1, l1 := bytesArg(a[1].body)
		c1, k1 := strArg(a[1].chain)
		b2, l2 := bytesArg(a[2].body)
		c2, k2 := strArg(a[2].chain)
		b3, l3 := bytesArg(a[3].body)
		return C.dstack_pccs_collateral(ep, el, b0, l0, c0, k0, b1, l1, c1, k1, b2, l2, c2, k2, b3, l3,
			out, capacity, outLen, cerr)
	})
}

type pccsAnswer struct {
	body  []byte
	chain string
}
