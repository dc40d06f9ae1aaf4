//! `dstack_client`: the current guest-agent API on `dstack.sock` (PROTOCOL.md §2.1).

use crate::agent::Agent;
use crate::endpoint::Api;
use crate::error::{dstack_error, Failure, Result};
use crate::response::{self as r, dstack_response, Builder, Secret, Value};
use crate::slice::{self, dstack_slice};
use crate::status::*;
use dstack_core::rpc::dstack as api;
use dstack_core::rpc::info::{InfoResponse, TcbInfo};

/// TLS usage flag: embed an RA-TLS attestation in the certificate (`usage_ra_tls`).
pub const DSTACK_TLS_USAGE_RA_TLS: u32 = 1;
/// TLS usage flag: server authentication (`usage_server_auth`).
pub const DSTACK_TLS_USAGE_SERVER_AUTH: u32 = 2;
/// TLS usage flag: client authentication (`usage_client_auth`).
pub const DSTACK_TLS_USAGE_CLIENT_AUTH: u32 = 4;
/// TLS flag: embed the app info extension (`with_app_info`; needs an agent with `Version`).
pub const DSTACK_TLS_WITH_APP_INFO: u32 = 8;
/// Tappd DeriveKey flag: derive from a random seed instead of the path (`random_seed`).
pub const DSTACK_TAPPD_RANDOM_SEED: u32 = 16;

/// A client of the dstack guest agent (`dstack.sock` API).
///
/// Created by `dstack_client_new`, freed by `dstack_client_free`.
///
/// Thread safety: may be shared by any number of threads and used concurrently; each
/// call takes its own connection from a small keep-alive pool behind a mutex. Free it
/// only when no other thread uses it.
pub struct dstack_client {
    pub(crate) agent: Agent,
}

/// Checks and borrows a client handle.
///
/// # Safety
/// `c` is NULL or a live client.
unsafe fn client<'a>(c: *const dstack_client) -> Result<&'a Agent> {
    // SAFETY: caller contract.
    unsafe { c.as_ref() }.map(|c| &c.agent).ok_or_else(|| Failure::null("client"))
}

/// Writes a finished response to a checked out-pointer.
pub(crate) fn give(out: &mut *mut dstack_response, b: Builder) -> Result<()> {
    r::give(out, b.finish());
    Ok(())
}

pub(crate) fn info_response(parsed: &InfoResponse<'_>) -> Builder {
    let mut b = Builder::new(Vec::new());
    b.set(r::DSTACK_FIELD_APP_ID, Value::bytes(parsed.app_id))
        .set(r::DSTACK_FIELD_INSTANCE_ID, Value::bytes(parsed.instance_id))
        .set(r::DSTACK_FIELD_APP_CERT, Value::text(parsed.app_cert))
        .set(r::DSTACK_FIELD_TCB_INFO, Value::text(parsed.tcb_info))
        .set(r::DSTACK_FIELD_APP_NAME, Value::text(parsed.app_name))
        .set(r::DSTACK_FIELD_DEVICE_ID, Value::bytes(parsed.device_id))
        .set(r::DSTACK_FIELD_MR_AGGREGATED, Value::bytes(parsed.mr_aggregated))
        .set(r::DSTACK_FIELD_OS_IMAGE_HASH, Value::bytes(parsed.os_image_hash))
        .set(r::DSTACK_FIELD_KEY_PROVIDER_INFO, Value::text(parsed.key_provider_info))
        .set(r::DSTACK_FIELD_COMPOSE_HASH, Value::bytes(parsed.compose_hash))
        .set(r::DSTACK_FIELD_VM_CONFIG, Value::text(parsed.vm_config))
        .set(r::DSTACK_FIELD_CLOUD_VENDOR, Value::text(parsed.cloud_vendor))
        .set(r::DSTACK_FIELD_CLOUD_PRODUCT, Value::text(parsed.cloud_product));
    // tcb_info is empty when the app does not publish it; then its fields are absent.
    if !parsed.tcb_info.is_empty() {
        let mut scratch = vec![0u8; parsed.tcb_info.len()];
        if let Ok(t) = TcbInfo::parse(parsed.tcb_info, &mut scratch) {
            b.set(r::DSTACK_FIELD_MRTD, Value::bytes(t.mrtd))
                .set(r::DSTACK_FIELD_RTMR0, Value::bytes(t.rtmr0))
                .set(r::DSTACK_FIELD_RTMR1, Value::bytes(t.rtmr1))
                .set(r::DSTACK_FIELD_RTMR2, Value::bytes(t.rtmr2))
                .set(r::DSTACK_FIELD_RTMR3, Value::bytes(t.rtmr3))
                .set(r::DSTACK_FIELD_APP_COMPOSE, Value::text(t.app_compose))
                .set(r::DSTACK_FIELD_TCB_EVENT_LOG, Value::text(t.event_log));
        }
    }
    b
}

