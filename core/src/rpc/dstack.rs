//! The current guest-agent API (`dstack.sock`, paths `/<Method>`, docs/PROTOCOL.md §2.1).

use super::info::InfoResponse;
use super::{
    key_and_chain, write_report_data, CertificateChain, Redacted, Rpc, SignatureChain, View,
    MAX_SIGNATURE_CHAIN,
};
use crate::error::{Error, Result};
use crate::json::{self, opt_hex, opt_str, req_hex, req_str, required, JsonWriter, Scratch};

/// Longest report data the agent accepts; shorter data is right-padded with zeros by the
/// agent.
pub const MAX_REPORT_DATA: usize = 64;

/// The `InvalidArgument` text of a [`GetQuote`] or [`Attest`] whose report data is over
/// [`MAX_REPORT_DATA`]; match on it to print the full message with
/// [`report_data_len_message`].
pub const REPORT_DATA_LEN_ERROR: &str = "report_data must be at most 64 bytes";

/// The one check of the report-data length (GetQuote, Attest): every layer above calls
/// `validate` and words the refusal with [`report_data_len_message`], none re-checks.
fn check_report_data(report_data: &[u8]) -> Result<()> {
    if report_data.len() > MAX_REPORT_DATA {
        return Err(Error::InvalidArgument(REPORT_DATA_LEN_ERROR));
    }
    Ok(())
}

/// Writes the full message for report data of `received` bytes over the limit,
/// `report data is N bytes; at most 64 are allowed`, into `out`.
pub fn report_data_len_message(received: usize, out: &mut [u8; 96]) -> &str {
    let mut w = JsonWriter::new(&mut out[..]);
    w.raw(b"report data is ");
    let mut digits = [0u8; 20];
    w.raw(json::decimal(received as u64, &mut digits));
    w.raw(b" bytes; at most 64 are allowed");
    let n = w.len();
    // Only ASCII was written and the text always fits in 96 bytes.
    core::str::from_utf8(&out[..n]).unwrap_or(REPORT_DATA_LEN_ERROR)
}

// ---------------------------------------------------------------------------------
// GetKey
// ---------------------------------------------------------------------------------

/// `GetKey`: a key derived from the app key and `path`, with a signature chain.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetKey<'a> {
    /// Derivation path (the only input of the key material).
    pub path: &'a str,
    /// Purpose, signed into the chain.
    pub purpose: &'a str,
    /// `""` (sent as `secp256k1`), `secp256k1`, `k256` or `ed25519`.
    pub algorithm: &'a str,
}

impl GetKey<'_> {
    /// The algorithm as sent: `secp256k1` for `""`, else as given.
    pub fn effective_algorithm(&self) -> &str {
        if self.algorithm.is_empty() {
            "secp256k1"
        } else {
            self.algorithm
        }
    }
}

/// The `GetKey` answer.
///
/// It holds a secret, so it is not `Clone` (no stray copies), its `Debug` output shows
/// the key's length only, and the key is wiped when the value is dropped.
#[derive(PartialEq, Eq)]
pub struct GetKeyResponse {
    /// The 32-byte secret: a secp256k1 scalar or an ed25519 seed.
    pub key: [u8; 32],
    /// `[app signature over (purpose, public key), KMS signature over the app key]`.
    pub signature_chain: SignatureChain,
}

impl core::fmt::Debug for GetKeyResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GetKeyResponse")
            .field("key", &Redacted(self.key.len()))
            .field("signature_chain", &self.signature_chain)
            .finish()
    }
}

impl Drop for GetKeyResponse {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

impl View<'_> for GetKeyResponse {
    /// `scratch` is only needed for escaped hex, which the agent never sends.
    fn parse(body: &[u8], scratch: &mut [u8]) -> Result<Self> {
        let (key, signature_chain) = key_and_chain(body, scratch, ["key", "signature_chain"])?;
        Ok(GetKeyResponse {
            key,
            signature_chain,
        })
    }
}

