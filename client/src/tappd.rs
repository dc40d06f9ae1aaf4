//! [`TappdClient`]: the legacy tappd API on `tappd.sock` (docs/PROTOCOL.md §2.2), for agents
//! before dstack 0.5. New code should use [`crate::DstackClient`].

use crate::conn::{duration_ms, Conn, StrArg};
use crate::dstack::{key_response, tls_key};
use crate::endpoint::Api;
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::types::*;
use dstack_core::rpc::tappd as api;
use dstack_core::rpc::Rpc;
use std::fmt;
use std::time::Duration;

/// A blocking client of the legacy tappd API (`tappd.sock`, paths `/prpc/Tappd.*`),
/// with the transport, pool and timeout rules of [`crate::DstackClient`].
///
/// ```
/// # let _sim = include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/doc_agent.rs"));
/// // The endpoint: TAPPD_SIMULATOR_ENDPOINT, else the first existing well-known socket.
/// let tappd = libdstack::TappdClient::new(None);
/// let tls = tappd.derive_key("my/key/path")?;
/// assert_eq!(tls.decode_key()?.len(), 32); // the P-256 private scalar
/// let quote = tappd.tdx_quote(b"hello")?; // report data = sha512("app-data:hello")
/// let expected = libdstack::verify::tappd_report_data(b"hello", "", "")?;
/// quote.verify_event_log(Some(&expected))?;
/// # Ok::<(), libdstack::Error>(())
/// ```
#[derive(Clone)]
pub struct TappdClient {
    conn: Conn,
}

impl fmt::Debug for TappdClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TappdClient")
            .field("endpoint", &self.endpoint())
            .field("timeout", &self.timeout())
            .finish()
    }
}

impl Default for TappdClient {
    /// [`TappdClient::new`]`(None)`.
    fn default() -> TappdClient {
        TappdClient::new(None)
    }
}

impl TappdClient {
    /// A client of the tappd agent at `endpoint` (as for [`crate::DstackClient::new`]);
    /// `None` means discovery: `TAPPD_SIMULATOR_ENDPOINT`, then `/var/run/tappd.sock`,
    /// `/run/tappd.sock`, `/var/run/dstack/tappd.sock`, `/run/dstack/tappd.sock`, else
    /// `/var/run/tappd.sock`. Never fails; see [`TappdClient::try_new`].
    pub fn new(endpoint: Option<&str>) -> TappdClient {
        TappdClient {
            conn: Conn::new(Api::Tappd, endpoint),
        }
    }

    /// As [`TappdClient::new`], failing at once on an endpoint that cannot be used.
    pub fn try_new(endpoint: Option<&str>) -> Result<TappdClient> {
        Ok(TappdClient {
            conn: Conn::new(Api::Tappd, endpoint).check()?,
        })
    }

    /// The endpoint the client uses (after discovery).
    pub fn endpoint(&self) -> &str {
        self.conn.endpoint()
    }

    /// As [`crate::DstackClient::set_timeout`].
    pub fn set_timeout(&self, timeout: Duration) {
        self.conn.set_default_timeout_ms(duration_ms(timeout));
    }

    /// The timeout of this handle's calls.
    pub fn timeout(&self) -> Duration {
        self.conn.timeout()
    }

    /// As [`crate::DstackClient::with_timeout`].
    pub fn with_timeout(&self, timeout: Duration) -> TappdClient {
        self.with_timeout_ms(duration_ms(timeout))
    }

    /// As [`crate::DstackClient::with_timeout_ms`].
    pub fn with_timeout_ms(&self, timeout_ms: u32) -> TappdClient {
        TappdClient {
            conn: self.conn.with_timeout_ms(timeout_ms),
        }
    }

    /// Whether the agent answers a well-formed `Info` in time (500 ms unless this handle
    /// has its own timeout).
    pub fn is_reachable(&self) -> bool {
        self.conn.is_reachable(&api::TappdInfo)
    }

    /// Tappd `Info`.
    pub fn info(&self) -> Result<TappdInfoResponse> {
        self.conn.info::<api::TappdInfo>()
    }

    /// Tappd `Version`.
    pub fn version(&self) -> Result<VersionResponse> {
        self.conn.version::<api::TappdVersion>()
    }

    /// `DeriveKey`: a P-256 key derived from `path` and its certificate chain, with
    /// `path` as the subject.
    pub fn derive_key(&self, path: &str) -> Result<DeriveKeyResponse> {
        self.derive_key_with_subject_and_alt_names(path, None, None)
    }

    /// `DeriveKey` with a `subject`.
    pub fn derive_key_with_subject(&self, path: &str, subject: &str) -> Result<DeriveKeyResponse> {
        self.derive_key_with_subject_and_alt_names(path, Some(subject), None)
    }

