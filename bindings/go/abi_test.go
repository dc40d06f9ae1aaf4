package dstack

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The binding's statuses and fields are cgo's constants from the header; the
// generated abi_gen.go lists the header's complete sets. These tests keep the
// two in step: a status or field added to the header without its Go name
// fails here.

// statusAPI is the exported face of every status: its constant and sentinel.
var statusAPI = map[string]struct {
	status   Status
	sentinel *DstackError // nil for OK
}{
	"OK":                  {StatusOK, nil},
	"NULL_ARGUMENT":       {StatusNullArgument, ErrNullArgument},
	"INVALID_ARGUMENT":    {StatusInvalidArgument, ErrInvalidArgument},
	"INVALID_HEX":         {StatusInvalidHex, ErrInvalidHex},
	"BUFFER_TOO_SMALL":    {StatusBufferTooSmall, ErrBufferTooSmall},
	"NOT_FOUND":           {StatusNotFound, ErrNotFound},
	"NO_AGENT":            {StatusNoAgent, ErrNoAgent},
	"TIMEOUT":             {StatusTimeout, ErrTimeout},
	"IO":                  {StatusIO, ErrIO},
	"MALFORMED_HTTP":      {StatusMalformedHTTP, ErrMalformedHTTP},
	"RESPONSE_TOO_LARGE":  {StatusResponseTooLarge, ErrResponseTooLarge},
	"HTTP_STATUS":         {StatusHTTPStatus, ErrHTTPStatus},
	"AGENT_ERROR":         {StatusAgentError, ErrAgent},
	"MALFORMED_RESPONSE":  {StatusMalformedResponse, ErrMalformedResponse},
	"UNSUPPORTED":         {StatusUnsupported, ErrUnsupported},
	"VERIFICATION_FAILED": {StatusVerificationFailed, ErrVerificationFailed},
	"EXPIRED":             {StatusExpired, ErrExpired},
	"CRYPTO":              {StatusCrypto, ErrCrypto},
	"LIMIT_EXCEEDED":      {StatusLimitExceeded, ErrLimitExceeded},
	"RNG":                 {StatusRNG, ErrRNG},
	"PANIC":               {StatusPanic, ErrPanic},
}

func TestStatusesMatchTheHeader(t *testing.T) {
	if len(statusAPI) != len(abiStatuses) {
		t.Errorf("%d exported statuses, the header has %d", len(statusAPI), len(abiStatuses))
	}
	for _, s := range abiStatuses {
		api, ok := statusAPI[s.Name]
		if !ok {
			t.Errorf("status %s (%d) has no Status constant and sentinel", s.Name, s.Code)
			continue
		}
		if uint32(api.status) != s.Code {
			t.Errorf("%s: constant %d, header %d", s.Name, uint32(api.status), s.Code)
		}
		if s.Name != "OK" && (api.sentinel == nil || api.sentinel.Status != api.status || api.sentinel.Message != "") {
			t.Errorf("%s: sentinel %+v", s.Name, api.sentinel)
		}
		name := api.status.String()
		if name == "" || strings.HasPrefix(name, "status ") {
			t.Errorf("%s: no English name (%q)", s.Name, name)
		}
		if s.Name != "OK" && !errors.Is(&DstackError{Status: api.status, Message: "m"}, api.sentinel) {
			t.Errorf("%s: errors.Is does not match the sentinel", s.Name)
		}
	}
	// The Go-side statuses never collide with the header's.
	for _, s := range []Status{statusClosed, statusNotRepresentable, statusNotInitialized} {
		for _, h := range abiStatuses {
			if uint32(s) == h.Code {
				t.Errorf("Go-side status %d is the header's %s", uint32(s), h.Name)
			}
		}
	}
}

