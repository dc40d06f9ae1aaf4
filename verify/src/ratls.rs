//! Step 3: RA-TLS certificates issued by the agent (docs/PROTOCOL.md §6.4): the attestation from
//! their extensions, the binding of the certificate key into the report data, and the
//! identity extensions against the attested identity.

use std::io::Read;

use sha2::{Digest, Sha512};
use x509_parser::der_parser::der::parse_der_octetstring;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::attestation::{self, Attestation};
use crate::error::{Check, Error, Result};

/// `1.3.6.1.4.1.62397.1.1`: raw TDX quote (legacy certificates).
pub const OID_TDX_QUOTE: &str = "1.3.6.1.4.1.62397.1.1";
/// `1.3.6.1.4.1.62397.1.2`: TDX event log JSON, optionally `ELGZv1` + gzip (legacy).
pub const OID_EVENT_LOG: &str = "1.3.6.1.4.1.62397.1.2";
/// `1.3.6.1.4.1.62397.1.3`: the app id (20 bytes).
pub const OID_APP_ID: &str = "1.3.6.1.4.1.62397.1.3";
/// `1.3.6.1.4.1.62397.1.4`: the certificate usage (`app:custom`, `kms:rpc`).
pub const OID_CERT_USAGE: &str = "1.3.6.1.4.1.62397.1.4";
/// `1.3.6.1.4.1.62397.1.8`: a versioned attestation (V0 SCALE or V1 msgpack).
pub const OID_ATTESTATION: &str = "1.3.6.1.4.1.62397.1.8";
/// `1.3.6.1.4.1.62397.1.9`: the app info as a positional msgpack array.
pub const OID_APP_INFO: &str = "1.3.6.1.4.1.62397.1.9";

/// Largest decompressed legacy event-log extension, as upstream bounds it (16 KiB).
pub const MAX_EVENT_LOG_EXT: u64 = 16 * 1024;
/// The prefix of a gzip-compressed legacy event-log extension.
pub const EVENT_LOG_GZIP_MAGIC: &[u8] = b"ELGZv1";

/// Where a certificate's attestation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationSource {
    /// The versioned attestation of extension `…1.8` (current agents).
    Attestation,
    /// The quote and event log of extensions `…1.1` and `…1.2` (legacy agents).
    LegacyQuoteAndEventLog,
}

/// The app-info extension (`…1.9`), decoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppInfoExtension {
    /// app_id.
    pub app_id: Vec<u8>,
    /// compose_hash.
    pub compose_hash: Vec<u8>,
    /// instance_id.
    pub instance_id: Vec<u8>,
    /// device_id (as the agent states it; not compared).
    pub device_id: Vec<u8>,
    /// mr_system.
    pub mr_system: Vec<u8>,
    /// mr_aggregated.
    pub mr_aggregated: Vec<u8>,
    /// os_image_hash.
    pub os_image_hash: Vec<u8>,
    /// key_provider_info.
    pub key_provider_info: Vec<u8>,
    /// init_script_hashes (absent in 8-field encodings).
    pub init_script_hashes: Option<Vec<Vec<u8>>>,
}

/// What a certificate carries, parsed but not yet verified.
#[derive(Debug, Clone)]
pub struct CertificateEvidence {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// notBefore (Unix seconds).
    pub not_before: i64,
    /// notAfter (Unix seconds).
    pub not_after: i64,
    /// The SubjectPublicKeyInfo DER the report data must bind.
    pub public_key_der: Vec<u8>,
    /// The app-id extension.
    pub app_id: Option<Vec<u8>>,
    /// The usage extension.
    pub usage: Option<String>,
    /// The app-info extension.
    pub app_info: Option<AppInfoExtension>,
    /// Where the attestation came from.
    pub source: AttestationSource,
    /// The decoded attestation (current certificates).
    pub attestation: Option<Attestation>,
    /// The quote (legacy certificates).
    pub legacy_quote: Option<Vec<u8>>,
    /// The event log JSON (legacy certificates).
    pub legacy_event_log: Option<Vec<u8>>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(Check::CertificateFormat, msg)
}

/// The content of a dstack extension: the extnValue holds a DER OCTET STRING wrapping it.
fn unwrap_octets(value: &[u8], oid: &str) -> Result<Vec<u8>> {
    let (rest, obj) = parse_der_octetstring(value)
        .map_err(|e| bad(format!("extension {oid} is not a DER OCTET STRING: {e}")))?;
    if !rest.is_empty() {
        return Err(bad(format!("extension {oid} has trailing bytes")));
    }
    obj.as_slice()
        .map(<[u8]>::to_vec)
        .map_err(|e| bad(format!("extension {oid}: {e}")))
}

