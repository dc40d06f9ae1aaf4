//! Typed answers of both APIs. Every response owns its data, already decoded (hex to
//! bytes, JSON strings unescaped), and keeps the raw body ([`GetKeyResponse::raw_body`]
//! and alike). Key material is held in [`SecretBytes`] / [`SecretString`]: wiped on drop,
//! redacted by `Debug`. Public bytes are [`HexBytes`], which print as the agent's hex.
//!
//! The official SDK's helpers are here under the same names (`decode_key`,
//! `decode_signature_chain`, `decode_quote`, `decode_event_log`, `replay_rtmrs`,
//! `decode_signature`, `decode_public_key`, `decode_attestation`, `as_uint8array`), next to
//! the checks the official SDK lacks (`verify_signature_chain`, `verify_event_log`,
//! `parse_quote`).

use crate::error::{Error, ErrorKind, Result};
use crate::secret::{HexBytes, SecretBytes, SecretString};
use crate::verify::{self, ChainInfo, Quote};
use dstack_core::eventlog;
use std::collections::BTreeMap;

/// One event of an event log, decoded: byte fields from hex, the name unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventLog {
    /// RTMR index, 0..=3.
    pub imr: u32,
    /// Event type (`0x08000001` for dstack runtime events).
    pub event_type: u32,
    /// The logged digest (empty for runtime events of stripped GetQuote logs).
    pub digest: HexBytes,
    /// The event name.
    pub event: String,
    /// The event payload.
    pub event_payload: HexBytes,
    /// Runtime-event digest version: 1 (also when absent in the JSON) or 2.
    pub version: u32,
    /// The V2 preimage, if the log carries one.
    pub preimage: Option<HexBytes>,
}

impl EventLog {
    /// Parses an event log (a JSON array of events, as in GetQuote, TdxQuote or Info's
    /// tcb_info). Each event needs `imr` 0..=3, `event_type`, `digest` and
    /// `event_payload` (hex), `event` (string); `version` and `preimage` are optional.
    ///
    /// ```
    /// let log = r#"[{"imr":3,"event_type":134217729,"digest":"","event":"app-id","event_payload":"0a0b"}]"#;
    /// let events = libdstack::EventLog::parse_list(log)?;
    /// assert_eq!(events[0].event, "app-id");
    /// assert_eq!(events[0].event_payload.to_string(), "0a0b");
    /// # Ok::<(), libdstack::Error>(())
    /// ```
    pub fn parse_list(json: &str) -> Result<Vec<EventLog>> {
        let mut out = Vec::new();
        for (i, ev) in eventlog::events(json.as_bytes()).enumerate() {
            let context = || format!("event log, event {i}");
            let ev = ev.map_err(|e| Error::from_core(&context(), e))?;
            out.push(EventLog::decode(&ev).map_err(|e| Error::from_core(&context(), e))?);
        }
        Ok(out)
    }

    fn decode(ev: &eventlog::Event<'_>) -> dstack_core::Result<EventLog> {
        let mut digest = vec![0u8; ev.digest_len()];
        ev.digest(&mut digest)?;
        let mut name = vec![0u8; ev.name_len()];
        let n = ev.name(&mut name)?.len();
        name.truncate(n);
        let event = String::from_utf8(name).map_err(|_| dstack_core::Error::MalformedResponse)?;
        let mut payload = vec![0u8; ev.payload_len()];
        ev.payload(&mut payload)?;
        let preimage = match ev.preimage_hex() {
            Some(h) => {
                let mut p = vec![0u8; h.len() / 2];
                ev.preimage(&mut p)?;
                Some(HexBytes::new(p))
            }
            None => None,
        };
        Ok(EventLog {
            imr: ev.imr(),
            event_type: ev.event_type(),
            digest: HexBytes::new(digest),
            event,
            event_payload: HexBytes::new(payload),
            version: ev.version(),
            preimage,
        })
    }
}

