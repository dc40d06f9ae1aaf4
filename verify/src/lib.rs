//! dstack-verify: is this evidence from a genuine TDX CVM running the expected dstack app,
//! and which app? Offline: collateral and time are the caller's.
//!
//! Four entry points, one per kind of evidence, all taking [`Options`] and returning one
//! [`Verification`] or an [`Error`] naming the failed [`Check`] and the compared values:
//! - [`verify_quote`]: a raw TDX or SGX quote, DCAP only (step 1);
//! - [`verify_get_quote`] / [`verify_get_quote_json`]: a GetQuote answer (quote, event log,
//!   vm_config): step 1, then the event log and the app identity (step 2);
//! - [`verify_attestation`]: an Attest answer (V0 SCALE or V1 msgpack), steps 1 and 2;
//! - [`verify_ra_tls_cert`]: an RA-TLS certificate, steps 1 and 2 on its attestation and
//!   the binding of its key into the report data (step 3).
//!
//! The inputs are plain (bytes, JSON text, a `u64` time, a status bitmask) so that a C
//! function can wrap each entry point one to one.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
pub mod attestation;
pub mod collateral;
mod dcap;
mod error;
pub mod input;
pub mod ratls;
mod report;
mod time;

pub use app::AppInfo;
pub use dcap::{
    pem_certificates, TcbPolicy, TcbStatus, INTEL_SGX_ROOT_CA_DER, INTEL_SGX_ROOT_CA_SHA256,
};
pub use error::{Check, Error, Result};
pub use report::{Evidence, QuoteBody, Tee, Verification};
pub use time::{format_unix, parse_rfc3339};

use attestation::Attestation;

/// How to verify. Everything is explicit: no clock, no network, no environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Collateral for the quote: the PCCS `QuoteCollateralV3` JSON (see [`collateral`]).
    /// Required unless `insecure_skip_intel_signature`.
    pub collateral: Option<&'a [u8]>,
    /// The verification time, Unix seconds: collateral, CRLs and certificates must be
    /// valid then.
    pub now: u64,
    /// The TCB statuses accepted (default: `UpToDate` only).
    pub policy: TcbPolicy,
    /// The report data the quote must carry (a challenge). Up to 64 bytes; shorter values
    /// are zero-padded on the right, as the agent pads them.
    pub expected_report_data: Option<&'a [u8]>,
    /// **Development only.** Skip the Intel signature chain (no collateral needed), e.g.
    /// for simulator quotes signed by a mock key. Everything else is still checked, and
    /// the result says that this was skipped (`intel_signature_verified: false`).
    pub insecure_skip_intel_signature: bool,
}

fn expected_report_data(opts: &Options<'_>) -> Result<Option<[u8; 64]>> {
    let Some(rd) = opts.expected_report_data else {
        return Ok(None);
    };
    if rd.len() > 64 {
        return Err(Error::mismatch(
            Check::Input,
            "the expected report data is too long",
            "at most 64 bytes",
            format!("{} bytes", rd.len()),
        ));
    }
    let mut out = [0u8; 64];
    out[..rd.len()].copy_from_slice(rd);
    Ok(Some(out))
}

fn check_report_data(expected: Option<[u8; 64]>, actual: &[u8; 64]) -> Result<bool> {
    match expected {
        None => Ok(false),
        Some(e) if &e == actual => Ok(true),
        Some(e) => Err(Error::mismatch(
            Check::ReportData,
            "the quote's report data is not the expected value",
            hex::encode(e),
            hex::encode(actual),
        )),
    }
}

/// Step 1 only: verifies a raw quote (TDX v4/v5 or SGX v3) — the Intel signature chain
/// with collateral at `opts.now`, the TCB policy, the TD/enclave attributes — and, when
/// given, the expected report data.
pub fn verify_quote(quote: &[u8], opts: &Options<'_>) -> Result<Verification> {
    let expected = expected_report_data(opts)?;
    let outcome = dcap::verify(quote, opts)?;
    dcap::check_attributes(&outcome.quote.report)?;
    let mut v = Verification::from_quote(Evidence::Quote, &outcome, opts);
    v.report_data_checked = check_report_data(expected, &v.report_data)?;
    Ok(v)
}

/// Steps 1 and 2 for a GetQuote answer: the quote, its event log (the JSON array text) and
/// optionally the vm_config text (reported, not trusted).
pub fn verify_get_quote(
    quote: &[u8],
    event_log_json: &[u8],
    vm_config: Option<&str>,
    opts: &Options<'_>,
) -> Result<Verification> {
    let expected = expected_report_data(opts)?;
    let outcome = dcap::verify(quote, opts)?;
    dcap::check_attributes(&outcome.quote.report)?;
    let app = app::verify(&app::AppEvidence {
        quote,
        event_log_json,
        runtime_events: None,
        stated_report_data: None,
        rtmr3_only: false,
        ppid: &outcome.ppid,
    })?;
    let mut v = Verification::from_quote(Evidence::GetQuote, &outcome, opts);
    v.report_data_checked = check_report_data(expected, &v.report_data)?;
    v.set_app(app);
    v.vm_config = vm_config.filter(|c| !c.is_empty()).map(str::to_string);
    Ok(v)
}

/// [`verify_get_quote`] on the JSON answer of GetQuote (`{"quote": hex, "event_log":
/// text, "vm_config"?: text}`); without an `event_log` it is [`verify_quote`].
pub fn verify_get_quote_json(json: &[u8], opts: &Options<'_>) -> Result<Verification> {
    let gq = input::GetQuote::parse(json)?;
    match &gq.event_log {
        Some(log) => verify_get_quote(&gq.quote, log.as_bytes(), gq.vm_config.as_deref(), opts),
        None => verify_quote(&gq.quote, opts),
    }
}

