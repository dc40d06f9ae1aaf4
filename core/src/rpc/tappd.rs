//! The legacy tappd API (`tappd.sock`, paths `/prpc/Tappd.<Method>`, docs/PROTOCOL.md §2.2).

use super::dstack::{GetTlsKeyResponse, VersionResponse};
use super::info::InfoResponse;
use super::{key_and_chain, write_report_data, Redacted, Rpc, SignatureChain, View};
use crate::error::{Error, Result};
use crate::json::{self, opt_str, req_hex, req_str, JsonWriter, Scratch};

/// The hash algorithms `TdxQuote` accepts (`""` means the agent's default, `sha512`).
pub const TDX_QUOTE_HASH_ALGORITHMS: [&str; 11] = [
    "",
    "sha256",
    "sha384",
    "sha512",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "keccak256",
    "keccak384",
    "keccak512",
    "raw",
];

/// Raw report data (tappd `RawQuote`, `TdxQuote` with `raw`) must be exactly 64 bytes.
fn check_raw_report_data(report_data: &[u8]) -> Result<()> {
    if report_data.len() != 64 {
        return Err(Error::InvalidArgument(
            "raw report_data must be exactly 64 bytes",
        ));
    }
    Ok(())
}

/// `DeriveKey`: a P-256 key derived from `path` (or random with `random_seed`) with a
/// certificate chain.
///
/// Body: `path`, `subject` (the path when empty, as every official SDK does),
/// `alt_names` when non-empty, and the usage flags and `random_seed` only when true, so
/// the default request is the one the official SDKs send (0.3.x agents know only
/// `path`/`subject`/`alt_names`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeriveKey<'a> {
    /// Derivation path.
    pub path: &'a str,
    /// Certificate subject; `""` means `path`.
    pub subject: &'a str,
    /// Subject alternative names.
    pub alt_names: &'a [&'a str],
    /// RA-TLS extension.
    pub usage_ra_tls: bool,
    /// Server-auth usage.
    pub usage_server_auth: bool,
    /// Client-auth usage.
    pub usage_client_auth: bool,
    /// Use a random key instead of the path-derived one.
    pub random_seed: bool,
}

/// The `DeriveKey` answer: a PEM key and its certificate chain.
pub type DeriveKeyResponse<'a> = GetTlsKeyResponse<'a>;

impl Rpc for DeriveKey<'_> {
    const PATH: &'static str = "/prpc/Tappd.DeriveKey";
    type Response<'b> = DeriveKeyResponse<'b>;

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("path", self.path);
        w.field_str(
            "subject",
            if self.subject.is_empty() {
                self.path
            } else {
                self.subject
            },
        );
        if !self.alt_names.is_empty() {
            w.field_str_array("alt_names", self.alt_names);
        }
        for (name, on) in [
            ("usage_ra_tls", self.usage_ra_tls),
            ("usage_server_auth", self.usage_server_auth),
            ("usage_client_auth", self.usage_client_auth),
            ("random_seed", self.random_seed),
        ] {
            if on {
                w.field_bool(name, true);
            }
        }
        w.end_object();
    }
}

/// `DeriveK256Key`: the tappd name of `GetKey` (secp256k1).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeriveK256Key<'a> {
    /// Derivation path.
    pub path: &'a str,
    /// Purpose, signed into the chain.
    pub purpose: &'a str,
}

/// The `DeriveK256Key` answer.
///
/// Like [`super::dstack::GetKeyResponse`]: not `Clone`, the key is redacted from `Debug`
/// output and wiped on drop.
#[derive(PartialEq, Eq)]
pub struct DeriveK256KeyResponse {
    /// The 32-byte secp256k1 secret.
    pub k256_key: [u8; 32],
    /// 65-byte chain signatures, as in `GetKey`.
    pub k256_signature_chain: SignatureChain,
}

impl core::fmt::Debug for DeriveK256KeyResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeriveK256KeyResponse")
            .field("k256_key", &Redacted(self.k256_key.len()))
            .field("k256_signature_chain", &self.k256_signature_chain)
            .finish()
    }
}

impl Drop for DeriveK256KeyResponse {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.k256_key);
    }
}

impl View<'_> for DeriveK256KeyResponse {
    fn parse(body: &[u8], scratch: &mut [u8]) -> Result<Self> {
        let names = ["k256_key", "k256_signature_chain"];
        let (k256_key, k256_signature_chain) = key_and_chain(body, scratch, names)?;
        Ok(DeriveK256KeyResponse {
            k256_key,
            k256_signature_chain,
        })
    }
}