    /// `DeriveKey` with a `subject` (`None`: the path) and alt names.
    pub fn derive_key_with_subject_and_alt_names(
        &self,
        path: &str,
        subject: Option<&str>,
        alt_names: Option<Vec<String>>,
    ) -> Result<DeriveKeyResponse> {
        let config = TlsKeyConfig {
            subject: subject.unwrap_or("").to_string(),
            alt_names: alt_names.unwrap_or_default(),
            usage_server_auth: false,
            ..TlsKeyConfig::default()
        };
        self.derive_key_with(path, &config, false)
    }

    /// `DeriveKey` with every option: `subject` (empty: the path), `alt_names`, the three
    /// `usage_*` flags of `config`, and `random_seed` (derive from a random seed instead
    /// of the path). `config`'s `with_app_info`, `not_before` and `not_after` do not
    /// exist in this API: setting them is [`crate::ErrorKind::InvalidArgument`].
    pub fn derive_key_with(
        &self,
        path: &str,
        config: &TlsKeyConfig,
        random_seed: bool,
    ) -> Result<DeriveKeyResponse> {
        if config.with_app_info || config.not_before.is_some() || config.not_after.is_some() {
            return Err(Error::invalid(
                "DeriveKey has no with_app_info, not_before or not_after (use DstackClient::get_tls_key)",
            ));
        }
        let alt: Vec<&str> = config.alt_names.iter().map(String::as_str).collect();
        let req = api::DeriveKey {
            path,
            subject: &config.subject,
            alt_names: &alt,
            usage_ra_tls: config.usage_ra_tls,
            usage_server_auth: config.usage_server_auth,
            usage_client_auth: config.usage_client_auth,
            random_seed,
        };
        tls_key(&self.conn, &req)
    }

    /// `DeriveK256Key`: the tappd form of GetKey (secp256k1), with its signature chain.
    pub fn derive_k256_key(
        &self,
        path: impl StrArg,
        purpose: impl StrArg,
    ) -> Result<GetKeyResponse> {
        let (path, purpose) = (path.as_text(), purpose.as_text());
        let req = api::DeriveK256Key { path, purpose };
        let (mut r, raw) = self.conn.exchange(&req, |mut v| {
            key_response(
                &mut v.k256_key,
                &v.k256_signature_chain,
                purpose,
                "secp256k1",
            )
        })?;
        r.raw = raw;
        Ok(r)
    }

    /// `TdxQuote` with the agent's defaults: the quote's report data is
    /// `sha512("app-data:" report_data)` (see [`crate::verify::tappd_report_data`]).
    pub fn tdx_quote(&self, report_data: impl AsRef<[u8]>) -> Result<TdxQuoteResponse> {
        self.tdx_quote_with(report_data, "", "")
    }

    /// `TdxQuote` with a hash algorithm.
    pub fn tdx_quote_with_hash_algorithm(
        &self,
        report_data: impl AsRef<[u8]>,
        hash_algorithm: QuoteHashAlgorithm,
    ) -> Result<TdxQuoteResponse> {
        self.tdx_quote_with(report_data, hash_algorithm.as_str(), "")
    }

    /// `TdxQuote`: a quote whose report data is `H(prefix ":" report_data)`.
    /// `hash_algorithm`: `""` (sha512) or a [`QuoteHashAlgorithm`] name (`raw`: exactly 64
    /// bytes passed through); `prefix` empty = `app-data`. Other values are
    /// [`crate::ErrorKind::InvalidArgument`] before sending.
    pub fn tdx_quote_with(
        &self,
        report_data: impl AsRef<[u8]>,
        hash_algorithm: &str,
        prefix: &str,
    ) -> Result<TdxQuoteResponse> {
        let req = api::TdxQuote {
            report_data: report_data.as_ref(),
            hash_algorithm,
            prefix,
        };
        self.quote(&req)
    }

    /// `RawQuote`: a quote over exactly 64 bytes of report data (the official SDK's
    /// `TappdClient::get_quote`).
    pub fn raw_quote(&self, report_data: impl AsRef<[u8]>) -> Result<TdxQuoteResponse> {
        self.quote(&api::RawQuote {
            report_data: report_data.as_ref(),
        })
    }

    /// [`TappdClient::raw_quote`], under the official SDK's name.
    pub fn get_quote(&self, report_data: impl AsRef<[u8]>) -> Result<TdxQuoteResponse> {
        self.raw_quote(report_data)
    }

    fn quote<R>(&self, req: &R) -> Result<TdxQuoteResponse>
    where
        R: for<'b> Rpc<Response<'b> = api::TdxQuoteResponse<'b>>,
    {
        req.validate()
            .map_err(|e| Error::from_core(R::PATH.trim_start_matches("/prpc/Tappd."), e))?;
        let (mut r, raw) = self.conn.exchange(req, |v| TdxQuoteResponse {
            quote: v.quote.into(),
            event_log: v.event_log.to_string(),
            hash_algorithm: v.hash_algorithm.to_string(),
            prefix: v.prefix.to_string(),
            raw: SecretBytes::default(),
        })?;
        r.raw = raw;
        Ok(r)
    }
}
