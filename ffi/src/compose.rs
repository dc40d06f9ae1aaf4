//! App-compose hashing (PROTOCOL.md §6.3): the compose hash a deployment is measured by,
//! and the canonical JSON it is computed over.

use crate::error::{dstack_error, Failure, Result};
use crate::slice::{self, OutBuf};
use crate::status::*;
use dstack_core::compose;

/// The scratch space the compose functions need for `input`.
fn compose_scratch(input: &[u8]) -> Result<Vec<u8>> {
    let n = compose::compose_scratch_len(input).map_err(|e| Failure::core("app compose", e))?;
    Ok(vec![0u8; n])
}

fn canonical(input: &[u8], normalize: bool) -> Result<Vec<u8>> {
    let mut scratch = compose_scratch(input)?;
    let needed = match compose::compose_canonical_json(input, normalize, &mut scratch, &mut []) {
        Ok(n) => n,
        Err(dstack_core::Error::BufferTooSmall { needed }) => needed,
        Err(e) => return Err(Failure::core("app compose", e)),
    };
    let mut out = vec![0u8; needed];
    let n = compose::compose_canonical_json(input, normalize, &mut scratch, &mut out)
        .map_err(|e| Failure::core("app compose", e))?;
    out.truncate(n);
    Ok(out)
}

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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (j, out) = unsafe {
            (
                slice::bytes(app_compose_json, app_compose_json_len, "app_compose_json")?,
                slice::out_array::<32>(out_hash, "out_hash")?,
            )
        };
        *out = compose::compose_hash(j, normalize, &mut compose_scratch(j)?)
            .map_err(|e| Failure::core("app compose", e))?;
        Ok(())
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (j, buf) = unsafe {
            (
                slice::bytes(app_compose_json, app_compose_json_len, "app_compose_json")?,
                OutBuf::new(out_json, out_json_cap, out_json_len, "out_json")?,
            )
        };
        buf.write(&canonical(j, normalize)?)
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (b, out) = unsafe {
            (
                slice::bytes(
                    app_compose_bytes,
                    app_compose_bytes_len,
                    "app_compose_bytes",
                )?,
                slice::out_array::<32>(out_hash, "out_hash")?,
            )
        };
        *out = compose::compose_hash_raw(b);
        Ok(())
    })
}
