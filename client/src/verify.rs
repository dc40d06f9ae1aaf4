//! Local checks of what the agent returns: signature chains back to a trusted KMS key,
//! signatures, sound RTMR replay of event logs, event logs against quotes, quote parsing
//! and the legacy tappd report data. Nothing here talks to the agent.

use crate::error::{Error, ErrorKind, Result};
use crate::secret::HexBytes;
use dstack_core::{chain, eventlog, keys, report};

/// The keys a signature chain recovers to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainInfo {
    /// The app's secp256k1 key (33 bytes, compressed): signer of the key's signature.
    pub app_key: HexBytes,
    /// The KMS root's secp256k1 key (33 bytes, compressed): signer of the app key.
    pub kms_key: HexBytes,
}

impl From<chain::ChainInfo> for ChainInfo {
    fn from(c: chain::ChainInfo) -> ChainInfo {
        ChainInfo {
            app_key: c.app_key.into(),
            kms_key: c.kms_key.into(),
        }
    }
}

pub(crate) fn trusted_kms_key(t: Option<&[u8]>) -> Result<Option<[u8; 33]>> {
    match t {
        None => Ok(None),
        Some(t) => t.try_into().map(Some).map_err(|_| {
            Error::invalid(format!(
                "trusted_kms_key must be a 33-byte compressed secp256k1 key, got {} bytes",
                t.len()
            ))
        }),
    }
}

pub(crate) fn chain_failure(e: dstack_core::Error) -> Error {
    match e {
        dstack_core::Error::VerificationFailed => Error::new(
            ErrorKind::VerificationFailed,
            "signature chain verification failed: a signature does not recover, or the KMS key is not the trusted one",
        ),
        other => Error::from_core("signature chain", other),
    }
}

fn sig65<'a>(s: &'a [u8], what: &str) -> Result<&'a [u8; 65]> {
    s.try_into().map_err(|_| {
        Error::invalid(format!(
            "{what} must be 65 bytes (r||s||v), got {}",
            s.len()
        ))
    })
}

/// Verifies a GetKey/Sign signature chain (docs/PROTOCOL.md §6.2): `app_signature` (65 bytes)
/// by the app key over `keccak256(purpose ":" hex(public_key))`, and `kms_signature` by
/// the KMS root over `keccak256("dstack-kms-issued:" app_id app_key)`. `public_key` is a
/// 33-byte compressed secp256k1 or 32-byte ed25519 key. With `trusted_kms_key` a chain
/// ending at another KMS key is `VerificationFailed`; without it the caller must compare
/// [`ChainInfo::kms_key`] with a key it trusts. `app_id` must itself be trusted.
///
/// The responses have shortcuts: [`crate::GetKeyResponse::verify_signature_chain`],
/// [`crate::SignResponse::verify_signature_chain`].
pub fn verify_signature_chain(
    public_key: &[u8],
    purpose: &str,
    app_signature: &[u8],
    kms_signature: &[u8],
    app_id: &[u8],
    trusted_kms_key: Option<&[u8]>,
) -> Result<ChainInfo> {
    let trusted = self::trusted_kms_key(trusted_kms_key)?;
    chain::verify_signature_chain(
        public_key,
        purpose,
        sig65(app_signature, "app_signature")?,
        sig65(kms_signature, "kms_signature")?,
        app_id,
        trusted.as_ref(),
    )
    .map(ChainInfo::from)
    .map_err(chain_failure)
}

/// Verifies `signature` by `public_key` over `data` locally, with the semantics of the
/// agent's former `Verify` RPC:
/// - `ed25519`: 32-byte public key, 64-byte signature;
/// - `secp256k1` or `k256`: ECDSA over SHA-256(`data`), SEC1 public key (33 or 65 bytes),
///   64-byte `r‖s` signature (a high-S signature verifies as `false`);
/// - `secp256k1_prehashed`: as `secp256k1` with `data` the 32-byte digest.
///
/// `Ok(false)` for a well-formed signature that does not verify; `InvalidArgument` for
/// an unknown algorithm, a malformed key or signature, or prehashed data that is not 32
/// bytes.
///
/// ```
/// use libdstack::verify::verify_signature;
/// let e = verify_signature("p256", b"data", &[0; 64], &[0; 33]).unwrap_err();
/// assert_eq!(e.kind(), libdstack::ErrorKind::InvalidArgument);
/// ```
pub fn verify_signature(
    algorithm: &str,
    data: &[u8],
    signature: &[u8],
    public_key: &[u8],
) -> Result<bool> {
    keys::verify_signature(algorithm, data, signature, public_key)
        .map_err(|e| Error::from_core("verify signature", e))
}

