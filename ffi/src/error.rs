//! The Rust-side error of every call ([`Failure`]) and the C object it becomes
//! (`dstack_error`). The functions through which C reads and frees that object are in
//! `boundary.rs`, with `run`, which creates it: this module is below both `slice` and
//! `boundary` and uses neither.

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

    /// The status of the failed call.
    pub fn status(&self) -> dstack_status {
        self.status
    }

    /// The message: UTF-8; for `DSTACK_STATUS_AGENT_ERROR` the agent's own text.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The failed check and its compared values, if the failure was one of a named check.
    pub fn check(&self) -> Option<&CheckDetail> {
        self.check.as_ref()
    }
}