/// RTMR0..3 as the official SDK's `replay_rtmrs` returns them: index to lowercase hex.
fn rtmr_map(mrs: [[u8; 48]; 4]) -> BTreeMap<u8, String> {
    (0u8..)
        .zip(mrs)
        .map(|(i, m)| (i, HexBytes::from(m).to_hex()))
        .collect()
}

/// `GetKey` (and tappd `DeriveK256Key`): a key derived from a path, with the signature
/// chain that proves it was issued to this app.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GetKeyResponse {
    /// The derived key: 32 bytes (a secp256k1 scalar, or an ed25519 seed). Secret.
    pub key: SecretBytes,
    /// The signature chain: 65-byte `r‖s‖v` signatures (app key, then KMS root).
    pub signature_chain: Vec<HexBytes>,
    /// The purpose the key was requested with (it is bound into the chain).
    pub purpose: String,
    /// The effective algorithm (`secp256k1` or `ed25519`).
    pub algorithm: String,
    pub(crate) raw: SecretBytes,
}

impl GetKeyResponse {
    /// The key bytes, a copy that is itself wiped on drop. Infallible here (the key was
    /// decoded when the answer arrived); `Result` for the official SDK's signature.
    pub fn decode_key(&self) -> Result<SecretBytes> {
        Ok(self.key.clone())
    }

    /// The chain as byte vectors.
    pub fn decode_signature_chain(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.signature_chain.iter().map(|s| s.to_vec()).collect())
    }

    /// The public key of `key` for `algorithm`: 33-byte compressed secp256k1 or 32-byte
    /// ed25519 (the bytes the chain's first signature covers).
    pub fn public_key(&self) -> Result<HexBytes> {
        let alg = dstack_core::keys::KeyAlgorithm::parse(&self.algorithm)
            .map_err(|e| Error::from_core("signature chain", e))?;
        let pk = dstack_core::keys::getkey_public_key(&self.key, alg)
            .map_err(|e| Error::from_core("signature chain", e))?;
        Ok(HexBytes::from(pk.as_bytes()))
    }

    /// Verifies the signature chain (docs/PROTOCOL.md §6.2) for `app_id` and returns the
    /// recovered app and KMS keys. `trusted_kms_key`: `Some(33 bytes)` makes a chain that
    /// ends at another KMS key a `VerificationFailed`; with `None` the caller must compare
    /// [`ChainInfo::kms_key`] with a key it trusts. `app_id` must itself be trusted (e.g.
    /// from a verified quote's `app-id` event).
    pub fn verify_signature_chain(
        &self,
        app_id: &[u8],
        trusted_kms_key: Option<&[u8]>,
    ) -> Result<ChainInfo> {
        let [app, kms] = chain_pair(&self.signature_chain, 0, "a GetKey chain has 2 entries")?;
        let alg = dstack_core::keys::KeyAlgorithm::parse(&self.algorithm)
            .map_err(|e| Error::from_core("signature chain", e))?;
        let trusted = verify::trusted_kms_key(trusted_kms_key)?;
        dstack_core::chain::verify_getkey_chain(
            &self.key,
            alg,
            &self.purpose,
            app,
            kms,
            app_id,
            trusted.as_ref(),
        )
        .map(ChainInfo::from)
        .map_err(verify::chain_failure)
    }

    /// The EIP-55 Ethereum address of a secp256k1 key (`0x` + 40 hex digits).
    pub fn to_ethereum_address(&self) -> Result<String> {
        crate::keys::ethereum_address(&self.key)
    }

    /// The Solana (ed25519) keypair of the key used as a seed.
    pub fn to_solana_keypair(&self) -> Result<crate::keys::SolanaKeypair> {
        crate::keys::solana_keypair(&self.key)
    }
}

