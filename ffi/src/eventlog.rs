//! Event logs: the parsed-log handle (`dstack_event_log`, its events as `dstack_event`;
//! the core's `eventlog`, as `libdstack` has no such handle), and sound and compatible
//! RTMR replay and checking a log against a quote (`libdstack::verify`). All reentrant.

use crate::boundary::{guard, run};
use crate::error::{dstack_error, Failure, Result};
use crate::response::Secret;
use crate::slice::dstack_slice;
use crate::status::*;
use crate::{free_handle, opt_ref, try_bytes, try_out, try_out_array, try_ref};
use dstack_core::eventlog;
use libdstack::verify;

/// One event of a `dstack_event_log`, as returned by `dstack_event_log_get`. Byte fields
/// are decoded from hex; `event` is the UTF-8 name. All slices are borrowed from the log
/// and valid until it is freed. `preimage` is `{NULL, 0}` when the event has none.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dstack_event {
    /// RTMR index, 0..3.
    pub imr: u32,
    /// Event type (0x08000001 for dstack runtime events).
    pub event_type: u32,
    /// Runtime-event digest version: 1 (also when absent in the JSON) or 2.
    pub version: u32,
    /// The logged digest (empty for runtime events of stripped GetQuote logs).
    pub digest: dstack_slice,
    /// The event name, UTF-8.
    pub event: dstack_slice,
    /// The event payload.
    pub event_payload: dstack_slice,
    /// The V2 preimage, if present.
    pub preimage: dstack_slice,
}

struct OwnedEvent {
    imr: u32,
    event_type: u32,
    version: u32,
    digest: Vec<u8>,
    name: String,
    payload: Secret,
    preimage: Option<Vec<u8>>,
}

/// A parsed event log (a JSON array of TDX events as in GetQuote, TdxQuote or Info's
/// tcb_info), with decoded, owned events.
///
/// Created by `dstack_event_log_parse`, freed by `dstack_event_log_free`.
///
/// Thread safety: immutable after creation; may be read from several threads at once.
/// Free it exactly once, after all reads.
pub struct dstack_event_log {
    events: Vec<OwnedEvent>,
}

fn decode_event(ev: &eventlog::Event<'_>) -> dstack_core::Result<OwnedEvent> {
    let mut digest = vec![0u8; ev.digest_len()];
    ev.digest(&mut digest)?;
    let mut name = vec![0u8; ev.name_len()];
    let n = ev.name(&mut name)?.len();
    name.truncate(n);
    let name = String::from_utf8(name).map_err(|_| dstack_core::Error::MalformedResponse)?;
    let mut payload = Secret(vec![0u8; ev.payload_len()]);
    ev.payload(&mut payload.0)?;
    let preimage = match ev.preimage_hex() {
        Some(h) => {
            let mut p = vec![0u8; h.len() / 2];
            ev.preimage(&mut p)?;
            Some(p)
        }
        None => None,
    };
    Ok(OwnedEvent {
        imr: ev.imr(),
        event_type: ev.event_type(),
        version: ev.version(),
        digest,
        name,
        payload,
        preimage,
    })
}

/// Parses an event log (UTF-8 JSON array). Each event needs `imr` 0..3, `event_type`,
/// `digest`/`event_payload` (hex), `event` (string); `version` (1/2) and `preimage` are
/// optional. Malformed logs give `DSTACK_STATUS_MALFORMED_RESPONSE` or
/// `DSTACK_STATUS_INVALID_HEX`. On success `*out_log` owns a new log (free with
/// `dstack_event_log_free`). `out_log` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_event_log_parse(
    json: *const u8,
    json_len: usize,
    out_log: *mut *mut dstack_event_log,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (json, out_log) = (try_bytes!(json, json_len), try_out!(out_log));
        let mut events = Vec::new();
        for (i, ev) in eventlog::events(json).enumerate() {
            let ev = ev.map_err(|e| Failure::core(&format!("event log, event {i}"), e))?;
            events.push(
                decode_event(&ev)
                    .map_err(|e| Failure::core(&format!("event log, event {i}"), e))?,
            );
        }
        *out_log = Box::into_raw(Box::new(dstack_event_log { events }));
        Ok(())
    })
}

/// Number of events in `log` (0 if `log` is NULL).
#[no_mangle]
pub unsafe extern "C" fn dstack_event_log_count(log: *const dstack_event_log) -> usize {
    guard(0, || opt_ref!(log).map_or(0, |l| l.events.len()))
}

/// Reads event `index` into `*out_event` (slices borrowed from `log`).
/// `DSTACK_STATUS_NOT_FOUND` if `index` is out of range. `log` and `out_event` must not
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_event_log_get(
    log: *const dstack_event_log,
    index: usize,
    out_event: *mut dstack_event,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (log, out_event) = (try_ref!(log), try_out!(out_event));
        let e = log.events.get(index).ok_or_else(|| {
            Failure::new(
                DSTACK_STATUS_NOT_FOUND,
                format!(
                    "event index {index} is out of range: the log has {} events",
                    log.events.len()
                ),
            )
        })?;
        *out_event = dstack_event {
            imr: e.imr,
            event_type: e.event_type,
            version: e.version,
            digest: dstack_slice::of(&e.digest),
            event: dstack_slice::of(e.name.as_bytes()),
            event_payload: dstack_slice::of(&e.payload.0),
            preimage: e
                .preimage
                .as_deref()
                .map_or(dstack_slice::EMPTY, dstack_slice::of),
        };
        Ok(())
    })
}

