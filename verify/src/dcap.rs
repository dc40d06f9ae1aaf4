//! Step 1: DCAP quote verification with dcap-qvl against the pinned Intel SGX Root CA, the
//! TCB status policy, and the TD attribute rules dstack applies on top.

use dcap_qvl::quote::{Quote as DcapQuote, Report};
use sha2::{Digest, Sha256};

use crate::collateral;
use crate::error::{Check, Error, Result};
use crate::Options;

/// The Intel SGX Root CA certificate (DER) every PCK chain, CRL and TCB signer must chain
/// to. Subject `CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`,
/// valid 2018-05-21 to 2049-12-31; Intel publishes it with the PCS.
pub static INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("intel_sgx_root_ca.der");

/// SHA-256 of [`INTEL_SGX_ROOT_CA_DER`], lowercase hex.
pub const INTEL_SGX_ROOT_CA_SHA256: &str =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

/// A TCB status as Intel's TCB info and QE identity define it (merged over platform and
/// QE, as dcap-qvl reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TcbStatus {
    /// The platform is patched.
    UpToDate = 0,
    /// Patched, but software hardening (mitigations in the enclave/TD) is needed.
    SWHardeningNeeded = 1,
    /// Patched, but the platform configuration needs changes.
    ConfigurationNeeded = 2,
    /// Both of the above.
    ConfigurationAndSWHardeningNeeded = 3,
    /// The platform TCB is out of date.
    OutOfDate = 4,
    /// Out of date, and the configuration needs changes.
    OutOfDateConfigurationNeeded = 5,
    /// TDX 1.5: launched with an out-of-date TCB that has since been updated in place.
    TDRelaunchAdvised = 6,
    /// As `TDRelaunchAdvised`, and the configuration needs changes.
    TDRelaunchAdvisedConfigurationNeeded = 7,
    /// The platform's keys are revoked. Never accepted.
    Revoked = 8,
}

impl TcbStatus {
    /// Every status, in the order of their numbers.
    pub const ALL: [TcbStatus; 9] = [
        TcbStatus::UpToDate,
        TcbStatus::SWHardeningNeeded,
        TcbStatus::ConfigurationNeeded,
        TcbStatus::ConfigurationAndSWHardeningNeeded,
        TcbStatus::OutOfDate,
        TcbStatus::OutOfDateConfigurationNeeded,
        TcbStatus::TDRelaunchAdvised,
        TcbStatus::TDRelaunchAdvisedConfigurationNeeded,
        TcbStatus::Revoked,
    ];

    /// Intel's name of the status (`"UpToDate"`, …).
    pub fn name(self) -> &'static str {
        match self {
            TcbStatus::UpToDate => "UpToDate",
            TcbStatus::SWHardeningNeeded => "SWHardeningNeeded",
            TcbStatus::ConfigurationNeeded => "ConfigurationNeeded",
            TcbStatus::ConfigurationAndSWHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
            TcbStatus::OutOfDate => "OutOfDate",
            TcbStatus::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
            TcbStatus::TDRelaunchAdvised => "TDRelaunchAdvised",
            TcbStatus::TDRelaunchAdvisedConfigurationNeeded => {
                "TDRelaunchAdvisedConfigurationNeeded"
            }
            TcbStatus::Revoked => "Revoked",
        }
    }

    /// The status named `name` (Intel's spelling, ASCII case ignored).
    pub fn from_name(name: &str) -> Option<TcbStatus> {
        TcbStatus::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// This status's bit in a [`TcbPolicy`].
    pub fn bit(self) -> u32 {
        1 << self as u32
    }
}

impl std::fmt::Display for TcbStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The TCB statuses a caller accepts: a bitmask of [`TcbStatus::bit`]. `Revoked` is never
/// accepted, whatever the mask says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcbPolicy(pub u32);

impl Default for TcbPolicy {
    fn default() -> Self {
        TcbPolicy::UP_TO_DATE
    }
}

impl TcbPolicy {
    /// Only `UpToDate` (the default).
    pub const UP_TO_DATE: TcbPolicy = TcbPolicy(1);
    /// Every status but `Revoked`: report the status and let the caller decide.
    pub const ANY: TcbPolicy = TcbPolicy((1 << 8) - 1);

    /// This policy with `status` accepted too.
    pub fn allow(self, status: TcbStatus) -> TcbPolicy {
        TcbPolicy(self.0 | status.bit())
    }

    /// Whether `status` is accepted.
    pub fn accepts(self, status: TcbStatus) -> bool {
        status != TcbStatus::Revoked && self.0 & status.bit() != 0
    }

