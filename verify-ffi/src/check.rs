//! Which check a failed verification failed, and the values it compared: accessors on
//! libdstack's `dstack_error` (whose message carries the same, as one sentence).

use dstack_ffi::boundary;
use dstack_ffi::dstack_error;
use dstack_ffi::error::CheckDetail;
use dstack_ffi::slice::dstack_slice;

/// Borrows one part of `error`'s check details.
///
/// # Safety
/// `error` is NULL or a live error handle.
unsafe fn part(error: *const dstack_error, pick: fn(&CheckDetail) -> &str) -> dstack_slice {
    boundary::guard(dstack_slice::EMPTY, || {
        // SAFETY: caller contract: NULL or a live handle.
        match unsafe { error.as_ref() }.and_then(dstack_error::check) {
            Some(c) => dstack_slice::of(pick(c).as_bytes()),
            None => dstack_slice::EMPTY,
        }
    })
}

/// The stable name of the check a failed verification failed (`pck_chain_root`,
/// `collateral_validity`, `tcb_status`, `rtmr_replay`, `ra_tls_binding`, ...; the list is
/// in verify/README.md), borrowed from `error` (UTF-8, valid until
/// `dstack_error_free(error)`). `{NULL, 0}` if `error` is NULL or does not come from a
/// failed check (a NULL argument, a too-small buffer, ...). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_check(error: *const dstack_error) -> dstack_slice {
    // SAFETY: forwarded export contract.
    unsafe { part(error, |c| &c.name) }
}

/// The value the failed check required, as text (hex for bytes), borrowed from `error`
/// until it is freed. `{NULL, 0}` if the check compared no values, or `error` is NULL or
/// does not come from a failed check. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_expected(error: *const dstack_error) -> dstack_slice {
    // SAFETY: forwarded export contract.
    unsafe { part(error, |c| &c.expected) }
}

/// The value the evidence had where the failed check compared two values, as text (hex
/// for bytes), borrowed from `error` until it is freed. `{NULL, 0}` as for
/// `dstack_error_expected`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dstack_error_actual(error: *const dstack_error) -> dstack_slice {
    // SAFETY: forwarded export contract.
    unsafe { part(error, |c| &c.actual) }
}