impl Rpc for GetKey<'_> {
    const PATH: &'static str = "/GetKey";
    type Response<'b> = GetKeyResponse;

    fn validate(&self) -> Result<()> {
        match self.algorithm {
            "" | "secp256k1" | "k256" | "ed25519" => Ok(()),
            _ => Err(Error::InvalidArgument(
                "algorithm must be one of \"\", secp256k1, k256, ed25519",
            )),
        }
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("path", self.path);
        w.field_str("purpose", self.purpose);
        w.field_str("algorithm", self.effective_algorithm());
        w.end_object();
    }
}

// ---------------------------------------------------------------------------------
// GetQuote / Attest
// ---------------------------------------------------------------------------------

/// `GetQuote`: a TDX quote over `report_data` (at most 64 bytes, empty allowed; the agent
/// right-pads it with zeros).
#[derive(Debug, Clone, Copy, Default)]
pub struct GetQuote<'a> {
    /// Up to 64 bytes bound into the quote.
    pub report_data: &'a [u8],
}

/// The `GetQuote` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetQuoteResponse<'a> {
    /// The quote bytes.
    pub quote: &'a [u8],
    /// The event log: JSON array text (stripped, docs/PROTOCOL.md §5.3), for `eventlog`.
    pub event_log: &'a str,
    /// The 64-byte report data as quoted; `None` from agents older than its field.
    pub report_data: Option<[u8; 64]>,
    /// The VM configuration JSON text; `""` from older agents.
    pub vm_config: &'a str,
    /// `VersionedAttestation` bytes; empty on TDX and from older agents.
    pub attestation: &'a [u8],
}

impl<'a> View<'a> for GetQuoteResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [quote, event_log, report_data, vm_config, attestation] = json::fields(
            body,
            [
                "quote",
                "event_log",
                "report_data",
                "vm_config",
                "attestation",
            ],
        )?;
        let mut s = Scratch::new(scratch, body.len());
        let report_data = match json::optional(report_data) {
            Some(v) => Some(json::as_hex_array::<64>(v, &mut s)?),
            None => None,
        };
        Ok(GetQuoteResponse {
            quote: req_hex(quote, &mut s)?,
            event_log: req_str(event_log, &mut s)?,
            report_data,
            vm_config: opt_str(vm_config, &mut s)?,
            attestation: opt_hex(attestation, &mut s)?,
        })
    }
}

impl Rpc for GetQuote<'_> {
    const PATH: &'static str = "/GetQuote";
    type Response<'b> = GetQuoteResponse<'b>;

    fn validate(&self) -> Result<()> {
        check_report_data(self.report_data)
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        write_report_data(w, self.report_data)
    }
}

/// `Attest`: a `VersionedAttestation` over `report_data` (same rules as [`GetQuote`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Attest<'a> {
    /// Up to 64 bytes bound into the attestation.
    pub report_data: &'a [u8],
}

/// The `Attest` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestResponse<'a> {
    /// `VersionedAttestation` bytes (docs/PROTOCOL.md §7.3).
    pub attestation: &'a [u8],
}

impl<'a> View<'a> for AttestResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [attestation] = json::fields(body, ["attestation"])?;
        let mut s = Scratch::new(scratch, body.len());
        Ok(AttestResponse {
            attestation: req_hex(attestation, &mut s)?,
        })
    }
}

impl Rpc for Attest<'_> {
    const PATH: &'static str = "/Attest";
    type Response<'b> = AttestResponse<'b>;

    fn validate(&self) -> Result<()> {
        check_report_data(self.report_data)
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        write_report_data(w, self.report_data)
    }
}

// ---------------------------------------------------------------------------------
// GetTlsKey
// ---------------------------------------------------------------------------------