    /// The accepted statuses' names.
    pub fn names(self) -> Vec<&'static str> {
        TcbStatus::ALL
            .into_iter()
            .filter(|s| self.accepts(*s))
            .map(TcbStatus::name)
            .collect()
    }

    /// Parses a comma-separated list of status names; `any` stands for every status but
    /// `Revoked`. `UpToDate` is always included. Unknown names and `Revoked` are errors.
    pub fn parse_list(list: &str) -> std::result::Result<TcbPolicy, String> {
        let mut p = TcbPolicy::UP_TO_DATE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("any") {
                p = TcbPolicy::ANY;
                continue;
            }
            match TcbStatus::from_name(name) {
                Some(TcbStatus::Revoked) => {
                    return Err("Revoked cannot be accepted".into());
                }
                Some(s) => p = p.allow(s),
                None => {
                    let known: Vec<_> = TcbStatus::ALL[..8].iter().map(|s| s.name()).collect();
                    return Err(format!(
                        "unknown TCB status {name:?} (known: {}, any)",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(p)
    }
}

/// What DCAP verification established about a quote.
#[derive(Debug, Clone)]
pub(crate) struct QuoteOutcome {
    pub quote: DcapQuote,
    pub intel_verified: bool,
    pub tcb_status: Option<TcbStatus>,
    pub advisory_ids: Vec<String>,
    pub ppid: Vec<u8>,
    pub collateral_window: Option<(u64, u64)>,
}

/// DER certificates in PEM text, in order (anything that is not a CERTIFICATE is skipped).
pub fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(pem)
        .map_while(|p| p.ok())
        .filter(|p| p.label == "CERTIFICATE")
        .map(|p| p.contents)
        .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn describe_cert(der: &[u8]) -> String {
    let subject = x509_parser::parse_x509_certificate(der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_else(|_| "an unparsable certificate".into());
    format!("{subject} (SHA-256 {})", sha256_hex(der))
}

/// Parses a quote with dcap-qvl's parser (TDX v4/v5, SGX v3). [`Check::QuoteFormat`].
pub(crate) fn parse_quote(quote: &[u8]) -> Result<DcapQuote> {
    if quote.len() < 48 {
        return Err(Error::mismatch(
            Check::QuoteFormat,
            "the quote is shorter than its 48-byte header",
            "at least 48 bytes",
            format!("{} bytes", quote.len()),
        ));
    }
    let version = u16::from_le_bytes([quote[0], quote[1]]);
    if !matches!(version, 3..=5) {
        return Err(Error::mismatch(
            Check::QuoteFormat,
            "unknown quote version",
            "3 (SGX), 4 or 5 (TDX)",
            version.to_string(),
        ));
    }
    DcapQuote::parse(quote).map_err(|e| {
        Error::new(
            Check::QuoteFormat,
            format!("the quote does not parse (truncated or malformed): {e:#}"),
        )
    })
}

/// The quote's PCK chain must end in the pinned Intel root: a cheap, collateral-free check
/// that names a mock signer (the simulator's) plainly.
fn check_pck_root(q: &DcapQuote, collateral_chain: Option<&str>) -> Result<()> {
    let chain = match q.raw_cert_chain() {
        Ok(c) => c.to_vec(),
        Err(_) => match collateral_chain {
            Some(c) => c.as_bytes().to_vec(),
            // Encrypted-PPID quotes carry no chain; the collateral must bring it, and
            // dcap-qvl reports its absence.
            None => return Ok(()),
        },
    };
    let certs = pem_certificates(&chain);
    let Some(last) = certs.last() else {
        return Err(Error::new(
            Check::CertificateChain,
            "the quote's PCK certificate chain holds no PEM certificate",
        ));
    };
    if last.as_slice() != INTEL_SGX_ROOT_CA_DER {
        return Err(Error::mismatch(
            Check::PckChainRoot,
            "the quote is not signed under Intel's root: its PCK certificate chain ends in \
             another certificate (a simulator or mock quote)",
            format!("Intel SGX Root CA (SHA-256 {INTEL_SGX_ROOT_CA_SHA256})"),
            describe_cert(last),
        ));
    }
    Ok(())
}

/// Sorts a dcap-qvl error into the check it belongs to.
fn classify(e: &anyhow::Error) -> Check {
    let m = format!("{e:#}").to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("revoked") {
        Check::TcbStatus
    } else if has("debug mode")
        || has("td profiling")
        || has("td attributes")
        || has("td migration")
        || has("servtd_ext")
        || has("sept_ve_disable")
        || has("mr service td")
    {
        Check::TdAttributes
    } else if has("qe identity id/version") {
        // QE identity for the other TEE type: collateral of another kind of quote.
        Check::TcbInfo
    } else if has("decode quote")
        || has("quote version")
        || has("must have version")
        || has("tee type")
        || has("attestation key type")
        || has("qe vendor id")
    {
        Check::QuoteFormat
    } else if has("isv enclave report signature") {
        Check::QuoteSignature
    } else if has("qe_report") || has("qe report") {
        Check::QeReport
    } else if has("qe mrsigner")
        || has("qe isvprodid")
        || has("qe miscselect")
        || has("qe attributes")
        || has("qe isvsvn")
        || has("tcb levels found in qe identity")
    {
        Check::QeIdentity
    } else if has("expired") || has("in the future") {
        Check::CollateralValidity
    } else if has("fmspc")
        || has("no matching tcb level")
        || has("tcb info in the collateral")
        || has("tdx module")
        || has("tdxmodule")
    {
        Check::TcbInfo
    } else if has("decode tcbinfo")
        || has("decode qeidentity")
        || has("parse crl")
        || has("ca crl")
        || has("pck crl")
    {
        Check::CollateralFormat
    } else if has("signature is invalid for tcb_info")
        || has("signature is invalid for qe_identity")
        || has("issued directly by the root ca")
    {
        Check::CollateralSignature
    } else if has("certificate") || has("cert") || has("chain") {
        Check::CertificateChain
    } else {
        Check::Dcap
    }
}

/// Verifies the quote's Intel signature chain with collateral at `opts.now` (unless the
/// caller opted out), then applies the TCB policy.
pub(crate) fn verify(quote: &[u8], opts: &Options<'_>) -> Result<QuoteOutcome> {
    let q = parse_quote(quote)?;
    if opts.insecure_skip_intel_signature {
        return Ok(QuoteOutcome {
            quote: q,
            intel_verified: false,
            tcb_status: None,
            advisory_ids: Vec::new(),
            ppid: Vec::new(),
            collateral_window: None,
        });
    }
    let collateral = opts.collateral.map(collateral::parse).transpose()?;
    check_pck_root(
        &q,
        collateral
            .as_ref()
            .and_then(|c| c.inner.pck_certificate_chain.as_deref()),
    )?;
    let Some(collateral) = collateral else {
        return Err(Error::new(
            Check::CollateralMissing,
            "verifying the Intel signature needs collateral (the PCCS QuoteCollateralV3 \
             JSON); or opt out for development with insecure_skip_intel_signature",
        ));
    };
    collateral.check_time(opts.now)?;
    let verifier = dcap_qvl::verify::QuoteVerifier::new(INTEL_SGX_ROOT_CA_DER.to_vec());
    let report = verifier
        .verify(quote, &collateral.inner, opts.now)
        .map_err(|e| {
            Error::new(
                classify(&e),
                format!("DCAP verification (dcap-qvl) failed: {e:#}"),
            )
        })?;
    let status = TcbStatus::from_name(&report.status).ok_or_else(|| {
        Error::new(
            Check::TcbStatus,
            format!(
                "dcap-qvl reported an unknown TCB status {:?}",
                report.status
            ),
        )
    })?;
    if !opts.policy.accepts(status) {
        let advisories = if report.advisory_ids.is_empty() {
            String::new()
        } else {
            format!(" (advisories {})", report.advisory_ids.join(", "))
        };
        return Err(Error::mismatch(
            Check::TcbStatus,
            "the TCB status is not among the accepted ones",
            format!("one of {}", opts.policy.names().join(", ")),
            format!("{status}{advisories}"),
        ));
    }
    Ok(QuoteOutcome {
        quote: q,
        intel_verified: true,
        tcb_status: Some(status),
        advisory_ids: report.advisory_ids,
        ppid: report.ppid,
        collateral_window: Some((collateral.valid_from, collateral.valid_until)),
    })
}

/// dstack's own rules on the TD (or enclave) attributes, applied with or without the Intel
/// signature check: no debug TD, a zero MRSIGNERSEAM (the Intel TDX module), no service TD.
pub(crate) fn check_attributes(report: &Report) -> Result<()> {
    if let Some(sgx) = report.as_sgx() {
        if sgx.attributes[0] & 0x02 != 0 {
            return Err(Error::new(
                Check::TdAttributes,
                "the enclave runs in debug mode (ATTRIBUTES.DEBUG set)",
            ));
        }
        return Ok(());
    }
    let Some(td) = report.as_td10() else {
        return Err(Error::new(Check::QuoteFormat, "unknown report body"));
    };
    if td.td_attributes[0] & 0x01 != 0 {
        return Err(Error::mismatch(
            Check::TdAttributes,
            "the TD runs in debug mode (TDATTRIBUTES.DEBUG set)",
            "bit 0 of TDATTRIBUTES clear",
            format!("TDATTRIBUTES {}", hex::encode(td.td_attributes)),
        ));
    }
    if td.mr_signer_seam != [0u8; 48] {
        return Err(Error::mismatch(
            Check::TdAttributes,
            "MRSIGNERSEAM is not zero: the TDX module is not Intel's",
            hex::encode([0u8; 48]),
            hex::encode(td.mr_signer_seam),
        ));
    }
    if let Some(td15) = report.as_td15() {
        if td15.mr_service_td != [0u8; 48] {
            return Err(Error::mismatch(
                Check::TdAttributes,
                "MRSERVICETD is not zero: the TD is bound to a service TD",
                hex::encode([0u8; 48]),
                hex::encode(td15.mr_service_td),
            ));
        }
    }
    Ok(())
}
