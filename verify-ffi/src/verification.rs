//! `dstack_verification`: the result of a successful verification, one immutable handle
//! read through the `dstack_verification_field` enum (as `dstack_response` is read
//! through `dstack_field`), or as the JSON the CLI prints.

use dstack_ffi::boundary;
use dstack_ffi::dstack_error;
use dstack_ffi::error::{Failure, Result};
use dstack_ffi::eventlog::dstack_event;
use dstack_ffi::slice::{self, dstack_slice};
use dstack_ffi::status::*;
use verifier::{QuoteBody, Verification};

/// Selects a field of a `dstack_verification`. A plain `uint32_t` with explicit values
/// that are never renumbered; the values are the enumerators of
/// `dstack_verification_field_e`.
pub type dstack_verification_field = u32;

/// The values of `dstack_verification_field` (C enumerators; no function uses this enum
/// type). Each value's `Kind` says how to read it: `bytes` or `text` (UTF-8) with
/// `dstack_verification_get`; `list of bytes` or `list of text` with
/// `dstack_verification_count` and `dstack_verification_item`; `u64` (booleans are 0/1)
/// with `dstack_verification_u64`. A field the evidence does not have (the app identity
/// of a bare quote, the TD registers of an SGX quote, the TCB status when the Intel
/// signature was skipped, ...) gives `DSTACK_STATUS_NOT_FOUND`. The names are the keys of
/// the result JSON (`dstack_verification_json`; `CERT_X` is `certificate.x`), except
/// `TCB_POLICY`, the bitmask behind `accepted_tcb_statuses`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dstack_verification_field_e {
    /// What was verified: `quote`, `get_quote`, `attestation_v0`, `attestation_v1` or
    /// `ra_tls_cert`.
    /// Kind: text.
    DSTACK_VERIFICATION_EVIDENCE = 1,
    /// The TEE: `tdx` or `sgx`.
    /// Kind: text.
    DSTACK_VERIFICATION_TEE = 2,
    /// The quote format version (3 for SGX, 4 or 5 for TDX).
    /// Kind: u64.
    DSTACK_VERIFICATION_QUOTE_VERSION = 3,
    /// Upstream dstack-verifier's `quote_verified`: 1 when the Intel signature chain was
    /// verified with collateral and the TCB status accepted.
    /// Kind: u64.
    DSTACK_VERIFICATION_QUOTE_VERIFIED = 4,
    /// 1 when the Intel signature chain was verified; 0 only with the development opt-out.
    /// Kind: u64.
    DSTACK_VERIFICATION_INTEL_SIGNATURE_VERIFIED = 5,
    /// 1 when the caller skipped the Intel signature chain (development only).
    /// Kind: u64.
    DSTACK_VERIFICATION_INSECURE_SKIP_INTEL_SIGNATURE = 6,
    /// The TCB status, Intel's name (`UpToDate`, `SWHardeningNeeded`, ...); absent when
    /// the Intel signature was skipped.
    /// Kind: text.
    DSTACK_VERIFICATION_TCB_STATUS = 7,
    /// The Intel security advisories (`INTEL-SA-00289`, ...) that apply to the TCB level.
    /// Kind: list of text.
    DSTACK_VERIFICATION_ADVISORY_IDS = 8,
    /// The accepted TCB statuses the status was checked against, as a
    /// `dstack_tcb_policy` bitmask.
    /// Kind: u64.
    DSTACK_VERIFICATION_TCB_POLICY = 9,
    /// Start of the collateral's validity window, Unix seconds; absent without collateral.
    /// Kind: u64.
    DSTACK_VERIFICATION_COLLATERAL_VALID_FROM = 10,
    /// End of the collateral's validity window (exclusive), Unix seconds; absent without
    /// collateral.
    /// Kind: u64.
    DSTACK_VERIFICATION_COLLATERAL_VALID_UNTIL = 11,
    /// The verification time used, Unix seconds.
    /// Kind: u64.
    DSTACK_VERIFICATION_NOW = 12,
    /// The platform's PPID from the Intel-verified PCK certificate (16 bytes; empty when
    /// the Intel signature was skipped).
    /// Kind: bytes.
    DSTACK_VERIFICATION_PPID = 13,
    /// The quote's 64 bytes of report data.
    /// Kind: bytes.
    DSTACK_VERIFICATION_REPORT_DATA = 14,
    /// 1 when the report data was compared with an expected value (the caller's, or an
    /// RA-TLS certificate's key binding) and matched.
    /// Kind: u64.
    DSTACK_VERIFICATION_REPORT_DATA_CHECKED = 15,
    /// `dstack-pod` attestations: the text whose `app-data` hash is the report data.
    /// Kind: text.
    DSTACK_VERIFICATION_REPORT_DATA_PAYLOAD = 16,
    /// 1 when the event log was replayed and RTMR3 (and every boot RTMR the log covers)
    /// matched the quote.
    /// Kind: u64.
    DSTACK_VERIFICATION_EVENT_LOG_VERIFIED = 17,
    /// Which RTMRs the event log replayed to the quoted value: bit i for RTMRi (0xf for
    /// all four; 0x8 for logs stripped to RTMR3, as in certificates).
    /// Kind: u64.
    DSTACK_VERIFICATION_RTMRS_VERIFIED = 18,
    /// Always 0: recomputing MRTD and RTMR0-2 from the OS image is not done offline.
    /// Kind: u64.
    DSTACK_VERIFICATION_OS_IMAGE_HASH_VERIFIED = 19,
    /// The vm_config text that came with the evidence (host-supplied, not verified).
    /// Kind: text.
    DSTACK_VERIFICATION_VM_CONFIG = 20,
    /// TDX: TEE_TCB_SVN, 16 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_TEE_TCB_SVN = 21,
    /// TDX: MRSEAM, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_SEAM = 22,
    /// TDX: MRSIGNERSEAM, 48 bytes (zero: checked).
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_SIGNER_SEAM = 23,
    /// TDX: SEAMATTRIBUTES, 8 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_SEAM_ATTRIBUTES = 24,
    /// TDX: TDATTRIBUTES, 8 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_TD_ATTRIBUTES = 25,
    /// TDX: XFAM, 8 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_XFAM = 26,
    /// TDX: MRTD, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MRTD = 27,
    /// TDX: MRCONFIGID, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_CONFIG_ID = 28,
    /// TDX: MROWNER, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_OWNER = 29,
    /// TDX: MROWNERCONFIG, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_OWNER_CONFIG = 30,
    /// TDX: RTMR0 as quoted, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_RTMR0 = 31,
    /// TDX: RTMR1 as quoted, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_RTMR1 = 32,
    /// TDX: RTMR2 as quoted, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_RTMR2 = 33,
    /// TDX: RTMR3 as quoted, 48 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_RTMR3 = 34,
    /// TDX 1.5 (v5 quotes): MRSERVICETD, 48 bytes (zero: checked).
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_SERVICE_TD = 35,
    /// SGX: MRENCLAVE, 32 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_ENCLAVE = 36,
    /// SGX: MRSIGNER, 32 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_SIGNER = 37,
    /// SGX: ISVPRODID.
    /// Kind: u64.
    DSTACK_VERIFICATION_ISV_PROD_ID = 38,
    /// SGX: ISVSVN.
    /// Kind: u64.
    DSTACK_VERIFICATION_ISV_SVN = 39,
    /// SGX: ATTRIBUTES, 16 bytes.
    /// Kind: bytes.
    DSTACK_VERIFICATION_ATTRIBUTES = 40,
    /// App identity: the app id (payload of the `app-id` event, 20 bytes).
    /// Kind: bytes.
    DSTACK_VERIFICATION_APP_ID = 41,
    /// App identity: the compose hash (SHA-256 of the app-compose.json the CVM ran).
    /// Kind: bytes.
    DSTACK_VERIFICATION_COMPOSE_HASH = 42,
    /// App identity: the instance id (empty when the app disables instance ids).
    /// Kind: bytes.
    DSTACK_VERIFICATION_INSTANCE_ID = 43,
    /// App identity: SHA-256 of the verified PPID (of nothing when the Intel signature was
    /// skipped, as the agent reports it).
    /// Kind: bytes.
    DSTACK_VERIFICATION_DEVICE_ID = 44,
    /// App identity: SHA-256(MRTD || RTMR0 || RTMR1 || RTMR2 || SHA-256(key-provider)).
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_SYSTEM = 45,
    /// App identity: SHA-256(MRTD || RTMR0-3 [|| MRCONFIGID || MROWNER || MROWNERCONFIG]).
    /// Kind: bytes.
    DSTACK_VERIFICATION_MR_AGGREGATED = 46,
    /// App identity: payload of the measured `os-image-hash` event.
    /// Kind: bytes.
    DSTACK_VERIFICATION_OS_IMAGE_HASH = 47,
    /// App identity: the raw `key-provider` event payload (JSON `{"name":...,"id":...}`).
    /// Kind: bytes.
    DSTACK_VERIFICATION_KEY_PROVIDER_INFO = 48,
    /// App identity: the key provider's `name` (`kms`, `local-sgx`, `none`, ...).
    /// Kind: text.
    DSTACK_VERIFICATION_KEY_PROVIDER_NAME = 49,
    /// App identity: the key provider's `id` (for `kms`, hex of the KMS CA public key).
    /// Kind: text.
    DSTACK_VERIFICATION_KEY_PROVIDER_ID = 50,
    /// App identity: payloads of the `init-script-hash` events, in order.
    /// Kind: list of bytes.
    DSTACK_VERIFICATION_INIT_SCRIPT_HASHES = 51,
    /// App identity: 1 when the log holds `system-ready` (identity events come before it).
    /// Kind: u64.
    DSTACK_VERIFICATION_SYSTEM_READY = 52,
    /// RA-TLS: the certificate's subject DN.
    /// Kind: text.
    DSTACK_VERIFICATION_CERT_SUBJECT = 53,
    /// RA-TLS: the certificate's issuer DN.
    /// Kind: text.
    DSTACK_VERIFICATION_CERT_ISSUER = 54,
    /// RA-TLS: notBefore, Unix seconds (0 for a time before 1970).
    /// Kind: u64.
    DSTACK_VERIFICATION_CERT_NOT_BEFORE = 55,
    /// RA-TLS: notAfter, Unix seconds.
    /// Kind: u64.
    DSTACK_VERIFICATION_CERT_NOT_AFTER = 56,
    /// RA-TLS: the SubjectPublicKeyInfo DER, the key bound into the report data.
    /// Kind: bytes.
    DSTACK_VERIFICATION_CERT_PUBLIC_KEY_DER = 57,
    /// RA-TLS: the app-id extension (checked against the attested app id); absent if the
    /// certificate has none.
    /// Kind: bytes.
    DSTACK_VERIFICATION_CERT_APP_ID = 58,
    /// RA-TLS: the usage extension (`app:custom`, ...); absent if the certificate has none.
    /// Kind: text.
    DSTACK_VERIFICATION_CERT_USAGE = 59,
    /// RA-TLS: 1 when the certificate has an app-info extension (it matched).
    /// Kind: u64.
    DSTACK_VERIFICATION_CERT_APP_INFO_EXTENSION = 60,
    /// RA-TLS: where the attestation came from: `attestation` (extension `...1.8`) or
    /// `legacy_quote_and_event_log` (`...1.1` and `...1.2`).
    /// Kind: text.
    DSTACK_VERIFICATION_CERT_ATTESTATION_SOURCE = 61,
}

