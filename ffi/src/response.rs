//! `dstack_response`: one owned, immutable handle for every RPC answer and for parsed
//! quotes, read through the `dstack_field` enum.

use crate::boundary::{guard, run};
use crate::error::{Failure, Result};
use crate::slice::dstack_slice;
use crate::status::*;
use crate::{free_handle, opt_ref, try_out, try_ref};

/// Selects a field of a `dstack_response`. A plain `uint32_t` with explicit values that
/// are never renumbered; the values are the enumerators of `dstack_field_e`.
pub type dstack_field = u32;

/// The values of `dstack_field` (C enumerators; no function uses this enum type, see
/// `dstack_status_e`). Each value's `Kind` says how to read it: `bytes`, `text` (UTF-8) or
/// `bytes or text` (depends on the RPC) with `dstack_response_get`; `list of bytes` or
/// `list of text` with `dstack_response_count` and `dstack_response_item`; `u64` with
/// `dstack_response_u64`. Which RPC returns which fields is in each RPC's documentation.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dstack_field_e {
    /// Derived key: 32 raw bytes (GetKey, DeriveK256Key) or PEM text (GetTlsKey, DeriveKey). Secret.
    /// Kind: bytes or text.
    DSTACK_FIELD_KEY = 1,
    /// List of 65-byte signatures `r||s||v` (GetKey, Sign, DeriveK256Key).
    /// Kind: list of bytes.
    DSTACK_FIELD_SIGNATURE_CHAIN = 2,
    /// List of PEM certificates, leaf first (GetTlsKey, DeriveKey).
    /// Kind: list of text.
    DSTACK_FIELD_CERTIFICATE_CHAIN = 3,
    /// TDX quote bytes (GetQuote, TdxQuote, RawQuote, quote parse).
    /// Kind: bytes.
    DSTACK_FIELD_QUOTE = 4,
    /// Event log as JSON array text (GetQuote, TdxQuote, RawQuote).
    /// Kind: text.
    DSTACK_FIELD_EVENT_LOG = 5,
    /// 64 bytes of report data (GetQuote on agents that send it; quote parse).
    /// Kind: bytes.
    DSTACK_FIELD_REPORT_DATA = 6,
    /// VM configuration JSON text (GetQuote, Info).
    /// Kind: text.
    DSTACK_FIELD_VM_CONFIG = 7,
    /// Attestation: bytes (GetQuote, Attest) or text (GpuInfo).
    /// Kind: bytes or text.
    DSTACK_FIELD_ATTESTATION = 8,
    /// App id bytes (Info).
    /// Kind: bytes.
    DSTACK_FIELD_APP_ID = 9,
    /// Instance id bytes (Info).
    /// Kind: bytes.
    DSTACK_FIELD_INSTANCE_ID = 10,
    /// App certificate PEM text (Info).
    /// Kind: text.
    DSTACK_FIELD_APP_CERT = 11,
    /// TCB info JSON text (Info).
    /// Kind: text.
    DSTACK_FIELD_TCB_INFO = 12,
    /// App name text (Info).
    /// Kind: text.
    DSTACK_FIELD_APP_NAME = 13,
    /// Device id bytes (Info).
    /// Kind: bytes.
    DSTACK_FIELD_DEVICE_ID = 14,
    /// Aggregated measurement bytes (Info).
    /// Kind: bytes.
    DSTACK_FIELD_MR_AGGREGATED = 15,
    /// OS image hash bytes (Info).
    /// Kind: bytes.
    DSTACK_FIELD_OS_IMAGE_HASH = 16,
    /// Key provider info JSON text (Info).
    /// Kind: text.
    DSTACK_FIELD_KEY_PROVIDER_INFO = 17,
    /// Compose hash bytes (Info).
    /// Kind: bytes.
    DSTACK_FIELD_COMPOSE_HASH = 18,
    /// Cloud vendor text (Info).
    /// Kind: text.
    DSTACK_FIELD_CLOUD_VENDOR = 19,
    /// Cloud product text (Info).
    /// Kind: text.
    DSTACK_FIELD_CLOUD_PRODUCT = 20,
    /// MRTD, 48 bytes (Info from tcb_info; quote parse).
    /// Kind: bytes.
    DSTACK_FIELD_MRTD = 21,
    /// RTMR0, 48 bytes (Info from tcb_info; quote parse).
    /// Kind: bytes.
    DSTACK_FIELD_RTMR0 = 22,
    /// RTMR1, 48 bytes.
    /// Kind: bytes.
    DSTACK_FIELD_RTMR1 = 23,
    /// RTMR2, 48 bytes.
    /// Kind: bytes.
    DSTACK_FIELD_RTMR2 = 24,
    /// RTMR3, 48 bytes.
    /// Kind: bytes.
    DSTACK_FIELD_RTMR3 = 25,
    /// app-compose.json text (Info from tcb_info).
    /// Kind: text.
    DSTACK_FIELD_APP_COMPOSE = 26,
    /// Full event log JSON array text (Info from tcb_info).
    /// Kind: text.
    DSTACK_FIELD_TCB_EVENT_LOG = 27,
    /// Signature bytes (Sign).
    /// Kind: bytes.
    DSTACK_FIELD_SIGNATURE = 28,
    /// Public key bytes (Sign).
    /// Kind: bytes.
    DSTACK_FIELD_PUBLIC_KEY = 29,
    /// u64 0/1. No call sets it today (`dstack_client_verify` writes `*out_valid`); the value
    /// stays reserved so it is never reused.
    /// Kind: u64.
    DSTACK_FIELD_VALID = 30,
    /// Agent version text (Version).
    /// Kind: text.
    DSTACK_FIELD_VERSION = 31,
    /// Agent source revision text (Version).
    /// Kind: text.
    DSTACK_FIELD_REV = 32,
    /// Effective hash algorithm text (TdxQuote, RawQuote).
    /// Kind: text.
    DSTACK_FIELD_HASH_ALGORITHM = 33,
    /// Effective prefix text (TdxQuote, RawQuote).
    /// Kind: text.
    DSTACK_FIELD_PREFIX = 34,
    /// Quote format version, u64 (quote parse).
    /// Kind: u64.
    DSTACK_FIELD_QUOTE_VERSION = 35,
    /// TEE type, u64 (quote parse; 0x81 = TDX).
    /// Kind: u64.
    DSTACK_FIELD_TEE_TYPE = 36,
    /// The request's purpose text, kept for chain verification (GetKey, Sign).
    /// Kind: text.
    DSTACK_FIELD_PURPOSE = 37,
    /// The effective algorithm text (GetKey, Sign).
    /// Kind: text.
    DSTACK_FIELD_ALGORITHM = 38,
}