/// Frees an event log. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn dstack_event_log_free(log: *mut dstack_event_log) {
    guard((), || free_handle!(log))
}

/// The log as text for `libdstack::verify`, which takes `&str`. JSON is UTF-8 (RFC 8259),
/// so bytes that are not are malformed JSON: the status and message the core's parser
/// gives them (`context: ` + MALFORMED_RESPONSE), whichever layer notices.
fn json_text<'a>(json: &'a [u8], context: &str) -> Result<&'a str> {
    std::str::from_utf8(json)
        .map_err(|_| Failure::core(context, dstack_core::Error::MalformedResponse))
}

/// Writes RTMR0..RTMR3 to `out_rtmrs[192]`.
fn write_rtmrs(out_rtmrs: &mut [u8; 192], rtmrs: [[u8; 48]; 4]) {
    for (dst, rtmr) in out_rtmrs.chunks_exact_mut(48).zip(rtmrs.iter()) {
        dst.copy_from_slice(rtmr);
    }
}

/// Sound replay of RTMR0-3 from an event log: runtime events (type 0x08000001) get their
/// digest recomputed from name and payload (V1 or V2), never taken from `digest`; other
/// events extend with their logged 48-byte digest. Works on stripped GetQuote logs.
/// Writes RTMR0..RTMR3 (4 x 48 bytes) to `out_rtmrs[192]`, which must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_replay_rtmrs(
    event_log_json: *const u8,
    event_log_json_len: usize,
    out_rtmrs: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (event_log_json, out_rtmrs) = (
            try_bytes!(event_log_json, event_log_json_len),
            try_out_array!(out_rtmrs, 192),
        );
        let json = json_text(event_log_json, "event log replay")?;
        write_rtmrs(out_rtmrs, verify::replay_rtmrs(json)?);
        Ok(())
    })
}

/// What the official SDKs' `replay_rtmrs` computed: each RTMR extended with the logged
/// `digest` fields, short digests right-padded with zeros to 48 bytes. For
/// compatibility only: it cannot reproduce RTMR3 from a stripped GetQuote log. Writes
/// 4 x 48 bytes to `out_rtmrs[192]`, which must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_replay_rtmrs_from_digests(
    event_log_json: *const u8,
    event_log_json_len: usize,
    out_rtmrs: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (event_log_json, out_rtmrs) = (
            try_bytes!(event_log_json, event_log_json_len),
            try_out_array!(out_rtmrs, 192),
        );
        let json = json_text(event_log_json, "event log replay")?;
        write_rtmrs(out_rtmrs, verify::replay_rtmrs_from_digests(json)?);
        Ok(())
    })
}

/// Replays the event log soundly and compares RTMR0-3 with the quote's; V2 preimages in
/// the log must be canonical. `expected_report_data`: NULL (with length 0) = not
/// checked, else exactly 64 bytes that must equal the quote's report data. Mismatch is
/// `DSTACK_STATUS_VERIFICATION_FAILED`. The quote's Intel signature is NOT checked.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_event_log(
    quote: *const u8,
    quote_len: usize,
    event_log_json: *const u8,
    event_log_json_len: usize,
    expected_report_data: *const u8,
    expected_report_data_len: usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let checked = !expected_report_data.is_null();
        let (quote, event_log_json, expected_report_data) = (
            try_bytes!(quote, quote_len),
            try_bytes!(event_log_json, event_log_json_len),
            try_bytes!(expected_report_data, expected_report_data_len),
        );
        let json = json_text(event_log_json, "verify event log")?;
        verify::verify_event_log(quote, json, checked.then_some(expected_report_data))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `json_text` answers a log that is not UTF-8 as the core's parser does, so handing
    /// `libdstack` text changed no status or message.
    #[test]
    fn non_utf8_is_what_the_core_says() {
        let logs: [&[u8]; 4] = [
            b"\xff",
            b"[\xff]",
            b"[{\"imr\":0,\"event_type\":1,\"digest\":\"00\",\"event\":\"\xc3\",\"event_payload\":\"\"}]",
            b"[{\"imr\":0,\"event_type\":1,\"digest\":\"\xe2\x82\",\"event\":\"a\",\"event_payload\":\"\"}]",
        ];
        for log in logs {
            let ours = json_text(log, "event log replay").err();
            for core in [
                eventlog::replay_sound(log),
                eventlog::replay_from_digests(log),
            ] {
                let theirs = core.err().map(|e| Failure::core("event log replay", e));
                assert_eq!(ours, theirs, "{log:?}");
            }
        }
    }
}
