//! The client handles: `dstack_client` and `dstack_tappd_client` each own one client of
//! the `libdstack` crate (which holds the endpoint, the connection pool, the timeouts and
//! the RPC logic). The export bodies both share are written once here, generic over the
//! handle type, together with the conversions of typed answers into response fields.

use crate::error::{dstack_error, Failure, Result};
use crate::response::{self as r, dstack_response, Builder, Secret, Value};
use crate::slice::{self, dstack_slice};
use crate::status::*;
use libdstack::{
    AttestResponse, GetKeyResponse, GetQuoteResponse, GetTlsKeyResponse, GpuInfoResponse, HexBytes,
    InfoResponse, SecretBytes, SignResponse, TdxQuoteResponse, VersionResponse,
};

/// What a client handle needs of its `libdstack` client: both clients have these calls
/// in the same shape. Implemented with [`client_handle!`].
pub(crate) trait Handle: Sized + 'static {
    /// `libdstack::DstackClient` or `libdstack::TappdClient`.
    type Client: Clone;
    fn create(endpoint: &str) -> libdstack::Result<Self>;
    fn client(&self) -> &Self::Client;
    fn with_timeout_ms(c: &Self::Client, timeout_ms: u32) -> Self::Client;
    fn endpoint(c: &Self::Client) -> &str;
    fn set_timeout(c: &Self::Client, timeout_ms: u32);
    fn is_reachable(c: &Self::Client) -> bool;
    fn info(c: &Self::Client) -> libdstack::Result<InfoResponse>;
    fn version(c: &Self::Client) -> libdstack::Result<VersionResponse>;
}

/// `client_handle!(handle_struct, libdstack::XClient)` implements [`Handle`] for a struct
/// whose one field is `client: libdstack::XClient`.
macro_rules! client_handle {
    ($handle:ident, $client:ty) => {
        impl $crate::handle::Handle for $handle {
            type Client = $client;
            fn create(endpoint: &str) -> libdstack::Result<Self> {
                Ok($handle {
                    client: <$client>::try_new(Some(endpoint))?,
                })
            }
            fn client(&self) -> &$client {
                &self.client
            }
            fn with_timeout_ms(c: &$client, timeout_ms: u32) -> $client {
                c.with_timeout_ms(timeout_ms)
            }
            fn endpoint(c: &$client) -> &str {
                c.endpoint()
            }
            fn set_timeout(c: &$client, timeout_ms: u32) {
                c.set_timeout(std::time::Duration::from_millis(u64::from(timeout_ms)))
            }
            fn is_reachable(c: &$client) -> bool {
                c.is_reachable()
            }
            fn info(c: &$client) -> libdstack::Result<libdstack::InfoResponse> {
                c.info()
            }
            fn version(c: &$client) -> libdstack::Result<libdstack::VersionResponse> {
                c.version()
            }
        }
    };
}
pub(crate) use client_handle;

/// Checks and borrows a client handle's client.
///
/// # Safety
/// `client` is NULL or a live handle.
pub(crate) unsafe fn client<'a, H: Handle>(client: *const H) -> Result<&'a H::Client> {
    // SAFETY: caller contract.
    unsafe { client.as_ref() }
        .map(H::client)
        .ok_or_else(|| Failure::null("client"))
}