/// `GetTlsKey`: a fresh P-256 key with a certificate chain.
///
/// Body as the Python SDK sends it: `alt_names` omitted when empty, `not_before` /
/// `not_after` omitted when `None`, `with_app_info` sent only when true (so a request
/// without the newer options is byte-compatible with agents older than v0.5.6).
#[derive(Debug, Clone, Copy)]
pub struct GetTlsKey<'a> {
    /// Certificate subject (CN).
    pub subject: &'a str,
    /// Subject alternative names.
    pub alt_names: &'a [&'a str],
    /// Embed the attestation (RA-TLS extension).
    pub usage_ra_tls: bool,
    /// Server-auth extended key usage.
    pub usage_server_auth: bool,
    /// Client-auth extended key usage.
    pub usage_client_auth: bool,
    /// Validity start, seconds since the Unix epoch.
    pub not_before: Option<u64>,
    /// Validity end, seconds since the Unix epoch.
    pub not_after: Option<u64>,
    /// Embed the app info extension.
    pub with_app_info: bool,
}

impl Default for GetTlsKey<'_> {
    /// The official SDKs' defaults: server auth only.
    fn default() -> Self {
        GetTlsKey {
            subject: "",
            alt_names: &[],
            usage_ra_tls: false,
            usage_server_auth: true,
            usage_client_auth: false,
            not_before: None,
            not_after: None,
            with_app_info: false,
        }
    }
}

/// The `GetTlsKey` (and tappd `DeriveKey`) answer.
///
/// A view: the private key borrows from the caller's body or scratch buffer, which the
/// caller wipes; its `Debug` output shows the key's length only.
#[derive(Clone, PartialEq, Eq)]
pub struct GetTlsKeyResponse<'a> {
    /// The private key, PEM PKCS#8.
    pub key: &'a str,
    /// PEM certificates, leaf first.
    pub certificate_chain: CertificateChain<'a>,
}

impl core::fmt::Debug for GetTlsKeyResponse<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GetTlsKeyResponse")
            .field("key", &Redacted(self.key.len()))
            .field("certificate_chain", &self.certificate_chain)
            .finish()
    }
}

impl<'a> View<'a> for GetTlsKeyResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [key, chain] = json::fields(body, ["key", "certificate_chain"])?;
        let mut s = Scratch::new(scratch, body.len());
        Ok(GetTlsKeyResponse {
            key: req_str(key, &mut s)?,
            certificate_chain: json::str_list(required(chain)?, &mut s)?,
        })
    }
}

impl Rpc for GetTlsKey<'_> {
    const PATH: &'static str = "/GetTlsKey";
    type Response<'b> = GetTlsKeyResponse<'b>;

    fn validate(&self) -> Result<()> {
        if let (Some(nb), Some(na)) = (self.not_before, self.not_after) {
            if nb >= na {
                return Err(Error::InvalidArgument(
                    "not_before must be earlier than not_after",
                ));
            }
        }
        Ok(())
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("subject", self.subject);
        if !self.alt_names.is_empty() {
            w.field_str_array("alt_names", self.alt_names);
        }
        w.field_bool("usage_ra_tls", self.usage_ra_tls);
        w.field_bool("usage_server_auth", self.usage_server_auth);
        w.field_bool("usage_client_auth", self.usage_client_auth);
        if let Some(nb) = self.not_before {
            w.field_u64("not_before", nb);
        }
        if let Some(na) = self.not_after {
            w.field_u64("not_after", na);
        }
        if self.with_app_info {
            w.field_bool("with_app_info", true);
        }
        w.end_object();
    }
}

// ---------------------------------------------------------------------------------
// Info, Version, GpuInfo (empty requests)
// ---------------------------------------------------------------------------------

/// `Info`: app identity and measurements.
#[derive(Debug, Clone, Copy, Default)]
pub struct Info;

impl Rpc for Info {
    const PATH: &'static str = "/Info";
    type Response<'b> = InfoResponse<'b>;
}

/// `Version`: the agent's version (since v0.5.7; older agents answer 400/404).
#[derive(Debug, Clone, Copy, Default)]
pub struct Version;

