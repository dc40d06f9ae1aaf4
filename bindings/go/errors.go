package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Status is a libdstack status code. The values are part of the C ABI and are
// never renumbered; they are taken from the header (ffi/ABI.md lists them).
type Status uint32

// Status codes of the libdstack C ABI (ffi/ABI.md). The values are cgo's,
// from the header; TestStatusesMatchTheHeader checks that every status of the
// header (abiStatuses, generated) has a constant here and a sentinel below.
const (
	StatusOK                 Status = C.DSTACK_STATUS_OK
	StatusNullArgument       Status = C.DSTACK_STATUS_NULL_ARGUMENT
	StatusInvalidArgument    Status = C.DSTACK_STATUS_INVALID_ARGUMENT
	StatusInvalidHex         Status = C.DSTACK_STATUS_INVALID_HEX
	StatusBufferTooSmall     Status = C.DSTACK_STATUS_BUFFER_TOO_SMALL
	StatusNotFound           Status = C.DSTACK_STATUS_NOT_FOUND
	StatusNoAgent            Status = C.DSTACK_STATUS_NO_AGENT
	StatusTimeout            Status = C.DSTACK_STATUS_TIMEOUT
	StatusIO                 Status = C.DSTACK_STATUS_IO
	StatusMalformedHTTP      Status = C.DSTACK_STATUS_MALFORMED_HTTP
	StatusResponseTooLarge   Status = C.DSTACK_STATUS_RESPONSE_TOO_LARGE
	StatusHTTPStatus         Status = C.DSTACK_STATUS_HTTP_STATUS
	StatusAgentError         Status = C.DSTACK_STATUS_AGENT_ERROR
	StatusMalformedResponse  Status = C.DSTACK_STATUS_MALFORMED_RESPONSE
	StatusUnsupported        Status = C.DSTACK_STATUS_UNSUPPORTED
	StatusVerificationFailed Status = C.DSTACK_STATUS_VERIFICATION_FAILED
	StatusExpired            Status = C.DSTACK_STATUS_EXPIRED
	StatusCrypto             Status = C.DSTACK_STATUS_CRYPTO
	StatusLimitExceeded      Status = C.DSTACK_STATUS_LIMIT_EXCEEDED
	StatusRNG                Status = C.DSTACK_STATUS_RNG
	StatusPanic              Status = C.DSTACK_STATUS_PANIC
	statusClosed             Status = 0xffff_0001 // Go-side only: the client was closed
	statusNotRepresentable   Status = 0xffff_0002 // Go-side only: value cannot cross the ABI
	statusNotInitialized     Status = 0xffff_0003 // Go-side only: nil or zero-value client
)

// statusWords are the English names whose wording is not the header's name
// read as words ("NO_AGENT" -> "no agent"); statusNames gives every other
// status of abiStatuses its name from the header, so a status added there has
// a name here without an edit.
var statusWords = map[Status]string{
	StatusIO:               "I/O error",
	StatusMalformedHTTP:    "malformed HTTP",
	StatusHTTPStatus:       "unexpected HTTP status",
	StatusCrypto:           "crypto error",
	StatusRNG:              "random number generator failed",
	StatusPanic:            "internal error in libdstack",
	statusClosed:           "client closed",
	statusNotRepresentable: "argument out of range",
	statusNotInitialized:   "client not initialized",
}

// statusNames names every status: the header's (abiStatuses) and the Go-side ones.
var statusNames = func() map[Status]string {
	names := make(map[Status]string, len(abiStatuses)+len(statusWords))
	for _, s := range abiStatuses {
		names[Status(s.Code)] = strings.ToLower(strings.ReplaceAll(s.Name, "_", " "))
	}
	for s, words := range statusWords {
		names[s] = words
	}
	return names
}()

// String names the status in English.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %d", uint32(s))
}

// DstackError is the error every failing call returns. Status says what kind
// of failure it is; Message carries the details, for StatusAgentError the
// agent's own text.
//
// errors.Is matches a DstackError against the sentinels below by status, so
// `errors.Is(err, dstack.ErrNoAgent)` works. A StatusTimeout error also
// matches context.DeadlineExceeded.
type DstackError struct {
	Status  Status
	Message string
}

func (e *DstackError) Error() string {
	if e.Message == "" {
		return "dstack: " + e.Status.String()
	}
	return "dstack: " + e.Status.String() + ": " + e.Message
}

// Is reports whether target is a DstackError sentinel with the same status
// (a sentinel has an empty Message), the same error, or, for a timeout,
// context.DeadlineExceeded.
func (e *DstackError) Is(target error) bool {
	if e.Status == StatusTimeout && target == context.DeadlineExceeded {
		return true
	}
	var t *DstackError
	if !errors.As(target, &t) {
		return false
	}
	return t.Status == e.Status && (t.Message == "" || t.Message == e.Message)
}

// Sentinels for errors.Is, one per status.
var (
	ErrNullArgument       = &DstackError{Status: StatusNullArgument}
	ErrInvalidArgument    = &DstackError{Status: StatusInvalidArgument}
	ErrInvalidHex         = &DstackError{Status: StatusInvalidHex}
	ErrBufferTooSmall     = &DstackError{Status: StatusBufferTooSmall}
	ErrNotFound           = &DstackError{Status: StatusNotFound}
	ErrNoAgent            = &DstackError{Status: StatusNoAgent}
	ErrTimeout            = &DstackError{Status: StatusTimeout}
	ErrIO                 = &DstackError{Status: StatusIO}
	ErrMalformedHTTP      = &DstackError{Status: StatusMalformedHTTP}
	ErrResponseTooLarge   = &DstackError{Status: StatusResponseTooLarge}
	ErrHTTPStatus         = &DstackError{Status: StatusHTTPStatus}
	ErrAgent              = &DstackError{Status: StatusAgentError}
	ErrMalformedResponse  = &DstackError{Status: StatusMalformedResponse}
	ErrUnsupported        = &DstackError{Status: StatusUnsupported}
	ErrVerificationFailed = &DstackError{Status: StatusVerificationFailed}
	ErrExpired            = &DstackError{Status: StatusExpired}
	ErrCrypto             = &DstackError{Status: StatusCrypto}
	ErrLimitExceeded      = &DstackError{Status: StatusLimitExceeded}
	ErrRNG                = &DstackError{Status: StatusRNG}
	ErrPanic              = &DstackError{Status: StatusPanic}
	// ErrClosed is returned by calls on a client after Close.
	ErrClosed = &DstackError{Status: statusClosed}
	// ErrNotInitialized is returned by calls on a nil *DstackClient or
	// *TappdClient, or on one not made by NewDstackClient / NewTappdClient
	// (e.g. a zero-value DstackClient{}).
	ErrNotInitialized = &DstackError{Status: statusNotInitialized}
)

func newError(s Status, format string, args ...any) *DstackError {
	return &DstackError{Status: s, Message: fmt.Sprintf(format, args...)}
}

// takeError turns a C status and the optional error handle into a Go error,
// copying the message out of C memory and freeing the handle.
func takeError(st C.dstack_status, cerr *C.dstack_error) error {
	if cerr != nil {
		defer C.dstack_error_free(cerr)
	}
	if Status(st) == StatusOK {
		return nil
	}
	e := &DstackError{Status: Status(st)}
	if cerr != nil {
		e.Message = sliceString(C.dstack_error_message(cerr))
	}
	return e
}