impl Agent {
    fn version_body(&self, timeout_ms: u32) -> Result<Secret> {
        self.call(&api::Version, timeout_ms)
    }
    fn require(&self, feature: &str, timeout_ms: u32) -> Result<()> {
        self.require_version(feature, timeout_ms, |t| self.version_body(t))
    }
}

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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract for byte inputs and out-pointers.
        let ep = unsafe { slice::text(endpoint, endpoint_len, "endpoint")? };
        // SAFETY: as above.
        let out = unsafe { slice::out(out_client, "out_client")? };
        let agent = Agent::new(Api::Dstack, ep)?;
        *out = Box::into_raw(Box::new(dstack_client { agent }));
        Ok(())
    })
}

/// Sets the default timeout used by calls that pass `timeout_ms` 0 (0 here restores
/// 3000 ms). May run concurrently with calls. `client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_set_timeout_ms(
    client: *mut dstack_client,
    timeout_ms: u32,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        unsafe { self::client(client)? }.set_timeout_ms(timeout_ms);
        Ok(())
    })
}

/// The endpoint the client uses (after discovery), UTF-8, borrowed until the client is
/// freed. `{NULL, 0}` if `client` is NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_endpoint(client: *const dstack_client) -> dstack_slice {
    crate::boundary::guard(dstack_slice::EMPTY, || {
        // SAFETY: caller contract.
        match unsafe { client.as_ref() } {
            Some(c) => dstack_slice::of(c.agent.endpoint_text().as_bytes()),
            None => dstack_slice::EMPTY,
        }
    })
}

/// Frees a client and closes its pooled connections. NULL is accepted and ignored. No
/// other thread may be using the client.
#[no_mangle]
pub unsafe extern "C" fn dstack_client_free(client: *mut dstack_client) {
    crate::boundary::guard((), || {
        if !client.is_null() {
            // SAFETY: a non-NULL handle came from dstack_client_new and is freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    })
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
        let (a, path, purpose, algorithm, out) = unsafe {
            (
                self::client(client)?,
                slice::text(path, path_len, "path")?,
                slice::text(purpose, purpose_len, "purpose")?,
                slice::text(algorithm, algorithm_len, "algorithm")?,
                slice::out(out_response, "out_response")?,
            )
        };
        let req = api::GetKey { path, purpose, algorithm };
        dstack_core::rpc::Rpc::validate(&req).map_err(|e| Failure::core("GetKey", e))?;
        if !matches!(algorithm, "" | "secp256k1" | "k256") {
            a.require(&format!("GetKey algorithm {algorithm:?}"), timeout_ms)?;
        }
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = Secret(vec![0u8; body.0.len()]);
        let v = a.parse::<api::GetKey>(&body.0, &mut scratch.0)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_KEY, Value::bytes(v.key))
            .set(r::DSTACK_FIELD_SIGNATURE_CHAIN, Value::list(v.signature_chain.iter().map(|s| s.to_vec())))
            .set(r::DSTACK_FIELD_PURPOSE, Value::text(purpose))
            .set(r::DSTACK_FIELD_ALGORITHM, Value::text(req.effective_algorithm()));
        let mut key = v.key;
        zeroize::Zeroize::zeroize(&mut key);
        give(out, b.with_body(body))
    })
}

