//! Status codes: one fixed-width integer type with explicit, never reused values.
//!
//! `dstack_status` is a plain `uint32_t` rather than a C enum so that a value this
//! library does not know (from a newer header, or garbage) is never undefined behaviour
//! on either side of the boundary.

use std::os::raw::c_char;

/// The result of every fallible libdstack function: `DSTACK_STATUS_OK` (0) or one of the
/// `DSTACK_STATUS_*` failure codes. Values are never renumbered and retired values are
/// never reused.
#[allow(non_camel_case_types)]
pub type dstack_status = u32;

/// Success.
pub const DSTACK_STATUS_OK: dstack_status = 0;
/// A required pointer argument was NULL (or a byte input was NULL with a non-zero length).
pub const DSTACK_STATUS_NULL_ARGUMENT: dstack_status = 1;
/// An argument breaks a documented rule (report data over 64 bytes, unknown algorithm,
/// pre-hashed sign data not 32 bytes, text that is not UTF-8, ...).
pub const DSTACK_STATUS_INVALID_ARGUMENT: dstack_status = 2;
/// Hex input is malformed or decodes to the wrong length.
pub const DSTACK_STATUS_INVALID_HEX: dstack_status = 3;
/// The output buffer is too small; `*out_len` holds the needed size.
pub const DSTACK_STATUS_BUFFER_TOO_SMALL: dstack_status = 4;
/// The response has no such field, or an index is out of range.
pub const DSTACK_STATUS_NOT_FOUND: dstack_status = 5;
/// No socket at the endpoint, or the connection was refused.
pub const DSTACK_STATUS_NO_AGENT: dstack_status = 10;
/// The agent did not answer within the timeout.
pub const DSTACK_STATUS_TIMEOUT: dstack_status = 11;
/// An I/O error, including the agent closing the connection mid-response.
pub const DSTACK_STATUS_IO: dstack_status = 12;
/// The agent's answer is not valid HTTP/1.1.
pub const DSTACK_STATUS_MALFORMED_HTTP: dstack_status = 13;
/// The response exceeds the library's limit (16 MiB).
pub const DSTACK_STATUS_RESPONSE_TOO_LARGE: dstack_status = 14;
/// A non-200 HTTP status without an `{"error": ...}` body (e.g. 404 for an unknown method).
pub const DSTACK_STATUS_HTTP_STATUS: dstack_status = 15;
/// The agent answered `{"error": ...}`; the error message is the agent's text.
pub const DSTACK_STATUS_AGENT_ERROR: dstack_status = 16;
/// The response body is not the JSON this RPC returns.
pub const DSTACK_STATUS_MALFORMED_RESPONSE: dstack_status = 17;
/// The agent is too old for this call (it has no `Version` RPC), or the endpoint scheme
/// is not supported (`https://`).
pub const DSTACK_STATUS_UNSUPPORTED: dstack_status = 18;
/// A signature, chain, replay or trust check failed.
pub const DSTACK_STATUS_VERIFICATION_FAILED: dstack_status = 20;
/// A timestamp is outside the accepted window.
pub const DSTACK_STATUS_EXPIRED: dstack_status = 21;
/// Invalid key material or a cipher failure.
pub const DSTACK_STATUS_CRYPTO: dstack_status = 22;
/// An input exceeds a documented limit.
pub const DSTACK_STATUS_LIMIT_EXCEEDED: dstack_status = 23;
/// The operating system's random number generator failed.
pub const DSTACK_STATUS_RNG: dstack_status = 24;
/// A bug in libdstack was caught at the boundary (a Rust panic). Please report it.
pub const DSTACK_STATUS_PANIC: dstack_status = 99;

/// The static message of a status, NUL-terminated.
pub(crate) fn message(status: dstack_status) -> &'static [u8] {
    match status {
        DSTACK_STATUS_OK => b"success\0",
        DSTACK_STATUS_NULL_ARGUMENT => b"a required pointer argument was NULL\0",
        DSTACK_STATUS_INVALID_ARGUMENT => b"invalid argument\0",
        DSTACK_STATUS_INVALID_HEX => b"malformed hex or wrong decoded length\0",
        DSTACK_STATUS_BUFFER_TOO_SMALL => b"output buffer too small\0",
        DSTACK_STATUS_NOT_FOUND => b"no such field or index\0",
        DSTACK_STATUS_NO_AGENT => b"no dstack agent at the endpoint\0",
        DSTACK_STATUS_TIMEOUT => b"the agent did not answer in time\0",
        DSTACK_STATUS_IO => b"I/O error talking to the agent\0",
        DSTACK_STATUS_MALFORMED_HTTP => b"the agent's answer is not valid HTTP/1.1\0",
        DSTACK_STATUS_RESPONSE_TOO_LARGE => b"the agent's response exceeds the 16 MiB limit\0",
        DSTACK_STATUS_HTTP_STATUS => b"the agent answered with an unexpected HTTP status\0",
        DSTACK_STATUS_AGENT_ERROR => b"the agent returned an error\0",
        DSTACK_STATUS_MALFORMED_RESPONSE => b"the agent's response body is malformed\0",
        DSTACK_STATUS_UNSUPPORTED => b"not supported by this agent or endpoint\0",
        DSTACK_STATUS_VERIFICATION_FAILED => b"verification failed\0",
        DSTACK_STATUS_EXPIRED => b"timestamp outside the accepted window\0",
        DSTACK_STATUS_CRYPTO => b"invalid key material or cipher failure\0",
        DSTACK_STATUS_LIMIT_EXCEEDED => b"input exceeds a limit of the library\0",
        DSTACK_STATUS_RNG => b"the operating system's random number generator failed\0",
        DSTACK_STATUS_PANIC => b"internal error in libdstack (caught panic)\0",
        _ => b"unknown status\0",
    }
}

/// A static, NUL-terminated English message for `status`. Never NULL; unknown values give
/// "unknown status". The pointer is valid for the life of the process; do not free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn dstack_status_message(status: dstack_status) -> *const c_char {
    message(status).as_ptr().cast()
}