func TestStatusNamesKeepTheirWording(t *testing.T) {
	for s, want := range map[Status]string{
		StatusOK: "ok", StatusNoAgent: "no agent", StatusIO: "I/O error", StatusHTTPStatus: "unexpected HTTP status",
		StatusAgentError: "agent error", StatusPanic: "internal error in libdstack", statusClosed: "client closed",
		Status(12345): "status 12345",
	} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", uint32(s), got, want)
		}
	}
}

// fieldAPI is every field the binding reads and how it reads it.
var fieldAPI = map[string]struct {
	f    field
	read string // "bytes" (get/hexField), "text", "list" (list/hexList/textList), "u64"
}{
	"KEY":               {fieldKey, "bytes"},
	"SIGNATURE_CHAIN":   {fieldSignatureChain, "list"},
	"CERTIFICATE_CHAIN": {fieldCertificateChain, "list"},
	"QUOTE":             {fieldQuote, "bytes"},
	"EVENT_LOG":         {fieldEventLog, "text"},
	"REPORT_DATA":       {fieldReportData, "bytes"},
	"VM_CONFIG":         {fieldVMConfig, "text"},
	"ATTESTATION":       {fieldAttestation, "bytes"},
	"APP_ID":            {fieldAppID, "bytes"},
	"INSTANCE_ID":       {fieldInstanceID, "bytes"},
	"APP_CERT":          {fieldAppCert, "text"},
	"TCB_INFO":          {fieldTcbInfo, "text"},
	"APP_NAME":          {fieldAppName, "text"},
	"DEVICE_ID":         {fieldDeviceID, "bytes"},
	"MR_AGGREGATED":     {fieldMrAggregated, "bytes"},
	"OS_IMAGE_HASH":     {fieldOsImageHash, "bytes"},
	"KEY_PROVIDER_INFO": {fieldKeyProviderInfo, "text"},
	"COMPOSE_HASH":      {fieldComposeHash, "bytes"},
	"CLOUD_VENDOR":      {fieldCloudVendor, "text"},
	"CLOUD_PRODUCT":     {fieldCloudProduct, "text"},
	"MRTD":              {fieldMRTD, "bytes"},
	"RTMR0":             {fieldRTMR0, "bytes"},
	"RTMR1":             {fieldRTMR1, "bytes"},
	"RTMR2":             {fieldRTMR2, "bytes"},
	"RTMR3":             {fieldRTMR3, "bytes"},
	"APP_COMPOSE":       {fieldAppCompose, "text"},
	"TCB_EVENT_LOG":     {fieldTcbEventLog, "text"},
	"SIGNATURE":         {fieldSignature, "bytes"},
	"PUBLIC_KEY":        {fieldPublicKey, "bytes"},
	"VALID":             {fieldValid, "u64"},
	"VERSION":           {fieldVersion, "text"},
	"REV":               {fieldRev, "text"},
	"HASH_ALGORITHM":    {fieldHashAlgorithm, "text"},
	"PREFIX":            {fieldPrefix, "text"},
	"QUOTE_VERSION":     {fieldQuoteVersion, "u64"},
	"TEE_TYPE":          {fieldTeeType, "u64"},
	"PURPOSE":           {fieldPurpose, "text"},
	"ALGORITHM":         {fieldAlgorithm, "text"},
}

// readerFits says which readers a field kind of the header allows:
// dstack_response_get for bytes and text, _count/_item for lists, _u64.
func readerFits(kind, read string) bool {
	switch read {
	case "bytes", "text":
		return kind == "bytes" || kind == "text" || kind == "bytes_or_text"
	case "list":
		return strings.HasPrefix(kind, "list_of_")
	case "u64":
		return kind == "u64"
	}
	return false
}

func TestFieldsMatchTheHeader(t *testing.T) {
	byName := map[string]abiField{}
	for _, f := range abiFields {
		byName[f.Name] = f
	}
	for name, api := range fieldAPI {
		h, ok := byName[name]
		if !ok {
			t.Errorf("field %s is not in the header", name)
			continue
		}
		if uint32(api.f) != h.Value {
			t.Errorf("%s: constant %d, header %d", name, uint32(api.f), h.Value)
		}
		if !readerFits(h.Kind, api.read) {
			t.Errorf("%s: read as %s, but the header's kind is %s", name, api.read, h.Kind)
		}
	}
}

