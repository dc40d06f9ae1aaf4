//! Status codes: one fixed-width integer type with explicit, never reused values.
//!
//! `dstack_status` is a plain `uint32_t` rather than a C enum type so that a value this
//! library does not know (from a newer header, or garbage) is never undefined behaviour
//! on either side of the boundary. The values are still C enumerators (of
//! `dstack_status_e`, a type no function uses), as rustls.h does, so C code and binding
//! generators get named constants instead of bare `#define`s.

use std::os::raw::c_char;

/// The result of every fallible libdstack function: `DSTACK_STATUS_OK` (0) or one of the
/// `DSTACK_STATUS_*` failure codes. Values are never renumbered and retired values are
/// never reused.
#[allow(non_camel_case_types)]
pub type dstack_status = u32;

/// The values of `dstack_status`. In C they are the enumerators of this enum, so C, C++
/// and generated bindings see named, typed constants (`DSTACK_STATUS_OK`, ...); functions
/// still take and return the `uint32_t` typedef `dstack_status`, never this enum type, so a
/// value this library does not know stays a plain integer on both sides.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dstack_status_e {
    /// Success.
    DSTACK_STATUS_OK = 0,
    /// A required pointer argument was NULL (or a byte input was NULL with a non-zero length).
    DSTACK_STATUS_NULL_ARGUMENT = 1,
    /// An argument breaks a documented rule (report data over 64 bytes, unknown algorithm,
    /// pre-hashed sign data not 32 bytes, text that is not UTF-8, ...).
    DSTACK_STATUS_INVALID_ARGUMENT = 2,
    /// Hex input is malformed or decodes to the wrong length.
    DSTACK_STATUS_INVALID_HEX = 3,
    /// An output buffer is too small; its `*out_<name>_len` holds the needed size.
    DSTACK_STATUS_BUFFER_TOO_SMALL = 4,
    /// The response has no such field, or an index is out of range.
    DSTACK_STATUS_NOT_FOUND = 5,
    /// No socket at the endpoint, or the connection was refused.
    DSTACK_STATUS_NO_AGENT = 10,
    /// The agent did not answer within the timeout.
    DSTACK_STATUS_TIMEOUT = 11,
    /// An I/O error, including the agent closing the connection mid-response.
    DSTACK_STATUS_IO = 12,
    /// The agent's answer is not valid HTTP/1.1.
    DSTACK_STATUS_MALFORMED_HTTP = 13,
    /// The response exceeds the library's limit (16 MiB).
    DSTACK_STATUS_RESPONSE_TOO_LARGE = 14,
    /// A non-200 HTTP status without an `{"error": ...}` body (e.g. 404 for an unknown method).
    DSTACK_STATUS_HTTP_STATUS = 15,
    /// The agent answered `{"error": ...}`; the error message is the agent's text.
    DSTACK_STATUS_AGENT_ERROR = 16,
    /// The response body is not the JSON this RPC returns.
    DSTACK_STATUS_MALFORMED_RESPONSE = 17,
    /// The agent is too old for this call (it has no `Version` RPC), or the endpoint scheme
    /// is not supported (`https://`).
    DSTACK_STATUS_UNSUPPORTED = 18,
    /// A signature, chain, replay or trust check failed.
    DSTACK_STATUS_VERIFICATION_FAILED = 20,
    /// A timestamp is outside the accepted window.
    DSTACK_STATUS_EXPIRED = 21,
    /// Invalid key material or a cipher failure.
    DSTACK_STATUS_CRYPTO = 22,
    /// An input exceeds a documented limit.
    DSTACK_STATUS_LIMIT_EXCEEDED = 23,
    /// The operating system's random number generator failed.
    DSTACK_STATUS_RNG = 24,
    /// A bug in libdstack was caught at the boundary (a Rust panic). Please report it.
    DSTACK_STATUS_PANIC = 99,
}

/// Rust code matches and returns plain `dstack_status` values: one constant per enumerator,
/// each defined from it (a name missing from the enum does not compile). cbindgen does not
/// expand macros, so the header has the enumerators only.
macro_rules! status_constants {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($name), "` as a `dstack_status` (see [`dstack_status_e`]).")]
            pub const $name: dstack_status = dstack_status_e::$name as dstack_status;
        )*
    };
}

status_constants!(
    DSTACK_STATUS_OK,
    DSTACK_STATUS_NULL_ARGUMENT,
    DSTACK_STATUS_INVALID_ARGUMENT,
    DSTACK_STATUS_INVALID_HEX,
    DSTACK_STATUS_BUFFER_TOO_SMALL,
    DSTACK_STATUS_NOT_FOUND,
    DSTACK_STATUS_NO_AGENT,
    DSTACK_STATUS_TIMEOUT,
    DSTACK_STATUS_IO,
    DSTACK_STATUS_MALFORMED_HTTP,
    DSTACK_STATUS_RESPONSE_TOO_LARGE,
    DSTACK_STATUS_HTTP_STATUS,
    DSTACK_STATUS_AGENT_ERROR,
    DSTACK_STATUS_MALFORMED_RESPONSE,
    DSTACK_STATUS_UNSUPPORTED,
    DSTACK_STATUS_VERIFICATION_FAILED,
    DSTACK_STATUS_EXPIRED,
    DSTACK_STATUS_CRYPTO,
    DSTACK_STATUS_LIMIT_EXCEEDED,
    DSTACK_STATUS_RNG,
    DSTACK_STATUS_PANIC,
);

/// Alias of `DSTACK_STATUS_OK` (the short name ffi/ABI.md uses).
pub const DSTACK_OK: dstack_status = DSTACK_STATUS_OK;

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
