//! Collateral from a PCCS, without I/O: libdstack has no TLS, so each binding fetches
//! with its own HTTPS client. `dstack_pccs_url` names the four requests for a quote;
//! `dstack_pccs_collateral` turns the four answers into the collateral JSON the
//! verifications take.

use dstack_ffi::boundary;
use dstack_ffi::dstack_error;
use dstack_ffi::error::{Failure, Result};
use dstack_ffi::slice::{self, OutBuf};
use dstack_ffi::status::dstack_status;
use verifier::collateral::{self, PccsAnswers, PccsPlan};

use crate::failure;

/// Selects one of the four PCCS requests of `dstack_pccs_url`. A plain `uint32_t`; the
/// values are the enumerators of `dstack_pccs_request_e`.
pub type dstack_pccs_request = u32;

/// The values of `dstack_pccs_request` (C enumerators; no function uses this enum type).
/// Each names the response header that carries the answer's issuer chain (URL-encoded
/// PEM), which `dstack_pccs_collateral` takes with the body.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dstack_pccs_request_e {
    /// The PCK CRL (DER body); issuer chain in `SGX-PCK-CRL-Issuer-Chain`.
    DSTACK_PCCS_PCK_CRL = 1,
    /// The TCB info (JSON body); issuer chain in `TCB-Info-Issuer-Chain` (TDX) or
    /// `SGX-TCB-Info-Issuer-Chain` (SGX).
    DSTACK_PCCS_TCB_INFO = 2,
    /// The QE identity (JSON body); issuer chain in `SGX-Enclave-Identity-Issuer-Chain`.
    DSTACK_PCCS_QE_IDENTITY = 3,
    /// The root CA CRL (hex text from a PCCS, DER from Intel's PCS); no issuer chain.
    DSTACK_PCCS_ROOT_CA_CRL = 4,
}

/// The quote inside `evidence`, told apart by its first byte: `{` a GetQuote or Attest
/// JSON answer; 0x00 or a msgpack map header an attestation; 0x30 an RA-TLS certificate
/// (DER); anything else a raw quote.
fn quote_of(evidence: &[u8]) -> Result<Vec<u8>> {
    let v = match evidence.first() {
        Some(b'{') => {
            let is_attest = serde_json::from_slice::<serde_json::Value>(evidence)
                .map(|j| j.get("attestation").is_some() && j.get("quote").is_none())
                .unwrap_or(false);
            if is_attest {
                verifier::input::attestation(evidence)
                    .and_then(|a| verifier::attestation::decode(&a))
                    .map(|a| a.quote)
            } else {
                verifier::input::GetQuote::parse(evidence).map(|g| g.quote)
            }
        }
        Some(0x00 | 0x80..=0x8f | 0xde | 0xdf) => {
            verifier::attestation::decode(evidence).map(|a| a.quote)
        }
        Some(0x30) => verifier::ratls::parse_certificate(evidence).map(|c| {
            c.attestation
                .map(|a| a.quote)
                .or(c.legacy_quote)
                .unwrap_or_default()
        }),
        _ => Ok(evidence.to_vec()),
    };
    v.map_err(failure)
}

fn plan(evidence: &[u8]) -> Result<PccsPlan> {
    collateral::pccs_plan(&quote_of(evidence)?).map_err(failure)
}

/// The URL of one PCCS request for the quote in `evidence` (a raw quote, a GetQuote or
/// Attest JSON answer, an attestation, or an RA-TLS certificate in DER, told apart by the
/// first byte), under `pccs_url` (UTF-8, e.g. `https://pccs.example:8081`; a trailing
/// `/sgx/certification/v4` or `/tdx/certification/v4` is accepted), into `out_url`
/// (`out_url_cap` bytes; `DSTACK_STATUS_BUFFER_TOO_SMALL` puts the needed size in
/// `*out_url_len`). `request` is one of `dstack_pccs_request_e`. The FMSPC and the PCK CA
/// come from the quote's PCK certificate. Fetch the four URLs with an HTTPS client and
/// hand the answers to `dstack_pccs_collateral`. Errors: a quote without a PCK chain
/// (`DSTACK_STATUS_VERIFICATION_FAILED`, check `quote_format` or `certificate_chain`),
/// an unknown `request` (`DSTACK_STATUS_INVALID_ARGUMENT`). `out_url_len` must not be
/// NULL; `out_url` may be NULL only with `out_url_cap` 0. Pure and reentrant.
#[no_mangle]
pub unsafe extern "C" fn dstack_pccs_url(
    evidence: *const u8,
    evidence_len: usize,
    pccs_url: *const u8,
    pccs_url_len: usize,
    request: dstack_pccs_request,
    out_url: *mut u8,
    out_url_cap: usize,
    out_url_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (e, base, buf) = unsafe {
            (
                slice::bytes(evidence, evidence_len, "evidence")?,
                slice::text(pccs_url, pccs_url_len, "pccs_url")?,
                OutBuf::new(out_url, out_url_cap, out_url_len, "out_url")?,
            )
        };
        if base.trim().is_empty() {
            return Err(Failure::invalid("pccs_url is empty"));
        }
        let urls = plan(e)?.urls(base.trim());
        let url = match request {
            r if r == dstack_pccs_request_e::DSTACK_PCCS_PCK_CRL as u32 => urls.pck_crl,
            r if r == dstack_pccs_request_e::DSTACK_PCCS_TCB_INFO as u32 => urls.tcb_info,
            r if r == dstack_pccs_request_e::DSTACK_PCCS_QE_IDENTITY as u32 => urls.qe_identity,
            r if r == dstack_pccs_request_e::DSTACK_PCCS_ROOT_CA_CRL as u32 => urls.root_ca_crl,
            r => return Err(Failure::invalid(format!("unknown PCCS request {r}"))),
        };
        buf.write(url.as_bytes())
    })
}

