package dstack

import (
	"encoding/hex"
	"encoding/json"
)

// The response types keep the official SDK's exported field names, types and
// JSON tags, so code that builds, marshals or unmarshals them keeps working.

// GetKeyResponse is the answer to GetKey: a 32-byte key (hex) and its
// signature chain [app signature, KMS signature] (hex).
type GetKeyResponse struct {
	Key            string   `json:"key"`
	SignatureChain []string `json:"signature_chain"`

	// Request context kept for VerifySignatureChain; not part of the wire
	// format. Set by GetKey; a response built by hand can set it with
	// WithPurpose.
	purpose   string
	algorithm string

	// The bytes libdstack returned behind Key and SignatureChain (nil for a
	// response built by hand).
	kept *keptKey
}

type keptKey struct {
	key   keptBytes
	chain keptList
}

// DecodeKey returns the key bytes: those libdstack returned, without a trip
// through hex, unless Key was changed since.
func (r *GetKeyResponse) DecodeKey() ([]byte, error) {
	if r == nil {
		return nil, nilReceiver("GetKeyResponse")
	}
	if r.kept != nil {
		if b, ok := r.kept.key.of(r.Key); ok {
			return b, nil
		}
	}
	return decodeHex("key", r.Key)
}

// DecodeSignatureChain returns the signature chain as bytes.
func (r *GetKeyResponse) DecodeSignatureChain() ([][]byte, error) {
	if r == nil {
		return nil, nilReceiver("GetKeyResponse")
	}
	if r.kept != nil {
		if b, ok := r.kept.chain.of(r.SignatureChain); ok {
			return b, nil
		}
	}
	return decodeHexList("signature", r.SignatureChain)
}

// WithPurpose records the purpose and algorithm the key was requested with,
// which chain verification needs (the agent signs "purpose:hex(public key)").
// GetKey sets them; use this for a response unmarshalled from JSON. A nil
// r stays nil.
func (r *GetKeyResponse) WithPurpose(purpose, algorithm string) *GetKeyResponse {
	if r == nil {
		return nil
	}
	r.purpose = purpose
	r.algorithm = algorithm
	return r
}

// GetQuoteResponse is the answer to GetQuote (and the tappd TdxQuote).
type GetQuoteResponse struct {
	Quote      string `json:"quote"`
	EventLog   string `json:"event_log"`
	ReportData string `json:"report_data"`
	VmConfig   string `json:"vm_config"`
	// Attestation is the hex VersionedAttestation some agents add; empty otherwise.
	Attestation string `json:"attestation,omitempty"`

	// The bytes libdstack returned behind the hex fields (nil for a response
	// built by hand). A pointer, so the struct stays comparable.
	kept *keptQuote
}

type keptQuote struct {
	quote, reportData, attestation keptBytes
}

// DecodeQuote returns the quote bytes.
func (r *GetQuoteResponse) DecodeQuote() ([]byte, error) {
	if r == nil {
		return nil, nilReceiver("GetQuoteResponse")
	}
	if r.kept != nil {
		if b, ok := r.kept.quote.of(r.Quote); ok {
			return b, nil
		}
	}
	return decodeHex("quote", r.Quote)
}

// DecodeReportData returns the report data bytes.
func (r *GetQuoteResponse) DecodeReportData() ([]byte, error) {
	if r == nil {
		return nil, nilReceiver("GetQuoteResponse")
	}
	if r.kept != nil {
		if b, ok := r.kept.reportData.of(r.ReportData); ok {
			return b, nil
		}
	}
	return decodeHex("report_data", r.ReportData)
}

// DecodeAttestation returns the attestation bytes (empty if the agent sent none).
func (r *GetQuoteResponse) DecodeAttestation() ([]byte, error) {
	if r == nil {
		return nil, nilReceiver("GetQuoteResponse")
	}
	if r.kept != nil {
		if b, ok := r.kept.attestation.of(r.Attestation); ok {
			return b, nil
		}
	}
	return decodeHex("attestation", r.Attestation)
}

