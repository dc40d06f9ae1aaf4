//! [`DstackClient`]: the current guest-agent API on `dstack.sock` (docs/PROTOCOL.md §2.1).

use crate::conn::{duration_ms, Conn, StrArg};
use crate::endpoint::Api;
use crate::error::{Error, Result};
use crate::secret::{HexBytes, SecretBytes, SecretString};
use crate::types::*;
use dstack_core::rpc::dstack as api;
use dstack_core::rpc::Rpc;
use std::fmt;
use std::time::Duration;
use zeroize::Zeroize;

/// A blocking client of the dstack guest agent (`dstack.sock` API).
///
/// Creating one connects nothing. Each call takes a connection from a small pool of
/// keep-alive connections (or opens one), and has one deadline for the whole exchange:
/// connect, write and read (3 s by default, see [`DstackClient::set_timeout`]). A pooled
/// connection is reused only if it is still open and holds no stray bytes; a request is
/// sent again on a fresh connection only when that cannot repeat an action (never for
/// `EmitEvent`, which extends RTMR3).
///
/// `Clone` is cheap and clones share the pool and the default timeout; the client is
/// `Send + Sync`, so one instance can serve every thread.
///
/// ```
/// # let _sim = include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/doc_agent.rs"));
/// use libdstack::DstackClient;
///
/// // The endpoint: DSTACK_SIMULATOR_ENDPOINT, else the first existing well-known socket.
/// let client = DstackClient::new(None);
/// let key = client.get_key("wallet/ethereum", "mainnet")?;
/// assert_eq!(key.key.len(), 32);
/// println!("address {}", key.to_ethereum_address()?);
///
/// let quote = client.get_quote(b"nonce")?;
/// quote.verify_event_log()?; // the event log replays to the quote's RTMRs
/// # Ok::<(), libdstack::Error>(())
/// ```
#[derive(Clone)]
pub struct DstackClient {
    conn: Conn,
}

impl fmt::Debug for DstackClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DstackClient")
            .field("endpoint", &self.endpoint())
            .field("timeout", &self.timeout())
            .finish()
    }
}

impl Default for DstackClient {
    /// [`DstackClient::new`]`(None)`.
    fn default() -> DstackClient {
        DstackClient::new(None)
    }
}

impl DstackClient {
    /// A client of the agent at `endpoint`: a Unix socket path or
    /// `http://host[:port][/base]`. `None` (or `""`) means discovery:
    /// `DSTACK_SIMULATOR_ENDPOINT` if set and non-empty, else the first existing of
    /// `/var/run/dstack.sock`, `/run/dstack.sock`, `/var/run/dstack/dstack.sock`,
    /// `/run/dstack/dstack.sock`, else `/var/run/dstack.sock`.
    ///
    /// Never fails, as the official SDK's `new`: an endpoint that cannot be used
    /// (`https://`, a malformed URL) makes every call fail with that error. Use
    /// [`DstackClient::try_new`] to learn it at once.
    pub fn new(endpoint: Option<&str>) -> DstackClient {
        DstackClient {
            conn: Conn::new(Api::Dstack, endpoint),
        }
    }

    /// As [`DstackClient::new`], failing at once on an endpoint that cannot be used:
    /// `https://` ([`crate::ErrorKind::Unsupported`]: there is no TLS) or a malformed
    /// `http://` URL ([`crate::ErrorKind::InvalidArgument`]).
    pub fn try_new(endpoint: Option<&str>) -> Result<DstackClient> {
        Ok(DstackClient {
            conn: Conn::new(Api::Dstack, endpoint).check()?,
        })
    }

    /// The endpoint the client uses (after discovery).
    pub fn endpoint(&self) -> &str {
        self.conn.endpoint()
    }

    /// Sets the default timeout of this client and of every clone without a timeout of
    /// its own ([`DstackClient::with_timeout`]). `Duration::ZERO` restores 3 s. May run
    /// while calls are in flight (they keep the deadline they started with).
    pub fn set_timeout(&self, timeout: Duration) {
        self.conn.set_default_timeout_ms(duration_ms(timeout));
    }