/// Entries `first` and `first + 1` of a chain as 65-byte signatures, or a
/// `MalformedResponse` naming the expected length.
fn chain_pair<'a>(
    chain: &'a [HexBytes],
    first: usize,
    expected: &str,
) -> Result<[&'a [u8; 65]; 2]> {
    if chain.len() != first + 2 {
        return Err(Error::new(
            ErrorKind::MalformedResponse,
            format!("{expected}, this one {}", chain.len()),
        ));
    }
    let sig = |i: usize| -> Result<&'a [u8; 65]> {
        chain[i].as_bytes().try_into().map_err(|_| {
            Error::invalid(format!(
                "chain[{i}] must be 65 bytes (r||s||v), got {}",
                chain[i].len()
            ))
        })
    };
    Ok([sig(first)?, sig(first + 1)?])
}

/// `GetQuote`: a TDX quote over the report data, with the event log that replays its
/// RTMRs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GetQuoteResponse {
    /// The TDX quote.
    pub quote: HexBytes,
    /// The event log: JSON array text (runtime events without digests).
    pub event_log: String,
    /// The 64 bytes of report data the agent quoted (empty from agents that do not
    /// send it).
    pub report_data: HexBytes,
    /// The VM configuration JSON text (empty from older agents).
    pub vm_config: String,
    /// The versioned attestation (empty when the agent sends none).
    pub attestation: HexBytes,
    pub(crate) raw: SecretBytes,
}

impl GetQuoteResponse {
    /// The quote bytes (a copy).
    pub fn decode_quote(&self) -> Result<Vec<u8>> {
        Ok(self.quote.to_vec())
    }

    /// The event log, parsed.
    pub fn decode_event_log(&self) -> Result<Vec<EventLog>> {
        EventLog::parse_list(&self.event_log)
    }

    /// RTMR0..3 replayed from the event log, as index → hex (the official SDK's shape).
    /// Unlike the official SDK this is the **sound** replay: runtime events' digests are
    /// recomputed from their payloads, so it works on GetQuote's stripped logs and cannot
    /// be fooled by a digest that does not match its payload.
    pub fn replay_rtmrs(&self) -> Result<BTreeMap<u8, String>> {
        Ok(rtmr_map(verify::replay_rtmrs(&self.event_log)?))
    }

    /// The quote, parsed (its Intel signature is not checked).
    pub fn parse_quote(&self) -> Result<Quote> {
        Quote::parse(&self.quote)
    }

    /// Replays the event log soundly and checks that it reproduces the quote's RTMR0..3,
    /// and that the quote's report data is the one the agent reported (when it did).
    /// The quote's Intel signature is **not** checked (use a DCAP verifier for that).
    pub fn verify_event_log(&self) -> Result<()> {
        let rd = if self.report_data.is_empty() {
            None
        } else {
            Some(self.report_data.as_bytes())
        };
        verify::verify_event_log(&self.quote, &self.event_log, rd)
    }
}

/// `Attest`: a versioned attestation over the report data.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AttestResponse {
    /// The attestation bytes (SCALE V0 or msgpack V1, docs/PROTOCOL.md §7.3).
    pub attestation: HexBytes,
    pub(crate) raw: SecretBytes,
}

impl AttestResponse {
    /// The attestation bytes (a copy).
    pub fn decode_attestation(&self) -> Result<Vec<u8>> {
        Ok(self.attestation.to_vec())
    }
}

/// `GetTlsKey` (and tappd `DeriveKey`): a P-256 key and a certificate chain for it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GetTlsKeyResponse {
    /// The private key, PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`). Secret.
    pub key: SecretString,
    /// PEM certificates, leaf first.
    pub certificate_chain: Vec<String>,
    pub(crate) raw: SecretBytes,
}

/// The tappd name of [`GetTlsKeyResponse`].
pub type DeriveKeyResponse = GetTlsKeyResponse;

impl GetTlsKeyResponse {
    /// The PKCS#8 DER of the key: all of it with `None`, else exactly `max_length` bytes
    /// (truncated or zero-padded), as the official Python SDK's `as_uint8array`. The
    /// first 32 bytes of a P-256 PKCS#8 DER are a constant header: derive secrets from
    /// [`GetTlsKeyResponse::secure_seed`] instead.
    pub fn as_uint8array(&self, max_length: Option<usize>) -> Result<SecretBytes> {
        crate::keys::tls_key_der(&self.key, max_length)
    }

