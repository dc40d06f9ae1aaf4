//! The client core: `dstack_client` and `dstack_tappd_client` are the same mechanism, an
//! [`Agent`] bound to one [`Api`] (its socket discovery list, environment variable and
//! paths). The export bodies they share are written once here, generic over the handle
//! type, together with the response fields both APIs return in the same shape.

use crate::agent::Agent;
use crate::endpoint::Api;
use crate::error::{dstack_error, Failure, Result};
use crate::response::{self as r, dstack_response, Builder, Value};
use crate::slice::{self, dstack_slice};
use crate::status::*;
use dstack_core::rpc::dstack::{GetTlsKeyResponse, VersionResponse};
use dstack_core::rpc::info::{InfoResponse, TcbInfo};
use dstack_core::rpc::{Rpc, SignatureChain};
use zeroize::Zeroize;

/// A client handle type: a thin owner of one [`Agent`], and what differs between the two
/// APIs for the calls they share. Implemented with [`client_handle!`].
pub(crate) trait Handle: Sized + 'static {
    /// The API this handle speaks (socket discovery list and environment variable).
    const API: Api;
    /// The API's `Info` RPC (also the `is_reachable` probe).
    type Info: Default + for<'b> Rpc<Response<'b> = InfoResponse<'b>>;
    /// The API's `Version` RPC.
    type Version: Default + for<'b> Rpc<Response<'b> = VersionResponse<'b>>;
    fn wrap(agent: Agent) -> Self;
    fn agent(&self) -> &Agent;
}

/// `client_handle!(handle_struct, Api::X, InfoRpc, VersionRpc)` implements [`Handle`] for
/// a struct whose one field is `agent: Agent`.
macro_rules! client_handle {
    ($handle:ident, $api:expr, $info:ty, $version:ty) => {
        impl $crate::handle::Handle for $handle {
            const API: $crate::endpoint::Api = $api;
            type Info = $info;
            type Version = $version;
            fn wrap(agent: $crate::agent::Agent) -> Self {
                $handle { agent }
            }
            fn agent(&self) -> &$crate::agent::Agent {
                &self.agent
            }
        }
    };
}
pub(crate) use client_handle;

/// Checks and borrows a client handle's agent.
///
/// # Safety
/// `client` is NULL or a live handle.
pub(crate) unsafe fn agent<'a, H: Handle>(client: *const H) -> Result<&'a Agent> {
    // SAFETY: caller contract.
    unsafe { client.as_ref() }
        .map(H::agent)
        .ok_or_else(|| Failure::null("client"))
}

/// `*_client_new`.
///
/// # Safety
/// Export contract: `endpoint` readable for `endpoint_len` bytes or NULL; out-pointers
/// NULL or writable.
pub(crate) unsafe fn new<H: Handle>(
    endpoint: *const u8,
    endpoint_len: usize,
    out_client: *mut *mut H,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract for byte inputs and out-pointers.
        let (ep, out) = unsafe {
            (
                slice::text(endpoint, endpoint_len, "endpoint")?,
                slice::out(out_client, "out_client")?,
            )
        };
        let agent = Agent::new(H::API, ep)?;
        *out = Box::into_raw(Box::new(H::wrap(agent)));
        Ok(())
    })
}

/// `*_client_set_timeout_ms`.
///
/// # Safety
/// `client` is NULL or a live handle; `out_error` NULL or writable.
pub(crate) unsafe fn set_timeout_ms<H: Handle>(
    client: *const H,
    timeout_ms: u32,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        unsafe { agent(client)? }.set_timeout_ms(timeout_ms);
        Ok(())
    })
}

/// `*_client_endpoint`.
///
/// # Safety
/// `client` is NULL or a live handle.
pub(crate) unsafe fn endpoint<H: Handle>(client: *const H) -> dstack_slice {
    crate::boundary::guard(dstack_slice::EMPTY, || {
        // SAFETY: caller contract.
        unsafe { client.as_ref() }.map_or(dstack_slice::EMPTY, |c| {
            dstack_slice::of(c.agent().endpoint_text().as_bytes())
        })
    })
}

/// `*_client_free`.
///
/// # Safety
/// `client` is NULL or a handle from [`new`], freed once, used by no other thread.
pub(crate) unsafe fn free<H: Handle>(client: *mut H) {
    crate::boundary::guard((), || {
        if !client.is_null() {
            // SAFETY: a non-NULL handle came from `new` and is freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// `*_client_is_reachable`.
///
/// # Safety
/// `client` is NULL or a live handle; out-pointers NULL or writable.
pub(crate) unsafe fn is_reachable<H: Handle>(
    client: *const H,
    timeout_ms: u32,
    out_reachable: *mut bool,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, out) = unsafe { (agent(client)?, slice::out(out_reachable, "out_reachable")?) };
        *out = a.is_reachable(&H::Info::default(), timeout_ms);
        Ok(())
    })
}

/// `*_client_info`.
///
/// # Safety
/// `client` is NULL or a live handle; out-pointers NULL or writable.
pub(crate) unsafe fn info<H: Handle>(
    client: *const H,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded contract.
    unsafe {
        respond(client, out_response, out_error, |a| {
            a.respond(&H::Info::default(), timeout_ms, info_fields)
        })
    }
}

/// `*_client_version`.
///
/// # Safety
/// `client` is NULL or a live handle; out-pointers NULL or writable.
pub(crate) unsafe fn version<H: Handle>(
    client: *const H,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded contract.
    unsafe {
        respond(client, out_response, out_error, |a| {
            a.respond(&H::Version::default(), timeout_ms, version_fields)
        })
    }
}

/// An RPC export without inputs: checks `client` and `out_response`, then hands the
/// response `rpc` builds to the caller.
///
/// # Safety
/// `client` is NULL or a live handle; out-pointers NULL or writable.
pub(crate) unsafe fn respond<H: Handle>(
    client: *const H,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
    rpc: impl FnOnce(&Agent) -> Result<Builder>,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (a, out) = unsafe { (agent(client)?, slice::out(out_response, "out_response")?) };
        r::give(out, rpc(a)?)
    })
}

