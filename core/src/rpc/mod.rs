//! Request builders and typed response views for every RPC of the guest agent.
//!
//! - [`dstack`]: the current API on `dstack.sock` (paths `/<Method>`).
//! - [`tappd`]: the legacy API on `tappd.sock` (paths `/prpc/Tappd.<Method>`).
//! - [`info`]: the `Info` response (both APIs) and the `tcb_info` it carries.
//!
//! A request is a plain struct implementing [`Rpc`]; [`write_request`] validates it and
//! writes the whole HTTP request into a caller buffer. The answer is checked with
//! [`check_response`] and parsed with [`Rpc::parse_response`] (or directly with
//! [`View::parse`]) into a view that borrows from the body and from a caller scratch
//! buffer.
//!
//! The official SDKs' response helpers are done at parse time, so a view already holds
//! what they return: `decode_key()` is [`dstack::GetKeyResponse::key`] (32 bytes),
//! `decode_signature_chain()` its `signature_chain` (65-byte entries, also on
//! [`dstack::SignResponse`]), `decode_quote()` [`dstack::GetQuoteResponse::quote`] (bytes),
//! `decode_event_log()` [`crate::eventlog::events`] over its `event_log` (typed
//! [`crate::eventlog::Event`]s), and `as_uint8array(max_length)` on a TLS key is
//! [`crate::keys::as_uint8array`].
//!
//! Scratch buffers: views unescape JSON strings and decode variable-length hex into the
//! scratch buffer. `scratch.len() >= body.len()` always suffices; a shorter buffer that
//! turns out too small gives `BufferTooSmall { needed: body.len() }`.

pub mod dstack;
pub mod info;
pub mod tappd;

use crate::error::{Error, Result};
use crate::json;
pub use crate::json::JsonWriter;

/// Most entries of a signature chain a view holds (the agent sends 2 for GetKey and 3
/// for Sign); more is `LimitExceeded`.
pub const MAX_SIGNATURE_CHAIN: usize = 8;

/// Most certificates of a certificate chain a view holds (the agent sends 2 or 3); more
/// is `LimitExceeded`.
pub const MAX_CERTIFICATE_CHAIN: usize = 8;

/// A GetKey / DeriveK256Key signature chain: 65-byte `r‖s‖v` signatures.
pub type SignatureChain = heapless::Vec<[u8; 65], MAX_SIGNATURE_CHAIN>;

/// A PEM certificate chain, leaf first.
pub type CertificateChain<'a> = heapless::Vec<&'a str, MAX_CERTIFICATE_CHAIN>;

/// A typed view of a 200 response body, borrowing from the body and from a caller
/// scratch buffer (views that decode nothing into scratch ignore it).
pub trait View<'a>: Sized {
    /// Parses a 200 body; `scratch.len() >= body.len()` always suffices.
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self>;
}

/// One RPC: its path, its client-side validation, its JSON body and its response view.
///
/// Only `PATH` and `Response` are required: by default a request needs no validation,
/// sends `{}` and is answered with its `Response` view.
pub trait Rpc {
    /// The HTTP path, e.g. `/GetKey` or `/prpc/Tappd.TdxQuote`.
    const PATH: &'static str;
    /// The typed view of a successful response.
    type Response<'a>: View<'a>;
    /// Checks the arguments before anything is sent (`InvalidArgument`).
    fn validate(&self) -> Result<()> {
        Ok(())
    }
    /// Writes the JSON body (call only after [`Rpc::validate`] succeeded).
    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.end_object();
    }
    /// Parses the body of a 200 response with [`View::parse`].
    fn parse_response<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self::Response<'a>> {
        Self::Response::parse(body, scratch)
    }
}

/// Validates `rpc` and writes the whole HTTP request for it into `out`, returning its
/// length. `host` and `path_prefix` are as in [`crate::http::write_post`]. A too-small
/// `out` gives `BufferTooSmall { needed }` with the exact size.
pub fn write_request<R: Rpc>(
    rpc: &R,
    host: &str,
    path_prefix: &str,
    out: &mut [u8],
) -> Result<usize> {
    rpc.validate()?;
    crate::http::write_post(out, host, path_prefix, R::PATH, &|w| rpc.write_body(w))
}

/// Writes just the JSON body of `rpc` into `out` (validated first), returning its length.
/// A too-small `out` gives `BufferTooSmall { needed }` with the exact size.
pub fn write_body<R: Rpc>(rpc: &R, out: &mut [u8]) -> Result<usize> {
    rpc.validate()?;
    let mut w = JsonWriter::new(out);
    rpc.write_body(&mut w);
    if !w.fits() {
        return Err(Error::BufferTooSmall { needed: w.len() });
    }
    Ok(w.len())
}