/// One plain `dstack_field` constant per enumerator, defined from it (see
/// `status_constants!`); cbindgen does not expand macros, so the header has the
/// enumerators only.
macro_rules! field_constants {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($name), "` as a `dstack_field` (see [`dstack_field_e`]).")]
            pub const $name: dstack_field = dstack_field_e::$name as dstack_field;
        )*
    };
}

field_constants!(
    DSTACK_FIELD_KEY,
    DSTACK_FIELD_SIGNATURE_CHAIN,
    DSTACK_FIELD_CERTIFICATE_CHAIN,
    DSTACK_FIELD_QUOTE,
    DSTACK_FIELD_EVENT_LOG,
    DSTACK_FIELD_REPORT_DATA,
    DSTACK_FIELD_VM_CONFIG,
    DSTACK_FIELD_ATTESTATION,
    DSTACK_FIELD_APP_ID,
    DSTACK_FIELD_INSTANCE_ID,
    DSTACK_FIELD_APP_CERT,
    DSTACK_FIELD_TCB_INFO,
    DSTACK_FIELD_APP_NAME,
    DSTACK_FIELD_DEVICE_ID,
    DSTACK_FIELD_MR_AGGREGATED,
    DSTACK_FIELD_OS_IMAGE_HASH,
    DSTACK_FIELD_KEY_PROVIDER_INFO,
    DSTACK_FIELD_COMPOSE_HASH,
    DSTACK_FIELD_CLOUD_VENDOR,
    DSTACK_FIELD_CLOUD_PRODUCT,
    DSTACK_FIELD_MRTD,
    DSTACK_FIELD_RTMR0,
    DSTACK_FIELD_RTMR1,
    DSTACK_FIELD_RTMR2,
    DSTACK_FIELD_RTMR3,
    DSTACK_FIELD_APP_COMPOSE,
    DSTACK_FIELD_TCB_EVENT_LOG,
    DSTACK_FIELD_SIGNATURE,
    DSTACK_FIELD_PUBLIC_KEY,
    DSTACK_FIELD_VALID,
    DSTACK_FIELD_VERSION,
    DSTACK_FIELD_REV,
    DSTACK_FIELD_HASH_ALGORITHM,
    DSTACK_FIELD_PREFIX,
    DSTACK_FIELD_QUOTE_VERSION,
    DSTACK_FIELD_TEE_TYPE,
    DSTACK_FIELD_PURPOSE,
    DSTACK_FIELD_ALGORITHM,
);