fn verify_decoded(
    att: &Attestation,
    evidence: Evidence,
    rtmr3_only: bool,
    opts: &Options<'_>,
) -> Result<Verification> {
    let expected = expected_report_data(opts)?;
    let outcome = dcap::verify(&att.quote, opts)?;
    dcap::check_attributes(&outcome.quote.report)?;
    if let Some(payload) = &att.report_data_payload {
        let want = report::app_data_report_data(payload.as_bytes());
        if want != att.report_data {
            return Err(Error::mismatch(
                Check::AttestationReportData,
                "the report data is not the app-data hash of report_data_payload",
                hex::encode(want),
                hex::encode(att.report_data),
            ));
        }
    }
    let log = attestation::event_log_json(&att.event_log);
    let app = app::verify(&app::AppEvidence {
        quote: &att.quote,
        event_log_json: log.as_bytes(),
        runtime_events: Some(&att.runtime_events),
        stated_report_data: Some(att.report_data),
        rtmr3_only,
        ppid: &outcome.ppid,
    })?;
    let mut v = Verification::from_quote(evidence, &outcome, opts);
    v.report_data_checked = check_report_data(expected, &v.report_data)?;
    v.set_app(app);
    v.vm_config = Some(att.config.clone()).filter(|c| !c.is_empty());
    v.report_data_payload = att.report_data_payload.clone();
    Ok(v)
}

/// Steps 1 and 2 for a versioned attestation (the bytes of an Attest answer): V0 SCALE or
/// V1 msgpack.
pub fn verify_attestation(bytes: &[u8], opts: &Options<'_>) -> Result<Verification> {
    let att = attestation::decode(bytes)?;
    let evidence = match att.format {
        attestation::Format::V0Scale => Evidence::AttestationV0,
        attestation::Format::V1Msgpack => Evidence::AttestationV1,
    };
    verify_decoded(&att, evidence, false, opts)
}

/// Steps 1–3 for an RA-TLS certificate (DER) issued by the agent with `usage_ra_tls`: the
/// attestation in its extensions (current `…1.8`, or legacy `…1.1` + `…1.2`), the
/// certificate's validity at `opts.now`, the report data binding the certificate key
/// (`SHA-512("ratls-cert:" ‖ SPKI)`), and the app-id / app-info extensions against the
/// attested identity. The certificate's issuer chain is not checked (see README).
/// `opts.expected_report_data` must be `None`: the binding fixes the report data.
pub fn verify_ra_tls_cert(der: &[u8], opts: &Options<'_>) -> Result<Verification> {
    if opts.expected_report_data.is_some() {
        return Err(Error::new(
            Check::Input,
            "an RA-TLS certificate's report data is fixed by its key; expected_report_data \
             does not apply",
        ));
    }
    let cert = ratls::parse_certificate(der)?;
    let now = i64::try_from(opts.now).unwrap_or(i64::MAX);
    if now < cert.not_before || now > cert.not_after {
        return Err(Error::mismatch(
            Check::CertificateValidity,
            "the certificate is not valid at the verification time",
            format!(
                "a time from {} to {}",
                format_unix(cert.not_before.max(0) as u64),
                format_unix(cert.not_after.max(0) as u64)
            ),
            format_unix(opts.now),
        ));
    }
    let binding = ratls::ra_tls_report_data(&cert.public_key_der);
    let mut v = match (
        &cert.attestation,
        &cert.legacy_quote,
        &cert.legacy_event_log,
    ) {
        (Some(att), _, _) => {
            check_binding(&binding, &att.quote)?;
            verify_decoded(att, Evidence::RaTlsCert, true, opts)?
        }
        (None, Some(quote), Some(log)) => {
            check_binding(&binding, quote)?;
            let outcome = dcap::verify(quote, opts)?;
            dcap::check_attributes(&outcome.quote.report)?;
            let app = app::verify(&app::AppEvidence {
                quote,
                event_log_json: log,
                runtime_events: None,
                stated_report_data: None,
                rtmr3_only: true,
                ppid: &outcome.ppid,
            })?;
            let mut v = Verification::from_quote(Evidence::RaTlsCert, &outcome, opts);
            v.set_app(app);
            v
        }
        _ => unreachable!("parse_certificate returns an attestation or a legacy pair"),
    };
    v.report_data_checked = true;
    let app = v.app.as_ref();
    if let (Some(ext), Some(app)) = (&cert.app_id, app) {
        if ext != &app.app_id {
            return Err(Error::mismatch(
                Check::CertificateAppId,
                "the certificate's app-id extension differs from the attested app id",
                hex::encode(&app.app_id),
                hex::encode(ext),
            ));
        }
    }
    if let (Some(ext), Some(app)) = (&cert.app_info, app) {
        report::compare_app_info(ext, app)?;
    }
    v.certificate = Some(report::CertificateInfo {
        subject: cert.subject,
        issuer: cert.issuer,
        not_before: cert.not_before,
        not_after: cert.not_after,
        public_key_der: cert.public_key_der,
        app_id: cert.app_id,
        usage: cert.usage,
        app_info_extension: cert.app_info.is_some(),
        source: cert.source,
    });
    Ok(v)
}

fn check_binding(binding: &[u8; 64], quote: &[u8]) -> Result<()> {
    let q = dcap::parse_quote(quote)?;
    let rd = report::report_data_of(&q.report);
    if &rd != binding {
        return Err(Error::mismatch(
            Check::RaTlsBinding,
            "the quote's report data does not bind the certificate's public key \
             (SHA-512(\"ratls-cert:\" ‖ SubjectPublicKeyInfo))",
            hex::encode(binding),
            hex::encode(rd),
        ));
    }
    Ok(())
}
