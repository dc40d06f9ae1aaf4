//! `dstack_tappd_client`: the legacy tappd API on `tappd.sock` (PROTOCOL.md §2.2).

use crate::client::{
    DSTACK_TAPPD_RANDOM_SEED, DSTACK_TLS_USAGE_CLIENT_AUTH, DSTACK_TLS_USAGE_RA_TLS,
    DSTACK_TLS_USAGE_SERVER_AUTH,
};
use crate::error::dstack_error;
use crate::handle;
use crate::response::{self as r, dstack_response};
use crate::slice::{self, dstack_slice};
use crate::status::*;

/// A client of the legacy tappd API (`tappd.sock`, paths `/prpc/Tappd.*`).
///
/// Created by `dstack_tappd_client_new`, freed by `dstack_tappd_client_free`.
///
/// Thread safety: may be shared by any number of threads and used concurrently; each
/// call takes its own pooled connection. Free it only when no other thread uses it.
pub struct dstack_tappd_client {
    client: libdstack::TappdClient,
}

handle::client_handle!(dstack_tappd_client, libdstack::TappdClient);

/// Creates a tappd client. `endpoint` as for `dstack_client_new`; discovery uses
/// `TAPPD_SIMULATOR_ENDPOINT`, then `/var/run/tappd.sock`, `/run/tappd.sock`,
/// `/var/run/dstack/tappd.sock`, `/run/dstack/tappd.sock`, else `/var/run/tappd.sock`.
/// On success `*out_client` owns a new client (free with `dstack_tappd_client_free`).
/// `out_client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_new(
    endpoint: *const u8,
    endpoint_len: usize,
    out_client: *mut *mut dstack_tappd_client,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe { handle::new(endpoint, endpoint_len, out_client, out_error) }
}

/// Sets `default_timeout_ms`, the timeout of calls that pass `timeout_ms` 0 (0 here
/// restores 3000 ms). `client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_set_timeout_ms(
    client: *mut dstack_tappd_client,
    default_timeout_ms: u32,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe { handle::set_timeout_ms(client, default_timeout_ms, out_error) }
}

/// The endpoint the client uses (after discovery), UTF-8, borrowed until the client is
/// freed. `{NULL, 0}` if `client` is NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_endpoint(
    client: *const dstack_tappd_client,
) -> dstack_slice {
    // SAFETY: forwarded export contract.
    unsafe { handle::endpoint(client) }
}

/// Frees a tappd client. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_free(client: *mut dstack_tappd_client) {
    // SAFETY: forwarded export contract.
    unsafe { handle::free(client) }
}

/// `DeriveKey`: a P-256 key derived from `path` (random with `DSTACK_TAPPD_RANDOM_SEED`)
/// and its certificate chain. `subject` empty = `path`. `alt_names`: `alt_names_count`
/// UTF-8 slices (NULL if 0). `flags`: `DSTACK_TLS_USAGE_*` and `DSTACK_TAPPD_RANDOM_SEED`
/// (other bits are `DSTACK_STATUS_INVALID_ARGUMENT`). Response fields: `KEY` (PEM,
/// secret), `CERTIFICATE_CHAIN`. `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_derive_key(
    client: *const dstack_tappd_client,
    path: *const u8,
    path_len: usize,
    subject: *const u8,
    subject_len: usize,
    alt_names: *const dstack_slice,
    alt_names_count: usize,
    flags: u32,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, path, subject, alt, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::text(path, path_len, "path")?,
                slice::text(subject, subject_len, "subject")?,
                slice::texts(alt_names, alt_names_count, "alt_names")?,
                slice::out(out_response, "out_response")?,
            )
        };
        handle::check_flags(
            flags,
            DSTACK_TLS_USAGE_RA_TLS
                | DSTACK_TLS_USAGE_SERVER_AUTH
                | DSTACK_TLS_USAGE_CLIENT_AUTH
                | DSTACK_TAPPD_RANDOM_SEED,
            "DeriveKey",
        )?;
        let config = libdstack::TlsKeyConfig {
            subject: subject.to_string(),
            alt_names: alt.iter().map(|n| n.to_string()).collect(),
            usage_ra_tls: flags & DSTACK_TLS_USAGE_RA_TLS != 0,
            usage_server_auth: flags & DSTACK_TLS_USAGE_SERVER_AUTH != 0,
            usage_client_auth: flags & DSTACK_TLS_USAGE_CLIENT_AUTH != 0,
            ..libdstack::TlsKeyConfig::default()
        };
        let random_seed = flags & DSTACK_TAPPD_RANDOM_SEED != 0;
        let k = c.derive_key_with(path, &config, random_seed)?;
        r::give(out, handle::tls_key_fields(k))
    })
}

