//! `dstack_tappd_client`: the legacy tappd API on `tappd.sock` (docs/PROTOCOL.md §2.2).

use crate::boundary::{guard, run};
use crate::client::{
    DSTACK_TAPPD_RANDOM_SEED, DSTACK_TLS_USAGE_CLIENT_AUTH, DSTACK_TLS_USAGE_RA_TLS,
    DSTACK_TLS_USAGE_SERVER_AUTH,
};
use crate::error::dstack_error;
use crate::handle;
use crate::response::{self as r, dstack_response};
use crate::slice::dstack_slice;
use crate::status::*;
use crate::{free_handle, opt_ref, try_bytes, try_out, try_ref, try_text, try_texts};

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
    run(out_error, || {
        let (endpoint, out_client) = (try_text!(endpoint, endpoint_len), try_out!(out_client));
        *out_client = handle::new(endpoint)?;
        Ok(())
    })
}

/// Sets `default_timeout_ms`, the timeout of calls that pass `timeout_ms` 0 (0 here
/// restores 3000 ms). `client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_set_timeout_ms(
    client: *mut dstack_tappd_client,
    default_timeout_ms: u32,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        handle::set_timeout(try_ref!(client), default_timeout_ms);
        Ok(())
    })
}

/// The endpoint the client uses (after discovery), UTF-8, borrowed until the client is
/// freed. `{NULL, 0}` if `client` is NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_endpoint(
    client: *const dstack_tappd_client,
) -> dstack_slice {
    guard(dstack_slice::EMPTY, || handle::endpoint(opt_ref!(client)))
}

/// Frees a tappd client. NULL is accepted and ignored.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_client_free(client: *mut dstack_tappd_client) {
    guard((), || free_handle!(client))
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
    run(out_error, || {
        let (client, path, subject, alt_names, out_response) = (
            try_ref!(client),
            try_text!(path, path_len),
            try_text!(subject, subject_len),
            try_texts!(alt_names, alt_names_count),
            try_out!(out_response),
        );
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
            alt_names: alt_names.iter().map(|n| n.to_string()).collect(),
            usage_ra_tls: flags & DSTACK_TLS_USAGE_RA_TLS != 0,
            usage_server_auth: flags & DSTACK_TLS_USAGE_SERVER_AUTH != 0,
            usage_client_auth: flags & DSTACK_TLS_USAGE_CLIENT_AUTH != 0,
            ..libdstack::TlsKeyConfig::default()
        };
        let random_seed = flags & DSTACK_TAPPD_RANDOM_SEED != 0;
        let k = handle::timed(client, timeout_ms).derive_key_with(path, &config, random_seed)?;
        r::give(out_response, handle::tls_key_fields(k))
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
    run(out_error, || {
        let (client, path, purpose, out_response) = (
            try_ref!(client),
            try_text!(path, path_len),
            try_text!(purpose, purpose_len),
            try_out!(out_response),
        );
        let k = handle::timed(client, timeout_ms).derive_k256_key(path, purpose)?;
        r::give(out_response, handle::key_fields(k))
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
    run(out_error, || {
        let (client, report_data, hash_algorithm, prefix, out_response) = (
            try_ref!(client),
            try_bytes!(report_data, report_data_len),
            try_text!(hash_algorithm, hash_algorithm_len),
            try_text!(prefix, prefix_len),
            try_out!(out_response),
        );
        let v = handle::timed(client, timeout_ms).tdx_quote_with(
            report_data,
            hash_algorithm,
            prefix,
        )?;
        r::give(out_response, handle::tdx_quote_fields(v))
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
    run(out_error, || {
        let (client, report_data, out_response) = (
            try_ref!(client),
            try_bytes!(report_data, report_data_len),
            try_out!(out_response),
        );
        let v = handle::timed(client, timeout_ms).raw_quote(report_data)?;
        r::give(out_response, handle::tdx_quote_fields(v))
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
    run(out_error, || {
        let (client, out_response) = (try_ref!(client), try_out!(out_response));
        r::give(out_response, handle::info(client, timeout_ms)?)
    })
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
    run(out_error, || {
        let (client, out_response) = (try_ref!(client), try_out!(out_response));
        r::give(out_response, handle::version(client, timeout_ms)?)
    })
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
    run(out_error, || {
        let (client, out_reachable) = (try_ref!(client), try_out!(out_reachable));
        *out_reachable = handle::is_reachable(client, timeout_ms);
        Ok(())
    })
}
