package dstack

// #include "dstack.h"
import "C"

import (
	"encoding/hex"
)

// field is a dstack_field value (ffi/ABI.md), taken from the header by cgo.
// The binding names only the fields it reads; TestFieldsMatchTheHeader checks
// each against abiFields (generated): same value, and a kind its reader fits.
type field uint32

const (
	fieldKey              field = C.DSTACK_FIELD_KEY
	fieldSignatureChain   field = C.DSTACK_FIELD_SIGNATURE_CHAIN
	fieldCertificateChain field = C.DSTACK_FIELD_CERTIFICATE_CHAIN
	fieldQuote            field = C.DSTACK_FIELD_QUOTE
	fieldEventLog         field = C.DSTACK_FIELD_EVENT_LOG
	fieldReportData       field = C.DSTACK_FIELD_REPORT_DATA
	fieldVMConfig         field = C.DSTACK_FIELD_VM_CONFIG
	fieldAttestation      field = C.DSTACK_FIELD_ATTESTATION
	fieldAppID            field = C.DSTACK_FIELD_APP_ID
	fieldInstanceID       field = C.DSTACK_FIELD_INSTANCE_ID
	fieldAppCert          field = C.DSTACK_FIELD_APP_CERT
	fieldTcbInfo          field = C.DSTACK_FIELD_TCB_INFO
	fieldAppName          field = C.DSTACK_FIELD_APP_NAME
	fieldDeviceID         field = C.DSTACK_FIELD_DEVICE_ID
	fieldMrAggregated     field = C.DSTACK_FIELD_MR_AGGREGATED
	fieldOsImageHash      field = C.DSTACK_FIELD_OS_IMAGE_HASH
	fieldKeyProviderInfo  field = C.DSTACK_FIELD_KEY_PROVIDER_INFO
	fieldComposeHash      field = C.DSTACK_FIELD_COMPOSE_HASH
	fieldCloudVendor      field = C.DSTACK_FIELD_CLOUD_VENDOR
	fieldCloudProduct     field = C.DSTACK_FIELD_CLOUD_PRODUCT
	fieldMRTD             field = C.DSTACK_FIELD_MRTD
	fieldRTMR0            field = C.DSTACK_FIELD_RTMR0
	fieldRTMR1            field = C.DSTACK_FIELD_RTMR1
	fieldRTMR2            field = C.DSTACK_FIELD_RTMR2
	fieldRTMR3            field = C.DSTACK_FIELD_RTMR3
	fieldAppCompose       field = C.DSTACK_FIELD_APP_COMPOSE
	fieldTcbEventLog      field = C.DSTACK_FIELD_TCB_EVENT_LOG
	fieldSignature        field = C.DSTACK_FIELD_SIGNATURE
	fieldPublicKey        field = C.DSTACK_FIELD_PUBLIC_KEY
	fieldValid            field = C.DSTACK_FIELD_VALID
	fieldVersion          field = C.DSTACK_FIELD_VERSION
	fieldRev              field = C.DSTACK_FIELD_REV
	fieldHashAlgorithm    field = C.DSTACK_FIELD_HASH_ALGORITHM
	fieldPrefix           field = C.DSTACK_FIELD_PREFIX
	fieldQuoteVersion     field = C.DSTACK_FIELD_QUOTE_VERSION
	fieldTeeType          field = C.DSTACK_FIELD_TEE_TYPE
	fieldPurpose          field = C.DSTACK_FIELD_PURPOSE
	fieldAlgorithm        field = C.DSTACK_FIELD_ALGORITHM
)

// response reads a dstack_response. It is used only inside the goroutine that
// made the call: values are copied into Go memory and the handle is freed
// before anything is returned.
type response struct {
	p   *C.dstack_response
	err error // first error met while reading; later reads are skipped
}

func (r *response) free() {
	C.dstack_response_free(r.p)
	r.p = nil
}

// get copies a bytes/text field. Absent fields give (nil, false) and are not
// an error; any other failure is kept in r.err.
func (r *response) get(f field) ([]byte, bool) {
	if r.err != nil {
		return nil, false
	}
	var s C.dstack_slice
	var cerr *C.dstack_error
	st := C.dstack_response_get(r.p, C.dstack_field(f), &s, &cerr)
	if Status(st) == StatusNotFound {
		C.dstack_error_free(cerr)
		return nil, false
	}
	if err := takeError(st, cerr); err != nil {
		r.err = err
		return nil, false
	}
	return sliceBytes(s), true
}

// text returns a text field or "" when absent.
func (r *response) text(f field) string {
	b, _ := r.get(f)
	return string(b)
}

// hexField returns a bytes field as lowercase hex, or "" when absent: the
// official SDK's response structs carry these as the agent's hex strings.
func (r *response) hexField(f field) string {
	b, _ := r.get(f)
	return hex.EncodeToString(b)
}

// kept reads a bytes field (absent: empty) with its hex, made once here.
func (r *response) kept(f field) keptBytes {
	b, _ := r.get(f)
	return keep(b)
}

// keptList reads a list of bytes with the items' hex.
func (r *response) keptList(f field) keptList {
	return keepList(r.list(f))
}

// list copies every item of a list field; an absent list is empty.
func (r *response) list(f field) [][]byte {
	if r.err != nil {
		return nil
	}
	var n C.size_t
	var cerr *C.dstack_error
	st := C.dstack_response_count(r.p, C.dstack_field(f), &n, &cerr)
	if Status(st) == StatusNotFound {
		C.dstack_error_free(cerr)
		return [][]byte{}
	}
	if err := takeError(st, cerr); err != nil {
		r.err = err
		return nil
	}
	out := make([][]byte, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		var s C.dstack_slice
		var ierr *C.dstack_error
		st := C.dstack_response_item(r.p, C.dstack_field(f), i, &s, &ierr)
		if err := takeError(st, ierr); err != nil {
			r.err = err
			return nil
		}
		out = append(out, sliceBytes(s))
	}
	return out
}

func (r *response) hexList(f field) []string {
	items := r.list(f)
	out := make([]string, len(items))
	for i, b := range items {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

func (r *response) textList(f field) []string {
	items := r.list(f)
	out := make([]string, len(items))
	for i, b := range items {
		out[i] = string(b)
	}
	return out
}

func (r *response) u64(f field) (uint64, bool) {
	if r.err != nil {
		return 0, false
	}
	var v C.uint64_t
	var cerr *C.dstack_error
	st := C.dstack_response_u64(r.p, C.dstack_field(f), &v, &cerr)
	if Status(st) == StatusNotFound {
		C.dstack_error_free(cerr)
		return 0, false
	}
	if err := takeError(st, cerr); err != nil {
		r.err = err
		return 0, false
	}
	return uint64(v), true
}

// withResponse runs a C function that produces a response, then read, then
// frees the response. read sees only a successfully created response.
func withResponse[T any](call func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status, read func(r *response) T) (T, error) {
	var zero T
	var p *C.dstack_response
	var cerr *C.dstack_error
	st := call(&p, &cerr)
	if err := takeError(st, cerr); err != nil {
		if p != nil {
			C.dstack_response_free(p)
		}
		return zero, err
	}
	r := &response{p: p}
	defer r.free()
	v := read(r)
	if r.err != nil {
		return zero, r.err
	}
	return v, nil
}
