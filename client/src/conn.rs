//! What [`crate::DstackClient`] and [`crate::TappdClient`] share: a handle on one
//! [`Agent`] (endpoint, connection pool, default timeout, `Version` cache) with this
//! handle's own timeout, and the RPCs both APIs have in the same shape.

use crate::agent::{Agent, REACHABLE_TIMEOUT_MS};
use crate::endpoint::Api;
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use crate::types::{InfoResponse, VersionResponse};
use dstack_core::rpc::dstack::VersionResponse as VersionView;
use dstack_core::rpc::info::InfoResponse as InfoView;
use dstack_core::rpc::Rpc;
use std::sync::Arc;
use std::time::Duration;

/// A text argument: `&str`, `String`, `&String`, or the official SDK's `Option<String>`
/// (`None` is the empty text). Lets `get_key("wallet", "")` and
/// `get_key(Some("wallet".to_string()), None)` both compile.
pub trait StrArg: sealed::Sealed {
    /// The text.
    fn as_text(&self) -> &str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for Option<String> {}
}

impl StrArg for &str {
    fn as_text(&self) -> &str {
        self
    }
}
impl StrArg for String {
    fn as_text(&self) -> &str {
        self
    }
}
impl StrArg for &String {
    fn as_text(&self) -> &str {
        self
    }
}
impl StrArg for Option<String> {
    fn as_text(&self) -> &str {
        self.as_deref().unwrap_or("")
    }
}

/// A handle on an agent: shared (`Arc`) by every clone of a client.
#[derive(Clone)]
pub(crate) struct Conn {
    /// The agent, or why the endpoint cannot be used (reported by every call).
    state: std::result::Result<Arc<Agent>, Arc<(Error, String)>>,
    /// This handle's timeout; 0 = the agent's shared default.
    timeout_ms: u32,
}

/// Milliseconds of a duration for the timeout fields: `ZERO` stays 0 (the default), a
/// non-zero duration is at least 1 ms, and anything past `u32::MAX` ms is capped.
pub(crate) fn duration_ms(d: Duration) -> u32 {
    if d.is_zero() {
        return 0;
    }
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}

impl Conn {
    pub(crate) fn new(api: Api, endpoint: Option<&str>) -> Conn {
        let explicit = endpoint.unwrap_or("");
        let state = match Agent::new(api, explicit) {
            Ok(a) => Ok(Arc::new(a)),
            Err(e) => Err(Arc::new((e, crate::endpoint::discover(api, explicit)))),
        };
        Conn {
            state,
            timeout_ms: 0,
        }
    }

    pub(crate) fn check(self) -> Result<Conn> {
        match &self.state {
            Ok(_) => Ok(self),
            Err(e) => Err(e.0.clone()),
        }
    }

    pub(crate) fn agent(&self) -> Result<&Agent> {
        match &self.state {
            Ok(a) => Ok(a),
            Err(e) => Err(e.0.clone()),
        }
    }

    pub(crate) fn endpoint(&self) -> &str {
        match &self.state {
            Ok(a) => a.endpoint_text(),
            Err(e) => &e.1,
        }
    }

    pub(crate) fn set_default_timeout_ms(&self, ms: u32) {
        if let Ok(a) = &self.state {
            a.set_timeout_ms(ms);
        }
    }

    /// The timeout of this handle's calls.
    pub(crate) fn timeout(&self) -> Duration {
        let ms = match &self.state {
            Ok(a) => a.timeout(self.timeout_ms),
            Err(_) if self.timeout_ms == 0 => crate::agent::DEFAULT_TIMEOUT_MS,
            Err(_) => self.timeout_ms,
        };
        Duration::from_millis(u64::from(ms))
    }

    pub(crate) fn with_timeout_ms(&self, ms: u32) -> Conn {
        Conn {
            state: self.state.clone(),
            timeout_ms: ms,
        }
    }

    /// Performs `req` and hands the parsed answer to `view`; returns what `view` returns
    /// and the raw body.
    pub(crate) fn exchange<R: Rpc, T>(
        &self,
        req: &R,
        view: impl FnOnce(R::Response<'_>) -> T,
    ) -> Result<(T, SecretBytes)> {
        self.agent()?.exchange(req, self.timeout_ms, view)
    }

    /// Performs `req` and hands the parsed answer and the raw body to `f` where they
    /// were received (wiped when `f` returns): no copy unless `f` makes one.
    pub(crate) fn answer<R: Rpc, T>(
        &self,
        req: &R,
        f: impl FnOnce(R::Response<'_>, &[u8]) -> T,
    ) -> Result<T> {
        let agent = self.agent()?;
        agent.call_with(req, self.timeout_ms, |body, spare| {
            agent.view::<R, T>(body, spare, |v| f(v, body))
        })
    }

    pub(crate) fn require_version(&self, feature: &str) -> Result<()> {
        self.agent()?.require_version(feature, self.timeout_ms)
    }

    /// Whether the agent answers `info` well-formed within this handle's timeout (500 ms
    /// when it has none of its own).
    pub(crate) fn is_reachable<R: Rpc>(&self, info: &R) -> bool {
        let t = if self.timeout_ms == 0 {
            REACHABLE_TIMEOUT_MS
        } else {
            self.timeout_ms
        };
        match &self.state {
            Ok(a) => a.is_reachable(info, t),
            Err(_) => false,
        }
    }

    pub(crate) fn info<R>(&self) -> Result<InfoResponse>
    where
        R: Default + for<'b> Rpc<Response<'b> = InfoView<'b>>,
    {
        let (mut r, raw) = self.exchange(&R::default(), InfoResponse::from_view)?;
        r.raw = raw;
        Ok(r)
    }

    pub(crate) fn version<R>(&self) -> Result<VersionResponse>
    where
        R: Default + for<'b> Rpc<Response<'b> = VersionView<'b>>,
    {
        let ((version, rev), raw) = self.exchange(&R::default(), |v| {
            (v.version.to_string(), v.rev.to_string())
        })?;
        Ok(VersionResponse { version, rev, raw })
    }
}
