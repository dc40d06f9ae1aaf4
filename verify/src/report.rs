//! The result: one struct with every field, and its JSON form.

use dcap_qvl::quote::Report;
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

use crate::app::{AppInfo, AppOutcome};
use crate::attestation::RuntimeEvent;
use crate::dcap::{QuoteOutcome, TcbPolicy, TcbStatus};
use crate::error::{Check, Error, Result};
use crate::ratls::{AppInfoExtension, AttestationSource};
use crate::Options;

/// The kind of evidence verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A raw quote (DCAP only).
    Quote,
    /// A GetQuote answer (quote, event log).
    GetQuote,
    /// A V0 SCALE versioned attestation.
    AttestationV0,
    /// A V1 msgpack versioned attestation.
    AttestationV1,
    /// An RA-TLS certificate.
    RaTlsCert,
}

impl Evidence {
    /// Stable name: `quote`, `get_quote`, `attestation_v0`, `attestation_v1`, `ra_tls_cert`.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Quote => "quote",
            Evidence::GetQuote => "get_quote",
            Evidence::AttestationV0 => "attestation_v0",
            Evidence::AttestationV1 => "attestation_v1",
            Evidence::RaTlsCert => "ra_tls_cert",
        }
    }
}

/// The TEE that produced the quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tee {
    /// Intel TDX.
    Tdx,
    /// Intel SGX.
    Sgx,
}

/// The measurement registers of the quote body.
#[derive(Debug, Clone, PartialEq, Eq)]
// One value per verification: boxing the TD variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum QuoteBody {
    /// A TD report (TDX).
    Td {
        /// TEE_TCB_SVN.
        tee_tcb_svn: [u8; 16],
        /// MRSEAM.
        mr_seam: [u8; 48],
        /// MRSIGNERSEAM.
        mr_signer_seam: [u8; 48],
        /// SEAMATTRIBUTES.
        seam_attributes: [u8; 8],
        /// TDATTRIBUTES.
        td_attributes: [u8; 8],
        /// XFAM.
        xfam: [u8; 8],
        /// MRTD.
        mrtd: [u8; 48],
        /// MRCONFIGID.
        mr_config_id: [u8; 48],
        /// MROWNER.
        mr_owner: [u8; 48],
        /// MROWNERCONFIG.
        mr_owner_config: [u8; 48],
        /// RTMR0..3 as quoted.
        rtmrs: [[u8; 48]; 4],
        /// MRSERVICETD (TDX 1.5 bodies).
        mr_service_td: Option<[u8; 48]>,
    },
    /// An enclave report (SGX).
    Enclave {
        /// MRENCLAVE.
        mr_enclave: [u8; 32],
        /// MRSIGNER.
        mr_signer: [u8; 32],
        /// ISVPRODID.
        isv_prod_id: u16,
        /// ISVSVN.
        isv_svn: u16,
        /// ATTRIBUTES.
        attributes: [u8; 16],
    },
}

/// What the certificate said, for RA-TLS verifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// notBefore (Unix seconds).
    pub not_before: i64,
    /// notAfter (Unix seconds).
    pub not_after: i64,
    /// SubjectPublicKeyInfo DER, the key bound into the report data.
    pub public_key_der: Vec<u8>,
    /// The app-id extension (checked against the attested app id).
    pub app_id: Option<Vec<u8>>,
    /// The usage extension.
    pub usage: Option<String>,
    /// Whether an app-info extension was present (and matched).
    pub app_info_extension: bool,
    /// Which extensions held the attestation.
    pub source: AttestationSource,
}

