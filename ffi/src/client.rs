//! `dstack_client`: the current guest-agent API on `dstack.sock` (docs/PROTOCOL.md §2.1).

use crate::boundary::{guard, run};
use crate::error::dstack_error;
use crate::handle;
use crate::response::{self as r, dstack_response};
use crate::slice::dstack_slice;
use crate::status::*;
use crate::{free_handle, opt_ref, try_bytes, try_out, try_ref, try_text, try_texts};

/// Bits of the `flags` argument of `dstack_client_get_tls_key` (`DSTACK_TLS_*`) and
/// `dstack_tappd_client_derive_key` (`DSTACK_TLS_USAGE_*`, `DSTACK_TAPPD_RANDOM_SEED`), as C
/// enumerators; the argument itself is a plain `uint32_t` (see `dstack_status_e`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dstack_key_flags_e {
    /// TLS usage flag: embed an RA-TLS attestation in the certificate (`usage_ra_tls`).
    DSTACK_TLS_USAGE_RA_TLS = 1,
    /// TLS usage flag: server authentication (`usage_server_auth`).
    DSTACK_TLS_USAGE_SERVER_AUTH = 2,
    /// TLS usage flag: client authentication (`usage_client_auth`).
    DSTACK_TLS_USAGE_CLIENT_AUTH = 4,
    /// TLS flag: embed the app info extension (`with_app_info`; needs an agent with `Version`).
    DSTACK_TLS_WITH_APP_INFO = 8,
    /// Tappd DeriveKey flag: derive from a random seed instead of the path (`random_seed`).
    DSTACK_TAPPD_RANDOM_SEED = 16,
}

/// One plain `u32` constant per flag, defined from the enumerator (see
/// `status_constants!`); the header has the enumerators only.
macro_rules! flag_constants {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($name), "` as a `u32` (see [`dstack_key_flags_e`]).")]
            pub const $name: u32 = dstack_key_flags_e::$name as u32;
        )*
    };
}

flag_constants!(
    DSTACK_TLS_USAGE_RA_TLS,
    DSTACK_TLS_USAGE_SERVER_AUTH,
    DSTACK_TLS_USAGE_CLIENT_AUTH,
    DSTACK_TLS_WITH_APP_INFO,
    DSTACK_TAPPD_RANDOM_SEED,
);

/// A client of the dstack guest agent (`dstack.sock` API).
///
/// Created by `dstack_client_new`, freed by `dstack_client_free`.
///
/// Thread safety: may be shared by any number of threads and used concurrently; each
/// call takes its own connection from a small keep-alive pool behind a mutex. Free it
/// only when no other thread uses it.
pub struct dstack_client {
    client: libdstack::DstackClient,
}

handle::client_handle!(dstack_client, libdstack::DstackClient);

/// Creates a client. `endpoint` (UTF-8, `endpoint_len` bytes) is a Unix socket path or
/// `http://host[:port][/base]`; NULL/empty means discovery: `DSTACK_SIMULATOR_ENDPOINT`
/// if set and non-empty, else the first existing of `/var/run/dstack.sock`,
/// `/run/dstack.sock`, `/var/run/dstack/dstack.sock`, `/run/dstack/dstack.sock`, else
/// `/var/run/dstack.sock`. Nothing is connected yet. `https://` gives
/// `DSTACK_STATUS_UNSUPPORTED`. On success `*out_client` owns a new client (free it with
/// `dstack_client_free`). `out_client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_new(
    endpoint: *const u8,
    endpoint_len: usize,
    out_client: *mut *mut dstack_client,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (endpoint, out_client) = (try_text!(endpoint, endpoint_len), try_out!(out_client));
        *out_client = handle::new(endpoint)?;
        Ok(())
    })
}

/// Sets `default_timeout_ms`, the timeout of calls that pass `timeout_ms` 0 (0 here
/// restores 3000 ms). May run concurrently with calls. `client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_set_timeout_ms(
    client: *mut dstack_client,
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
pub unsafe extern "C" fn dstack_client_endpoint(client: *const dstack_client) -> dstack_slice {
    guard(dstack_slice::EMPTY, || handle::endpoint(opt_ref!(client)))
}

/// Frees a client and closes its pooled connections. NULL is accepted and ignored. No
/// other thread may be using the client.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_free(client: *mut dstack_client) {
    guard((), || free_handle!(client))
}