    /// The timeout of this handle's calls.
    pub fn timeout(&self) -> Duration {
        self.conn.timeout()
    }

    /// A clone (same pool) whose calls have their own `timeout` (`Duration::ZERO`: the
    /// shared default). The timeout bounds each call as a whole: connect, write, read.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let client = libdstack::DstackClient::new(Some("/nonexistent/dstack.sock"));
    /// let quick = client.with_timeout(Duration::from_millis(200));
    /// assert_eq!(quick.timeout(), Duration::from_millis(200));
    /// assert_eq!(client.timeout(), Duration::from_secs(3));
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> DstackClient {
        self.with_timeout_ms(duration_ms(timeout))
    }

    /// [`DstackClient::with_timeout`] in milliseconds (0: the shared default), the C
    /// library's `timeout_ms`.
    pub fn with_timeout_ms(&self, timeout_ms: u32) -> DstackClient {
        DstackClient {
            conn: self.conn.with_timeout_ms(timeout_ms),
        }
    }

    /// Whether the agent answers a well-formed `Info` within this handle's timeout, or
    /// 500 ms when it has none of its own. An unreachable, failing or slow agent is
    /// `false`.
    pub fn is_reachable(&self) -> bool {
        self.conn.is_reachable(&api::Info)
    }

    /// `Info`: the app's identity and measurements (unattested).
    pub fn info(&self) -> Result<InfoResponse> {
        self.conn.info::<api::Info>()
    }

    /// `Version` (agents v0.5.7+; older ones answer with an error).
    pub fn version(&self) -> Result<VersionResponse> {
        self.conn.version::<api::Version>()
    }

    /// `GetKey` with the default algorithm (secp256k1): the key derived from `path`,
    /// with its signature chain. `purpose` does not change the key; it is bound into the
    /// chain. Both accept `&str`, `String` or `Option<String>`.
    pub fn get_key(&self, path: impl StrArg, purpose: impl StrArg) -> Result<GetKeyResponse> {
        self.get_key_with_algorithm(path, purpose, "")
    }

    /// `GetKey` with an `algorithm`: `""`, `secp256k1` or `k256` (secp256k1), or
    /// `ed25519` (needs an agent with `Version`, else [`crate::ErrorKind::Unsupported`]
    /// before anything is sent). Anything else is [`crate::ErrorKind::InvalidArgument`].
    pub fn get_key_with_algorithm(
        &self,
        path: impl StrArg,
        purpose: impl StrArg,
        algorithm: &str,
    ) -> Result<GetKeyResponse> {
        self.get_key_with(path, purpose, algorithm, |a| GetKeyResponse {
            key: SecretBytes::new(a.key.to_vec()),
            signature_chain: a
                .signature_chain
                .iter()
                .map(|s| HexBytes::from(*s))
                .collect(),
            purpose: a.purpose.to_string(),
            algorithm: a.algorithm.to_string(),
            raw: SecretBytes::new(a.body.to_vec()),
        })
    }

