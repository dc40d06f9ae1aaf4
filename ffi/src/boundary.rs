//! The panic boundary and the `out_error` protocol shared by every export.

use crate::error::{dstack_error, Failure, Result};
use crate::status::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

/// Runs a fallible export body behind `catch_unwind` and applies the `out_error` rules:
/// `*out_error` is set to NULL first, and to a new error on failure.
pub(crate) fn run<F>(out_error: *mut *mut dstack_error, body: F) -> dstack_status
where
    F: FnOnce() -> Result<()>,
{
    if !out_error.is_null() {
        // SAFETY: a non-NULL `out_error` points to writable storage for one pointer.
        unsafe { *out_error = std::ptr::null_mut() };
    }
    let outcome = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return DSTACK_STATUS_OK,
        Ok(Err(f)) => f,
        Err(payload) => Failure::new(
            DSTACK_STATUS_PANIC,
            format!("internal error in libdstack: {}", panic_text(payload.as_ref())),
        ),
    };
    let status = outcome.status;
    if !out_error.is_null() {
        // The allocation of the error object itself must not unwind into C either.
        if let Ok(e) = catch_unwind(AssertUnwindSafe(|| dstack_error::boxed(outcome))) {
            // SAFETY: checked non-NULL above.
            unsafe { *out_error = e };
        }
    }
    status
}

/// Runs an infallible export body behind `catch_unwind`, returning `fallback` on panic.
pub(crate) fn guard<T, F>(fallback: T, body: F) -> T
where
    F: FnOnce() -> T,
{
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}