/// Owned bytes that are wiped when dropped: keys and plaintexts are secrets, and wiping
/// every value costs nothing next to a socket round trip.
#[derive(Default)]
pub(crate) struct Secret(pub(crate) Vec<u8>);

impl Drop for Secret {
    fn drop(&mut self) {
        libdstack::wipe_vec(&mut self.0);
    }
}

/// One decoded field value.
pub(crate) enum Value {
    Bytes(Secret),
    Text(Secret),
    List(Vec<Secret>),
    U64(u64),
    /// Bytes or text stored in the response's `packed` buffer, at `start..end`.
    Span(usize, usize),
    /// A list of `count` items of `size` bytes each, back to back in the response's
    /// `packed` buffer from `start`.
    Items {
        start: usize,
        count: usize,
        size: usize,
    },
}

/// A list field's items.
pub(crate) enum List<'a> {
    Owned(&'a [Secret]),
    Packed {
        data: &'a [u8],
        count: usize,
        size: usize,
    },
}

impl<'a> List<'a> {
    pub(crate) fn len(&self) -> usize {
        match self {
            List::Owned(l) => l.len(),
            List::Packed { count, .. } => *count,
        }
    }
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        match *self {
            List::Owned(l) => l.get(i).map(|s| &s.0[..]),
            List::Packed { data, count, size } if i < count => data.get(i * size..(i + 1) * size),
            List::Packed { .. } => None,
        }
    }
}

/// Fields kept in the handle itself (no allocation of their own): a key answer has 4.
const INLINE_FIELDS: usize = 4;

impl Value {
    pub(crate) fn bytes(b: impl Into<Vec<u8>>) -> Value {
        Value::Bytes(Secret(b.into()))
    }
    pub(crate) fn text(s: impl Into<String>) -> Value {
        Value::Text(Secret(s.into().into_bytes()))
    }
    pub(crate) fn list<I, T>(items: I) -> Value
    where
        I: IntoIterator<Item = T>,
        T: Into<Vec<u8>>,
    {
        Value::List(items.into_iter().map(|i| Secret(i.into())).collect())
    }
}

/// An agent's answer (or a parsed quote) with decoded, owned field values.
///
/// Created by an RPC or `dstack_quote_parse`; the caller owns it and frees it with
/// `dstack_response_free`, which wipes every value (keys included) from memory. Slices
/// returned by its accessors stay valid until then.
///
/// Thread safety: immutable after creation; may be read from several threads at once.
/// Free it exactly once, after all reads.
pub struct dstack_response {
    /// The raw body: `Bytes` of its own, or a `Span` of `packed`.
    body: Value,
    /// Values copied in from an answer read in place ([`Packer`]): one allocation for all
    /// of them and the body.
    packed: Secret,
    /// The first fields, in the handle itself (unused slots have field 0).
    inline: [(dstack_field, Value); INLINE_FIELDS],
    /// Fields after the first [`INLINE_FIELDS`].
    fields: Vec<(dstack_field, Value)>,
}