/// The result of a successful verification: every field, whichever the evidence (fields a
/// kind of evidence does not have are `None`, empty or `false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// What was verified.
    pub evidence: Evidence,
    /// TDX or SGX.
    pub tee: Tee,
    /// Quote format version.
    pub quote_version: u16,
    /// Whether the quote's Intel signature chain was verified with collateral. `false`
    /// only with the development opt-out.
    pub intel_signature_verified: bool,
    /// Whether the caller opted out of the Intel signature check (development only).
    pub insecure_skip_intel_signature: bool,
    /// The TCB status (merged platform and QE status), when the signature was verified.
    pub tcb_status: Option<TcbStatus>,
    /// Intel security advisories that apply to the TCB level.
    pub advisory_ids: Vec<String>,
    /// The policy the status was checked against.
    pub policy: TcbPolicy,
    /// The collateral's validity window (Unix seconds), when collateral was used.
    pub collateral_valid_from: Option<u64>,
    /// See `collateral_valid_from`.
    pub collateral_valid_until: Option<u64>,
    /// The verification time used.
    pub now: u64,
    /// The platform's PPID from the PCK certificate (empty when not verified).
    pub ppid: Vec<u8>,
    /// The quote's report data.
    pub report_data: [u8; 64],
    /// Whether the report data was compared with an expected value (the caller's, or the
    /// certificate key binding) and matched.
    pub report_data_checked: bool,
    /// `dstack-pod` attestations: the payload whose `app-data` hash is the report data.
    pub report_data_payload: Option<String>,
    /// The quote body's registers.
    pub body: QuoteBody,
    /// Whether the event log was replayed and RTMR3 (and every boot RTMR the log covers)
    /// matched the quote.
    pub event_log_verified: bool,
    /// Per RTMR, whether the log's replay matched the quote. RTMR0–2 stay `false` when the
    /// log does not cover them (certificates and stripped logs carry RTMR3 events only).
    pub rtmrs_verified: [bool; 4],
    /// Always `false` here: recomputing MRTD and RTMR0–2 from the OS image (which upstream
    /// dstack-verifier does after downloading the image) is not done offline.
    pub os_image_hash_verified: bool,
    /// The measured runtime events of RTMR3, in order.
    pub runtime_events: Vec<RuntimeEvent>,
    /// The app identity (TDX evidence with an event log).
    pub app: Option<AppInfo>,
    /// The vm_config text that came with the evidence (host-supplied, not verified).
    pub vm_config: Option<String>,
    /// RA-TLS: the certificate.
    pub certificate: Option<CertificateInfo>,
}

/// `report_data` of a dcap-qvl report.
pub(crate) fn report_data_of(r: &Report) -> [u8; 64] {
    match (r.as_td10(), r.as_sgx()) {
        (Some(td), _) => td.report_data,
        (None, Some(sgx)) => sgx.report_data,
        _ => [0; 64],
    }
}

/// `SHA-512("app-data:" ‖ payload)`: the report data of a dstack-pod attestation.
pub(crate) fn app_data_report_data(payload: &[u8]) -> [u8; 64] {
    let mut h = Sha512::new();
    h.update(b"app-data:");
    h.update(payload);
    h.finalize().into()
}

