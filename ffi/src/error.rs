//! Per-call error objects (`dstack_error`) and the Rust-side error type behind them.

use crate::slice::dstack_slice;
use crate::status::*;
use std::fmt;

/// Details of one failed call: its status and a UTF-8 message. For
/// `DSTACK_STATUS_AGENT_ERROR` the message is the agent's own `{"error": ...}` text.
///
/// Created by libdstack and handed to the caller through a function's `out_error`
/// parameter; the caller owns it and frees it with `dstack_error_free`.
///
/// Thread safety: immutable after creation; may be read from several threads at once.
/// Free it exactly once, after all reads.
pub struct dstack_error {
    status: dstack_status,
    message: String,
}

/// The error every internal function returns; turned into a status and, if the caller
/// asked for it, a `dstack_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub(crate) status: dstack_status,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: dstack_status, message: impl Into<String>) -> Self {
        Failure { status, message: message.into() }
    }
    pub(crate) fn null(what: &str) -> Self {
        Failure::new(DSTACK_STATUS_NULL_ARGUMENT, format!("{what} is NULL"))
    }
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Failure::new(DSTACK_STATUS_INVALID_ARGUMENT, message)
    }
    /// Maps a core error, prefixing `context` (what was being done) to its message.
    pub(crate) fn core(context: &str, e: dstack_core::Error) -> Self {
        use dstack_core::Error as E;
        let status = match e {
            E::BufferTooSmall { .. } => DSTACK_STATUS_BUFFER_TOO_SMALL,
            E::InvalidArgument(_) => DSTACK_STATUS_INVALID_ARGUMENT,
            E::InvalidHex => DSTACK_STATUS_INVALID_HEX,
            E::MalformedHttp => DSTACK_STATUS_MALFORMED_HTTP,
            E::ResponseTooLarge => DSTACK_STATUS_RESPONSE_TOO_LARGE,
            E::HttpStatus(_) => DSTACK_STATUS_HTTP_STATUS,
            E::Agent => DSTACK_STATUS_AGENT_ERROR,
            E::MalformedResponse => DSTACK_STATUS_MALFORMED_RESPONSE,
            E::VerificationFailed => DSTACK_STATUS_VERIFICATION_FAILED,
            E::Expired => DSTACK_STATUS_EXPIRED,
            E::Crypto => DSTACK_STATUS_CRYPTO,
            E::LimitExceeded => DSTACK_STATUS_LIMIT_EXCEEDED,
        };
        let message = if context.is_empty() { e.to_string() } else { format!("{context}: {e}") };
        Failure { status, message }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result of internal functions.
pub type Result<T> = std::result::Result<T, Failure>;

impl dstack_error {
    pub(crate) fn boxed(f: Failure) -> *mut dstack_error {
        Box::into_raw(Box::new(dstack_error { status: f.status, message: f.message }))
    }
}

/// The status of the failed call `error` describes. Returns `DSTACK_STATUS_NULL_ARGUMENT`
/// if `error` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_status(error: *const dstack_error) -> dstack_status {
    crate::boundary::guard(DSTACK_STATUS_PANIC, || {
        // SAFETY: the caller passes NULL or a live error handle created by this library.
        match unsafe { error.as_ref() } {
            Some(e) => e.status,
            None => DSTACK_STATUS_NULL_ARGUMENT,
        }
    })
}

/// The message of `error`: UTF-8, not NUL-terminated, borrowed from `error` and valid until
/// `dstack_error_free(error)`. For `DSTACK_STATUS_AGENT_ERROR` this is the agent's own
/// error text. An empty slice `{NULL, 0}` if `error` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_message(error: *const dstack_error) -> dstack_slice {
    crate::boundary::guard(dstack_slice::EMPTY, || {
        // SAFETY: the caller passes NULL or a live error handle created by this library.
        match unsafe { error.as_ref() } {
            Some(e) => dstack_slice::of(e.message.as_bytes()),
            None => dstack_slice::EMPTY,
        }
    })
}

/// Frees an error handle. NULL is accepted and ignored. Call it exactly once per handle.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_free(error: *mut dstack_error) {
    crate::boundary::guard((), || {
        if !error.is_null() {
            // SAFETY: a non-NULL `error` came from `dstack_error::boxed` and is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}
