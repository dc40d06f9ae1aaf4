package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
)

// Status is a libdstack status code. The values are part of the C ABI and are
// never renumbered.
type Status uint32

// Status codes of the libdstack C ABI (ffi/ABI.md).
const (
	StatusOK                 Status = 0
	StatusNullArgument       Status = 1
	StatusInvalidArgument    Status = 2
	StatusInvalidHex         Status = 3
	StatusBufferTooSmall     Status = 4
	StatusNotFound           Status = 5
	StatusNoAgent            Status = 10
	StatusTimeout            Status = 11
	StatusIO                 Status = 12
	StatusMalformedHTTP      Status = 13
	StatusResponseTooLarge   Status = 14
	StatusHTTPStatus         Status = 15
	StatusAgentError         Status = 16
	StatusMalformedResponse  Status = 17
	StatusUnsupported        Status = 18
	StatusVerificationFailed Status = 20
	StatusExpired            Status = 21
	StatusCrypto             Status = 22
	StatusLimitExceeded      Status = 23
	StatusRNG                Status = 24
	StatusPanic              Status = 99
	statusClosed             Status = 0xffff_0001 // Go-side only: the client was closed
	statusNotRepresentable   Status = 0xffff_0002 // Go-side only: value cannot cross the ABI
)

var statusNames = map[Status]string{
	StatusOK:                 "ok",
	StatusNullArgument:       "null argument",
	StatusInvalidArgument:    "invalid argument",
	StatusInvalidHex:         "invalid hex",
	StatusBufferTooSmall:     "buffer too small",
	StatusNotFound:           "not found",
	StatusNoAgent:            "no agent",
	StatusTimeout:            "timeout",
	StatusIO:                 "I/O error",
	StatusMalformedHTTP:      "malformed HTTP",
	StatusResponseTooLarge:   "response too large",
	StatusHTTPStatus:         "unexpected HTTP status",
	StatusAgentError:         "agent error",
	StatusMalformedResponse:  "malformed response",
	StatusUnsupported:        "unsupported",
	StatusVerificationFailed: "verification failed",
	StatusExpired:            "expired",
	StatusCrypto:             "crypto error",
	StatusLimitExceeded:      "limit exceeded",
	StatusRNG:                "random number generator failed",
	StatusPanic:              "internal error in libdstack",
	statusClosed:             "client closed",
	statusNotRepresentable:   "argument out of range",
}

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