/// Assembles collateral JSON (what `collateral_json` of the verifications takes) from the
/// answers to the four `dstack_pccs_url` requests for the quote in `evidence` (as for
/// `dstack_pccs_url`): each body as received, and each issuer-chain header value as
/// received (URL-encoded PEM; UTF-8). Written to `out_collateral_json`
/// (`out_collateral_json_cap` bytes; `DSTACK_STATUS_BUFFER_TOO_SMALL` puts the needed size
/// in `*out_collateral_json_len`). Nothing is verified here: the verification checks the
/// collateral's signatures and validity. A body without its signed object, a signature or
/// a header that does not decode is `DSTACK_STATUS_INVALID_ARGUMENT` (check
/// `collateral_format`). `out_collateral_json_len` must not be NULL;
/// `out_collateral_json` may be NULL only with `out_collateral_json_cap` 0.
#[no_mangle]
pub unsafe extern "C" fn dstack_pccs_collateral(
    evidence: *const u8,
    evidence_len: usize,
    pck_crl: *const u8,
    pck_crl_len: usize,
    pck_crl_issuer_chain: *const u8,
    pck_crl_issuer_chain_len: usize,
    tcb_info: *const u8,
    tcb_info_len: usize,
    tcb_info_issuer_chain: *const u8,
    tcb_info_issuer_chain_len: usize,
    qe_identity: *const u8,
    qe_identity_len: usize,
    qe_identity_issuer_chain: *const u8,
    qe_identity_issuer_chain_len: usize,
    root_ca_crl: *const u8,
    root_ca_crl_len: usize,
    out_collateral_json: *mut u8,
    out_collateral_json_cap: usize,
    out_collateral_json_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (e, answers, buf) = unsafe {
            (
                slice::bytes(evidence, evidence_len, "evidence")?,
                PccsAnswers {
                    pck_crl: slice::bytes(pck_crl, pck_crl_len, "pck_crl")?.to_vec(),
                    pck_crl_issuer_chain: slice::text(
                        pck_crl_issuer_chain,
                        pck_crl_issuer_chain_len,
                        "pck_crl_issuer_chain",
                    )?
                    .to_string(),
                    tcb_info: slice::bytes(tcb_info, tcb_info_len, "tcb_info")?.to_vec(),
                    tcb_info_issuer_chain: slice::text(
                        tcb_info_issuer_chain,
                        tcb_info_issuer_chain_len,
                        "tcb_info_issuer_chain",
                    )?
                    .to_string(),
                    qe_identity: slice::bytes(qe_identity, qe_identity_len, "qe_identity")?
                        .to_vec(),
                    qe_identity_issuer_chain: slice::text(
                        qe_identity_issuer_chain,
                        qe_identity_issuer_chain_len,
                        "qe_identity_issuer_chain",
                    )?
                    .to_string(),
                    root_ca_crl: slice::bytes(root_ca_crl, root_ca_crl_len, "root_ca_crl")?
                        .to_vec(),
                },
                OutBuf::new(
                    out_collateral_json,
                    out_collateral_json_cap,
                    out_collateral_json_len,
                    "out_collateral_json",
                )?,
            )
        };
        let json = collateral::collateral_from_pccs(&plan(e)?, &answers).map_err(failure)?;
        buf.write(json.as_bytes())
    })
}
