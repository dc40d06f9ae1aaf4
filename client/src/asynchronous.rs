//! The tokio clients: [`AsyncDstackClient`] and [`AsyncTappdClient`] run the blocking
//! clients' calls on tokio's blocking thread pool (`spawn_blocking`).
//!
//! Why not a second, native async transport: the blocking transport carries every rule
//! the C library and all bindings rely on (one deadline per call including connect, the
//! pool's `MSG_PEEK` hygiene, no repeat of `EmitEvent`, messages that never quote a body),
//! and a call is one short exchange over a local socket. Running it on the blocking pool
//! keeps one implementation of those rules, adds only tokio's `rt` feature to the
//! dependency tree (no tokio networking, no hyper), and costs one thread hand-off per
//! call. The consequences:
//! - a call occupies a blocking-pool thread until it ends, at the latest at its timeout
//!   (3 s by default); tokio's pool grows to 512 threads, so this matters only for
//!   thousands of concurrent calls to a stalled agent;
//! - dropping the future does not stop the call: it finishes (or times out) on its
//!   thread, and its connection goes back to the pool or is closed;
//! - the methods must be awaited inside a tokio runtime (they panic outside one, as
//!   `spawn_blocking` does).

use crate::conn::StrArg;
use crate::error::{Error, ErrorKind, Result};
use crate::types::*;
use crate::{DstackClient, TappdClient};
use std::time::Duration;

async fn run<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::new(
            ErrorKind::Internal,
            "the call was cancelled: the tokio runtime is shutting down",
        )),
    }
}

/// The tokio form of [`DstackClient`]: the same methods, `async`, with the official
/// SDK's owned argument types accepted (`Option<String>`, `Vec<u8>`, `String`).
///
/// ```
/// # let _sim = include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/doc_agent.rs"));
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use libdstack::AsyncDstackClient;
///
/// let client = AsyncDstackClient::new(None);
/// let key = client.get_key(Some("my-app".to_string()), None).await?;
/// let quote = client.get_quote(b"Hello, dstack world!".to_vec()).await?;
/// for (idx, rtmr) in quote.replay_rtmrs()? {
///     println!("RTMR{idx}: {rtmr}");
/// }
/// assert_eq!(key.decode_key()?.len(), 32);
/// # Ok::<(), libdstack::Error>(())
/// # })?;
/// # Ok::<(), libdstack::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct AsyncDstackClient {
    inner: DstackClient,
}

impl From<DstackClient> for AsyncDstackClient {
    fn from(inner: DstackClient) -> AsyncDstackClient {
        AsyncDstackClient { inner }
    }
}

impl AsyncDstackClient {
    /// As [`DstackClient::new`].
    pub fn new(endpoint: Option<&str>) -> AsyncDstackClient {
        DstackClient::new(endpoint).into()
    }

    /// As [`DstackClient::try_new`].
    pub fn try_new(endpoint: Option<&str>) -> Result<AsyncDstackClient> {
        Ok(DstackClient::try_new(endpoint)?.into())
    }

    /// The blocking client underneath (same pool and timeouts).
    pub fn blocking(&self) -> &DstackClient {
        &self.inner
    }

