//! Collateral: the PCCS `QuoteCollateralV3` JSON, its validity window, and the sans-IO half
//! of fetching it from a PCCS (which URLs to get, and how to assemble the answers).
//!
//! The JSON shape is the one dcap-qvl (de)serialises and PCCS clients store: string fields
//! `pck_crl_issuer_chain`, `tcb_info_issuer_chain`, `tcb_info`, `qe_identity_issuer_chain`,
//! `qe_identity`, optional `pck_certificate_chain` (PEM), and hex fields `root_ca_crl`,
//! `pck_crl` (DER CRLs), `tcb_info_signature`, `qe_identity_signature`.

use dcap_qvl::QuoteCollateralV3;
use x509_parser::prelude::FromDer;

use crate::error::{Check, Error, Result};
use crate::time::{format_unix, parse_rfc3339};

/// Largest collateral JSON accepted (real ones are 15–25 KiB).
pub const MAX_COLLATERAL_LEN: usize = 4 << 20;

/// Parsed collateral and the window in which all of its dated parts are valid.
#[derive(Debug, Clone)]
pub struct Collateral {
    /// The collateral as dcap-qvl takes it.
    pub inner: QuoteCollateralV3,
    /// When the collateral becomes valid: the latest TCB info / QE identity `issueDate` and
    /// CRL `thisUpdate` (Unix seconds).
    pub valid_from: u64,
    /// When it expires: the earliest `nextUpdate` of the same four items (Unix seconds).
    /// The window is half-open, `[valid_from, valid_until)`: at the `nextUpdate` instant a
    /// CRL counts as expired.
    pub valid_until: u64,
    /// Which item sets `valid_from` and which sets `valid_until`, for messages.
    pub from_source: &'static str,
    /// See `from_source`.
    pub until_source: &'static str,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(Check::CollateralFormat, msg)
}

#[derive(serde::Deserialize)]
struct Dated {
    #[serde(rename = "issueDate")]
    issue_date: String,
    #[serde(rename = "nextUpdate")]
    next_update: String,
}

fn json_dates(json: &str, what: &str) -> Result<(u64, u64)> {
    let d: Dated = serde_json::from_str(json)
        .map_err(|e| bad(format!("{what} is not the JSON Intel signs: {e}")))?;
    let from = parse_rfc3339(&d.issue_date)
        .ok_or_else(|| bad(format!("{what} issueDate {:?} is not a date", d.issue_date)))?;
    let until = parse_rfc3339(&d.next_update).ok_or_else(|| {
        bad(format!(
            "{what} nextUpdate {:?} is not a date",
            d.next_update
        ))
    })?;
    Ok((from, until))
}

fn crl_dates(der: &[u8], what: &str) -> Result<(u64, u64)> {
    let (rest, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
        .map_err(|e| bad(format!("{what} is not a DER CRL: {e}")))?;
    if !rest.is_empty() {
        return Err(bad(format!("{what} has {} trailing bytes", rest.len())));
    }
    let this = crl.last_update().timestamp();
    let next = crl
        .next_update()
        .ok_or_else(|| bad(format!("{what} has no nextUpdate")))?
        .timestamp();
    if this < 0 || next < 0 {
        return Err(bad(format!("{what} has a date before 1970")));
    }
    Ok((this as u64, next as u64))
}

/// Parses collateral JSON and computes its validity window. Errors are
/// [`Check::CollateralFormat`].
pub fn parse(json: &[u8]) -> Result<Collateral> {
    if json.len() > MAX_COLLATERAL_LEN {
        return Err(bad(format!(
            "collateral is {} bytes, more than the {MAX_COLLATERAL_LEN} accepted",
            json.len()
        )));
    }
    let inner: QuoteCollateralV3 = serde_json::from_slice(json)
        .map_err(|e| bad(format!("not QuoteCollateralV3 JSON: {e}")))?;
    let items = [
        ("TCB info", json_dates(&inner.tcb_info, "TCB info")?),
        (
            "QE identity",
            json_dates(&inner.qe_identity, "QE identity")?,
        ),
        ("root CA CRL", crl_dates(&inner.root_ca_crl, "root CA CRL")?),
        ("PCK CRL", crl_dates(&inner.pck_crl, "PCK CRL")?),
    ];
    let (mut valid_from, mut from_source) = (0u64, items[0].0);
    let (mut valid_until, mut until_source) = (u64::MAX, items[0].0);
    for (name, (from, until)) in items {
        if from >= valid_from {
            (valid_from, from_source) = (from, name);
        }
        if until < valid_until {
            (valid_until, until_source) = (until, name);
        }
    }
    Ok(Collateral {
        inner,
        valid_from,
        valid_until,
        from_source,
        until_source,
    })
}

impl Collateral {
    /// Checks that `now` lies inside `[valid_from, valid_until)`;
    /// [`Check::CollateralValidity`] otherwise.
    pub fn check_time(&self, now: u64) -> Result<()> {
        if now < self.valid_from || now >= self.valid_until {
            return Err(Error::mismatch(
                Check::CollateralValidity,
                format!(
                    "the collateral is not valid at the verification time (valid from the {} \
                     issue date to the {} next update)",
                    self.from_source, self.until_source
                ),
                format!(
                    "a time from {} to before {}",
                    format_unix(self.valid_from),
                    format_unix(self.valid_until)
                ),
                format_unix(now),
            ));
        }
        Ok(())
    }
}

/// What a PCCS must be asked for one quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PccsPlan {
    /// `"tdx"` or `"sgx"`: which TCB info and QE identity to fetch.
    pub tee: &'static str,
    /// The platform's FMSPC, upper-case hex, from the PCK certificate.
    pub fmspc: String,
    /// `"processor"` or `"platform"`: which PCK CA issued the PCK certificate.
    pub ca: &'static str,
    /// The PCK certificate chain from the quote (PEM), kept in the collateral.
    pub pck_certificate_chain: String,
}