/// The handle's client with the call's `timeout_ms` (0: the client's default); shares
/// the handle's pool.
///
/// # Safety
/// `client` is NULL or a live handle.
pub(crate) unsafe fn timed<H: Handle>(client: *const H, timeout_ms: u32) -> Result<H::Client> {
    // SAFETY: caller contract.
    let c = unsafe { self::client(client)? };
    Ok(H::with_timeout_ms(c, timeout_ms))
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
        *out = Box::into_raw(Box::new(H::create(ep)?));
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
        H::set_timeout(unsafe { self::client(client)? }, timeout_ms);
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
            dstack_slice::of(H::endpoint(c.client()).as_bytes())
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
        let (c, out) = unsafe {
            (
                timed(client, timeout_ms)?,
                slice::out(out_reachable, "out_reachable")?,
            )
        };
        *out = H::is_reachable(&c);
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
        respond(client, timeout_ms, out_response, out_error, |c| {
            Ok(info_fields(H::info(c)?))
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
        respond(client, timeout_ms, out_response, out_error, |c| {
            Ok(version_fields(H::version(c)?))
        })
    }
}

/// An RPC export without inputs: checks `client` and `out_response`, then hands the
/// response `rpc` builds (with the handle's client, timed) to the caller.
///
/// # Safety
/// `client` is NULL or a live handle; out-pointers NULL or writable.
pub(crate) unsafe fn respond<H: Handle>(
    client: *const H,
    timeout_ms: u32,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
    rpc: impl FnOnce(&H::Client) -> Result<Builder>,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (c, out) = unsafe {
            (
                timed(client, timeout_ms)?,
                slice::out(out_response, "out_response")?,
            )
        };
        r::give(out, rpc(&c)?)
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

/// Keeps the raw body (wiped on free like the fields; moved, not copied).
fn with_body(b: Builder, raw: SecretBytes) -> Builder {
    b.with_body(Secret(raw.into_unwiped_vec()))
}

/// A bytes value, moved out of the typed answer.
fn bytes(v: HexBytes) -> Value {
    Value::bytes(v.into_vec())
}

/// A list of bytes, moved out of the typed answer.
fn list(items: Vec<HexBytes>) -> Value {
    Value::list(items.into_iter().map(HexBytes::into_vec))
}

/// GetKey / DeriveK256Key: the secret key, its signature chain, and the purpose and
/// algorithm the chain is verified with. The typed answer's buffers move into the
/// handle (which wipes them on free): no copy of the key.
pub(crate) fn key_fields(mut k: GetKeyResponse) -> Builder {
    let raw = k.take_raw_body();
    let GetKeyResponse {
        key,
        signature_chain,
        purpose,
        algorithm,
        ..
    } = k;
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_KEY, Value::bytes(key.into_unwiped_vec()))
        .set(r::DSTACK_FIELD_SIGNATURE_CHAIN, list(signature_chain))
        .set(r::DSTACK_FIELD_PURPOSE, Value::text(purpose))
        .set(r::DSTACK_FIELD_ALGORITHM, Value::text(algorithm));
    with_body(b, raw)
}

/// GetTlsKey / DeriveKey: the PEM key and its certificate chain.
pub(crate) fn tls_key_fields(mut t: GetTlsKeyResponse) -> Builder {
    let raw = t.take_raw_body();
    let GetTlsKeyResponse {
        key,
        certificate_chain,
        ..
    } = t;
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_KEY, Value::text(key.into_unwiped_string()))
        .set(
            r::DSTACK_FIELD_CERTIFICATE_CHAIN,
            Value::list(certificate_chain),
        );
    with_body(b, raw)
}

/// GetQuote: the quote, its event log, the VM configuration, the attestation, and the
/// report data when the agent sent it.
pub(crate) fn quote_fields(mut v: GetQuoteResponse) -> Builder {
    let raw = v.take_raw_body();
    let GetQuoteResponse {
        quote,
        event_log,
        report_data,
        vm_config,
        attestation,
        ..
    } = v;
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_QUOTE, bytes(quote))
        .set(r::DSTACK_FIELD_EVENT_LOG, Value::text(event_log))
        .set(r::DSTACK_FIELD_VM_CONFIG, Value::text(vm_config))
        .set(r::DSTACK_FIELD_ATTESTATION, bytes(attestation));
    if !report_data.is_empty() {
        b.set(r::DSTACK_FIELD_REPORT_DATA, bytes(report_data));
    }
    with_body(b, raw)
}

/// Attest: the attestation.
pub(crate) fn attest_fields(mut v: AttestResponse) -> Builder {
    let raw = v.take_raw_body();
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_ATTESTATION, bytes(v.attestation));
    with_body(b, raw)
}

/// Sign: the signature, its chain, the public key, and the purpose (`signing`) and
/// algorithm the chain is verified with.
pub(crate) fn sign_fields(mut v: SignResponse) -> Builder {
    let raw = v.take_raw_body();
    let SignResponse {
        signature,
        signature_chain,
        public_key,
        algorithm,
        ..
    } = v;
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_SIGNATURE, bytes(signature))
        .set(r::DSTACK_FIELD_SIGNATURE_CHAIN, list(signature_chain))
        .set(r::DSTACK_FIELD_PUBLIC_KEY, bytes(public_key))
        .set(r::DSTACK_FIELD_PURPOSE, Value::text("signing"))
        .set(r::DSTACK_FIELD_ALGORITHM, Value::text(algorithm));
    with_body(b, raw)
}