impl Default for dstack_response {
    fn default() -> dstack_response {
        dstack_response {
            body: Value::Bytes(Secret::default()),
            packed: Secret::default(),
            inline: std::array::from_fn(|_| (0, Value::U64(0))),
            fields: Vec::new(),
        }
    }
}

/// Builds a response handle.
#[derive(Default)]
pub(crate) struct Builder {
    resp: dstack_response,
}

impl Builder {
    pub(crate) fn set(&mut self, field: dstack_field, v: Value) -> &mut Self {
        match self.resp.inline.iter_mut().find(|(k, _)| *k == 0) {
            Some(slot) => *slot = (field, v),
            None => self.resp.fields.push((field, v)),
        }
        self
    }
    /// Keeps the raw body (wiped on free like the fields).
    pub(crate) fn with_body(mut self, body: Secret) -> Builder {
        self.resp.body = Value::Bytes(body);
        self
    }
}

/// Builds a response whose values are copied from borrowed bytes (an answer read in
/// place) into one buffer of `capacity` bytes, which the handle owns and wipes on free.
/// With the exact capacity and at most [`INLINE_FIELDS`] fields, the handle costs two
/// allocations: itself and that buffer.
pub(crate) struct Packer {
    b: Builder,
}

impl Packer {
    pub(crate) fn with_capacity(capacity: usize) -> Packer {
        let mut b = Builder::default();
        b.resp.packed = Secret(Vec::with_capacity(capacity));
        Packer { b }
    }
    /// Appends `parts` to the buffer and returns where they start.
    fn put<'a>(&mut self, parts: impl Iterator<Item = &'a [u8]> + Clone) -> usize {
        let data = &mut self.b.resp.packed.0;
        let add: usize = parts.clone().map(<[u8]>::len).sum();
        if data.capacity() - data.len() < add {
            // A capacity computed short: move to a larger buffer and wipe the old one
            // (a reallocation would free it unwiped).
            let mut bigger = Vec::with_capacity(data.len() + add);
            bigger.extend_from_slice(data);
            let mut old = std::mem::replace(data, bigger);
            libdstack::wipe_vec(&mut old);
        }
        let start = data.len();
        for p in parts {
            data.extend_from_slice(p);
        }
        start
    }
    /// A bytes or text field.
    pub(crate) fn bytes(&mut self, field: dstack_field, v: &[u8]) -> &mut Self {
        let start = self.put(std::iter::once(v));
        self.b.set(field, Value::Span(start, start + v.len()));
        self
    }
    /// A list field of equally long items.
    pub(crate) fn items<const N: usize>(
        &mut self,
        field: dstack_field,
        v: &[[u8; N]],
    ) -> &mut Self {
        let start = self.put(v.iter().map(|i| &i[..]));
        self.b.set(
            field,
            Value::Items {
                start,
                count: v.len(),
                size: N,
            },
        );
        self
    }
    /// The raw body.
    pub(crate) fn body(&mut self, v: &[u8]) -> &mut Self {
        let start = self.put(std::iter::once(v));
        self.b.resp.body = Value::Span(start, start + v.len());
        self
    }
    pub(crate) fn finish(self) -> Builder {
        self.b
    }
}

impl dstack_response {
    pub(crate) fn field(&self, f: dstack_field) -> Option<&Value> {
        if f == 0 {
            return None;
        }
        self.inline
            .iter()
            .chain(self.fields.iter())
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v)
    }
    fn bytes_in<'a>(&'a self, v: &'a Value) -> Option<&'a [u8]> {
        match v {
            Value::Bytes(s) | Value::Text(s) => Some(&s.0),
            Value::Span(start, end) => self.packed.0.get(*start..*end),
            _ => None,
        }
    }
    pub(crate) fn bytes_of(&self, f: dstack_field) -> Option<&[u8]> {
        self.bytes_in(self.field(f)?)
    }
    pub(crate) fn list_of(&self, f: dstack_field) -> Option<List<'_>> {
        match *self.field(f)? {
            Value::List(ref l) => Some(List::Owned(l)),
            Value::Items { start, count, size } => Some(List::Packed {
                data: self.packed.0.get(start..start + count * size)?,
                count,
                size,
            }),
            _ => None,
        }
    }
}