/// Sound replay of RTMR0..3 from an event log (JSON array text): runtime events get
/// their digest recomputed from name and payload, never taken from `digest`; other
/// events extend with their logged 48-byte digest. Works on GetQuote's stripped logs.
pub fn replay_rtmrs(event_log_json: &str) -> Result<[[u8; 48]; 4]> {
    eventlog::replay_sound(event_log_json.as_bytes())
        .map_err(|e| Error::from_core("event log replay", e))
}

/// What the official SDKs' `replay_rtmrs` computes: each RTMR extended with the logged
/// `digest` fields. For compatibility only: it cannot reproduce RTMR3 from a stripped
/// GetQuote log, and it trusts digests that need not match their payloads.
pub fn replay_rtmrs_from_digests(event_log_json: &str) -> Result<[[u8; 48]; 4]> {
    eventlog::replay_from_digests(event_log_json.as_bytes())
        .map_err(|e| Error::from_core("event log replay", e))
}

/// Replays the event log soundly and compares RTMR0..3 with the quote's; V2 preimages in
/// the log must be canonical. `expected_report_data`: `Some(64 bytes)` must equal the
/// quote's report data. A mismatch is `VerificationFailed`. The quote's Intel signature
/// is **not** checked.
pub fn verify_event_log(
    quote: &[u8],
    event_log_json: &str,
    expected_report_data: Option<&[u8]>,
) -> Result<()> {
    let rd: Option<&[u8; 64]> = match expected_report_data {
        None => None,
        Some(rd) => Some(rd.try_into().map_err(|_| {
            Error::invalid(format!(
                "expected_report_data must be 64 bytes, got {}",
                rd.len()
            ))
        })?),
    };
    eventlog::verify_against_quote(quote, event_log_json.as_bytes(), rd).map_err(|e| match e {
        dstack_core::Error::VerificationFailed => Error::new(
            ErrorKind::VerificationFailed,
            "the event log does not reproduce the quote's RTMRs, or the report data differs",
        ),
        other => Error::from_core("verify event log", other),
    })
}

/// The report data the legacy tappd `TdxQuote` binds: `H(tag ":" report_data)`
/// zero-padded to 64 bytes, tag = `prefix` or `app-data` when empty, `H` per
/// `hash_algorithm` (`""` = sha512, or a [`crate::QuoteHashAlgorithm`] name; `raw` passes
/// exactly 64 bytes through).
pub fn tappd_report_data(
    report_data: &[u8],
    hash_algorithm: &str,
    prefix: &str,
) -> Result<[u8; 64]> {
    report::tappd_report_data(report_data, hash_algorithm, prefix)
        .map_err(|e| Error::from_core("tappd report data", e))
}

/// A parsed TDX quote (v4 or v5). Its signature is **not** checked: this reads the
/// measurements; a DCAP verifier decides whether to trust them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quote {
    /// Quote format version (4 or 5).
    pub version: u16,
    /// TEE type (`0x81` = TDX).
    pub tee_type: u32,
    /// MRTD, 48 bytes.
    pub mrtd: HexBytes,
    /// RTMR0..3, 48 bytes each.
    pub rtmrs: [HexBytes; 4],
    /// The 64 bytes of report data.
    pub report_data: HexBytes,
    /// MRCONFIGID, 48 bytes.
    pub mr_config_id: HexBytes,
    /// MROWNER, 48 bytes.
    pub mr_owner: HexBytes,
    /// MROWNERCONFIG, 48 bytes.
    pub mr_owner_config: HexBytes,
    /// TD attributes, 8 bytes.
    pub td_attributes: HexBytes,
    /// XFAM, 8 bytes.
    pub xfam: HexBytes,
    /// MRSEAM, 48 bytes.
    pub mr_seam: HexBytes,
    /// TEE TCB SVN, 16 bytes.
    pub tee_tcb_svn: HexBytes,
}

impl Quote {
    /// Parses a binary TDX quote.
    pub fn parse(quote: &[u8]) -> Result<Quote> {
        let q =
            dstack_core::quote::Quote::parse(quote).map_err(|e| Error::from_core("quote", e))?;
        let r = q.rtmrs();
        Ok(Quote {
            version: q.version(),
            tee_type: q.tee_type(),
            mrtd: (*q.mrtd()).into(),
            rtmrs: [r[0].into(), r[1].into(), r[2].into(), r[3].into()],
            report_data: (*q.report_data()).into(),
            mr_config_id: (*q.mr_config_id()).into(),
            mr_owner: (*q.mr_owner()).into(),
            mr_owner_config: (*q.mr_owner_config()).into(),
            td_attributes: (*q.td_attributes()).into(),
            xfam: (*q.xfam()).into(),
            mr_seam: (*q.mr_seam()).into(),
            tee_tcb_svn: (*q.tee_tcb_svn()).into(),
        })
    }
}
