package dstack

// #include "dstack.h"
import "C"

import (
	"encoding/hex"
	"unsafe"
)

// ReplayRTMRs replays the event log into RTMR0-3 (index → hex). The replay
// is the sound one: runtime events (RTMR3) have their digests recomputed
// from name and payload, because GetQuote strips those digests; other events
// are replayed from their logged digests. The official SDKs replayed logged
// digests only and so could never reproduce RTMR3 of a real quote.
func (r *GetQuoteResponse) ReplayRTMRs() (map[int]string, error) {
	if r == nil {
		return nil, nilReceiver("GetQuoteResponse")
	}
	return ReplayRTMRs(r.EventLog)
}

// ReplayRTMRs replays an event log (JSON array) soundly; see
// GetQuoteResponse.ReplayRTMRs.
func ReplayRTMRs(eventLogJSON string) (map[int]string, error) {
	return replay(eventLogJSON, false)
}

// ReplayRTMRsFromDigests replays logged digests only (short digests
// right-padded to 48 bytes), which is what the official SDKs computed. For
// comparison with old results; it cannot reproduce RTMR3 from a stripped log.
func ReplayRTMRsFromDigests(eventLogJSON string) (map[int]string, error) {
	return replay(eventLogJSON, true)
}

func replay(eventLogJSON string, digestsOnly bool) (map[int]string, error) {
	var out [192]byte
	var cerr *C.dstack_error
	lp, ll := strArg(eventLogJSON)
	op := (*C.uint8_t)(unsafe.Pointer(&out[0]))
	var st C.dstack_status
	if digestsOnly {
		st = C.dstack_replay_rtmrs_from_digests(lp, ll, op, &cerr)
	} else {
		st = C.dstack_replay_rtmrs(lp, ll, op, &cerr)
	}
	if err := takeError(st, cerr); err != nil {
		return nil, err
	}
	m := make(map[int]string, 4)
	for i := 0; i < 4; i++ {
		m[i] = hex.EncodeToString(out[i*48 : (i+1)*48])
	}
	return m, nil
}

// VerifyEventLog replays the event log soundly and checks RTMR0-3 against
// the quote, and the quote's report data against ReportData when the
// response carries it. It does not verify the quote's signature (that needs
// Intel collateral); it proves the log belongs to the quote.
func (r *GetQuoteResponse) VerifyEventLog() error {
	if r == nil {
		return nilReceiver("GetQuoteResponse")
	}
	quote, err := r.DecodeQuote()
	if err != nil {
		return err
	}
	var reportData []byte
	if r.ReportData != "" {
		if reportData, err = r.DecodeReportData(); err != nil {
			return err
		}
	}
	return VerifyEventLog(quote, r.EventLog, reportData)
}

// VerifyEventLog checks an event log against a TDX quote (and, if
// expectedReportData is not nil, that the quote carries those 64 bytes).
// A mismatch is StatusVerificationFailed.
func VerifyEventLog(quote []byte, eventLogJSON string, expectedReportData []byte) error {
	qp, ql := bytesArg(quote)
	lp, ll := strArg(eventLogJSON)
	var rp *C.uint8_t
	var rl C.size_t
	if expectedReportData != nil {
		// Its length (64 bytes) is libdstack's check. NULL means "not checked",
		// so an empty slice passes a non-NULL pointer, to be refused there.
		rp, rl = bytesArg(expectedReportData)
		if rp == nil {
			rp = (*C.uint8_t)(unsafe.Pointer(&nonNull[0]))
		}
	}
	var cerr *C.dstack_error
	return takeError(C.dstack_verify_event_log(qp, ql, lp, ll, rp, rl, &cerr), cerr)
}

// Quote holds the fields of a TDX quote (v4 or v5) that identify a CVM.
// Parsing does not verify the quote's signature.
type Quote struct {
	Version    uint64
	TeeType    uint64
	MRTD       []byte
	RTMRs      [4][]byte
	ReportData []byte
}

// ParseQuote parses a TDX quote.
func ParseQuote(quote []byte) (*Quote, error) {
	qp, ql := bytesArg(quote)
	return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
		return C.dstack_quote_parse(qp, ql, out, cerr)
	}, func(r *response) *Quote {
		q := &Quote{}
		q.Version, _ = r.u64(fieldQuoteVersion)
		q.TeeType, _ = r.u64(fieldTeeType)
		q.MRTD, _ = r.get(fieldMRTD)
		for i, f := range [4]field{fieldRTMR0, fieldRTMR1, fieldRTMR2, fieldRTMR3} {
			q.RTMRs[i], _ = r.get(f)
		}
		q.ReportData, _ = r.get(fieldReportData)
		return q
	})
}

// ParseQuote parses the response's quote.
func (r *GetQuoteResponse) ParseQuote() (*Quote, error) {
	quote, err := r.DecodeQuote()
	if err != nil {
		return nil, err
	}
	return ParseQuote(quote)
}

// ParseEventLog parses and validates an event log (JSON array) with
// libdstack's strict parser: digests, payloads and preimages must be hex,
// imr an integer. DecodeEventLog, as in the official SDK, only unmarshals.
func ParseEventLog(eventLogJSON string) ([]EventLog, error) {
	lp, ll := strArg(eventLogJSON)
	var log *C.dstack_event_log
	var cerr *C.dstack_error
	if err := takeError(C.dstack_event_log_parse(lp, ll, &log, &cerr), cerr); err != nil {
		return nil, err
	}
	defer C.dstack_event_log_free(log)
	n := int(C.dstack_event_log_count(log))
	events := make([]EventLog, 0, n)
	for i := 0; i < n; i++ {
		var ev C.dstack_event
		var ierr *C.dstack_error
		if err := takeError(C.dstack_event_log_get(log, C.size_t(i), &ev, &ierr), ierr); err != nil {
			return nil, err
		}
		e := EventLog{
			IMR:          int(ev.imr),
			EventType:    int(ev.event_type),
			Digest:       hex.EncodeToString(sliceBytes(ev.digest)),
			Event:        sliceString(ev.event),
			EventPayload: hex.EncodeToString(sliceBytes(ev.event_payload)),
			Preimage:     hex.EncodeToString(sliceBytes(ev.preimage)),
		}
		if ev.version > 1 {
			e.Version = int(ev.version)
		}
		events = append(events, e)
	}
	return events, nil
}
