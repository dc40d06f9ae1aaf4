//! The client handles: `dstack_client` and `dstack_tappd_client` each own one client of
//! the `libdstack` crate (which holds the endpoint, the connection pool, the timeouts and
//! the RPC logic). What both handles' exports do after checking their pointers is written
//! once here, generic over the handle type, together with the conversions of typed
//! answers into response fields. Nothing here takes a raw pointer.

use crate::error::{Failure, Result};
use crate::response::{self as r, Builder, Secret, Value};
use crate::slice::dstack_slice;
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

/// The handle's client with the call's `timeout_ms` (0: the client's default); shares
/// the handle's pool.
pub(crate) fn timed<H: Handle>(handle: &H, timeout_ms: u32) -> H::Client {
    H::with_timeout_ms(handle.client(), timeout_ms)
}

/// `*_client_new`: a new handle for `endpoint` (empty: discovery), owned by the caller.
pub(crate) fn new<H: Handle>(endpoint: &str) -> Result<*mut H> {
    Ok(Box::into_raw(Box::new(H::create(endpoint)?)))
}

/// `*_client_set_timeout_ms`.
pub(crate) fn set_timeout<H: Handle>(handle: &H, default_timeout_ms: u32) {
    H::set_timeout(handle.client(), default_timeout_ms)
}

/// `*_client_endpoint`: borrowed from the handle; empty for NULL.
pub(crate) fn endpoint<H: Handle>(handle: Option<&H>) -> dstack_slice {
    handle.map_or(dstack_slice::EMPTY, |h| {
        dstack_slice::of(H::endpoint(h.client()).as_bytes())
    })
}

/// `*_client_is_reachable`.
pub(crate) fn is_reachable<H: Handle>(handle: &H, timeout_ms: u32) -> bool {
    H::is_reachable(&timed(handle, timeout_ms))
}

/// `*_client_info`.
pub(crate) fn info<H: Handle>(handle: &H, timeout_ms: u32) -> Result<Builder> {
    Ok(info_fields(H::info(&timed(handle, timeout_ms))?))
}

/// `*_client_version`.
pub(crate) fn version<H: Handle>(handle: &H, timeout_ms: u32) -> Result<Builder> {
    Ok(version_fields(H::version(&timed(handle, timeout_ms))?))
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

/// GetKey as the C library answers it: the handle is built straight from the answer
/// lent by the client (`get_key_with`), every value and the raw body copied once into one
/// buffer that the handle owns and wipes on free. With the handle itself, two allocations
/// per call; the typed `GetKeyResponse` (six more) is skipped.
pub(crate) fn key_answer(a: libdstack::KeyAnswer<'_>) -> Builder {
    let chain = a.signature_chain;
    let len = a.key.len() + 65 * chain.len() + a.purpose.len() + a.algorithm.len() + a.body.len();
    let mut p = r::Packer::with_capacity(len);
    p.bytes(r::DSTACK_FIELD_KEY, a.key)
        .items(r::DSTACK_FIELD_SIGNATURE_CHAIN, chain)
        .bytes(r::DSTACK_FIELD_PURPOSE, a.purpose.as_bytes())
        .bytes(r::DSTACK_FIELD_ALGORITHM, a.algorithm.as_bytes())
        .body(a.body);
    p.finish()
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