/// The `Version` answer (also tappd `Version` / `WorkerVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionResponse<'a> {
    /// Crate version, e.g. `0.6.0`.
    pub version: &'a str,
    /// Source revision, e.g. `git:<20 hex>`; `""` when absent.
    pub rev: &'a str,
}

impl<'a> View<'a> for VersionResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [version, rev] = json::fields(body, ["version", "rev"])?;
        let mut s = Scratch::new(scratch, body.len());
        Ok(VersionResponse {
            version: req_str(version, &mut s)?,
            rev: opt_str(rev, &mut s)?,
        })
    }
}

impl Rpc for Version {
    const PATH: &'static str = "/Version";
    type Response<'b> = VersionResponse<'b>;
}

/// `GpuInfo`: the GPU attestation saved at boot.
#[derive(Debug, Clone, Copy, Default)]
pub struct GpuInfo;

/// The `GpuInfo` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuInfoResponse<'a> {
    /// The nvattest JSON text verbatim; `""` when the VM has no GPU attestation.
    pub attestation: &'a str,
}

impl<'a> View<'a> for GpuInfoResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [attestation] = json::fields(body, ["attestation"])?;
        let mut s = Scratch::new(scratch, body.len());
        Ok(GpuInfoResponse {
            attestation: opt_str(attestation, &mut s)?,
        })
    }
}

impl Rpc for GpuInfo {
    const PATH: &'static str = "/GpuInfo";
    type Response<'b> = GpuInfoResponse<'b>;
}

// ---------------------------------------------------------------------------------
// EmitEvent
// ---------------------------------------------------------------------------------

/// `EmitEvent`: extend RTMR3 with a runtime event (agents v0.5.0–v0.5.11).
#[derive(Debug, Clone, Copy, Default)]
pub struct EmitEvent<'a> {
    /// Event name; must not be empty.
    pub event: &'a str,
    /// Event payload (sent as hex).
    pub payload: &'a [u8],
}

/// The `EmitEvent` answer: an empty object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmitEventResponse;

impl View<'_> for EmitEventResponse {
    /// The body must be a JSON object (members ignored; no scratch used).
    fn parse(body: &[u8], _scratch: &mut [u8]) -> Result<Self> {
        json::fields(body, []).map(|[]| EmitEventResponse)
    }
}

impl Rpc for EmitEvent<'_> {
    const PATH: &'static str = "/EmitEvent";
    type Response<'b> = EmitEventResponse;

    fn validate(&self) -> Result<()> {
        if self.event.is_empty() {
            return Err(Error::InvalidArgument("event name must not be empty"));
        }
        Ok(())
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("event", self.event);
        w.field_hex("payload", self.payload);
        w.end_object();
    }
}

// ---------------------------------------------------------------------------------
// Sign / Verify
// ---------------------------------------------------------------------------------

fn check_sign_algorithm(algorithm: &str) -> Result<()> {
    match algorithm {
        "ed25519" | "secp256k1" | "k256" | "secp256k1_prehashed" => Ok(()),
        _ => Err(Error::InvalidArgument(
            "algorithm must be one of ed25519, secp256k1, k256, secp256k1_prehashed",
        )),
    }
}

/// `Sign`: sign `data` with the app's `vms`/`signing` key.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sign<'a> {
    /// `ed25519`, `secp256k1`, `k256` or `secp256k1_prehashed`.
    pub algorithm: &'a str,
    /// Data to sign; exactly a 32-byte digest for `secp256k1_prehashed`.
    pub data: &'a [u8],
}

/// The `Sign` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignResponse<'a> {
    /// The signature over the data (64 bytes for both curves).
    pub signature: &'a [u8],
    /// `[signature, app signature over ("signing", public key), KMS signature]`; the
    /// entries differ in length, hence slices.
    pub signature_chain: heapless::Vec<&'a [u8], MAX_SIGNATURE_CHAIN>,
    /// The signing public key (ed25519 32 B, secp256k1 compressed 33 B).
    pub public_key: &'a [u8],
}