/// The four URLs of a [`PccsPlan`] under one PCCS base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PccsUrls {
    /// PCK CRL (DER); its issuer chain is the `SGX-PCK-CRL-Issuer-Chain` header.
    pub pck_crl: String,
    /// TCB info JSON; issuer chain in `TCB-Info-Issuer-Chain` (or `SGX-TCB-Info-Issuer-Chain`).
    pub tcb_info: String,
    /// QE identity JSON; issuer chain in `SGX-Enclave-Identity-Issuer-Chain`.
    pub qe_identity: String,
    /// Root CA CRL (a PCCS answers it as hex text).
    pub root_ca_crl: String,
}

/// Reads the quote's PCK certificate chain (certification data type 5) and names what to
/// fetch. Errors: [`Check::QuoteFormat`] for a quote that does not parse or carries no
/// PCK chain, [`Check::CertificateChain`] for a chain without Intel's SGX extension.
pub fn pccs_plan(quote: &[u8]) -> Result<PccsPlan> {
    let q = dcap_qvl::quote::Quote::parse(quote)
        .map_err(|e| Error::new(Check::QuoteFormat, format!("quote does not parse: {e}")))?;
    let chain = q.raw_cert_chain().map_err(|e| {
        Error::new(
            Check::QuoteFormat,
            format!("the quote carries no PCK certificate chain: {e}"),
        )
    })?;
    let pem = String::from_utf8_lossy(chain)
        .trim_end_matches('\0')
        .to_string();
    let certs = crate::dcap::pem_certificates(pem.as_bytes());
    let leaf = certs.first().ok_or_else(|| {
        Error::new(
            Check::CertificateChain,
            "the quote's PCK chain holds no certificate",
        )
    })?;
    let ext = dcap_qvl::intel::parse_pck_extension(leaf).map_err(|e| {
        Error::new(
            Check::CertificateChain,
            format!("the PCK certificate has no Intel SGX extension: {e}"),
        )
    })?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| Error::new(Check::CertificateChain, format!("PCK certificate: {e}")))?;
    let issuer = cert.issuer().to_string();
    let ca = if issuer.contains("Platform CA") {
        "platform"
    } else {
        "processor"
    };
    Ok(PccsPlan {
        tee: if q.header.is_sgx() { "sgx" } else { "tdx" },
        fmspc: hex::encode_upper(ext.fmspc),
        ca,
        pck_certificate_chain: pem,
    })
}