/// One runtime event with what the replay measured: the digest it recomputed and, for
/// V2 events, the preimage that digest covers.
struct MeasuredEvent {
    digest: [u8; 48],
    preimage: Vec<u8>,
}

/// The result of a successful verification: every field of `dstack-verify`'s
/// `Verification`, read with `dstack_verification_get`, `_count`, `_item`, `_u64` and
/// `_runtime_event`, or whole as JSON with `dstack_verification_json`.
///
/// Created by `dstack_verify_quote`, `dstack_verify_get_quote`,
/// `dstack_verify_attestation` and `dstack_verify_ra_tls_cert`; freed by
/// `dstack_verification_free`.
///
/// Thread safety: immutable after creation; may be read from several threads at once.
/// Free it exactly once, after all reads.
pub struct dstack_verification {
    v: Verification,
    json: String,
    events: Vec<MeasuredEvent>,
}

/// A field's value, borrowed from the handle.
enum Value<'a> {
    Bytes(&'a [u8]),
    Text(&'a str),
    U64(u64),
    List(Vec<&'a [u8]>),
}

impl dstack_verification {
    fn new(v: Verification) -> dstack_verification {
        let json = v.to_json().to_string();
        let events = v
            .runtime_events
            .iter()
            .map(|e| {
                if e.version == 2 {
                    let mut preimage = vec![
                        0u8;
                        dstack_core::eventlog::runtime_event_preimage_v2_len(
                            &e.event, &e.payload
                        )
                    ];
                    // The buffer has the exact length the encoder asks for.
                    let n = dstack_core::eventlog::runtime_event_preimage_v2(
                        &e.event,
                        &e.payload,
                        &mut preimage,
                    )
                    .unwrap_or(0);
                    preimage.truncate(n);
                    MeasuredEvent {
                        digest: dstack_core::eventlog::runtime_event_digest_v2(
                            &e.event, &e.payload,
                        ),
                        preimage,
                    }
                } else {
                    MeasuredEvent {
                        digest: dstack_core::eventlog::runtime_event_digest_v1(
                            RUNTIME_EVENT_TYPE,
                            &e.event,
                            &e.payload,
                        ),
                        preimage: Vec::new(),
                    }
                }
            })
            .collect();
        dstack_verification { v, json, events }
    }

    fn value(&self, field: dstack_verification_field) -> Option<Value<'_>> {
        use dstack_verification_field_e::*;
        let v = &self.v;
        let b = |x: bool| Value::U64(u64::from(x));
        // A register of the TD body (absent for SGX quotes).
        macro_rules! td {
            ($f:ident) => {
                match &v.body {
                    QuoteBody::Td { $f, .. } => Value::Bytes(&$f[..]),
                    QuoteBody::Enclave { .. } => return None,
                }
            };
        }
        // A field of the enclave body (absent for TDX quotes).
        macro_rules! sgx {
            ($f:ident) => {
                match &v.body {
                    QuoteBody::Enclave { $f, .. } => $f,
                    QuoteBody::Td { .. } => return None,
                }
            };
        }
        let rtmr = |i: usize| match &v.body {
            QuoteBody::Td { rtmrs, .. } => Some(Value::Bytes(&rtmrs[i])),
            QuoteBody::Enclave { .. } => None,
        };
        let app = v.app.as_ref();
        let cert = v.certificate.as_ref();
        Some(match dstack_verification_field_e::from_value(field)? {
            DSTACK_VERIFICATION_EVIDENCE => Value::Text(v.evidence.name()),
            DSTACK_VERIFICATION_TEE => Value::Text(match v.tee {
                verifier::Tee::Tdx => "tdx",
                verifier::Tee::Sgx => "sgx",
            }),
            DSTACK_VERIFICATION_QUOTE_VERSION => Value::U64(u64::from(v.quote_version)),
            DSTACK_VERIFICATION_QUOTE_VERIFIED => b(v.quote_verified()),
            DSTACK_VERIFICATION_INTEL_SIGNATURE_VERIFIED => b(v.intel_signature_verified),
            DSTACK_VERIFICATION_INSECURE_SKIP_INTEL_SIGNATURE => b(v.insecure_skip_intel_signature),
            DSTACK_VERIFICATION_TCB_STATUS => Value::Text(v.tcb_status?.name()),
            DSTACK_VERIFICATION_ADVISORY_IDS => {
                Value::List(v.advisory_ids.iter().map(|a| a.as_bytes()).collect())
            }
            // Revoked's bit is never accepted: the mask of the statuses accepted.
            DSTACK_VERIFICATION_TCB_POLICY => Value::U64(u64::from(
                v.policy.0 & crate::dstack_tcb_policy_e::DSTACK_TCB_POLICY_ANY as u32,
            )),
            DSTACK_VERIFICATION_COLLATERAL_VALID_FROM => Value::U64(v.collateral_valid_from?),
            DSTACK_VERIFICATION_COLLATERAL_VALID_UNTIL => Value::U64(v.collateral_valid_until?),
            DSTACK_VERIFICATION_NOW => Value::U64(v.now),
            DSTACK_VERIFICATION_PPID => Value::Bytes(&v.ppid),
            DSTACK_VERIFICATION_REPORT_DATA => Value::Bytes(&v.report_data),
            DSTACK_VERIFICATION_REPORT_DATA_CHECKED => b(v.report_data_checked),
            DSTACK_VERIFICATION_REPORT_DATA_PAYLOAD => {
                Value::Text(v.report_data_payload.as_deref()?)
            }
            DSTACK_VERIFICATION_EVENT_LOG_VERIFIED => b(v.event_log_verified),
            DSTACK_VERIFICATION_RTMRS_VERIFIED => Value::U64(
                v.rtmrs_verified
                    .iter()
                    .enumerate()
                    .map(|(i, ok)| u64::from(*ok) << i)
                    .sum(),
            ),
            DSTACK_VERIFICATION_OS_IMAGE_HASH_VERIFIED => b(v.os_image_hash_verified),
            DSTACK_VERIFICATION_VM_CONFIG => Value::Text(v.vm_config.as_deref()?),
            DSTACK_VERIFICATION_TEE_TCB_SVN => td!(tee_tcb_svn),
            DSTACK_VERIFICATION_MR_SEAM => td!(mr_seam),
            DSTACK_VERIFICATION_MR_SIGNER_SEAM => td!(mr_signer_seam),
            DSTACK_VERIFICATION_SEAM_ATTRIBUTES => td!(seam_attributes),
            DSTACK_VERIFICATION_TD_ATTRIBUTES => td!(td_attributes),
            DSTACK_VERIFICATION_XFAM => td!(xfam),
            DSTACK_VERIFICATION_MRTD => td!(mrtd),
            DSTACK_VERIFICATION_MR_CONFIG_ID => td!(mr_config_id),
            DSTACK_VERIFICATION_MR_OWNER => td!(mr_owner),
            DSTACK_VERIFICATION_MR_OWNER_CONFIG => td!(mr_owner_config),
            DSTACK_VERIFICATION_RTMR0 => rtmr(0)?,
            DSTACK_VERIFICATION_RTMR1 => rtmr(1)?,
            DSTACK_VERIFICATION_RTMR2 => rtmr(2)?,
            DSTACK_VERIFICATION_RTMR3 => rtmr(3)?,
            DSTACK_VERIFICATION_MR_SERVICE_TD => match &v.body {
                QuoteBody::Td { mr_service_td, .. } => Value::Bytes(mr_service_td.as_ref()?),
                QuoteBody::Enclave { .. } => return None,
            },
            DSTACK_VERIFICATION_MR_ENCLAVE => Value::Bytes(sgx!(mr_enclave)),
            DSTACK_VERIFICATION_MR_SIGNER => Value::Bytes(sgx!(mr_signer)),
            DSTACK_VERIFICATION_ISV_PROD_ID => Value::U64(u64::from(*sgx!(isv_prod_id))),
            DSTACK_VERIFICATION_ISV_SVN => Value::U64(u64::from(*sgx!(isv_svn))),
            DSTACK_VERIFICATION_ATTRIBUTES => Value::Bytes(sgx!(attributes)),
            DSTACK_VERIFICATION_APP_ID => Value::Bytes(&app?.app_id),
            DSTACK_VERIFICATION_COMPOSE_HASH => Value::Bytes(&app?.compose_hash),
            DSTACK_VERIFICATION_INSTANCE_ID => Value::Bytes(&app?.instance_id),
            DSTACK_VERIFICATION_DEVICE_ID => Value::Bytes(&app?.device_id),
            DSTACK_VERIFICATION_MR_SYSTEM => Value::Bytes(&app?.mr_system),
            DSTACK_VERIFICATION_MR_AGGREGATED => Value::Bytes(&app?.mr_aggregated),
            DSTACK_VERIFICATION_OS_IMAGE_HASH => Value::Bytes(&app?.os_image_hash),
            DSTACK_VERIFICATION_KEY_PROVIDER_INFO => Value::Bytes(&app?.key_provider_info),
            DSTACK_VERIFICATION_KEY_PROVIDER_NAME => Value::Text(&app?.key_provider_name),
            DSTACK_VERIFICATION_KEY_PROVIDER_ID => Value::Text(&app?.key_provider_id),
            DSTACK_VERIFICATION_INIT_SCRIPT_HASHES => {
                Value::List(app?.init_script_hashes.iter().map(Vec::as_slice).collect())
            }
            DSTACK_VERIFICATION_SYSTEM_READY => b(app?.system_ready),
            DSTACK_VERIFICATION_CERT_SUBJECT => Value::Text(&cert?.subject),
            DSTACK_VERIFICATION_CERT_ISSUER => Value::Text(&cert?.issuer),
            DSTACK_VERIFICATION_CERT_NOT_BEFORE => {
                Value::U64(u64::try_from(cert?.not_before).unwrap_or(0))
            }
            DSTACK_VERIFICATION_CERT_NOT_AFTER => {
                Value::U64(u64::try_from(cert?.not_after).unwrap_or(0))
            }
            DSTACK_VERIFICATION_CERT_PUBLIC_KEY_DER => Value::Bytes(&cert?.public_key_der),
            DSTACK_VERIFICATION_CERT_APP_ID => Value::Bytes(cert?.app_id.as_deref()?),
            DSTACK_VERIFICATION_CERT_USAGE => Value::Text(cert?.usage.as_deref()?),
            DSTACK_VERIFICATION_CERT_APP_INFO_EXTENSION => b(cert?.app_info_extension),
            DSTACK_VERIFICATION_CERT_ATTESTATION_SOURCE => Value::Text(match cert?.source {
                verifier::ratls::AttestationSource::Attestation => "attestation",
                verifier::ratls::AttestationSource::LegacyQuoteAndEventLog => {
                    "legacy_quote_and_event_log"
                }
            }),
        })
    }
}

impl dstack_verification_field_e {
    /// The field with C value `value`, if any. The values are 1..=LAST, contiguous
    /// (checked by a test).
    fn from_value(value: dstack_verification_field) -> Option<Self> {
        use dstack_verification_field_e::*;
        const ALL: [dstack_verification_field_e; 61] = [
            DSTACK_VERIFICATION_EVIDENCE,
            DSTACK_VERIFICATION_TEE,
            DSTACK_VERIFICATION_QUOTE_VERSION,
            DSTACK_VERIFICATION_QUOTE_VERIFIED,
            DSTACK_VERIFICATION_INTEL_SIGNATURE_VERIFIED,
            DSTACK_VERIFICATION_INSECURE_SKIP_INTEL_SIGNATURE,
            DSTACK_VERIFICATION_TCB_STATUS,
            DSTACK_VERIFICATION_ADVISORY_IDS,
            DSTACK_VERIFICATION_TCB_POLICY,
            DSTACK_VERIFICATION_COLLATERAL_VALID_FROM,
            DSTACK_VERIFICATION_COLLATERAL_VALID_UNTIL,
            DSTACK_VERIFICATION_NOW,
            DSTACK_VERIFICATION_PPID,
            DSTACK_VERIFICATION_REPORT_DATA,
            DSTACK_VERIFICATION_REPORT_DATA_CHECKED,
            DSTACK_VERIFICATION_REPORT_DATA_PAYLOAD,
            DSTACK_VERIFICATION_EVENT_LOG_VERIFIED,
            DSTACK_VERIFICATION_RTMRS_VERIFIED,
            DSTACK_VERIFICATION_OS_IMAGE_HASH_VERIFIED,
            DSTACK_VERIFICATION_VM_CONFIG,
            DSTACK_VERIFICATION_TEE_TCB_SVN,
            DSTACK_VERIFICATION_MR_SEAM,
            DSTACK_VERIFICATION_MR_SIGNER_SEAM,
            DSTACK_VERIFICATION_SEAM_ATTRIBUTES,
            DSTACK_VERIFICATION_TD_ATTRIBUTES,
            DSTACK_VERIFICATION_XFAM,
            DSTACK_VERIFICATION_MRTD,
            DSTACK_VERIFICATION_MR_CONFIG_ID,
            DSTACK_VERIFICATION_MR_OWNER,
            DSTACK_VERIFICATION_MR_OWNER_CONFIG,
            DSTACK_VERIFICATION_RTMR0,
            DSTACK_VERIFICATION_RTMR1,
            DSTACK_VERIFICATION_RTMR2,
            DSTACK_VERIFICATION_RTMR3,
            DSTACK_VERIFICATION_MR_SERVICE_TD,
            DSTACK_VERIFICATION_MR_ENCLAVE,
            DSTACK_VERIFICATION_MR_SIGNER,
            DSTACK_VERIFICATION_ISV_PROD_ID,
            DSTACK_VERIFICATION_ISV_SVN,
            DSTACK_VERIFICATION_ATTRIBUTES,
            DSTACK_VERIFICATION_APP_ID,
            DSTACK_VERIFICATION_COMPOSE_HASH,
            DSTACK_VERIFICATION_INSTANCE_ID,
            DSTACK_VERIFICATION_DEVICE_ID,
            DSTACK_VERIFICATION_MR_SYSTEM,
            DSTACK_VERIFICATION_MR_AGGREGATED,
            DSTACK_VERIFICATION_OS_IMAGE_HASH,
            DSTACK_VERIFICATION_KEY_PROVIDER_INFO,
            DSTACK_VERIFICATION_KEY_PROVIDER_NAME,
            DSTACK_VERIFICATION_KEY_PROVIDER_ID,
            DSTACK_VERIFICATION_INIT_SCRIPT_HASHES,
            DSTACK_VERIFICATION_SYSTEM_READY,
            DSTACK_VERIFICATION_CERT_SUBJECT,
            DSTACK_VERIFICATION_CERT_ISSUER,
            DSTACK_VERIFICATION_CERT_NOT_BEFORE,
            DSTACK_VERIFICATION_CERT_NOT_AFTER,
            DSTACK_VERIFICATION_CERT_PUBLIC_KEY_DER,
            DSTACK_VERIFICATION_CERT_APP_ID,
            DSTACK_VERIFICATION_CERT_USAGE,
            DSTACK_VERIFICATION_CERT_APP_INFO_EXTENSION,
            DSTACK_VERIFICATION_CERT_ATTESTATION_SOURCE,
        ];
        ALL.into_iter().find(|f| *f as u32 == value)
    }
}

/// The event type of dstack runtime events (RTMR3).
const RUNTIME_EVENT_TYPE: u32 = 0x0800_0001;

/// Hands a result to the caller through a checked out-pointer.
pub(crate) fn give(out: &mut *mut dstack_verification, v: Verification) -> Result<()> {
    *out = Box::into_raw(Box::new(dstack_verification::new(v)));
    Ok(())
}

fn not_found(f: dstack_verification_field, kind: &str) -> Failure {
    Failure::new(
        DSTACK_STATUS_NOT_FOUND,
        format!("this verification has no {kind} field {f}"),
    )
}

/// The body the accessors share: checks `verification` and the out-pointer (named
/// `what`), then writes what `read` finds.
///
/// # Safety
/// `verification` is NULL or a live handle; `out` NULL or writable.
unsafe fn read<T>(
    verification: *const dstack_verification,
    out: *mut T,
    what: &str,
    out_error: *mut *mut dstack_error,
    read: impl FnOnce(&dstack_verification) -> Result<T>,
) -> dstack_status {
    boundary::run(out_error, || {
        // SAFETY: caller contract.
        let v = unsafe { verification.as_ref() }.ok_or_else(|| Failure::null("verification"))?;
        // SAFETY: caller contract.
        let out = unsafe { slice::out(out, what)? };
        *out = read(v)?;
        Ok(())
    })
}

/// Reads a bytes or text field into `*out_value` (borrowed; valid until the verification
/// is freed). `DSTACK_STATUS_NOT_FOUND` if this verification has no such bytes/text field
/// (list and u64 fields have their own accessors). `verification` and `out_value` must
/// not be NULL. Thread-safe on a shared verification.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_get(
    verification: *const dstack_verification,
    field: dstack_verification_field,
    out_value: *mut dstack_slice,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe {
        read(
            verification,
            out_value,
            "out_value",
            out_error,
            |v| match v.value(field) {
                Some(Value::Bytes(b)) => Ok(dstack_slice::of(b)),
                Some(Value::Text(t)) => Ok(dstack_slice::of(t.as_bytes())),
                _ => Err(not_found(field, "bytes or text")),
            },
        )
    }
}

