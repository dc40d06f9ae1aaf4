//! The report data the legacy tappd `TdxQuote` binds: `libdstack::verify::tappd_report_data`
//! (the core's `report`).

use crate::boundary::run;
use crate::error::dstack_error;
use crate::status::*;
use crate::{try_bytes, try_out_array, try_text};
use libdstack::verify;

/// The report data the legacy tappd `TdxQuote` binds: `H(tag ":" report_data)`
/// zero-padded to 64 bytes, tag = `prefix` or `app-data` when empty, `H` per
/// `hash_algorithm` (`""` = sha512, sha256, sha384, sha512, sha3-256, sha3-384,
/// sha3-512, keccak256, keccak384, keccak512, or `raw` = exactly 64 bytes passed
/// through). Writes 64 bytes to `out_report_data[64]`.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_report_data(
    report_data: *const u8,
    report_data_len: usize,
    hash_algorithm: *const u8,
    hash_algorithm_len: usize,
    prefix: *const u8,
    prefix_len: usize,
    out_report_data: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (report_data, hash_algorithm, prefix, out_report_data) = (
            try_bytes!(report_data, report_data_len),
            try_text!(hash_algorithm, hash_algorithm_len),
            try_text!(prefix, prefix_len),
            try_out_array!(out_report_data, 64),
        );
        *out_report_data = verify::tappd_report_data(report_data, hash_algorithm, prefix)?;
        Ok(())
    })
}