/// Fails with `INVALID_ARGUMENT` if `flags` has bits outside `known`.
pub(crate) fn check_flags(flags: u32, known: u32, rpc: &str) -> Result<()> {
    if flags & !known != 0 {
        return Err(Failure::invalid(format!(
            "unknown {rpc} flags 0x{:x}",
            flags & !known
        )));
    }
    Ok(())
}

/// GetKey / DeriveK256Key: the secret key (wiped here once copied), its signature chain,
/// and the purpose and algorithm the chain is verified with.
pub(crate) fn key_fields(
    b: &mut Builder,
    key: &mut [u8; 32],
    chain: &SignatureChain,
    purpose: &str,
    algorithm: &str,
) {
    b.set(r::DSTACK_FIELD_KEY, Value::bytes(*key))
        .set(
            r::DSTACK_FIELD_SIGNATURE_CHAIN,
            Value::list(chain.iter().map(|s| s.to_vec())),
        )
        .set(r::DSTACK_FIELD_PURPOSE, Value::text(purpose))
        .set(r::DSTACK_FIELD_ALGORITHM, Value::text(algorithm));
    key.zeroize();
}

/// GetTlsKey / DeriveKey: the PEM key and its certificate chain.
pub(crate) fn tls_key_fields(v: GetTlsKeyResponse<'_>, b: &mut Builder) {
    b.set(r::DSTACK_FIELD_KEY, Value::text(v.key)).set(
        r::DSTACK_FIELD_CERTIFICATE_CHAIN,
        Value::list(v.certificate_chain.iter().map(|c| c.as_bytes().to_vec())),
    );
}

/// Version / Tappd.Version.
fn version_fields(v: VersionResponse<'_>, b: &mut Builder) {
    b.set(r::DSTACK_FIELD_VERSION, Value::text(v.version))
        .set(r::DSTACK_FIELD_REV, Value::text(v.rev));
}

/// Info / Tappd.Info: identity and measurements, plus the fields of a published tcb_info.
fn info_fields(v: InfoResponse<'_>, b: &mut Builder) {
    for (f, value) in [
        (r::DSTACK_FIELD_APP_ID, Value::bytes(v.app_id)),
        (r::DSTACK_FIELD_INSTANCE_ID, Value::bytes(v.instance_id)),
        (r::DSTACK_FIELD_APP_CERT, Value::text(v.app_cert)),
        (r::DSTACK_FIELD_TCB_INFO, Value::text(v.tcb_info)),
        (r::DSTACK_FIELD_APP_NAME, Value::text(v.app_name)),
        (r::DSTACK_FIELD_DEVICE_ID, Value::bytes(v.device_id)),
        (r::DSTACK_FIELD_MR_AGGREGATED, Value::bytes(v.mr_aggregated)),
        (r::DSTACK_FIELD_OS_IMAGE_HASH, Value::bytes(v.os_image_hash)),
        (
            r::DSTACK_FIELD_KEY_PROVIDER_INFO,
            Value::text(v.key_provider_info),
        ),
        (r::DSTACK_FIELD_COMPOSE_HASH, Value::bytes(v.compose_hash)),
        (r::DSTACK_FIELD_VM_CONFIG, Value::text(v.vm_config)),
        (r::DSTACK_FIELD_CLOUD_VENDOR, Value::text(v.cloud_vendor)),
        (r::DSTACK_FIELD_CLOUD_PRODUCT, Value::text(v.cloud_product)),
    ] {
        b.set(f, value);
    }
    // tcb_info is empty when the app does not publish it; then its fields are absent.
    if v.tcb_info.is_empty() {
        return;
    }
    let mut scratch = vec![0u8; v.tcb_info.len()];
    if let Ok(t) = TcbInfo::parse(v.tcb_info, &mut scratch) {
        b.set(r::DSTACK_FIELD_MRTD, Value::bytes(t.mrtd))
            .set(r::DSTACK_FIELD_RTMR0, Value::bytes(t.rtmr0))
            .set(r::DSTACK_FIELD_RTMR1, Value::bytes(t.rtmr1))
            .set(r::DSTACK_FIELD_RTMR2, Value::bytes(t.rtmr2))
            .set(r::DSTACK_FIELD_RTMR3, Value::bytes(t.rtmr3))
            .set(r::DSTACK_FIELD_APP_COMPOSE, Value::text(t.app_compose))
            .set(r::DSTACK_FIELD_TCB_EVENT_LOG, Value::text(t.event_log));
    }
}
