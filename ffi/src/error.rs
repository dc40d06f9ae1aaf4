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
        Failure {
            status,
            message: message.into(),
        }
    }
    pub(crate) fn null(what: &str) -> Self {
        Failure::new(DSTACK_STATUS_NULL_ARGUMENT, format!("{what} is NULL"))
    }
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Failure::new(DSTACK_STATUS_INVALID_ARGUMENT, message)
    }
    /// Maps a core error, prefixing `context` (what was being done) to its message, as
    /// `libdstack` does (one mapping for the Rust and the C API).
    pub(crate) fn core(context: &str, e: dstack_core::Error) -> Self {
        Failure::from(libdstack::Error::from_core(context, e))
    }
}

/// The errors of the `libdstack` crate cross with their status code and message
/// unchanged: `ErrorKind::code` is the `DSTACK_STATUS_*` value.
impl From<libdstack::Error> for Failure {
    fn from(e: libdstack::Error) -> Failure {
        Failure::new(e.code(), e.message())
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
        Box::into_raw(Box::new(dstack_error {
            status: f.status,
            message: f.message,
        }))
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