// setReportData sets ReportData (hex) and the bytes behind it.
func (r *GetQuoteResponse) setReportData(b []byte) {
	r.ReportData = hex.EncodeToString(b)
	if r.kept == nil {
		r.kept = &keptQuote{}
	}
	r.kept.reportData = keptBytes{hex: r.ReportData, raw: append([]byte(nil), b...)}
}

// DecodeEventLog returns the event log as structured data.
func (r *GetQuoteResponse) DecodeEventLog() ([]EventLog, error) {
	if r == nil {
		return nil, nilReceiver("GetQuoteResponse")
	}
	var events []EventLog
	if err := json.Unmarshal([]byte(r.EventLog), &events); err != nil {
		return nil, newError(StatusMalformedResponse, "event_log: %v", err)
	}
	return events, nil
}

// AttestResponse is the answer to Attest: VersionedAttestation bytes.
type AttestResponse struct {
	Attestation []byte
}

// GpuInfoResponse is the answer to GpuInfo: the verbatim GPU attestation
// JSON collected at boot, "" when there is none.
type GpuInfoResponse struct {
	Attestation string `json:"attestation"`
}

// EventLog is one event of a TDX event log.
type EventLog struct {
	IMR          int    `json:"imr"`
	EventType    int    `json:"event_type"`
	Digest       string `json:"digest"`
	Event        string `json:"event"`
	EventPayload string `json:"event_payload"`
	// Version of a runtime event: omitted on the wire for version 1, so 0
	// and 1 both mean V1.
	Version int `json:"version,omitempty"`
	// Preimage is the hex digest pre-image of a V2 runtime event.
	Preimage string `json:"preimage,omitempty"`
}

// TcbInfo is the decoded tcb_info of an Info response.
type TcbInfo struct {
	Mrtd       string     `json:"mrtd"`
	Rtmr0      string     `json:"rtmr0"`
	Rtmr1      string     `json:"rtmr1"`
	Rtmr2      string     `json:"rtmr2"`
	Rtmr3      string     `json:"rtmr3"`
	AppCompose string     `json:"app_compose"`
	EventLog   []EventLog `json:"event_log"`
	// V0.3.x fields
	RootfsHash string `json:"rootfs_hash,omitempty"`
	// V0.5.x fields
	MrAggregated string `json:"mr_aggregated,omitempty"`
	OsImageHash  string `json:"os_image_hash,omitempty"`
	ComposeHash  string `json:"compose_hash,omitempty"`
	DeviceID     string `json:"device_id,omitempty"`
}

// InfoResponse is the answer to Info.
type InfoResponse struct {
	AppID           string `json:"app_id"`
	InstanceID      string `json:"instance_id"`
	AppCert         string `json:"app_cert"`
	TcbInfo         string `json:"tcb_info"`
	AppName         string `json:"app_name"`
	DeviceID        string `json:"device_id"`
	MrAggregated    string `json:"mr_aggregated,omitempty"`
	KeyProviderInfo string `json:"key_provider_info"`
	// Optional: empty if the OS image is not measured by KMS.
	OsImageHash  string `json:"os_image_hash,omitempty"`
	ComposeHash  string `json:"compose_hash"`
	VmConfig     string `json:"vm_config,omitempty"`
	CloudVendor  string `json:"cloud_vendor,omitempty"`
	CloudProduct string `json:"cloud_product,omitempty"`

	// The decoded tcb_info, built by Info from libdstack's fields (nil for a
	// response built by hand or unmarshalled).
	decoded *decodedTcbInfo
}

type decodedTcbInfo struct {
	text string // the TcbInfo it was built with
	tcb  *TcbInfo
	err  error
}