/// Stands in for key material in `Debug` output: says how many bytes, never which.
pub(crate) struct Redacted(pub(crate) usize);

impl core::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "<{} secret bytes>", self.0)
    }
}

/// The 32-byte key and 65-byte signature chain of a GetKey-shaped answer, from the
/// members named `names` (`key`/`signature_chain`, or tappd's `k256_` forms).
fn key_and_chain(
    body: &[u8],
    scratch: &mut [u8],
    names: [&str; 2],
) -> Result<([u8; 32], SignatureChain)> {
    let [key, chain] = json::fields(body, names)?;
    let mut s = json::Scratch::new(scratch, body.len());
    Ok((
        json::as_hex_array::<32>(json::required(key)?, &mut s)?,
        json::hex_array_list::<65, MAX_SIGNATURE_CHAIN>(json::required(chain)?, &mut s)?,
    ))
}

/// The body `{"report_data":"<hex>"}` of GetQuote, Attest and tappd RawQuote.
fn write_report_data(w: &mut JsonWriter<'_>, report_data: &[u8]) {
    w.begin_object();
    w.field_hex("report_data", report_data);
    w.end_object();
}

/// The raw (still escaped) `error` member of an `{"error": "…"}` body.
fn error_member(body: &[u8]) -> Option<json::JsonStr<'_>> {
    let [err] = json::fields(body, ["error"]).ok()?;
    match err? {
        json::Value::Str(s) => Some(s),
        _ => None,
    }
}

/// Whether `body` may have a member named `error`: it has the text `"error"` or an
/// escape (a key could spell the name with escapes). Most answers have neither, and this
/// scan costs a fraction of parsing the whole object a second time.
fn may_name_error(body: &[u8]) -> bool {
    let mut i = 0;
    loop {
        i = json::plain_run(body, i);
        match body.get(i) {
            None => return false,
            Some(b'\\') => return true,
            Some(b'"') if i >= 6 && &body[i - 6..i] == b"\"error" => return true,
            Some(_) => i += 1,
        }
    }
}

/// Classifies an answer before its body is parsed:
/// - a JSON object with a string member `error` → `Error::Agent`, whatever the status
///   (the agent reports every failure as 400 with such a body; a 200 carrying one is
///   treated the same rather than failing later as a malformed view);
/// - otherwise 200 → `Ok(())`;
/// - any other status (e.g. Rocket's 404 HTML page for an unknown path) →
///   `Error::HttpStatus(status)`.
///
/// The message itself comes from [`agent_error_message`].
pub fn check_response(status: u16, body: &[u8]) -> Result<()> {
    // Only an object can carry the member; skip the scan for anything else.
    let looks_like_object = body.trim_ascii_start().first() == Some(&b'{');
    if looks_like_object && may_name_error(body) && error_member(body).is_some() {
        return Err(Error::Agent);
    }
    if status == 200 {
        Ok(())
    } else {
        Err(Error::HttpStatus(status))
    }
}

/// The unescaped message of an `{"error": "…"}` body (pretty-printed or not), or `None`
/// when the body is not such an object. `scratch.len() >= body.len()` always suffices;
/// a message that does not fit gives `None`.
pub fn agent_error_message<'a>(body: &'a [u8], scratch: &'a mut [u8]) -> Option<&'a str> {
    let raw = error_member(body)?;
    let mut s = json::Scratch::new(scratch, body.len());
    raw.unescape(&mut s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_members_are_found_however_they_are_written() {
        for body in [
            &br#"{"error":"x"}"#[..],
            br#"{"key":"00", "error" : "x"}"#,
            b"{\n  \"error\": \"x\"\n}",
            br#"{"\u0065rror":"x"}"#,
            br#"{"e\u0072ror":"x"}"#,
        ] {
            assert!(may_name_error(body));
            assert_eq!(check_response(200, body), Err(Error::Agent), "{body:?}");
        }
        for body in [
            &br#"{"key":"00","signature_chain":["11"]}"#[..],
            br#"{"errors":"x","my_error":"y","error_":1}"#,
        ] {
            assert!(!may_name_error(body));
            assert_eq!(check_response(200, body), Ok(()));
        }
        // A member named error that is not a string is no agent error.
        assert!(may_name_error(br#"{"error":1}"#));
        assert_eq!(check_response(200, br#"{"error":1}"#), Ok(()));
    }
}