/// `GetKey`: a key derived from `path`, with its signature chain. `algorithm` is `""`
/// or `secp256k1`/`k256` (secp256k1), or `ed25519` (needs an agent with `Version`, else
/// `DSTACK_STATUS_UNSUPPORTED` before anything is sent); anything else is
/// `DSTACK_STATUS_INVALID_ARGUMENT`. Response fields: `KEY` (32 bytes, secret),
/// `SIGNATURE_CHAIN` (2 x 65 bytes), `PURPOSE`, `ALGORITHM` (effective). All text inputs
/// are UTF-8 and may be NULL/empty. `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_get_key(
    client: *const dstack_client,
    path: *const u8,
    path_len: usize,
    purpose: *const u8,
    purpose_len: usize,
    algorithm: *const u8,
    algorithm_len: usize,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, path, purpose, algorithm, out_response) = (
            try_ref!(client),
            try_text!(path, path_len),
            try_text!(purpose, purpose_len),
            try_text!(algorithm, algorithm_len),
            try_out!(out_response),
        );
        let k = handle::timed(client, timeout_ms).get_key_with(
            path,
            purpose,
            algorithm,
            handle::key_answer,
        )?;
        r::give(out_response, k)
    })
}

/// `GetQuote`: a TDX quote binding `report_data` (0 to 64 bytes; the agent right-pads it
/// with zeros; more is `DSTACK_STATUS_INVALID_ARGUMENT` before sending). Response fields:
/// `QUOTE`, `EVENT_LOG`, `REPORT_DATA` (absent from old agents), `VM_CONFIG`,
/// `ATTESTATION` (empty when the agent sends none). `client` and `out_response` must not
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_get_quote(
    client: *const dstack_client,
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
        let v = handle::timed(client, timeout_ms).get_quote(report_data)?;
        r::give(out_response, handle::quote_fields(v))
    })
}

/// `Attest`: a versioned attestation binding `report_data` (0 to 64 bytes, as for
/// GetQuote). Response field: `ATTESTATION` (bytes). `client` and `out_response` must not
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_attest(
    client: *const dstack_client,
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
        let v = handle::timed(client, timeout_ms).attest(report_data)?;
        r::give(out_response, handle::attest_fields(v))
    })
}

/// `GetTlsKey`: a fresh P-256 key and a certificate chain for it. `subject` is UTF-8;
/// `alt_names` points to `alt_names_count` UTF-8 slices (NULL if 0). `flags` combines
/// `DSTACK_TLS_USAGE_RA_TLS`, `_SERVER_AUTH`, `_CLIENT_AUTH` and
/// `DSTACK_TLS_WITH_APP_INFO`; unknown bits are `DSTACK_STATUS_INVALID_ARGUMENT`.
/// `not_before` / `not_after` point to Unix seconds, NULL = absent. `WITH_APP_INFO`,
/// `not_before` and `not_after` need an agent with `Version` (else
/// `DSTACK_STATUS_UNSUPPORTED` before sending). Response fields: `KEY` (PEM PKCS#8,
/// secret), `CERTIFICATE_CHAIN` (PEM list, leaf first). `client` and `out_response` must
/// not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_get_tls_key(
    client: *const dstack_client,
    subject: *const u8,
    subject_len: usize,
    alt_names: *const dstack_slice,
    alt_names_count: usize,
    flags: u32,
    not_before: *const u64,
    not_after: *const u64,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, subject, alt_names, not_before, not_after, out_response) = (
            try_ref!(client),
            try_text!(subject, subject_len),
            try_texts!(alt_names, alt_names_count),
            opt_ref!(not_before).copied(),
            opt_ref!(not_after).copied(),
            try_out!(out_response),
        );
        handle::check_flags(
            flags,
            DSTACK_TLS_USAGE_RA_TLS
                | DSTACK_TLS_USAGE_SERVER_AUTH
                | DSTACK_TLS_USAGE_CLIENT_AUTH
                | DSTACK_TLS_WITH_APP_INFO,
            "GetTlsKey",
        )?;
        let config = libdstack::TlsKeyConfig {
            subject: subject.to_string(),
            alt_names: alt_names.iter().map(|n| n.to_string()).collect(),
            usage_ra_tls: flags & DSTACK_TLS_USAGE_RA_TLS != 0,
            usage_server_auth: flags & DSTACK_TLS_USAGE_SERVER_AUTH != 0,
            usage_client_auth: flags & DSTACK_TLS_USAGE_CLIENT_AUTH != 0,
            with_app_info: flags & DSTACK_TLS_WITH_APP_INFO != 0,
            not_before,
            not_after,
        };
        let t = handle::timed(client, timeout_ms).get_tls_key(config)?;
        r::give(out_response, handle::tls_key_fields(t))
    })
}