    /// [`DstackClient::get_key_with_algorithm`] that lends the answer to `f` instead of
    /// copying it into a [`GetKeyResponse`]: the key, the chain and the raw body are
    /// borrowed from the connection's buffer and wiped when `f` returns. For callers that
    /// keep the answer in storage of their own (the C library builds its response handle
    /// from it in one allocation); copies `f` makes are theirs to wipe.
    pub fn get_key_with<T>(
        &self,
        path: impl StrArg,
        purpose: impl StrArg,
        algorithm: &str,
        f: impl FnOnce(KeyAnswer<'_>) -> T,
    ) -> Result<T> {
        let (path, purpose) = (path.as_text(), purpose.as_text());
        let req = api::GetKey {
            path,
            purpose,
            algorithm,
        };
        req.validate().map_err(|e| Error::from_core("GetKey", e))?;
        if !matches!(algorithm, "" | "secp256k1" | "k256") {
            self.conn
                .require_version(&format!("GetKey algorithm {algorithm:?}"))?;
        }
        let effective = req.effective_algorithm();
        self.conn.answer(&req, |v, body| {
            f(KeyAnswer {
                key: &v.key,
                signature_chain: &v.signature_chain,
                purpose,
                algorithm: effective,
                body,
            })
        })
    }

    /// `GetQuote`: a TDX quote binding `report_data` (0 to 64 bytes; the agent pads it
    /// with zeros; more is [`crate::ErrorKind::InvalidArgument`] before sending).
    pub fn get_quote(&self, report_data: impl AsRef<[u8]>) -> Result<GetQuoteResponse> {
        let report_data = check_report_data(report_data.as_ref())?;
        let (mut r, raw) =
            self.conn
                .exchange(&api::GetQuote { report_data }, |v| GetQuoteResponse {
                    quote: v.quote.into(),
                    event_log: v.event_log.to_string(),
                    report_data: v.report_data.map(HexBytes::from).unwrap_or_default(),
                    vm_config: v.vm_config.to_string(),
                    attestation: v.attestation.into(),
                    raw: SecretBytes::default(),
                })?;
        r.raw = raw;
        Ok(r)
    }

    /// `Attest`: a versioned attestation binding `report_data` (0 to 64 bytes, as for
    /// [`DstackClient::get_quote`]).
    pub fn attest(&self, report_data: impl AsRef<[u8]>) -> Result<AttestResponse> {
        let report_data = check_report_data(report_data.as_ref())?;
        let (attestation, raw) = self.conn.exchange(&api::Attest { report_data }, |v| {
            HexBytes::from(v.attestation)
        })?;
        Ok(AttestResponse { attestation, raw })
    }

    /// `GetTlsKey`: a fresh P-256 key and a certificate chain for it, as `config` asks.
    /// `with_app_info`, `not_before` and `not_after` need an agent with `Version` (else
    /// [`crate::ErrorKind::Unsupported`] before sending).
    pub fn get_tls_key(&self, config: TlsKeyConfig) -> Result<GetTlsKeyResponse> {
        let alt: Vec<&str> = config.alt_names.iter().map(String::as_str).collect();
        let req = api::GetTlsKey {
            subject: &config.subject,
            alt_names: &alt,
            usage_ra_tls: config.usage_ra_tls,
            usage_server_auth: config.usage_server_auth,
            usage_client_auth: config.usage_client_auth,
            not_before: config.not_before,
            not_after: config.not_after,
            with_app_info: config.with_app_info,
        };
        req.validate()
            .map_err(|e| Error::from_core("GetTlsKey", e))?;
        let newer: Vec<&str> = [
            ("not_before", config.not_before.is_some()),
            ("not_after", config.not_after.is_some()),
            ("with_app_info", config.with_app_info),
        ]
        .into_iter()
        .filter_map(|(name, used)| used.then_some(name))
        .collect();
        if !newer.is_empty() {
            self.conn
                .require_version(&format!("TLS key options [{}]", newer.join(", ")))?;
        }
        tls_key(&self.conn, &req)
    }

    /// `EmitEvent` (agents v0.5.0-v0.5.11): extends RTMR3 with a runtime event named
    /// `event` (non-empty) carrying `payload`. Needs an agent with `Version` (else
    /// [`crate::ErrorKind::Unsupported`] before sending). Never sent twice: if the
    /// connection fails after the request went out, the error says so.
    pub fn emit_event(&self, event: impl AsRef<str>, payload: impl AsRef<[u8]>) -> Result<()> {
        let req = api::EmitEvent {
            event: event.as_ref(),
            payload: payload.as_ref(),
        };
        req.validate()
            .map_err(|e| Error::from_core("EmitEvent", e))?;
        self.conn.require_version("EmitEvent")?;
        self.conn.exchange(&req, |_| ())?;
        Ok(())
    }

    /// `Sign`: signs `data` with the app's `signing` key. `algorithm`: `ed25519`,
    /// `secp256k1`/`k256` (ECDSA over SHA-256(data)) or `secp256k1_prehashed` (`data` must
    /// be exactly 32 bytes, else [`crate::ErrorKind::InvalidArgument`] before sending).
    pub fn sign(&self, algorithm: &str, data: impl AsRef<[u8]>) -> Result<SignResponse> {
        let data = data.as_ref();
        let req = api::Sign { algorithm, data };
        if let Err(e) = req.validate() {
            if algorithm == "secp256k1_prehashed" && data.len() != 32 {
                return Err(Error::invalid(format!(
                    "Pre-hashed signing requires a 32-byte digest, but received {} bytes",
                    data.len()
                )));
            }
            return Err(Error::from_core("Sign", e));
        }
        let (mut r, raw) = self.conn.exchange(&req, |v| SignResponse {
            signature: v.signature.into(),
            signature_chain: v
                .signature_chain
                .iter()
                .map(|s| HexBytes::from(*s))
                .collect(),
            public_key: v.public_key.into(),
            algorithm: algorithm.to_string(),
            raw: SecretBytes::default(),
        })?;
        r.raw = raw;
        Ok(r)
    }

    /// `Verify` (agents v0.5.6-v0.5.9): asks the agent whether `signature` by
    /// `public_key` over `data` is valid for `algorithm`. A malformed key or signature is
    /// an agent error, not `false`. Prefer the local
    /// [`crate::verify::verify_signature`]: the agent's answer is unattested and newer
    /// agents removed the RPC.
    pub fn verify(
        &self,
        algorithm: &str,
        data: impl AsRef<[u8]>,
        signature: impl AsRef<[u8]>,
        public_key: impl AsRef<[u8]>,
    ) -> Result<VerifyResponse> {
        let req = api::Verify {
            algorithm,
            data: data.as_ref(),
            signature: signature.as_ref(),
            public_key: public_key.as_ref(),
        };
        let (valid, _) = self.conn.exchange(&req, |v| v.valid)?;
        Ok(VerifyResponse { valid })
    }

    /// `GpuInfo`: the GPU attestation JSON saved at boot (empty without GPUs).
    pub fn gpu_info(&self) -> Result<GpuInfoResponse> {
        let (attestation, raw) = self
            .conn
            .exchange(&api::GpuInfo, |v| v.attestation.to_string())?;
        Ok(GpuInfoResponse { attestation, raw })
    }
}

/// A GetKey answer lent by [`DstackClient::get_key_with`]; every part is wiped once the
/// call that lent it returns.
pub struct KeyAnswer<'a> {
    /// The 32-byte derived key.
    pub key: &'a [u8; 32],
    /// The 65-byte signatures of the chain.
    pub signature_chain: &'a [[u8; 65]],
    /// The purpose the key was requested with (the chain signs it).
    pub purpose: &'a str,
    /// The effective algorithm (`secp256k1` for `""` and `k256`).
    pub algorithm: &'a str,
    /// The raw JSON body, as the agent sent it (it holds the key in hex).
    pub body: &'a [u8],
}

