//! `--pccs`: fetching collateral over HTTPS (ureq with rustls). The requests and the
//! assembly of the answers are dstack-verify's (`collateral::pccs_plan`,
//! `collateral_from_pccs`); this module only does the I/O.
//!
//! TLS protects nothing that matters here: every piece of collateral is signed under the
//! pinned Intel root and checked by the verifier. It only keeps the answers private.

use std::time::Duration;

use dstack_verify as dv;

/// Where Intel publishes the SGX Root CA's CRL (the CRL distribution point in the root
/// certificate); used when the service has no `rootcacrl` endpoint (Intel's PCS).
pub const INTEL_ROOT_CA_CRL_URL: &str =
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

const MAX_BODY: u64 = 8 << 20;

/// The quote inside an RA-TLS certificate, for fetching its collateral.
pub fn quote_of_certificate(der: &[u8]) -> Result<Vec<u8>, dv::Error> {
    let c = dv::ratls::parse_certificate(der)?;
    Ok(match (c.attestation, c.legacy_quote) {
        (Some(a), _) => a.quote,
        (None, Some(q)) => q,
        (None, None) => Vec::new(),
    })
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, names: &[&str]) -> String {
        self.headers
            .iter()
            .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Answer, String> {
    let mut resp = agent
        .get(url)
        .call()
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| format!("GET {url}: {e}"))?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn get_ok(agent: &ureq::Agent, url: &str) -> Result<Answer, String> {
    let a = get(agent, url)?;
    if a.status != 200 {
        return Err(format!("GET {url}: HTTP {}", a.status));
    }
    Ok(a)
}

/// Checks the `--pccs` URL before any request.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            format!(
                "--pccs {url:?}: the URL must start with https:// (or http:// for a local PCCS)"
            )
        })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("--pccs {url:?}: the URL has no host"));
    }
    Ok(())
}

/// Fetches the collateral for `quote` from the PCCS at `base` and returns it as the JSON
/// `dstack verify --collateral` reads.
pub fn fetch(base: &str, quote: &[u8]) -> Result<Vec<u8>, String> {
    check_url(base)?;
    let plan = dv::collateral::pccs_plan(quote).map_err(|e| format!("--pccs: {e}"))?;
    let urls = plan.urls(base);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .user_agent(concat!("dstack-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let fail = |e: String| format!("fetching collateral from {base} failed: {e}");
    let pck_crl = get_ok(&agent, &urls.pck_crl).map_err(fail)?;
    let tcb = get_ok(&agent, &urls.tcb_info).map_err(fail)?;
    let qe = get_ok(&agent, &urls.qe_identity).map_err(fail)?;
    let root = match get_ok(&agent, &urls.root_ca_crl) {
        Ok(a) => a,
        Err(_) => get_ok(&agent, INTEL_ROOT_CA_CRL_URL).map_err(fail)?,
    };
    let answers = dv::collateral::PccsAnswers {
        pck_crl_issuer_chain: pck_crl.header(&["SGX-PCK-CRL-Issuer-Chain"]),
        pck_crl: pck_crl.body,
        tcb_info_issuer_chain: tcb.header(&["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"]),
        tcb_info: tcb.body,
        qe_identity_issuer_chain: qe.header(&["SGX-Enclave-Identity-Issuer-Chain"]),
        qe_identity: qe.body,
        root_ca_crl: root.body,
    };
    dv::collateral::collateral_from_pccs(&plan, &answers)
        .map(String::into_bytes)
        .map_err(|e| fail(e.to_string()))
}