    /// The endpoint the client uses (after discovery).
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }

    /// As [`DstackClient::set_timeout`].
    pub fn set_timeout(&self, timeout: Duration) {
        self.inner.set_timeout(timeout)
    }

    /// The timeout of this handle's calls.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout()
    }

    /// As [`DstackClient::with_timeout`].
    pub fn with_timeout(&self, timeout: Duration) -> AsyncDstackClient {
        self.inner.with_timeout(timeout).into()
    }

    async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&DstackClient) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let c = self.inner.clone();
        run(move || f(&c)).await
    }

    /// As [`DstackClient::is_reachable`].
    pub async fn is_reachable(&self) -> bool {
        self.call(|c| Ok(c.is_reachable())).await.unwrap_or(false)
    }

    /// As [`DstackClient::info`].
    pub async fn info(&self) -> Result<InfoResponse> {
        self.call(|c| c.info()).await
    }

    /// As [`DstackClient::version`].
    pub async fn version(&self) -> Result<VersionResponse> {
        self.call(|c| c.version()).await
    }

    /// As [`DstackClient::get_key`].
    pub async fn get_key(&self, path: impl StrArg, purpose: impl StrArg) -> Result<GetKeyResponse> {
        let (p, q) = (path.as_text().to_owned(), purpose.as_text().to_owned());
        self.call(move |c| c.get_key(p, q)).await
    }

    /// As [`DstackClient::get_key_with_algorithm`].
    pub async fn get_key_with_algorithm(
        &self,
        path: impl StrArg,
        purpose: impl StrArg,
        algorithm: &str,
    ) -> Result<GetKeyResponse> {
        let (p, q) = (path.as_text().to_owned(), purpose.as_text().to_owned());
        let a = algorithm.to_owned();
        self.call(move |c| c.get_key_with_algorithm(p, q, &a)).await
    }

    /// As [`DstackClient::get_quote`].
    pub async fn get_quote(&self, report_data: impl Into<Vec<u8>>) -> Result<GetQuoteResponse> {
        let rd = report_data.into();
        self.call(move |c| c.get_quote(rd)).await
    }

    /// As [`DstackClient::attest`].
    pub async fn attest(&self, report_data: impl Into<Vec<u8>>) -> Result<AttestResponse> {
        let rd = report_data.into();
        self.call(move |c| c.attest(rd)).await
    }

    /// As [`DstackClient::get_tls_key`].
    pub async fn get_tls_key(&self, config: TlsKeyConfig) -> Result<GetTlsKeyResponse> {
        self.call(move |c| c.get_tls_key(config)).await
    }

    /// As [`DstackClient::emit_event`].
    pub async fn emit_event(
        &self,
        event: impl Into<String>,
        payload: impl Into<Vec<u8>>,
    ) -> Result<()> {
        let (e, p) = (event.into(), payload.into());
        self.call(move |c| c.emit_event(e, p)).await
    }

    /// As [`DstackClient::sign`].
    pub async fn sign(&self, algorithm: &str, data: impl Into<Vec<u8>>) -> Result<SignResponse> {
        let (a, d) = (algorithm.to_owned(), zeroize::Zeroizing::new(data.into()));
        self.call(move |c| c.sign(&a, &*d)).await
    }

    /// As [`DstackClient::verify`].
    pub async fn verify(
        &self,
        algorithm: &str,
        data: impl Into<Vec<u8>>,
        signature: impl Into<Vec<u8>>,
        public_key: impl Into<Vec<u8>>,
    ) -> Result<VerifyResponse> {
        let a = algorithm.to_owned();
        let (d, s, k) = (data.into(), signature.into(), public_key.into());
        self.call(move |c| c.verify(&a, d, s, k)).await
    }

    /// As [`DstackClient::gpu_info`].
    pub async fn gpu_info(&self) -> Result<GpuInfoResponse> {
        self.call(|c| c.gpu_info()).await
    }
}

/// The tokio form of [`TappdClient`].
#[derive(Clone, Debug, Default)]
pub struct AsyncTappdClient {
    inner: TappdClient,
}

impl From<TappdClient> for AsyncTappdClient {
    fn from(inner: TappdClient) -> AsyncTappdClient {
        AsyncTappdClient { inner }
    }
}

impl AsyncTappdClient {
    /// As [`TappdClient::new`].
    pub fn new(endpoint: Option<&str>) -> AsyncTappdClient {
        TappdClient::new(endpoint).into()
    }

    /// As [`TappdClient::try_new`].
    pub fn try_new(endpoint: Option<&str>) -> Result<AsyncTappdClient> {
        Ok(TappdClient::try_new(endpoint)?.into())
    }

    /// The blocking client underneath (same pool and timeouts).
    pub fn blocking(&self) -> &TappdClient {
        &self.inner
    }