/// Writes the number of items of a list field to `*out_count`. `DSTACK_STATUS_NOT_FOUND`
/// if this verification has no such list field. `verification` and `out_count` must not
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_count(
    verification: *const dstack_verification,
    field: dstack_verification_field,
    out_count: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe {
        read(
            verification,
            out_count,
            "out_count",
            out_error,
            |v| match v.value(field) {
                Some(Value::List(l)) => Ok(l.len()),
                _ => Err(not_found(field, "list")),
            },
        )
    }
}

/// Reads item `index` of a list field into `*out_value` (borrowed; valid until the
/// verification is freed). `DSTACK_STATUS_NOT_FOUND` if there is no such list field or
/// `index` is out of range. `verification` and `out_value` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_item(
    verification: *const dstack_verification,
    field: dstack_verification_field,
    index: usize,
    out_value: *mut dstack_slice,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe {
        read(verification, out_value, "out_value", out_error, |v| {
            let Some(Value::List(list)) = v.value(field) else {
                return Err(not_found(field, "list"));
            };
            list.get(index).map(|b| dstack_slice::of(b)).ok_or_else(|| {
                Failure::new(
                    DSTACK_STATUS_NOT_FOUND,
                    format!(
                        "index {index} is out of range: field {field} has {} items",
                        list.len()
                    ),
                )
            })
        })
    }
}

