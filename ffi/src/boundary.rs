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
/// `*out_error` is set to NULL first, and to a new error on failure. Public for
/// libdstack_verify (`verify-ffi`), whose exports share this boundary. Not `unsafe`: the
/// pointer is an export's own `out_error` argument, under the header's contract (NULL or
/// writable), as in every caller here.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn run<F>(out_error: *mut *mut dstack_error, body: F) -> dstack_status
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
            format!(
                "internal error in libdstack: {}",
                panic_text(payload.as_ref())
            ),
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
pub fn guard<T, F>(fallback: T, body: F) -> T
where
    F: FnOnce() -> T,
{
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn panic_becomes_status_and_error() {
        let mut err: *mut dstack_error = std::ptr::null_mut();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let s = run(&mut err, || -> Result<()> { panic!("boom") });
        std::panic::set_hook(prev);
        assert_eq!(s, DSTACK_STATUS_PANIC);
        assert!(!err.is_null());
        // SAFETY: err was just created by `run`.
        unsafe {
            assert_eq!(crate::error::dstack_error_status(err), DSTACK_STATUS_PANIC);
            let m = crate::error::dstack_error_message(err);
            let text = std::str::from_utf8(std::slice::from_raw_parts(m.ptr, m.len)).unwrap_or("");
            assert!(text.contains("boom"));
            crate::error::dstack_error_free(err);
        }
        // A NULL out_error is fine, and success clears a stale pointer.
        assert_eq!(
            run(std::ptr::null_mut(), || -> Result<()> {
                Err(Failure::null("x"))
            }),
            DSTACK_STATUS_NULL_ARGUMENT
        );
        let mut stale = std::ptr::dangling_mut::<dstack_error>();
        assert_eq!(run(&mut stale, || Ok(())), DSTACK_STATUS_OK);
        assert!(stale.is_null());
        assert_eq!(guard(7, || -> i32 { panic!("quiet") }), 7);
    }
}