    /// SHA-256 of the key's DER: the seed the official SDKs' `to_account_secure` /
    /// `to_keypair_secure` use for TLS keys.
    pub fn secure_seed(&self) -> Result<SecretBytes> {
        crate::keys::tls_secure_seed(&self.key)
    }

    /// The raw 32-byte P-256 private scalar of the key (the official tappd SDK's
    /// `DeriveKeyResponse::decode_key`).
    pub fn decode_key(&self) -> Result<SecretBytes> {
        crate::keys::p256_scalar(&self.key)
    }
}

/// The fields of `tcb_info` (Info), decoded. All empty when the app does not publish
/// its TCB info (then [`InfoResponse::tcb_info`]'s `json` is `""` too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TcbInfo {
    /// MRTD, 48 bytes.
    pub mrtd: HexBytes,
    /// RTMR0, 48 bytes.
    pub rtmr0: HexBytes,
    /// RTMR1, 48 bytes.
    pub rtmr1: HexBytes,
    /// RTMR2, 48 bytes.
    pub rtmr2: HexBytes,
    /// RTMR3, 48 bytes.
    pub rtmr3: HexBytes,
    /// Aggregated measurement (empty from older agents).
    pub mr_aggregated: HexBytes,
    /// OS image hash (empty when not measured).
    pub os_image_hash: HexBytes,
    /// Compose hash.
    pub compose_hash: HexBytes,
    /// Device id.
    pub device_id: HexBytes,
    /// Root filesystem hash (empty from most agents).
    pub rootfs_hash: HexBytes,
    /// The app-compose.json text the compose hash covers.
    pub app_compose: String,
    /// The full (unstripped) event log: JSON array text.
    pub event_log: String,
    /// The tcb_info JSON text as the agent sent it (`""` when not published).
    pub json: String,
}

impl TcbInfo {
    fn from_text(text: &str) -> TcbInfo {
        let mut t = TcbInfo {
            json: text.to_string(),
            ..TcbInfo::default()
        };
        if text.is_empty() {
            return t;
        }
        let mut scratch = vec![0u8; text.len()];
        // A tcb_info that does not parse leaves the fields empty (the JSON text stays).
        if let Ok(v) = dstack_core::rpc::info::TcbInfo::parse(text, &mut scratch) {
            t.mrtd = v.mrtd.into();
            t.rtmr0 = v.rtmr0.into();
            t.rtmr1 = v.rtmr1.into();
            t.rtmr2 = v.rtmr2.into();
            t.rtmr3 = v.rtmr3.into();
            t.mr_aggregated = v.mr_aggregated.into();
            t.os_image_hash = v.os_image_hash.into();
            t.compose_hash = v.compose_hash.into();
            t.device_id = v.device_id.into();
            t.rootfs_hash = v.rootfs_hash.into();
            t.app_compose = v.app_compose.to_string();
            t.event_log = v.event_log.to_string();
        }
        t
    }

    /// Whether the agent published its TCB info and it parsed.
    pub fn is_published(&self) -> bool {
        !self.mrtd.is_empty()
    }

    /// The event log, parsed.
    pub fn decode_event_log(&self) -> Result<Vec<EventLog>> {
        EventLog::parse_list(&self.event_log)
    }

    /// RTMR0..3 replayed soundly from the event log, as index → hex.
    pub fn replay_rtmrs(&self) -> Result<BTreeMap<u8, String>> {
        Ok(rtmr_map(verify::replay_rtmrs(&self.event_log)?))
    }
}