/// Report data of at most 64 bytes.
fn check_report_data(report_data: &[u8]) -> Result<&[u8]> {
    if report_data.len() > 64 {
        return Err(Error::invalid(format!(
            "report data is {} bytes; at most 64 are allowed",
            report_data.len()
        )));
    }
    Ok(report_data)
}

/// A GetKey-shaped answer: the key (wiped in the view once copied) and its chain.
pub(crate) fn key_response(
    key: &mut [u8; 32],
    chain: &dstack_core::rpc::SignatureChain,
    purpose: &str,
    algorithm: &str,
) -> GetKeyResponse {
    let r = GetKeyResponse {
        key: SecretBytes::new(key.to_vec()),
        signature_chain: chain.iter().map(|s| HexBytes::from(*s)).collect(),
        purpose: purpose.to_string(),
        algorithm: algorithm.to_string(),
        raw: SecretBytes::default(),
    };
    key.zeroize();
    r
}

/// GetTlsKey / DeriveKey.
pub(crate) fn tls_key<R>(conn: &Conn, req: &R) -> Result<GetTlsKeyResponse>
where
    R: for<'b> Rpc<Response<'b> = api::GetTlsKeyResponse<'b>>,
{
    let (mut r, raw) = conn.exchange(req, |v| GetTlsKeyResponse {
        key: SecretString::new(v.key.to_string()),
        certificate_chain: v.certificate_chain.iter().map(|c| c.to_string()).collect(),
        raw: SecretBytes::default(),
    })?;
    r.raw = raw;
    Ok(r)
}
