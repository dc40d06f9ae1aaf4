//! What every export shares at the C boundary: the panic boundary ([`run`], [`guard`]),
//! the `out_error` protocol (`run` creates the `dstack_error`; `dstack_error_status`,
//! `_message` and `_free` below are how C reads and frees it), and the pointer checks.
//!
//! # Pointer checks
//!
//! An export turns each raw pointer argument into a Rust value with one of the macros
//! below (`try_bytes!`, `try_text!`, `try_array!`, `try_arrays!`, `try_texts!`,
//! `try_ref!`, `opt_ref!`, `try_out!`, `try_out_array!`, `try_out_buf!`, and
//! `free_handle!` in a `_free`), never with an `unsafe` block of its own, as rustls-ffi
//! does with its `try_*` macros. The macros hold the `unsafe` blocks and the one argument
//! that makes them sound:
//!
//! - the pointer is a parameter of the `unsafe extern "C"` export the macro is written in
//!   (each macro takes the parameter's name, which also names it in the error message);
//! - the header's contract (top of `include/dstack.h`, `ffi/ABI.md`) makes each such
//!   pointer NULL or valid for what its documentation says (`x_len` bytes, `x[N]`,
//!   `x_count` items, one writable `T`, a live handle) for the duration of the call;
//! - the conversions in `slice.rs` reject NULL (or accept it only as the empty value) and
//!   impossible sizes before reading, and the borrows they return are used inside the
//!   export body, which ends before the export returns.
//!
//! Shared code below the exports takes the checked Rust values, never raw pointers.
//!
//! Layering: uses `status`, `error` and `slice`; everything with an export uses this.

use crate::error::{dstack_error, Failure, Result};
use crate::slice::dstack_slice;
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
            // SAFETY: `out_error` is non-NULL (checked above) and writable for one pointer,
            // as for the first write.
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

// Each macro evaluates its arguments before its `unsafe` block, so an argument expression
// never runs in an unsafe context (clippy::macro_metavars_in_unsafe), and takes the
// parameter itself (an identifier), whose name is the one in the error message.

/// `try_bytes!(x, x_len)`: the byte input `x` of `x_len` bytes as `&[u8]` (NULL with
/// length 0 is empty); returns `NULL_ARGUMENT` from the export body otherwise.
#[macro_export]
macro_rules! try_bytes {
    ($ptr:ident, $len:expr) => {{
        let (ptr, len, what) = ($ptr, $len, stringify!($ptr));
        // SAFETY: `ptr` is an export's argument, NULL or `len` readable bytes for the
        // call (see "Pointer checks" in boundary.rs).
        unsafe { $crate::slice::bytes(ptr, len, what) }?
    }};
}

/// `try_text!(x, x_len)`: as [`try_bytes!`], as UTF-8 text (`&str`).
#[macro_export]
macro_rules! try_text {
    ($ptr:ident, $len:expr) => {{
        let (ptr, len, what) = ($ptr, $len, stringify!($ptr));
        // SAFETY: `ptr` is an export's argument, NULL or `len` readable bytes for the
        // call (see "Pointer checks" in boundary.rs).
        unsafe { $crate::slice::text(ptr, len, what) }?
    }};
}

/// `try_array!(x, N)`: the required input `x[N]` as `&[u8; N]`.
#[macro_export]
macro_rules! try_array {
    ($ptr:ident, $n:literal) => {{
        let (ptr, what, array) = ($ptr, stringify!($ptr), $crate::slice::array::<$n>);
        // SAFETY: `ptr` is an export's argument documented as `x[N]`: NULL (rejected) or
        // N readable bytes for the call (see "Pointer checks" in boundary.rs).
        unsafe { array(ptr, what) }?
    }};
}

/// `try_arrays!(x, x_count, N)`: the input `x[x_count][N]` as `&[[u8; N]]` (NULL with
/// count 0 is empty).
#[macro_export]
macro_rules! try_arrays {
    ($ptr:ident, $count:expr, $n:literal) => {{
        let (ptr, count, what) = ($ptr, $count, stringify!($ptr));
        let arrays = $crate::slice::arrays::<$n>;
        // SAFETY: `ptr` is an export's argument documented as `x[x_count][N]`: NULL or
        // `count` x N readable bytes for the call (see "Pointer checks" in boundary.rs).
        unsafe { arrays(ptr, count, what) }?
    }};
}

/// `try_texts!(x, x_count)`: `x_count` caller slices of UTF-8 text as `Vec<&str>` (NULL
/// with count 0 is empty).
#[macro_export]
macro_rules! try_texts {
    ($ptr:ident, $count:expr) => {{
        let (ptr, count, what) = ($ptr, $count, stringify!($ptr));
        // SAFETY: `ptr` is an export's argument, NULL or `count` `dstack_slice`s, each
        // NULL or valid for its `len`, for the call (see "Pointer checks" in boundary.rs).
        unsafe { $crate::slice::texts(ptr, count, what) }?
    }};
}

