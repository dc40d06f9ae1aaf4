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
    check: Option<CheckDetail>,
}

/// Which check failed and the values it compared, for failures of a named check
/// (libdstack_verify's verifications): the stable check name, and the expected and
/// actual values as text (empty when the check compared no values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDetail {
    /// The check's stable snake_case name, e.g. `rtmr_replay`.
    pub name: String,
    /// The value the check required (empty if it compared none).
    pub expected: String,
    /// The value the evidence had (empty if it compared none).
    pub actual: String,
}

/// The error every internal function returns; turned into a status and, if the caller
/// asked for it, a `dstack_error`. Public for libdstack_verify (`verify-ffi`), which
/// extends this ABI with the same boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub(crate) status: dstack_status,
    pub(crate) message: String,
    pub(crate) check: Option<CheckDetail>,
}

impl Failure {
    /// A failure with `status` and `message`.
    pub fn new(status: dstack_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            check: None,
        }
    }
    /// A failure of a named check, with the values it compared.
    pub fn of_check(status: dstack_status, message: impl Into<String>, check: CheckDetail) -> Self {
        Failure {
            check: Some(check),
            ..Failure::new(status, message)
        }
    }
    /// `DSTACK_STATUS_NULL_ARGUMENT`: "`what` is NULL".
    pub fn null(what: &str) -> Self {
        Failure::new(DSTACK_STATUS_NULL_ARGUMENT, format!("{what} is NULL"))
    }
    /// `DSTACK_STATUS_INVALID_ARGUMENT` with `message`.
    pub fn invalid(message: impl Into<String>) -> Self {
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
            check: f.check,
        }))
    }

    /// The failed check and its compared values, if the failure was one of a named check.
    pub fn check(&self) -> Option<&CheckDetail> {
        self.check.as_ref()
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
