//! `dstack_client`: the current guest-agent API on `dstack.sock` (PROTOCOL.md §2.1).

use crate::error::dstack_error;
use crate::handle;
use crate::response::{self as r, dstack_response};
use crate::slice::{self, dstack_slice};
use crate::status::*;

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
    // SAFETY: forwarded export contract.
    unsafe { handle::new(endpoint, endpoint_len, out_client, out_error) }
}

/// Sets `default_timeout_ms`, the timeout of calls that pass `timeout_ms` 0 (0 here
/// restores 3000 ms). May run concurrently with calls. `client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_set_timeout_ms(
    client: *mut dstack_client,
    default_timeout_ms: u32,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe { handle::set_timeout_ms(client, default_timeout_ms, out_error) }
}

/// The endpoint the client uses (after discovery), UTF-8, borrowed until the client is
/// freed. `{NULL, 0}` if `client` is NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_endpoint(client: *const dstack_client) -> dstack_slice {
    // SAFETY: forwarded export contract.
    unsafe { handle::endpoint(client) }
}

/// Frees a client and closes its pooled connections. NULL is accepted and ignored. No
/// other thread may be using the client.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_free(client: *mut dstack_client) {
    // SAFETY: forwarded export contract.
    unsafe { handle::free(client) }
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract for every pointer argument.
        let (c, path, purpose, algorithm, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::text(path, path_len, "path")?,
                slice::text(purpose, purpose_len, "purpose")?,
                slice::text(algorithm, algorithm_len, "algorithm")?,
                slice::out(out_response, "out_response")?,
            )
        };
        let k = c.get_key_with_algorithm(path, purpose, algorithm)?;
        r::give(out, handle::key_fields(k))
    })
}

/// GetQuote or Attest: both bind 0 to 64 bytes of report data.
unsafe fn report_data_rpc(
    client: *const dstack_client,
    report_data: *const u8,
    report_data_len: usize,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
    attest: bool,
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
        let b = if attest {
            handle::attest_fields(c.attest(report_data)?)
        } else {
            handle::quote_fields(c.get_quote(report_data)?)
        };
        r::give(out, b)
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
    // SAFETY: forwarded export contract.
    unsafe {
        report_data_rpc(
            client,
            report_data,
            report_data_len,
            timeout_ms,
            out_response,
            out_error,
            false,
        )
    }
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
    // SAFETY: forwarded export contract.
    unsafe {
        report_data_rpc(
            client,
            report_data,
            report_data_len,
            timeout_ms,
            out_response,
            out_error,
            true,
        )
    }
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract for every pointer argument.
        let (c, subject, alt, nb, na, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::text(subject, subject_len, "subject")?,
                slice::texts(alt_names, alt_names_count, "alt_names")?,
                not_before.as_ref().copied(),
                not_after.as_ref().copied(),
                slice::out(out_response, "out_response")?,
            )
        };
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
            alt_names: alt.iter().map(|n| n.to_string()).collect(),
            usage_ra_tls: flags & DSTACK_TLS_USAGE_RA_TLS != 0,
            usage_server_auth: flags & DSTACK_TLS_USAGE_SERVER_AUTH != 0,
            usage_client_auth: flags & DSTACK_TLS_USAGE_CLIENT_AUTH != 0,
            with_app_info: flags & DSTACK_TLS_WITH_APP_INFO != 0,
            not_before: nb,
            not_after: na,
        };
        r::give(out, handle::tls_key_fields(c.get_tls_key(config)?))
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
    // SAFETY: forwarded export contract.
    unsafe { handle::info(client, timeout_ms, out_response, out_error) }
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
    // SAFETY: forwarded export contract.
    unsafe { handle::version(client, timeout_ms, out_response, out_error) }
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
    // SAFETY: forwarded export contract.
    unsafe {
        handle::respond(client, timeout_ms, out_response, out_error, |c| {
            Ok(handle::gpu_info_fields(c.gpu_info()?))
        })
    }
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, algorithm, data, out) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::text(algorithm, algorithm_len, "algorithm")?,
                slice::bytes(data, data_len, "data")?,
                slice::out(out_response, "out_response")?,
            )
        };
        r::give(out, handle::sign_fields(c.sign(algorithm, data)?))
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let c = unsafe { handle::timed(client, timeout_ms)? };
        let (algorithm, data, signature, public_key, out_valid) = (
            crate::try_text!(algorithm, algorithm_len),
            crate::try_bytes!(data, data_len),
            crate::try_bytes!(signature, signature_len),
            crate::try_bytes!(public_key, public_key_len),
            crate::try_out!(out_valid),
        );
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, event, payload) = unsafe {
            (
                handle::timed(client, timeout_ms)?,
                slice::text(event, event_len, "event")?,
                slice::bytes(payload, payload_len, "payload")?,
            )
        };
        c.emit_event(event, payload)?;
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
    // SAFETY: forwarded export contract.
    unsafe { handle::is_reachable(client, timeout_ms, out_reachable, out_error) }
}