fn gunzip_event_log(data: &[u8]) -> Result<Vec<u8>> {
    let Some(gz) = data.strip_prefix(EVENT_LOG_GZIP_MAGIC) else {
        return Ok(data.to_vec());
    };
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .take(MAX_EVENT_LOG_EXT + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("the event-log extension is not valid gzip: {e}")))?;
    if out.len() as u64 > MAX_EVENT_LOG_EXT {
        return Err(bad(format!(
            "the event-log extension inflates to more than {MAX_EVENT_LOG_EXT} bytes"
        )));
    }
    Ok(out)
}

fn decode_app_info(data: &[u8]) -> Result<AppInfoExtension> {
    use rmpv::Value;
    let err = |m: &str| bad(format!("the app-info extension {m}"));
    let mut rd = data;
    let v = rmpv::decode::read_value_with_max_depth(&mut rd, 4)
        .map_err(|e| bad(format!("the app-info extension is not msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(err("has trailing bytes"));
    }
    let Value::Array(items) = v else {
        return Err(err("is not a msgpack array"));
    };
    if items.len() != 8 && items.len() != 9 {
        return Err(err(&format!("has {} fields, not 8 or 9", items.len())));
    }
    let bytes = |v: &Value| -> Result<Vec<u8>> {
        match v {
            Value::Binary(b) => Ok(b.clone()),
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| err("has a field that is not bytes")),
            _ => Err(err("has a field that is not bytes")),
        }
    };
    let init_script_hashes = match items.get(8) {
        None | Some(Value::Nil) => None,
        Some(Value::Array(a)) => Some(a.iter().map(bytes).collect::<Result<Vec<_>>>()?),
        Some(_) => return Err(err("has init_script_hashes that are not an array")),
    };
    Ok(AppInfoExtension {
        app_id: bytes(&items[0])?,
        compose_hash: bytes(&items[1])?,
        instance_id: bytes(&items[2])?,
        device_id: bytes(&items[3])?,
        mr_system: bytes(&items[4])?,
        mr_aggregated: bytes(&items[5])?,
        os_image_hash: bytes(&items[6])?,
        key_provider_info: bytes(&items[7])?,
        init_script_hashes,
    })
}

/// Parses a DER certificate and its dstack extensions (every OID the current agent writes,
/// and the legacy quote/event-log pair). Does not verify anything. Errors:
/// [`Check::CertificateFormat`], and the attestation decoder's errors.
pub fn parse_certificate(der: &[u8]) -> Result<CertificateEvidence> {
    let (rest, cert) = X509Certificate::from_der(der)
        .map_err(|e| bad(format!("not a DER X.509 certificate: {e}")))?;
    if !rest.is_empty() {
        return Err(bad(format!("{} bytes follow the certificate", rest.len())));
    }
    let mut ext = std::collections::BTreeMap::<String, Vec<u8>>::new();
    for e in cert.extensions() {
        let oid = e.oid.to_id_string();
        if !oid.starts_with("1.3.6.1.4.1.62397.") {
            continue;
        }
        let content = unwrap_octets(e.value, &oid)?;
        if ext.insert(oid.clone(), content).is_some() {
            return Err(bad(format!("extension {oid} appears twice")));
        }
    }
    let (source, att, legacy_quote, legacy_event_log) = if let Some(a) = ext.get(OID_ATTESTATION) {
        (
            AttestationSource::Attestation,
            Some(attestation::decode(a)?),
            None,
            None,
        )
    } else if let Some(q) = ext.get(OID_TDX_QUOTE) {
        let log = ext.get(OID_EVENT_LOG).ok_or_else(|| {
            bad(format!(
                "the legacy quote extension {OID_TDX_QUOTE} comes without the event-log \
                 extension {OID_EVENT_LOG}"
            ))
        })?;
        (
            AttestationSource::LegacyQuoteAndEventLog,
            None,
            Some(q.clone()),
            Some(gunzip_event_log(log)?),
        )
    } else {
        return Err(bad(format!(
            "the certificate has no attestation extension ({OID_ATTESTATION}, or the legacy \
             {OID_TDX_QUOTE} with {OID_EVENT_LOG}): it is not an RA-TLS certificate"
        )));
    };
    let usage = ext
        .get(OID_CERT_USAGE)
        .map(|u| String::from_utf8(u.clone()).map_err(|_| bad("the usage extension is not UTF-8")))
        .transpose()?;
    let app_info = ext
        .get(OID_APP_INFO)
        .map(|a| decode_app_info(a))
        .transpose()?;
    let validity = cert.validity();
    Ok(CertificateEvidence {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        public_key_der: cert.public_key().raw.to_vec(),
        app_id: ext.get(OID_APP_ID).cloned(),
        usage,
        app_info,
        source,
        attestation: att,
        legacy_quote,
        legacy_event_log,
    })
}

/// The report data an RA-TLS certificate's quote must carry:
/// `SHA-512("ratls-cert:" ‖ SubjectPublicKeyInfo DER)`.
pub fn ra_tls_report_data(public_key_der: &[u8]) -> [u8; 64] {
    let mut h = Sha512::new();
    h.update(b"ratls-cert:");
    h.update(public_key_der);
    h.finalize().into()
}