impl Verification {
    pub(crate) fn from_quote(evidence: Evidence, o: &QuoteOutcome, opts: &Options<'_>) -> Self {
        let r = &o.quote.report;
        let body = match (r.as_td10(), r.as_sgx()) {
            (Some(td), _) => QuoteBody::Td {
                tee_tcb_svn: td.tee_tcb_svn,
                mr_seam: td.mr_seam,
                mr_signer_seam: td.mr_signer_seam,
                seam_attributes: td.seam_attributes,
                td_attributes: td.td_attributes,
                xfam: td.xfam,
                mrtd: td.mr_td,
                mr_config_id: td.mr_config_id,
                mr_owner: td.mr_owner,
                mr_owner_config: td.mr_owner_config,
                rtmrs: [td.rt_mr0, td.rt_mr1, td.rt_mr2, td.rt_mr3],
                mr_service_td: r.as_td15().map(|t| t.mr_service_td),
            },
            (None, Some(e)) => QuoteBody::Enclave {
                mr_enclave: e.mr_enclave,
                mr_signer: e.mr_signer,
                isv_prod_id: e.isv_prod_id,
                isv_svn: e.isv_svn,
                attributes: e.attributes,
            },
            _ => unreachable!("dcap-qvl reports are TD or enclave reports"),
        };
        Verification {
            evidence,
            tee: if r.is_sgx() { Tee::Sgx } else { Tee::Tdx },
            quote_version: o.quote.header.version,
            intel_signature_verified: o.intel_verified,
            insecure_skip_intel_signature: opts.insecure_skip_intel_signature,
            tcb_status: o.tcb_status,
            advisory_ids: o.advisory_ids.clone(),
            policy: opts.policy,
            collateral_valid_from: o.collateral_window.map(|w| w.0),
            collateral_valid_until: o.collateral_window.map(|w| w.1),
            now: opts.now,
            ppid: o.ppid.clone(),
            report_data: report_data_of(r),
            report_data_checked: false,
            report_data_payload: None,
            body,
            event_log_verified: false,
            rtmrs_verified: [false; 4],
            os_image_hash_verified: false,
            runtime_events: Vec::new(),
            app: None,
            vm_config: None,
            certificate: None,
        }
    }

    pub(crate) fn set_app(&mut self, a: AppOutcome) {
        self.event_log_verified = a.rtmrs_verified[3];
        self.rtmrs_verified = a.rtmrs_verified;
        self.runtime_events = a.runtime_events;
        self.app = Some(a.app);
    }

    /// Upstream's `quote_verified`: the Intel signature chain verified and the TCB status
    /// accepted.
    pub fn quote_verified(&self) -> bool {
        self.intel_signature_verified
    }

