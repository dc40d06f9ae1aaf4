//! App-compose hashing (docs/PROTOCOL.md §6.3): the compose hash a deployment is measured by,
//! and the canonical JSON it is computed over; `libdstack::compose` (the core's
//! `compose`), copied out.

use crate::boundary::run;
use crate::error::dstack_error;
use crate::slice::fill;
use crate::status::*;
use crate::{try_bytes, try_out_array, try_out_buf};
use libdstack::compose;

/// SHA-256 of the canonical JSON of an app-compose document (UTF-8 JSON; keys sorted as
/// deployment tools do, compact, see `dstack_compose_canonical_json`). `normalize`
/// drops the fields the runner ignores (as the official SDKs' `normalize=True`).
/// Writes 32 bytes to `out_hash[32]`, which must not be NULL. Not JSON:
/// `DSTACK_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn dstack_compose_hash(
    app_compose_json: *const u8,
    app_compose_json_len: usize,
    normalize: bool,
    out_hash: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (app_compose_json, out_hash) = (
            try_bytes!(app_compose_json, app_compose_json_len),
            try_out_array!(out_hash, 32),
        );
        fill(
            out_hash,
            &compose::compose_hash(app_compose_json, normalize)?,
        )
    })
}

/// The canonical JSON whose SHA-256 `dstack_compose_hash` returns, into `out_json`
/// (`out_json_cap` bytes; `DSTACK_STATUS_BUFFER_TOO_SMALL` puts the needed size in
/// `*out_json_len`). `out_json_len` must not be NULL; `out_json` may be NULL only with
/// `out_json_cap` 0.
#[no_mangle]
pub unsafe extern "C" fn dstack_compose_canonical_json(
    app_compose_json: *const u8,
    app_compose_json_len: usize,
    normalize: bool,
    out_json: *mut u8,
    out_json_cap: usize,
    out_json_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (app_compose_json, out_json) = (
            try_bytes!(app_compose_json, app_compose_json_len),
            try_out_buf!(out_json, out_json_cap, out_json_len),
        );
        out_json.write(compose::compose_canonical_json(app_compose_json, normalize)?.as_bytes())
    })
}

/// SHA-256 of the raw bytes of an `app-compose.json` file: the value the guest measures
/// (Info's `COMPOSE_HASH`). Writes 32 bytes to `out_hash[32]`, which must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_compose_hash_raw(
    app_compose_bytes: *const u8,
    app_compose_bytes_len: usize,
    out_hash: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (app_compose_bytes, out_hash) = (
            try_bytes!(app_compose_bytes, app_compose_bytes_len),
            try_out_array!(out_hash, 32),
        );
        fill(out_hash, &compose::compose_hash_raw(app_compose_bytes))
    })
}