/// `Info` (both APIs): the app's identity and measurements. Unattested: it arrives over
/// the local socket; verify a quote to trust any of it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InfoResponse {
    /// App id (20 bytes).
    pub app_id: HexBytes,
    /// Instance id (20 bytes, or empty).
    pub instance_id: HexBytes,
    /// The app certificate PEM (`""` until the agent has one).
    pub app_cert: String,
    /// The TCB info, decoded (see [`TcbInfo::json`] for the text).
    pub tcb_info: TcbInfo,
    /// App name from app-compose.
    pub app_name: String,
    /// Device id.
    pub device_id: HexBytes,
    /// Aggregated measurement (empty from older agents).
    pub mr_aggregated: HexBytes,
    /// OS image hash (empty from older agents).
    pub os_image_hash: HexBytes,
    /// Key provider JSON text (`""` from older agents).
    pub key_provider_info: String,
    /// Compose hash: SHA-256 of the app-compose.json bytes (empty from older agents).
    pub compose_hash: HexBytes,
    /// VM configuration JSON text (`""` from older agents).
    pub vm_config: String,
    /// DMI system vendor (`""` from older agents).
    pub cloud_vendor: String,
    /// DMI product name (`""` from older agents).
    pub cloud_product: String,
    pub(crate) raw: SecretBytes,
}

/// The tappd name of [`InfoResponse`].
pub type TappdInfoResponse = InfoResponse;

impl InfoResponse {
    pub(crate) fn from_view(v: dstack_core::rpc::info::InfoResponse<'_>) -> InfoResponse {
        InfoResponse {
            app_id: v.app_id.into(),
            instance_id: v.instance_id.into(),
            app_cert: v.app_cert.to_string(),
            tcb_info: TcbInfo::from_text(v.tcb_info),
            app_name: v.app_name.to_string(),
            device_id: v.device_id.into(),
            mr_aggregated: v.mr_aggregated.into(),
            os_image_hash: v.os_image_hash.into(),
            key_provider_info: v.key_provider_info.to_string(),
            compose_hash: v.compose_hash.into(),
            vm_config: v.vm_config.to_string(),
            cloud_vendor: v.cloud_vendor.to_string(),
            cloud_product: v.cloud_product.to_string(),
            raw: SecretBytes::default(),
        }
    }

    /// The app id (a copy).
    pub fn decode_app_id(&self) -> Result<Vec<u8>> {
        Ok(self.app_id.to_vec())
    }
}

/// `Version` (both APIs; agents v0.5.7+).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionResponse {
    /// The agent's version, e.g. `0.5.8`.
    pub version: String,
    /// The agent's source revision.
    pub rev: String,
    pub(crate) raw: SecretBytes,
}

impl VersionResponse {}

/// `GpuInfo`: the GPU attestation JSON saved at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GpuInfoResponse {
    /// The attestation JSON text (empty without GPUs). Unattested by itself: compare its
    /// digest with the measured `gpu-attestation` runtime event.
    pub attestation: String,
    pub(crate) raw: SecretBytes,
}

impl GpuInfoResponse {}

/// `Sign`: a signature by the app's `signing` key with its chain.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignResponse {
    /// The signature: 64 bytes (ed25519) or 65 bytes `r‖s‖v` (secp256k1).
    pub signature: HexBytes,
    /// `[signature, app signature, KMS signature]`.
    pub signature_chain: Vec<HexBytes>,
    /// The signing public key: 32 bytes (ed25519) or 33 bytes (compressed secp256k1).
    pub public_key: HexBytes,
    /// The algorithm the request named.
    pub algorithm: String,
    pub(crate) raw: SecretBytes,
}

impl SignResponse {
    /// The signature bytes (a copy).
    pub fn decode_signature(&self) -> Result<Vec<u8>> {
        Ok(self.signature.to_vec())
    }

    /// The public key bytes (a copy).
    pub fn decode_public_key(&self) -> Result<Vec<u8>> {
        Ok(self.public_key.to_vec())
    }