impl<'a> View<'a> for SignResponse<'a> {
    fn parse(body: &'a [u8], scratch: &'a mut [u8]) -> Result<Self> {
        let [signature, chain, public_key] =
            json::fields(body, ["signature", "signature_chain", "public_key"])?;
        let mut s = Scratch::new(scratch, body.len());
        Ok(SignResponse {
            signature: req_hex(signature, &mut s)?,
            signature_chain: json::hex_list(required(chain)?, &mut s)?,
            public_key: req_hex(public_key, &mut s)?,
        })
    }
}

impl Rpc for Sign<'_> {
    const PATH: &'static str = "/Sign";
    type Response<'b> = SignResponse<'b>;

    fn validate(&self) -> Result<()> {
        check_sign_algorithm(self.algorithm)?;
        if self.algorithm == "secp256k1_prehashed" && self.data.len() != 32 {
            // The official SDKs' text is "…but received N bytes"; a static message
            // cannot carry N, so the caller formats it (`prehashed_len_message`).
            return Err(Error::InvalidArgument(PREHASHED_DIGEST_LEN_ERROR));
        }
        Ok(())
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("algorithm", self.algorithm);
        w.field_hex("data", self.data);
        w.end_object();
    }
}

/// The `InvalidArgument` text of a `secp256k1_prehashed` [`Sign`] whose data is not 32
/// bytes; match on it to print the full message with [`prehashed_len_message`].
pub const PREHASHED_DIGEST_LEN_ERROR: &str = "Pre-hashed signing requires a 32-byte digest";

/// Writes the official SDKs' full message for a pre-hashed digest of the wrong length,
/// `Pre-hashed signing requires a 32-byte digest, but received N bytes`, into `out`.
pub fn prehashed_len_message(received: usize, out: &mut [u8; 96]) -> &str {
    let mut w = JsonWriter::new(&mut out[..]);
    w.raw(b"Pre-hashed signing requires a 32-byte digest, but received ");
    let mut digits = [0u8; 20];
    w.raw(json::decimal(received as u64, &mut digits));
    w.raw(b" bytes");
    let n = w.len();
    // Only ASCII was written and the text always fits in 96 bytes.
    core::str::from_utf8(&out[..n]).unwrap_or("Pre-hashed signing requires a 32-byte digest")
}

/// `Verify`: ask the agent to verify a signature (agents v0.5.6–v0.5.9).
#[derive(Debug, Clone, Copy, Default)]
pub struct Verify<'a> {
    /// `ed25519`, `secp256k1`, `k256` or `secp256k1_prehashed`.
    pub algorithm: &'a str,
    /// The signed data.
    pub data: &'a [u8],
    /// The signature.
    pub signature: &'a [u8],
    /// The public key.
    pub public_key: &'a [u8],
}

/// The `Verify` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyResponse {
    /// True when the signature is valid (absent is false).
    pub valid: bool,
}

impl View<'_> for VerifyResponse {
    /// No scratch used.
    fn parse(body: &[u8], _scratch: &mut [u8]) -> Result<Self> {
        let [valid] = json::fields(body, ["valid"])?;
        let valid = match json::optional(valid) {
            Some(v) => json::as_bool(v)?,
            None => false,
        };
        Ok(VerifyResponse { valid })
    }
}

impl Rpc for Verify<'_> {
    const PATH: &'static str = "/Verify";
    type Response<'b> = VerifyResponse;

    fn validate(&self) -> Result<()> {
        check_sign_algorithm(self.algorithm)
    }

    fn write_body(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.field_str("algorithm", self.algorithm);
        w.field_hex("data", self.data);
        w.field_hex("signature", self.signature);
        w.field_hex("public_key", self.public_key);
        w.end_object();
    }
}