fn quote_like(a: &Agent, report_data: &[u8], timeout_ms: u32, attest: bool) -> Result<Builder> {
    if report_data.len() > 64 {
        return Err(Failure::invalid(format!(
            "report data is {} bytes; at most 64 are allowed",
            report_data.len()
        )));
    }
    if attest {
        let req = api::Attest { report_data };
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::Attest>(&body.0, &mut scratch)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_ATTESTATION, Value::bytes(v.attestation));
        Ok(b.with_body(body))
    } else {
        let req = api::GetQuote { report_data };
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::GetQuote>(&body.0, &mut scratch)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_QUOTE, Value::bytes(v.quote))
            .set(r::DSTACK_FIELD_EVENT_LOG, Value::text(v.event_log))
            .set(r::DSTACK_FIELD_VM_CONFIG, Value::text(v.vm_config))
            .set(r::DSTACK_FIELD_ATTESTATION, Value::bytes(v.attestation));
        if let Some(rd) = v.report_data {
            b.set(r::DSTACK_FIELD_REPORT_DATA, Value::bytes(rd));
        }
        Ok(b.with_body(body))
    }
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, rd, out) = unsafe {
            (
                self::client(client)?,
                slice::bytes(report_data, report_data_len, "report_data")?,
                slice::out(out_response, "out_response")?,
            )
        };
        give(out, quote_like(a, rd, timeout_ms, false)?)
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, rd, out) = unsafe {
            (
                self::client(client)?,
                slice::bytes(report_data, report_data_len, "report_data")?,
                slice::out(out_response, "out_response")?,
            )
        };
        give(out, quote_like(a, rd, timeout_ms, true)?)
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract for every pointer argument.
        let (a, subject, alt, nb, na, out) = unsafe {
            (
                self::client(client)?,
                slice::text(subject, subject_len, "subject")?,
                slice::texts(alt_names, alt_names_count, "alt_names")?,
                not_before.as_ref().copied(),
                not_after.as_ref().copied(),
                slice::out(out_response, "out_response")?,
            )
        };
        let known = DSTACK_TLS_USAGE_RA_TLS | DSTACK_TLS_USAGE_SERVER_AUTH | DSTACK_TLS_USAGE_CLIENT_AUTH | DSTACK_TLS_WITH_APP_INFO;
        if flags & !known != 0 {
            return Err(Failure::invalid(format!("unknown GetTlsKey flags 0x{:x}", flags & !known)));
        }
        let req = api::GetTlsKey {
            subject,
            alt_names: &alt,
            usage_ra_tls: flags & DSTACK_TLS_USAGE_RA_TLS != 0,
            usage_server_auth: flags & DSTACK_TLS_USAGE_SERVER_AUTH != 0,
            usage_client_auth: flags & DSTACK_TLS_USAGE_CLIENT_AUTH != 0,
            not_before: nb,
            not_after: na,
            with_app_info: flags & DSTACK_TLS_WITH_APP_INFO != 0,
        };
        dstack_core::rpc::Rpc::validate(&req).map_err(|e| Failure::core("GetTlsKey", e))?;
        let mut newer = Vec::new();
        if nb.is_some() {
            newer.push("not_before");
        }
        if na.is_some() {
            newer.push("not_after");
        }
        if req.with_app_info {
            newer.push("with_app_info");
        }
        if !newer.is_empty() {
            a.require(&format!("TLS key options [{}]", newer.join(", ")), timeout_ms)?;
        }
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = Secret(vec![0u8; body.0.len()]);
        let v = a.parse::<api::GetTlsKey>(&body.0, &mut scratch.0)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_KEY, Value::text(v.key))
            .set(r::DSTACK_FIELD_CERTIFICATE_CHAIN, Value::list(v.certificate_chain.iter().map(|c| c.as_bytes().to_vec())));
        drop(v);
        give(out, b.with_body(body))
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, out) = unsafe { (self::client(client)?, slice::out(out_response, "out_response")?) };
        let body = a.call(&api::Info, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::Info>(&body.0, &mut scratch)?;
        let b = info_response(&v);
        drop(v);
        give(out, b.with_body(body))
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, out) = unsafe { (self::client(client)?, slice::out(out_response, "out_response")?) };
        let body = a.version_body(timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::Version>(&body.0, &mut scratch)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_VERSION, Value::text(v.version)).set(r::DSTACK_FIELD_REV, Value::text(v.rev));
        give(out, b.with_body(body))
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, out) = unsafe { (self::client(client)?, slice::out(out_response, "out_response")?) };
        let body = a.call(&api::GpuInfo, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::GpuInfo>(&body.0, &mut scratch)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_ATTESTATION, Value::text(v.attestation));
        give(out, b.with_body(body))
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, algorithm, data, out) = unsafe {
            (
                self::client(client)?,
                slice::text(algorithm, algorithm_len, "algorithm")?,
                slice::bytes(data, data_len, "data")?,
                slice::out(out_response, "out_response")?,
            )
        };
        let req = api::Sign { algorithm, data };
        if let Err(e) = dstack_core::rpc::Rpc::validate(&req) {
            if algorithm == "secp256k1_prehashed" && data.len() != 32 {
                return Err(Failure::invalid(format!(
                    "Pre-hashed signing requires a 32-byte digest, but received {} bytes",
                    data.len()
                )));
            }
            return Err(Failure::core("Sign", e));
        }
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::Sign>(&body.0, &mut scratch)?;
        let mut b = Builder::new(Vec::new());
        b.set(r::DSTACK_FIELD_SIGNATURE, Value::bytes(v.signature))
            .set(r::DSTACK_FIELD_SIGNATURE_CHAIN, Value::list(v.signature_chain.iter().map(|s| s.to_vec())))
            .set(r::DSTACK_FIELD_PUBLIC_KEY, Value::bytes(v.public_key))
            .set(r::DSTACK_FIELD_PURPOSE, Value::text("signing"))
            .set(r::DSTACK_FIELD_ALGORITHM, Value::text(algorithm));
        drop(v);
        give(out, b.with_body(body))
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
        let (a, algorithm, data, signature, public_key, out) = unsafe {
            (
                self::client(client)?,
                slice::text(algorithm, algorithm_len, "algorithm")?,
                slice::bytes(data, data_len, "data")?,
                slice::bytes(signature, signature_len, "signature")?,
                slice::bytes(public_key, public_key_len, "public_key")?,
                slice::out(out_valid, "out_valid")?,
            )
        };
        let req = api::Verify { algorithm, data, signature, public_key };
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        let v = a.parse::<api::Verify>(&body.0, &mut scratch)?;
        *out = v.valid;
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
        let (a, event, payload) = unsafe {
            (
                self::client(client)?,
                slice::text(event, event_len, "event")?,
                slice::bytes(payload, payload_len, "payload")?,
            )
        };
        let req = api::EmitEvent { event, payload };
        dstack_core::rpc::Rpc::validate(&req).map_err(|e| Failure::core("EmitEvent", e))?;
        a.require("EmitEvent", timeout_ms)?;
        let body = a.call(&req, timeout_ms)?;
        let mut scratch = vec![0u8; body.0.len()];
        a.parse::<api::EmitEvent>(&body.0, &mut scratch)?;
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, out) = unsafe { (self::client(client)?, slice::out(out_reachable, "out_reachable")?) };
        *out = a.is_reachable(timeout_ms, |t| a.call(&api::Info, t));
        Ok(())
    })
}