/// Reads a u64 or boolean (0/1) field into `*out_value`. `DSTACK_STATUS_NOT_FOUND` if
/// this verification has no such integer field. `verification` and `out_value` must not
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_u64(
    verification: *const dstack_verification,
    field: dstack_verification_field,
    out_value: *mut u64,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe {
        read(
            verification,
            out_value,
            "out_value",
            out_error,
            |v| match v.value(field) {
                Some(Value::U64(n)) => Ok(n),
                _ => Err(not_found(field, "integer")),
            },
        )
    }
}

/// Number of measured runtime events (RTMR3, in order) of `verification`; 0 if
/// `verification` is NULL or the evidence has no event log.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_runtime_event_count(
    verification: *const dstack_verification,
) -> usize {
    boundary::guard(0, || {
        // SAFETY: caller contract: NULL or a live handle.
        unsafe { verification.as_ref() }.map_or(0, |v| v.v.runtime_events.len())
    })
}

/// Reads runtime event `index` into `*out_event` (slices borrowed from `verification`):
/// `imr` 3, `event_type` 0x08000001, `version` 1 or 2, `event` and `event_payload` as
/// measured, `digest` the 48-byte digest the replay recomputed from them, `preimage` the
/// V2 preimage (`{NULL, 0}` for V1). `DSTACK_STATUS_NOT_FOUND` if `index` is out of range.
/// `verification` and `out_event` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_runtime_event(
    verification: *const dstack_verification,
    index: usize,
    out_event: *mut dstack_event,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: forwarded export contract.
    unsafe {
        read(verification, out_event, "out_event", out_error, |v| {
            let (e, m) =
                v.v.runtime_events
                    .get(index)
                    .zip(v.events.get(index))
                    .ok_or_else(|| {
                        Failure::new(
                            DSTACK_STATUS_NOT_FOUND,
                            format!(
                                "runtime event index {index} is out of range: there are {}",
                                v.v.runtime_events.len()
                            ),
                        )
                    })?;
            Ok(dstack_event {
                imr: 3,
                event_type: RUNTIME_EVENT_TYPE,
                version: e.version,
                digest: dstack_slice::of(&m.digest),
                event: dstack_slice::of(e.event.as_bytes()),
                event_payload: dstack_slice::of(&e.payload),
                preimage: if m.preimage.is_empty() {
                    dstack_slice::EMPTY
                } else {
                    dstack_slice::of(&m.preimage)
                },
            })
        })
    }
}