// One representation per field: responses are built from the typed fields,
// bytes stay bytes behind the official hex strings.

func TestDecodeTcbInfoIsBuiltFromTheFields(t *testing.T) {
	c := newClient(t)
	info, err := c.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.decoded == nil || info.decoded.err != nil {
		t.Fatalf("Info did not decode tcb_info from the fields: %+v", info.decoded)
	}
	fromFields, err := info.DecodeTcbInfo()
	if err != nil {
		t.Fatal(err)
	}
	// The same response with the text parsed (a response unmarshalled by hand).
	byHand := *info
	byHand.decoded = nil
	parsed, err := byHand.DecodeTcbInfo()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFields, parsed) {
		t.Fatalf("from the fields:\n%+v\nparsed:\n%+v", fromFields, parsed)
	}
	// A copy each time: the caller may change it.
	fromFields.EventLog[0].Event = "changed"
	again, _ := info.DecodeTcbInfo()
	if again.EventLog[0].Event == "changed" {
		t.Fatal("DecodeTcbInfo returned the kept value itself")
	}
	// A changed TcbInfo text is parsed, not answered from the fields.
	info.TcbInfo = `{"mrtd":"ab"}`
	if tcb, err := info.DecodeTcbInfo(); err != nil || tcb.Mrtd != "ab" {
		t.Fatalf("changed text: %+v %v", tcb, err)
	}
}

func TestDecodeReturnsTheBytesLibdstackGave(t *testing.T) {
	c := newClient(t)
	k, err := c.GetKey(ctx(t), "a", "p", "")
	if err != nil {
		t.Fatal(err)
	}
	if k.algorithm != "secp256k1" {
		t.Fatalf("default algorithm: %q (applied once, by libdstack)", k.algorithm)
	}
	key, _ := k.DecodeKey()
	if k.kept == nil || !bytes.Equal(key, k.kept.key.raw) || hex.EncodeToString(key) != k.Key {
		t.Fatal("DecodeKey is not the kept bytes")
	}
	key[0] ^= 1 // a copy: the response is unchanged
	if again, _ := k.DecodeKey(); hex.EncodeToString(again) != k.Key {
		t.Fatal("DecodeKey returned the kept slice itself")
	}
	k.Key = strings.Repeat("00", 32) // set by hand: decoded from the hex
	if b, _ := k.DecodeKey(); !bytes.Equal(b, make([]byte, 32)) {
		t.Fatalf("hand-set key: %x", b)
	}
	k.SignatureChain[0] = "ab"
	if chain, _ := k.DecodeSignatureChain(); !bytes.Equal(chain[0], []byte{0xab}) {
		t.Fatalf("hand-set chain: %x", chain[0])
	}
	q, err := c.GetQuote(ctx(t), []byte("rd"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := q.DecodeQuote()
	if q.kept == nil || !bytes.Equal(raw, q.kept.quote.raw) {
		t.Fatal("DecodeQuote is not the kept bytes")
	}
	if rd, _ := q.DecodeReportData(); !bytes.HasPrefix(rd, []byte("rd")) || len(rd) != 64 {
		t.Fatalf("report data %x", rd)
	}
}

func TestChecksAreLibdstacksWithTheOfficialWording(t *testing.T) {
	c := newClient(t)
	_, err := c.GetQuote(ctx(t), make([]byte, 65))
	var e *DstackError
	if !errors.As(err, &e) || !strings.HasPrefix(e.Message, reportDataTooLarge+": ") || !strings.Contains(e.Message, "65") {
		t.Fatalf("GetQuote: %v", err)
	}
	if err := VerifyEventLog(nil, "[]", []byte{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("empty expected report data: %v", err)
	}
}