impl Rpc for DeriveK256Key<'_> {
    const PATH: &'static str = "/prpc/Tappd.DeriveK256Key";
    type Response<'b> = DeriveK256KeyResponse;

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("path", self.path);
        w.field_str("purpose", self.purpose);
        w.end_object();
    }
}

/// `TdxQuote`: a quote whose report data the agent computes as
/// `H(tag ":" report_data)` (tag = `prefix`, or `app-data` when empty), zero-padded.
///
/// `hash_algorithm` is one of [`TDX_QUOTE_HASH_ALGORITHMS`]; `""` lets the agent use
/// `sha512`. With `raw` the data is used as is and must be **exactly 64 bytes**: that is
/// what the agent accepts (shorter raw data is answered with `invalid content length`),
/// so this core neither pads (the official tappd clients left-pad, while `GetQuote`
/// right-pads: docs/PROTOCOL.md §10.2) nor lets a request through that the agent would refuse.
/// Report data for hashed algorithms may have any length.
#[derive(Debug, Clone, Copy, Default)]
pub struct TdxQuote<'a> {
    /// The data hashed into the report data (or the report data itself with `raw`).
    pub report_data: &'a [u8],
    /// Hash algorithm name.
    pub hash_algorithm: &'a str,
    /// Tag hashed before the data; `""` means `app-data`.
    pub prefix: &'a str,
}

/// The `TdxQuote` / `RawQuote` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdxQuoteResponse<'a> {
    /// The quote bytes.
    pub quote: &'a [u8],
    /// The event log: JSON array text (stripped).
    pub event_log: &'a str,
    /// The algorithm the agent used; `""` when absent.
    pub hash_algorithm: &'a str,
    /// The tag the agent used (without colon; `""` for raw); `""` when absent.
    pub prefix: &'a str,
}

impl<'a> View<'a> for TdxQuoteResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [quote, event_log, hash_algorithm, prefix] =
            json::fields(body, ["quote", "event_log", "hash_algorithm", "prefix"])?;
        let mut s = Scratch::new(scratch, body.len());
        Ok(TdxQuoteResponse {
            quote: req_hex(quote, &mut s)?,
            event_log: req_str(event_log, &mut s)?,
            hash_algorithm: opt_str(hash_algorithm, &mut s)?,
            prefix: opt_str(prefix, &mut s)?,
        })
    }
}

impl Rpc for TdxQuote<'_> {
    const PATH: &'static str = "/prpc/Tappd.TdxQuote";
    type Response<'b> = TdxQuoteResponse<'b>;

    fn validate(&self) -> Result<()> {
        if !TDX_QUOTE_HASH_ALGORITHMS.contains(&self.hash_algorithm) {
            return Err(Error::InvalidArgument(
                "hash_algorithm must be one of sha256, sha384, sha512, sha3-256, sha3-384, sha3-512, keccak256, keccak384, keccak512, raw",
            ));
        }
        if self.hash_algorithm == "raw" {
            return check_raw_report_data(self.report_data);
        }
        Ok(())
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_hex("report_data", self.report_data);
        w.field_str("hash_algorithm", self.hash_algorithm);
        w.field_str("prefix", self.prefix);
        w.end_object();
    }
}

/// `RawQuote`: a quote over exactly 64 bytes of report data.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawQuote<'a> {
    /// Exactly 64 bytes.
    pub report_data: &'a [u8],
}

impl Rpc for RawQuote<'_> {
    const PATH: &'static str = "/prpc/Tappd.RawQuote";
    type Response<'b> = TdxQuoteResponse<'b>;

    fn validate(&self) -> Result<()> {
        check_raw_report_data(self.report_data)
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        write_report_data(w, self.report_data)
    }
}

/// Tappd `Info` (same answer as the current `Info`, or the 0.3.x `WorkerInfo`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TappdInfo;

impl Rpc for TappdInfo {
    const PATH: &'static str = "/prpc/Tappd.Info";
    type Response<'b> = InfoResponse<'b>;
}

/// Tappd `Version`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TappdVersion;

impl Rpc for TappdVersion {
    const PATH: &'static str = "/prpc/Tappd.Version";
    type Response<'b> = VersionResponse<'b>;
}