    /// The result as JSON (byte fields as lowercase hex, times as Unix seconds). The keys of
    /// upstream dstack-verifier's `details` (`quote_verified`, `event_log_verified`,
    /// `os_image_hash_verified`, `report_data`, `tcb_status`, `advisory_ids`, `app_info`)
    /// are present with the same meanings.
    pub fn to_json(&self) -> Value {
        let h = |b: &[u8]| Value::String(hex::encode(b));
        let body = match &self.body {
            QuoteBody::Td {
                tee_tcb_svn,
                mr_seam,
                mr_signer_seam,
                seam_attributes,
                td_attributes,
                xfam,
                mrtd,
                mr_config_id,
                mr_owner,
                mr_owner_config,
                rtmrs,
                mr_service_td,
            } => json!({
                "tee_tcb_svn": h(tee_tcb_svn), "mr_seam": h(mr_seam),
                "mr_signer_seam": h(mr_signer_seam), "seam_attributes": h(seam_attributes),
                "td_attributes": h(td_attributes), "xfam": h(xfam), "mrtd": h(mrtd),
                "mr_config_id": h(mr_config_id), "mr_owner": h(mr_owner),
                "mr_owner_config": h(mr_owner_config), "rtmr0": h(&rtmrs[0]),
                "rtmr1": h(&rtmrs[1]), "rtmr2": h(&rtmrs[2]), "rtmr3": h(&rtmrs[3]),
                "mr_service_td": mr_service_td.as_ref().map(|m| h(m)),
            }),
            QuoteBody::Enclave {
                mr_enclave,
                mr_signer,
                isv_prod_id,
                isv_svn,
                attributes,
            } => json!({
                "mr_enclave": h(mr_enclave), "mr_signer": h(mr_signer),
                "isv_prod_id": isv_prod_id, "isv_svn": isv_svn, "attributes": h(attributes),
            }),
        };
        let app = self.app.as_ref().map(|a| {
            json!({
                "app_id": h(&a.app_id), "compose_hash": h(&a.compose_hash),
                "instance_id": h(&a.instance_id), "device_id": h(&a.device_id),
                "mr_system": h(&a.mr_system), "mr_aggregated": h(&a.mr_aggregated),
                "os_image_hash": h(&a.os_image_hash),
                "key_provider_info": h(&a.key_provider_info),
                "key_provider_name": a.key_provider_name, "key_provider_id": a.key_provider_id,
                "init_script_hashes": a.init_script_hashes.iter().map(|x| h(x)).collect::<Vec<_>>(),
                "system_ready": a.system_ready,
            })
        });
        let cert = self.certificate.as_ref().map(|c| {
            json!({
                "subject": c.subject, "issuer": c.issuer,
                "not_before": c.not_before, "not_after": c.not_after,
                "public_key_der": h(&c.public_key_der),
                "app_id": c.app_id.as_ref().map(|a| h(a)), "usage": c.usage,
                "app_info_extension": c.app_info_extension,
                "attestation_source": match c.source {
                    AttestationSource::Attestation => "attestation",
                    AttestationSource::LegacyQuoteAndEventLog => "legacy_quote_and_event_log",
                },
            })
        });
        json!({
            "valid": true,
            "evidence": self.evidence.name(),
            "tee": match self.tee { Tee::Tdx => "tdx", Tee::Sgx => "sgx" },
            "quote_version": self.quote_version,
            "quote_verified": self.quote_verified(),
            "intel_signature_verified": self.intel_signature_verified,
            "insecure_skip_intel_signature": self.insecure_skip_intel_signature,
            "tcb_status": self.tcb_status.map(|s| s.name()),
            "advisory_ids": self.advisory_ids,
            "accepted_tcb_statuses": self.policy.names(),
            "collateral_valid_from": self.collateral_valid_from,
            "collateral_valid_until": self.collateral_valid_until,
            "now": self.now,
            "ppid": h(&self.ppid),
            "report_data": h(&self.report_data),
            "report_data_checked": self.report_data_checked,
            "report_data_payload": self.report_data_payload,
            "quote_body": body,
            "event_log_verified": self.event_log_verified,
            "rtmrs_verified": self.rtmrs_verified,
            "os_image_hash_verified": self.os_image_hash_verified,
            "runtime_events": self.runtime_events.iter().map(|e| json!({
                "event": e.event, "payload": h(&e.payload), "version": e.version,
            })).collect::<Vec<_>>(),
            "app_info": app,
            "vm_config": self.vm_config,
            "certificate": cert,
        })
    }
}

/// The app-info extension must state the attested identity (device_id excepted: the agent
/// cannot know the verified PPID and writes the hash of an empty one).
pub(crate) fn compare_app_info(ext: &AppInfoExtension, app: &AppInfo) -> Result<()> {
    let fields: [(&str, &[u8], &[u8]); 7] = [
        ("app_id", &app.app_id, &ext.app_id),
        ("compose_hash", &app.compose_hash, &ext.compose_hash),
        ("instance_id", &app.instance_id, &ext.instance_id),
        ("mr_system", &app.mr_system, &ext.mr_system),
        ("mr_aggregated", &app.mr_aggregated, &ext.mr_aggregated),
        ("os_image_hash", &app.os_image_hash, &ext.os_image_hash),
        (
            "key_provider_info",
            &app.key_provider_info,
            &ext.key_provider_info,
        ),
    ];
    for (name, attested, stated) in fields {
        if attested != stated {
            return Err(Error::mismatch(
                Check::CertificateAppInfo,
                format!("the certificate's app-info extension states another {name}"),
                hex::encode(attested),
                hex::encode(stated),
            ));
        }
    }
    if let Some(init) = &ext.init_script_hashes {
        if init != &app.init_script_hashes {
            return Err(Error::mismatch(
                Check::CertificateAppInfo,
                "the certificate's app-info extension states other init_script_hashes",
                format!("{} hashes", app.init_script_hashes.len()),
                format!("{} hashes", init.len()),
            ));
        }
    }
    Ok(())
}
