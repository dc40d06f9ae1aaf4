//! The one error type: which check failed, why, and the values it compared.

use std::fmt;

/// The checks a verification runs. Each failure names one; [`Check::name`] is the stable
/// snake_case name the CLI prints and a C binding can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// The input is not in a form this verifier reads (bad hex, bad JSON, missing field).
    Input,
    /// The quote does not parse: truncated, unknown version, not TDX where TDX is needed.
    QuoteFormat,
    /// The quote's PCK certificate chain does not end in the pinned Intel SGX Root CA
    /// (simulator quotes, mock signers).
    PckChainRoot,
    /// No collateral was given although the Intel signature is to be checked.
    CollateralMissing,
    /// The collateral JSON does not parse.
    CollateralFormat,
    /// The verification time lies outside the collateral's validity window.
    CollateralValidity,
    /// A CRL, TCB info or QE identity certificate chain or signature is invalid (dcap-qvl).
    CollateralSignature,
    /// A certificate chain (the PCK chain, or the TCB info / QE identity signer's) does not
    /// verify up to the pinned Intel root, or a certificate in it is revoked or expired
    /// (dcap-qvl).
    CertificateChain,
    /// The QE report signature (by the PCK key) or the QE report's binding of the
    /// attestation key is invalid (dcap-qvl).
    QeReport,
    /// The QE report does not satisfy the QE identity (dcap-qvl).
    QeIdentity,
    /// The quote body signature by the attestation key is invalid (dcap-qvl).
    QuoteSignature,
    /// The collateral does not match the quote (FMSPC, TEE type, no matching TCB level).
    TcbInfo,
    /// Any other DCAP verification failure reported by dcap-qvl.
    Dcap,
    /// The TCB status is not among the accepted ones (or is Revoked).
    TcbStatus,
    /// The TD or enclave attributes are not acceptable (debug, profiling, a non-zero
    /// MRSIGNERSEAM or MRSERVICETD, missing SEPT_VE_DISABLE, …).
    TdAttributes,
    /// The quote's report data differs from the expected value (the caller's challenge).
    ReportData,
    /// The attestation is not a V0 SCALE or V1 msgpack versioned attestation this verifier
    /// reads.
    AttestationFormat,
    /// The attestation is for a platform this verifier does not handle (not TDX).
    Unsupported,
    /// The report data the attestation states differs from the quote's.
    AttestationReportData,
    /// The event log does not parse.
    EventLogFormat,
    /// Replaying the event log does not give the quote's RTMR.
    RtmrReplay,
    /// A V2 event's preimage is not the canonical encoding of its name and payload.
    EventPreimage,
    /// The attestation's runtime-event list differs from the runtime events in its log.
    RuntimeEvents,
    /// The certificate does not parse, or lacks the attestation extensions.
    CertificateFormat,
    /// The verification time lies outside the certificate's validity period.
    CertificateValidity,
    /// The quote's report data does not bind the certificate's public key.
    RaTlsBinding,
    /// The certificate's app-id extension differs from the attested app id.
    CertificateAppId,
    /// The certificate's app-info extension differs from the attested identity.
    CertificateAppInfo,
}

impl Check {
    /// The stable snake_case name of the check.
    pub fn name(self) -> &'static str {
        match self {
            Check::Input => "input",
            Check::QuoteFormat => "quote_format",
            Check::PckChainRoot => "pck_chain_root",
            Check::CollateralMissing => "collateral_missing",
            Check::CollateralFormat => "collateral_format",
            Check::CollateralValidity => "collateral_validity",
            Check::CollateralSignature => "collateral_signature",
            Check::CertificateChain => "certificate_chain",
            Check::QeReport => "qe_report",
            Check::QeIdentity => "qe_identity",
            Check::QuoteSignature => "quote_signature",
            Check::TcbInfo => "tcb_info",
            Check::Dcap => "dcap",
            Check::TcbStatus => "tcb_status",
            Check::TdAttributes => "td_attributes",
            Check::ReportData => "report_data",
            Check::AttestationFormat => "attestation_format",
            Check::Unsupported => "unsupported",
            Check::AttestationReportData => "attestation_report_data",
            Check::EventLogFormat => "event_log_format",
            Check::RtmrReplay => "rtmr_replay",
            Check::EventPreimage => "event_preimage",
            Check::RuntimeEvents => "runtime_events",
            Check::CertificateFormat => "certificate_format",
            Check::CertificateValidity => "certificate_validity",
            Check::RaTlsBinding => "ra_tls_binding",
            Check::CertificateAppId => "certificate_app_id",
            Check::CertificateAppInfo => "certificate_app_info",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed verification: the check, a sentence, and (where two values were compared)
/// the expected and the actual value as text (hex for bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The check that failed.
    pub check: Check,
    /// What went wrong, in one sentence.
    pub message: String,
    /// The value the check required, when it compared two values.
    pub expected: Option<String>,
    /// The value the evidence has, when the check compared two values.
    pub actual: Option<String>,
}

impl Error {
    /// A failure without compared values.
    pub fn new(check: Check, message: impl Into<String>) -> Error {
        Error {
            check,
            message: message.into(),
            expected: None,
            actual: None,
        }
    }

    /// A failure that compared `expected` with `actual`.
    pub fn mismatch(
        check: Check,
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Error {
        Error {
            check,
            message: message.into(),
            expected: Some(expected.into()),
            actual: Some(actual.into()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.check, self.message)?;
        if let Some(e) = &self.expected {
            write!(f, "; expected {e}")?;
        }
        if let Some(a) = &self.actual {
            write!(f, "; got {a}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