    /// The chain as byte vectors.
    pub fn decode_signature_chain(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.signature_chain.iter().map(|s| s.to_vec()).collect())
    }

    /// Verifies the chain of the signing key (purpose `signing`) for `app_id` and returns
    /// the recovered app and KMS keys; `trusted_kms_key` as for
    /// [`GetKeyResponse::verify_signature_chain`]. Only the chain is checked, not the
    /// signature over the data: see [`SignResponse::verify`].
    pub fn verify_signature_chain(
        &self,
        app_id: &[u8],
        trusted_kms_key: Option<&[u8]>,
    ) -> Result<ChainInfo> {
        let [app, kms] = chain_pair(&self.signature_chain, 1, "a Sign chain has 3 entries")?;
        let trusted = verify::trusted_kms_key(trusted_kms_key)?;
        dstack_core::chain::verify_signature_chain(
            &self.public_key,
            "signing",
            app,
            kms,
            app_id,
            trusted.as_ref(),
        )
        .map(ChainInfo::from)
        .map_err(verify::chain_failure)
    }

    /// Checks the signature over `data` with the response's public key, locally
    /// ([`verify::verify_signature`]; a 65-byte secp256k1 signature is checked on its
    /// `r‖s`).
    pub fn verify(&self, data: &[u8]) -> Result<bool> {
        let sig: &[u8] = if self.algorithm != "ed25519" && self.signature.len() == 65 {
            &self.signature[..64]
        } else {
            &self.signature
        };
        verify::verify_signature(&self.algorithm, data, sig, &self.public_key)
    }
}

/// `Verify` (agents v0.5.6 to v0.5.9): the agent's verdict on a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyResponse {
    /// Whether the signature is valid.
    pub valid: bool,
}

/// Tappd `TdxQuote` / `RawQuote`: a quote and its event log.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TdxQuoteResponse {
    /// The TDX quote.
    pub quote: HexBytes,
    /// The event log: JSON array text.
    pub event_log: String,
    /// The effective hash algorithm (`raw` for RawQuote).
    pub hash_algorithm: String,
    /// The effective prefix.
    pub prefix: String,
    pub(crate) raw: SecretBytes,
}

impl TdxQuoteResponse {
    /// The quote bytes (a copy).
    pub fn decode_quote(&self) -> Result<Vec<u8>> {
        Ok(self.quote.to_vec())
    }

    /// The event log, parsed.
    pub fn decode_event_log(&self) -> Result<Vec<EventLog>> {
        EventLog::parse_list(&self.event_log)
    }

    /// RTMR0..3 replayed soundly from the event log, as index → hex.
    pub fn replay_rtmrs(&self) -> Result<BTreeMap<u8, String>> {
        Ok(rtmr_map(verify::replay_rtmrs(&self.event_log)?))
    }

    /// The quote, parsed (its Intel signature is not checked).
    pub fn parse_quote(&self) -> Result<Quote> {
        Quote::parse(&self.quote)
    }

    /// Checks that the event log reproduces the quote's RTMR0..3 and, if given, that the
    /// quote binds `expected_report_data` (64 bytes; see
    /// [`crate::verify::tappd_report_data`]).
    pub fn verify_event_log(&self, expected_report_data: Option<&[u8]>) -> Result<()> {
        verify::verify_event_log(&self.quote, &self.event_log, expected_report_data)
    }
}

/// Options of `GetTlsKey` (and, without the validity and app-info fields, tappd
/// `DeriveKey`). `Default` and [`TlsKeyConfig::builder`] give the official SDK's defaults:
/// no subject, no alt names, server authentication only.
///
/// ```
/// use libdstack::TlsKeyConfig;
/// let config = TlsKeyConfig::builder()
///     .subject("api.example.com")
///     .alt_names(vec!["localhost".to_string()])
///     .usage_ra_tls(true)
///     .not_after(1_900_000_000)
///     .build();
/// assert!(config.usage_server_auth);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsKeyConfig {
    /// The certificate's subject common name.
    pub subject: String,
    /// Subject alternative names.
    pub alt_names: Vec<String>,
    /// Embed an RA-TLS attestation in the certificate.
    pub usage_ra_tls: bool,
    /// Server authentication (default `true`).
    pub usage_server_auth: bool,
    /// Client authentication.
    pub usage_client_auth: bool,
    /// Embed the app info extension (needs an agent with `Version`).
    pub with_app_info: bool,
    /// Validity start, Unix seconds (needs an agent with `Version`).
    pub not_before: Option<u64>,
    /// Validity end, Unix seconds (needs an agent with `Version`).
    pub not_after: Option<u64>,
}