impl PccsPlan {
    /// The URLs under `base` (e.g. `https://pccs.example/`; a trailing
    /// `/sgx/certification/v4` or `/tdx/certification/v4` is accepted too).
    pub fn urls(&self, base: &str) -> PccsUrls {
        let base = base
            .trim_end_matches('/')
            .trim_end_matches("/sgx/certification/v4")
            .trim_end_matches("/tdx/certification/v4");
        let tee = self.tee;
        PccsUrls {
            pck_crl: format!(
                "{base}/sgx/certification/v4/pckcrl?ca={}&encoding=der",
                self.ca
            ),
            tcb_info: format!(
                "{base}/{tee}/certification/v4/tcb?fmspc={}&update=standard",
                self.fmspc
            ),
            qe_identity: format!("{base}/{tee}/certification/v4/qe/identity?update=standard"),
            root_ca_crl: format!("{base}/sgx/certification/v4/rootcacrl"),
        }
    }
}

/// The PCCS answers for one [`PccsPlan`]: bodies and the issuer-chain headers
/// (URL-encoded PEM, as the PCCS sends them).
#[derive(Debug, Clone, Default)]
pub struct PccsAnswers {
    /// Body of the PCK CRL request.
    pub pck_crl: Vec<u8>,
    /// Its `SGX-PCK-CRL-Issuer-Chain` header.
    pub pck_crl_issuer_chain: String,
    /// Body of the TCB info request (`{"tcbInfo":…,"signature":…}`).
    pub tcb_info: Vec<u8>,
    /// Its `TCB-Info-Issuer-Chain` (or `SGX-TCB-Info-Issuer-Chain`) header.
    pub tcb_info_issuer_chain: String,
    /// Body of the QE identity request (`{"enclaveIdentity":…,"signature":…}`).
    pub qe_identity: Vec<u8>,
    /// Its `SGX-Enclave-Identity-Issuer-Chain` header.
    pub qe_identity_issuer_chain: String,
    /// Body of the root CA CRL request: hex text (PCCS) or DER (Intel PCS).
    pub root_ca_crl: Vec<u8>,
}

fn percent_decode(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad("an issuer-chain header has a bad %-escape"))?;
            out.push(h);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("an issuer-chain header is not UTF-8"))
}

/// Extracts the signed JSON text of `field` (byte for byte, as Intel signed it) and the
/// hex signature from a PCCS answer `{"<field>":{…},"signature":"…"}`.
fn signed_body(body: &[u8], field: &str) -> Result<(String, Vec<u8>)> {
    #[derive(serde::Deserialize)]
    struct Signed<'a> {
        #[serde(borrow, rename = "tcbInfo")]
        tcb_info: Option<&'a serde_json::value::RawValue>,
        #[serde(borrow, rename = "enclaveIdentity")]
        enclave_identity: Option<&'a serde_json::value::RawValue>,
        signature: String,
    }
    let s: Signed = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the PCCS {field} answer is not JSON: {e}")))?;
    let raw = match field {
        "tcbInfo" => s.tcb_info,
        _ => s.enclave_identity,
    }
    .ok_or_else(|| bad(format!("the PCCS answer has no {field}")))?;
    let sig = hex::decode(&s.signature)
        .map_err(|_| bad(format!("the PCCS {field} signature is not hex")))?;
    Ok((raw.get().to_string(), sig))
}

/// Assembles collateral JSON (the shape [`parse`] reads) from PCCS answers.
pub fn collateral_from_pccs(plan: &PccsPlan, answers: &PccsAnswers) -> Result<String> {
    let (tcb_info, tcb_info_signature) = signed_body(&answers.tcb_info, "tcbInfo")?;
    let (qe_identity, qe_identity_signature) =
        signed_body(&answers.qe_identity, "enclaveIdentity")?;
    let root = &answers.root_ca_crl;
    let root_ca_crl = match std::str::from_utf8(root) {
        Ok(t) if !t.trim().is_empty() && t.trim().bytes().all(|b| b.is_ascii_hexdigit()) => {
            hex::decode(t.trim()).map_err(|_| bad("the root CA CRL hex is malformed"))?
        }
        _ => root.clone(),
    };
    let c = QuoteCollateralV3 {
        pck_crl_issuer_chain: percent_decode(&answers.pck_crl_issuer_chain)?,
        root_ca_crl,
        pck_crl: answers.pck_crl.clone(),
        tcb_info_issuer_chain: percent_decode(&answers.tcb_info_issuer_chain)?,
        tcb_info,
        tcb_info_signature,
        qe_identity_issuer_chain: percent_decode(&answers.qe_identity_issuer_chain)?,
        qe_identity,
        qe_identity_signature,
        pck_certificate_chain: Some(plan.pck_certificate_chain.clone()),
    };
    serde_json::to_string(&c).map_err(|e| bad(format!("collateral encoding: {e}")))
}