fn not_found(f: dstack_field, kind: &str) -> Failure {
    Failure::new(
        DSTACK_STATUS_NOT_FOUND,
        format!("this response has no {kind} field {f}"),
    )
}

/// Reads a bytes or text field into `*out_value` (borrowed; valid until the response is
/// freed). Returns `DSTACK_STATUS_NOT_FOUND` if this response has no such bytes/text
/// field (list and u64 fields have their own accessors). `response` and `out_value`
/// must not be NULL. Thread-safe on a shared response.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_get(
    response: *const dstack_response,
    field: dstack_field,
    out_value: *mut dstack_slice,
    out_error: *mut *mut crate::dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (response, out_value) = (try_ref!(response), try_out!(out_value));
        *out_value = response
            .bytes_of(field)
            .map(dstack_slice::of)
            .ok_or_else(|| not_found(field, "bytes or text"))?;
        Ok(())
    })
}

/// Writes the number of items of a list field to `*out_count`. `DSTACK_STATUS_NOT_FOUND`
/// if this response has no such list field. `response` and `out_count` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_count(
    response: *const dstack_response,
    field: dstack_field,
    out_count: *mut usize,
    out_error: *mut *mut crate::dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (response, out_count) = (try_ref!(response), try_out!(out_count));
        *out_count = response
            .list_of(field)
            .ok_or_else(|| not_found(field, "list"))?
            .len();
        Ok(())
    })
}

/// Reads item `index` of a list field into `*out_value` (borrowed; valid until the
/// response is freed). `DSTACK_STATUS_NOT_FOUND` if there is no such list field or
/// `index` is out of range. `response` and `out_value` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_item(
    response: *const dstack_response,
    field: dstack_field,
    index: usize,
    out_value: *mut dstack_slice,
    out_error: *mut *mut crate::dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (response, out_value) = (try_ref!(response), try_out!(out_value));
        let list = response
            .list_of(field)
            .ok_or_else(|| not_found(field, "list"))?;
        let item = list.get(index).ok_or_else(|| {
            Failure::new(
                DSTACK_STATUS_NOT_FOUND,
                format!(
                    "index {index} is out of range: field {field} has {} items",
                    list.len()
                ),
            )
        })?;
        *out_value = dstack_slice::of(item);
        Ok(())
    })
}

/// Reads a u64 or boolean (0/1) field into `*out_value`. `DSTACK_STATUS_NOT_FOUND` if
/// this response has no such integer field. `response` and `out_value` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_u64(
    response: *const dstack_response,
    field: dstack_field,
    out_value: *mut u64,
    out_error: *mut *mut crate::dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (response, out_value) = (try_ref!(response), try_out!(out_value));
        *out_value = match response.field(field) {
            Some(Value::U64(v)) => *v,
            _ => return Err(not_found(field, "integer")),
        };
        Ok(())
    })
}

/// The raw JSON body as the agent sent it (for `dstack_quote_parse`: empty), borrowed
/// until the response is freed. `{NULL, 0}` if `response` is NULL. May contain secrets
/// (GetKey answers hold the key in hex); it is wiped on free like the fields.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_body(response: *const dstack_response) -> dstack_slice {
    guard(dstack_slice::EMPTY, || {
        opt_ref!(response).map_or(dstack_slice::EMPTY, |r| {
            dstack_slice::of(r.bytes_in(&r.body).unwrap_or_default())
        })
    })
}

/// Frees a response, wiping every field value and the body from memory. NULL is
/// accepted and ignored. Call it exactly once per handle, after all reads.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_free(response: *mut dstack_response) {
    guard((), || free_handle!(response))
}

/// Hands a finished response to the caller through a checked out-pointer.
pub(crate) fn give(out: &mut *mut dstack_response, b: Builder) -> Result<()> {
    *out = Box::into_raw(Box::new(b.resp));
    Ok(())
}