/// `DeriveK256Key`: the tappd form of GetKey (secp256k1). Response fields: `KEY` (32
/// bytes, secret), `SIGNATURE_CHAIN`, `PURPOSE`, `ALGORITHM` ("secp256k1"). `client` and
/// `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_derive_k256_key(
    client: *const dstack_tappd_client,
    path: *const u8,
    path_len: usize,
    purpose: *const u8,
    purpose_len: usize,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, path, purpose, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::text(path, path_len, "path")?,
                slice::text(purpose, purpose_len, "purpose")?,
                slice::out(out_response, "out_response")?,
            )
        };
        r::give(out, handle::key_fields(c.derive_k256_key(path, purpose)?))
    })
}

/// `TdxQuote`: a quote whose report data is `H(prefix ":" report_data)` (see
/// `dstack_tappd_report_data`). `hash_algorithm` (UTF-8): `""` (agent default sha512),
/// `sha256`, `sha384`, `sha512`, `sha3-256`, `sha3-384`, `sha3-512`, `keccak256`,
/// `keccak384`, `keccak512`, or `raw` (report data passed through; must be exactly 64
/// bytes). `prefix` empty = `app-data`. Other values are `DSTACK_STATUS_INVALID_ARGUMENT`
/// before sending. Response fields: `QUOTE`, `EVENT_LOG`, `HASH_ALGORITHM`, `PREFIX`.
/// `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_tdx_quote(
    client: *const dstack_tappd_client,
    report_data: *const u8,
    report_data_len: usize,
    hash_algorithm: *const u8,
    hash_algorithm_len: usize,
    prefix: *const u8,
    prefix_len: usize,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, report_data, hash_algorithm, prefix, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::bytes(report_data, report_data_len, "report_data")?,
                slice::text(hash_algorithm, hash_algorithm_len, "hash_algorithm")?,
                slice::text(prefix, prefix_len, "prefix")?,
                slice::out(out_response, "out_response")?,
            )
        };
        let v = c.tdx_quote_with(report_data, hash_algorithm, prefix)?;
        r::give(out, handle::tdx_quote_fields(v))
    })
}

/// `RawQuote`: a quote over exactly 64 bytes of report data (other lengths are
/// `DSTACK_STATUS_INVALID_ARGUMENT` before sending). Response fields as for
/// `dstack_tappd_client_tdx_quote`. `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_raw_quote(
    client: *const dstack_tappd_client,
    report_data: *const u8,
    report_data_len: usize,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, report_data, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::bytes(report_data, report_data_len, "report_data")?,
                slice::out(out_response, "out_response")?,
            )
        };
        r::give(out, handle::tdx_quote_fields(c.raw_quote(report_data)?))
    })
}

/// Tappd `Info`: as `dstack_client_info`. Response fields as for `dstack_client_info`.
/// `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_info(
    client: *const dstack_tappd_client,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe { handle::info(client, timeout_ms, out_response, out_error) }
}

/// Tappd `Version`. Response fields: `VERSION`, `REV`. `client` and `out_response` must
/// not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_version(
    client: *const dstack_tappd_client,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe { handle::version(client, timeout_ms, out_response, out_error) }
}

/// Whether the tappd agent answers `Info` within `timeout_ms` (0 = 500 ms); failures are
/// `false`, not errors. `client` and `out_reachable` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_is_reachable(
    client: *const dstack_tappd_client,
    timeout_ms: u32,
    out_reachable: *mut bool,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe { handle::is_reachable(client, timeout_ms, out_reachable, out_error) }
}