/// `try_ref!(h)`: the required handle (or input struct) `h` as `&T`; NULL is
/// `NULL_ARGUMENT`.
#[macro_export]
macro_rules! try_ref {
    ($ptr:ident) => {{
        let (ptr, what) = ($ptr, stringify!($ptr));
        // SAFETY: `ptr` is an export's argument, NULL or a live object of its type, not
        // freed during the call (see "Pointer checks" in boundary.rs).
        unsafe { ptr.as_ref() }.ok_or_else(|| $crate::error::Failure::null(what))?
    }};
}

/// `opt_ref!(p)`: an argument that may be NULL (an optional input, or the handle of a
/// function that gives a neutral result for NULL) as `Option<&T>`.
#[macro_export]
macro_rules! opt_ref {
    ($ptr:ident) => {{
        let ptr = $ptr;
        // SAFETY: `ptr` is an export's argument, NULL or a live object of its type, not
        // freed during the call (see "Pointer checks" in boundary.rs).
        unsafe { ptr.as_ref() }
    }};
}

/// `try_out!(out_x)`: the required output `out_x` as `&mut T`.
#[macro_export]
macro_rules! try_out {
    ($ptr:ident) => {{
        let (ptr, what) = ($ptr, stringify!($ptr));
        // SAFETY: `ptr` is an export's argument, NULL (rejected) or writable for one
        // value of its type for the call (see "Pointer checks" in boundary.rs).
        unsafe { $crate::slice::out(ptr, what) }?
    }};
}

/// `try_out_array!(out_x, N)`: the required output `out_x[N]` as `&mut [u8; N]`.
#[macro_export]
macro_rules! try_out_array {
    ($ptr:ident, $n:literal) => {{
        let (ptr, what) = ($ptr, stringify!($ptr));
        let out_array = $crate::slice::out_array::<$n>;
        // SAFETY: `ptr` is an export's argument documented as `out_x[N]`: NULL (rejected)
        // or N writable bytes for the call (see "Pointer checks" in boundary.rs).
        unsafe { out_array(ptr, what) }?
    }};
}

/// `try_out_buf!(out_x, out_x_cap, out_x_len)`: the output buffer as a
/// [`crate::slice::OutBuf`], checked before any work is done.
#[macro_export]
macro_rules! try_out_buf {
    ($ptr:ident, $cap:expr, $len:ident) => {{
        let (ptr, cap, len, what) = ($ptr, $cap, $len, stringify!($ptr));
        // SAFETY: `ptr` and `len` are an export's arguments: `ptr` NULL or `cap` writable
        // bytes, `len` NULL (rejected) or one writable `size_t`, for the call (see
        // "Pointer checks" in boundary.rs).
        unsafe { $crate::slice::OutBuf::new(ptr, cap, len, what) }?
    }};
}

/// `free_handle!(h)`: the body of a `_free`: drops the handle `h` unless it is NULL.
#[macro_export]
macro_rules! free_handle {
    ($ptr:ident) => {{
        let ptr = $ptr;
        if !ptr.is_null() {
            // SAFETY: every handle this library hands out is a `Box::into_raw` (responses,
            // clients, event logs, errors), and the header requires each to be freed
            // exactly once, by its `_free`, after all uses.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }};
}

/// The status of the failed call `error` describes. Returns `DSTACK_STATUS_NULL_ARGUMENT`
/// if `error` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_status(error: *const dstack_error) -> dstack_status {
    guard(DSTACK_STATUS_PANIC, || {
        opt_ref!(error).map_or(DSTACK_STATUS_NULL_ARGUMENT, dstack_error::status)
    })
}

/// The message of `error`: UTF-8, not NUL-terminated, borrowed from `error` and valid until
/// `dstack_error_free(error)`. For `DSTACK_STATUS_AGENT_ERROR` this is the agent's own
/// error text. An empty slice `{NULL, 0}` if `error` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_message(error: *const dstack_error) -> dstack_slice {
    guard(dstack_slice::EMPTY, || {
        opt_ref!(error).map_or(dstack_slice::EMPTY, |e| {
            dstack_slice::of(e.message().as_bytes())
        })
    })
}

/// Frees an error handle. NULL is accepted and ignored. Call it exactly once per handle.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_free(error: *mut dstack_error) {
    guard((), || free_handle!(error))
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
            assert_eq!(dstack_error_status(err), DSTACK_STATUS_PANIC);
            let m = dstack_error_message(err);
            let text = std::str::from_utf8(std::slice::from_raw_parts(m.ptr, m.len)).unwrap_or("");
            assert!(text.contains("boom"));
            dstack_error_free(err);
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