/// The whole result as JSON text (UTF-8; byte fields as lowercase hex, times as Unix
/// seconds), borrowed until the verification is freed: what `dstack verify --json`
/// prints. It holds the keys of upstream dstack-verifier's `/verify` `details`
/// (`quote_verified`, `event_log_verified`, `os_image_hash_verified`, `report_data`,
/// `tcb_status`, `advisory_ids`, `app_info`) with the same meanings, and every field of
/// `dstack_verification_field_e`. `{NULL, 0}` if `verification` is NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_json(
    verification: *const dstack_verification,
) -> dstack_slice {
    boundary::guard(dstack_slice::EMPTY, || {
        // SAFETY: caller contract: NULL or a live handle.
        match unsafe { verification.as_ref() } {
            Some(v) => dstack_slice::of(v.json.as_bytes()),
            None => dstack_slice::EMPTY,
        }
    })
}

/// Frees a verification. NULL is accepted and ignored. Call it exactly once per handle,
/// after all reads.
#[no_mangle]
pub unsafe extern "C" fn dstack_verification_free(verification: *mut dstack_verification) {
    boundary::guard((), || {
        if !verification.is_null() {
            // SAFETY: a non-NULL handle came from Box::into_raw in `give`; freed once.
            drop(unsafe { Box::from_raw(verification) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::dstack_verification_field_e as F;

    #[test]
    fn field_values_are_contiguous_and_all_listed() {
        for v in 1..=61u32 {
            assert_eq!(F::from_value(v).map(|f| f as u32), Some(v));
        }
        assert!(F::from_value(0).is_none() && F::from_value(62).is_none());
    }
}