impl Default for TlsKeyConfig {
    fn default() -> TlsKeyConfig {
        TlsKeyConfig {
            subject: String::new(),
            alt_names: Vec::new(),
            usage_ra_tls: false,
            usage_server_auth: true,
            usage_client_auth: false,
            with_app_info: false,
            not_before: None,
            not_after: None,
        }
    }
}

impl TlsKeyConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> TlsKeyConfigBuilder {
        TlsKeyConfigBuilder(TlsKeyConfig::default())
    }
}

/// Builds a [`TlsKeyConfig`]; see [`TlsKeyConfig::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct TlsKeyConfigBuilder(TlsKeyConfig);

impl TlsKeyConfigBuilder {
    /// Sets the subject common name.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.0.subject = subject.into();
        self
    }
    /// Sets the subject alternative names.
    pub fn alt_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.alt_names = names.into_iter().map(Into::into).collect();
        self
    }
    /// Embeds an RA-TLS attestation.
    pub fn usage_ra_tls(mut self, on: bool) -> Self {
        self.0.usage_ra_tls = on;
        self
    }
    /// Server authentication.
    pub fn usage_server_auth(mut self, on: bool) -> Self {
        self.0.usage_server_auth = on;
        self
    }
    /// Client authentication.
    pub fn usage_client_auth(mut self, on: bool) -> Self {
        self.0.usage_client_auth = on;
        self
    }
    /// Embeds the app info extension.
    pub fn with_app_info(mut self, on: bool) -> Self {
        self.0.with_app_info = on;
        self
    }
    /// Validity start, Unix seconds.
    pub fn not_before(mut self, unix_seconds: u64) -> Self {
        self.0.not_before = Some(unix_seconds);
        self
    }
    /// Validity end, Unix seconds.
    pub fn not_after(mut self, unix_seconds: u64) -> Self {
        self.0.not_after = Some(unix_seconds);
        self
    }
    /// The configuration.
    pub fn build(self) -> TlsKeyConfig {
        self.0
    }
}

/// Tappd `TdxQuote` hash algorithms (the official SDK's `QuoteHashAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuoteHashAlgorithm {
    /// `sha256`
    Sha256,
    /// `sha384`
    Sha384,
    /// `sha512` (the agent's default)
    Sha512,
    /// `sha3-256`
    Sha3_256,
    /// `sha3-384`
    Sha3_384,
    /// `sha3-512`
    Sha3_512,
    /// `keccak256`
    Keccak256,
    /// `keccak384`
    Keccak384,
    /// `keccak512`
    Keccak512,
    /// `raw`: the report data is passed through (exactly 64 bytes).
    Raw,
}

impl QuoteHashAlgorithm {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
            Self::Sha3_256 => "sha3-256",
            Self::Sha3_384 => "sha3-384",
            Self::Sha3_512 => "sha3-512",
            Self::Keccak256 => "keccak256",
            Self::Keccak384 => "keccak384",
            Self::Keccak512 => "keccak512",
            Self::Raw => "raw",
        }
    }
}

impl AsRef<str> for QuoteHashAlgorithm {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// `raw_body` and the C boundary's `take_raw_body` on every response that keeps its body.
macro_rules! raw_body {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            /// The JSON body as the agent sent it (wiped on drop: it may hold key material).
            pub fn raw_body(&self) -> &[u8] {
                &self.raw
            }

            /// Takes the raw body out (leaving it empty), for the C library's response
            /// handles, which keep it without a copy.
            #[doc(hidden)]
            pub fn take_raw_body(&mut self) -> SecretBytes {
                std::mem::take(&mut self.raw)
            }
        }
    )*};
}

raw_body!(
    GetKeyResponse,
    GetQuoteResponse,
    AttestResponse,
    GetTlsKeyResponse,
    InfoResponse,
    VersionResponse,
    GpuInfoResponse,
    SignResponse,
    TdxQuoteResponse,
);