    /// The endpoint the client uses (after discovery).
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }

    /// As [`TappdClient::set_timeout`].
    pub fn set_timeout(&self, timeout: Duration) {
        self.inner.set_timeout(timeout)
    }

    /// As [`TappdClient::with_timeout`].
    pub fn with_timeout(&self, timeout: Duration) -> AsyncTappdClient {
        self.inner.with_timeout(timeout).into()
    }

    async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&TappdClient) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let c = self.inner.clone();
        run(move || f(&c)).await
    }

    /// As [`TappdClient::is_reachable`].
    pub async fn is_reachable(&self) -> bool {
        self.call(|c| Ok(c.is_reachable())).await.unwrap_or(false)
    }

    /// As [`TappdClient::info`].
    pub async fn info(&self) -> Result<TappdInfoResponse> {
        self.call(|c| c.info()).await
    }

    /// As [`TappdClient::version`].
    pub async fn version(&self) -> Result<VersionResponse> {
        self.call(|c| c.version()).await
    }

    /// As [`TappdClient::derive_key`].
    pub async fn derive_key(&self, path: &str) -> Result<DeriveKeyResponse> {
        let p = path.to_owned();
        self.call(move |c| c.derive_key(&p)).await
    }

    /// As [`TappdClient::derive_key_with_subject`].
    pub async fn derive_key_with_subject(
        &self,
        path: &str,
        subject: &str,
    ) -> Result<DeriveKeyResponse> {
        let (p, s) = (path.to_owned(), subject.to_owned());
        self.call(move |c| c.derive_key_with_subject(&p, &s)).await
    }

    /// As [`TappdClient::derive_key_with_subject_and_alt_names`].
    pub async fn derive_key_with_subject_and_alt_names(
        &self,
        path: &str,
        subject: Option<&str>,
        alt_names: Option<Vec<String>>,
    ) -> Result<DeriveKeyResponse> {
        let (p, s) = (path.to_owned(), subject.map(str::to_owned));
        self.call(move |c| c.derive_key_with_subject_and_alt_names(&p, s.as_deref(), alt_names))
            .await
    }

    /// As [`TappdClient::derive_key_with`].
    pub async fn derive_key_with(
        &self,
        path: &str,
        config: TlsKeyConfig,
        random_seed: bool,
    ) -> Result<DeriveKeyResponse> {
        let p = path.to_owned();
        self.call(move |c| c.derive_key_with(&p, &config, random_seed))
            .await
    }

    /// As [`TappdClient::derive_k256_key`].
    pub async fn derive_k256_key(
        &self,
        path: impl StrArg,
        purpose: impl StrArg,
    ) -> Result<GetKeyResponse> {
        let (p, q) = (path.as_text().to_owned(), purpose.as_text().to_owned());
        self.call(move |c| c.derive_k256_key(p, q)).await
    }

    /// As [`TappdClient::tdx_quote`].
    pub async fn tdx_quote(&self, report_data: impl Into<Vec<u8>>) -> Result<TdxQuoteResponse> {
        let rd = report_data.into();
        self.call(move |c| c.tdx_quote(rd)).await
    }

    /// As [`TappdClient::tdx_quote_with_hash_algorithm`].
    pub async fn tdx_quote_with_hash_algorithm(
        &self,
        report_data: impl Into<Vec<u8>>,
        hash_algorithm: QuoteHashAlgorithm,
    ) -> Result<TdxQuoteResponse> {
        let rd = report_data.into();
        self.call(move |c| c.tdx_quote_with_hash_algorithm(rd, hash_algorithm))
            .await
    }

    /// As [`TappdClient::tdx_quote_with`].
    pub async fn tdx_quote_with(
        &self,
        report_data: impl Into<Vec<u8>>,
        hash_algorithm: &str,
        prefix: &str,
    ) -> Result<TdxQuoteResponse> {
        let (rd, h, p) = (
            report_data.into(),
            hash_algorithm.to_owned(),
            prefix.to_owned(),
        );
        self.call(move |c| c.tdx_quote_with(rd, &h, &p)).await
    }

    /// As [`TappdClient::raw_quote`].
    pub async fn raw_quote(&self, report_data: impl Into<Vec<u8>>) -> Result<TdxQuoteResponse> {
        let rd = report_data.into();
        self.call(move |c| c.raw_quote(rd)).await
    }

    /// As [`TappdClient::get_quote`] (RawQuote).
    pub async fn get_quote(&self, report_data: impl Into<Vec<u8>>) -> Result<TdxQuoteResponse> {
        self.raw_quote(report_data).await
    }
}