// DecodeTcbInfo decodes the tcb_info JSON string. For a response of Info it
// returns what libdstack decoded (MRTD, RTMR0-3, app-compose, event log), not
// parsing the text again; the text is parsed only for a response built by hand
// or unmarshalled, or whose TcbInfo was changed.
func (r *InfoResponse) DecodeTcbInfo() (*TcbInfo, error) {
	if r == nil {
		return nil, nilReceiver("InfoResponse")
	}
	if r.TcbInfo == "" {
		return nil, newError(StatusNotFound, "tcb_info is empty")
	}
	if d := r.decoded; d != nil && d.text == r.TcbInfo {
		if d.err != nil {
			return nil, d.err
		}
		tcb := *d.tcb
		tcb.EventLog = append([]EventLog(nil), d.tcb.EventLog...)
		return &tcb, nil
	}
	var tcb TcbInfo
	if err := json.Unmarshal([]byte(r.TcbInfo), &tcb); err != nil {
		return nil, newError(StatusMalformedResponse, "failed to unmarshal tcb_info: %v", err)
	}
	return &tcb, nil
}

// VersionResponse is the answer to GetVersion.
type VersionResponse struct {
	Version string `json:"version"`
	Rev     string `json:"rev"`
}

// SignResponse is the answer to Sign. SignatureChain is [signature, app
// signature over the signing key, KMS signature over the app key].
type SignResponse struct {
	Signature      []byte
	SignatureChain [][]byte
	PublicKey      []byte

	// What was signed, kept for VerifySignatureChain.
	algorithm string
	data      []byte
}

// VerifyResponse is the answer to Verify.
type VerifyResponse struct {
	Valid bool `json:"valid"`
}

// QuoteHashAlgorithm names how the legacy TdxQuote hashes report data.
type QuoteHashAlgorithm string

// Hash algorithms the tappd TdxQuote RPC accepts.
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
	// RAW passes up to 64 bytes of report data through unhashed.
	RAW QuoteHashAlgorithm = "raw"
)

// nilReceiver is the error of a method called on a nil response or account
// pointer (typically one returned together with an error that was ignored).
func nilReceiver(typ string) error {
	return newError(StatusNullArgument, "method called on a nil *%s", typ)
}

// keptBytes is a hex field's bytes as libdstack returned them.
type keptBytes struct {
	hex string
	raw []byte
}

// of returns a copy of the bytes if the field still holds the hex made from them.
func (k keptBytes) of(field string) ([]byte, bool) {
	if k.raw == nil || field != k.hex {
		return nil, false
	}
	return append([]byte{}, k.raw...), true
}

func keep(raw []byte) keptBytes {
	if raw == nil {
		raw = []byte{}
	}
	return keptBytes{hex: hex.EncodeToString(raw), raw: raw}
}

// keptList is keptBytes for a list field.
type keptList struct {
	hex []string
	raw [][]byte
}

func (k keptList) of(field []string) ([][]byte, bool) {
	if k.raw == nil || len(field) != len(k.hex) {
		return nil, false
	}
	for i := range field {
		if field[i] != k.hex[i] {
			return nil, false
		}
	}
	out := make([][]byte, len(k.raw))
	for i, b := range k.raw {
		out[i] = append([]byte{}, b...)
	}
	return out, true
}

func keepList(raw [][]byte) keptList {
	if raw == nil {
		raw = [][]byte{}
	}
	k := keptList{hex: make([]string, len(raw)), raw: raw}
	for i, b := range raw {
		k.hex[i] = hex.EncodeToString(b)
	}
	return k
}

func decodeHex(name, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, newError(StatusInvalidHex, "%s: %v", name, err)
	}
	return b, nil
}

func decodeHexList(name string, items []string) ([][]byte, error) {
	out := make([][]byte, len(items))
	for i, s := range items {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, newError(StatusInvalidHex, "failed to decode %s %d: %v", name, i, err)
		}
		out[i] = b
	}
	return out, nil
}