/// `Info`: the app's identity and measurements. Response fields: `APP_ID`,
/// `INSTANCE_ID`, `APP_CERT`, `TCB_INFO`, `APP_NAME`, `DEVICE_ID`, `MR_AGGREGATED`,
/// `OS_IMAGE_HASH`, `KEY_PROVIDER_INFO`, `COMPOSE_HASH`, `VM_CONFIG`, `CLOUD_VENDOR`,
/// `CLOUD_PRODUCT`, and from a published tcb_info `MRTD`, `RTMR0`-`RTMR3`, `APP_COMPOSE`,
/// `TCB_EVENT_LOG`. `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_info(
    client: *const dstack_client,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, out_response) = (try_ref!(client), try_out!(out_response));
        r::give(out_response, handle::info(client, timeout_ms)?)
    })
}

/// `Version`: the agent's version. Response fields: `VERSION`, `REV`. Agents older than
/// v0.5.7 answer with an error (`DSTACK_STATUS_AGENT_ERROR` or `_HTTP_STATUS`).
/// `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_version(
    client: *const dstack_client,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, out_response) = (try_ref!(client), try_out!(out_response));
        r::give(out_response, handle::version(client, timeout_ms)?)
    })
}

/// `GpuInfo`: the GPU attestation JSON saved at boot. Response field: `ATTESTATION`
/// (text; empty without GPUs). `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_gpu_info(
    client: *const dstack_client,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, out_response) = (try_ref!(client), try_out!(out_response));
        let v = handle::timed(client, timeout_ms).gpu_info()?;
        r::give(out_response, handle::gpu_info_fields(v))
    })
}

/// `Sign`: signs `data` with the app's `signing` key (`GetKey("vms", "signing")`).
/// `algorithm`: `ed25519`, `secp256k1`/`k256` (ECDSA over SHA-256(data)) or
/// `secp256k1_prehashed` (`data` must be exactly 32 bytes, else
/// `DSTACK_STATUS_INVALID_ARGUMENT` before sending). Response fields: `SIGNATURE`,
/// `SIGNATURE_CHAIN` (3 entries), `PUBLIC_KEY`, `PURPOSE` ("signing"), `ALGORITHM`.
/// `client` and `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_sign(
    client: *const dstack_client,
    algorithm: *const u8,
    algorithm_len: usize,
    data: *const u8,
    data_len: usize,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, algorithm, data, out_response) = (
            try_ref!(client),
            try_text!(algorithm, algorithm_len),
            try_bytes!(data, data_len),
            try_out!(out_response),
        );
        let v = handle::timed(client, timeout_ms).sign(algorithm, data)?;
        r::give(out_response, handle::sign_fields(v))
    })
}

/// `Verify` (agents v0.5.6-v0.5.9): asks the agent whether `signature` by `public_key`
/// over `data` is valid for `algorithm`. Writes the answer to `*out_valid`. A malformed
/// key or signature is an agent error, not `false`. Prefer the local
/// `dstack_ed25519_verify` / signature-chain functions on newer agents. `client` and
/// `out_valid` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_verify(
    client: *const dstack_client,
    algorithm: *const u8,
    algorithm_len: usize,
    data: *const u8,
    data_len: usize,
    signature: *const u8,
    signature_len: usize,
    public_key: *const u8,
    public_key_len: usize,
    timeout_ms: u32,
    out_valid: *mut bool,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, algorithm, data, signature, public_key, out_valid) = (
            try_ref!(client),
            try_text!(algorithm, algorithm_len),
            try_bytes!(data, data_len),
            try_bytes!(signature, signature_len),
            try_bytes!(public_key, public_key_len),
            try_out!(out_valid),
        );
        let c = handle::timed(client, timeout_ms);
        *out_valid = c.verify(algorithm, data, signature, public_key)?.valid;
        Ok(())
    })
}

/// `EmitEvent` (agents v0.5.0-v0.5.11): extends RTMR3 with a runtime event named `event`
/// (UTF-8, non-empty) carrying `payload`. Needs an agent with `Version` (else
/// `DSTACK_STATUS_UNSUPPORTED` before sending). `client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_emit_event(
    client: *const dstack_client,
    event: *const u8,
    event_len: usize,
    payload: *const u8,
    payload_len: usize,
    timeout_ms: u32,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (client, event, payload) = (
            try_ref!(client),
            try_text!(event, event_len),
            try_bytes!(payload, payload_len),
        );
        handle::timed(client, timeout_ms).emit_event(event, payload)?;
        Ok(())
    })
}

/// Whether the agent answers `Info` within `timeout_ms` (0 = 500 ms). Writes the answer
/// to `*out_reachable`; an unreachable, failing or slow agent is `false`, not an error.
/// `client` and `out_reachable` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_is_reachable(
    client: *const dstack_client,
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