/// GpuInfo: the attestation text.
pub(crate) fn gpu_info_fields(mut v: GpuInfoResponse) -> Builder {
    let raw = v.take_raw_body();
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_ATTESTATION, Value::text(v.attestation));
    with_body(b, raw)
}

/// Tappd TdxQuote / RawQuote: the quote, its event log, and the effective hash algorithm
/// and prefix.
pub(crate) fn tdx_quote_fields(mut v: TdxQuoteResponse) -> Builder {
    let raw = v.take_raw_body();
    let TdxQuoteResponse {
        quote,
        event_log,
        hash_algorithm,
        prefix,
        ..
    } = v;
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_QUOTE, bytes(quote))
        .set(r::DSTACK_FIELD_EVENT_LOG, Value::text(event_log))
        .set(r::DSTACK_FIELD_HASH_ALGORITHM, Value::text(hash_algorithm))
        .set(r::DSTACK_FIELD_PREFIX, Value::text(prefix));
    with_body(b, raw)
}

/// Version / Tappd.Version.
fn version_fields(mut v: VersionResponse) -> Builder {
    let raw = v.take_raw_body();
    let mut b = Builder::default();
    b.set(r::DSTACK_FIELD_VERSION, Value::text(v.version))
        .set(r::DSTACK_FIELD_REV, Value::text(v.rev));
    with_body(b, raw)
}

/// Info / Tappd.Info: identity and measurements, plus the fields of a published tcb_info.
fn info_fields(mut v: InfoResponse) -> Builder {
    let raw = v.take_raw_body();
    let InfoResponse {
        app_id,
        instance_id,
        app_cert,
        tcb_info: t,
        app_name,
        device_id,
        mr_aggregated,
        os_image_hash,
        key_provider_info,
        compose_hash,
        vm_config,
        cloud_vendor,
        cloud_product,
        ..
    } = v;
    // tcb_info is empty when the app does not publish it (or it does not parse); then
    // its fields are absent.
    let published = t.is_published();
    let mut b = Builder::default();
    for (f, value) in [
        (r::DSTACK_FIELD_APP_ID, bytes(app_id)),
        (r::DSTACK_FIELD_INSTANCE_ID, bytes(instance_id)),
        (r::DSTACK_FIELD_APP_CERT, Value::text(app_cert)),
        (r::DSTACK_FIELD_TCB_INFO, Value::text(t.json)),
        (r::DSTACK_FIELD_APP_NAME, Value::text(app_name)),
        (r::DSTACK_FIELD_DEVICE_ID, bytes(device_id)),
        (r::DSTACK_FIELD_MR_AGGREGATED, bytes(mr_aggregated)),
        (r::DSTACK_FIELD_OS_IMAGE_HASH, bytes(os_image_hash)),
        (
            r::DSTACK_FIELD_KEY_PROVIDER_INFO,
            Value::text(key_provider_info),
        ),
        (r::DSTACK_FIELD_COMPOSE_HASH, bytes(compose_hash)),
        (r::DSTACK_FIELD_VM_CONFIG, Value::text(vm_config)),
        (r::DSTACK_FIELD_CLOUD_VENDOR, Value::text(cloud_vendor)),
        (r::DSTACK_FIELD_CLOUD_PRODUCT, Value::text(cloud_product)),
    ] {
        b.set(f, value);
    }
    if published {
        b.set(r::DSTACK_FIELD_MRTD, bytes(t.mrtd))
            .set(r::DSTACK_FIELD_RTMR0, bytes(t.rtmr0))
            .set(r::DSTACK_FIELD_RTMR1, bytes(t.rtmr1))
            .set(r::DSTACK_FIELD_RTMR2, bytes(t.rtmr2))
            .set(r::DSTACK_FIELD_RTMR3, bytes(t.rtmr3))
            .set(r::DSTACK_FIELD_APP_COMPOSE, Value::text(t.app_compose))
            .set(r::DSTACK_FIELD_TCB_EVENT_LOG, Value::text(t.event_log));
    }
    with_body(b, raw)
}
