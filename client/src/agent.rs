//! What both clients share: endpoint, connection pool, default timeout, the `Version`
//! probe cache, and the functions that perform an RPC, classify the answer and parse it.

use crate::endpoint::{self, Api, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::SecretBytes;
use crate::transport::Transport;
use dstack_core::rpc::{self, dstack, Rpc};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// The default per-call timeout.
pub(crate) const DEFAULT_TIMEOUT_MS: u32 = 3000;
/// The default timeout of `is_reachable`.
pub(crate) const REACHABLE_TIMEOUT_MS: u32 = 500;

pub(crate) struct Agent {
    transport: Transport,
    /// Which API the client speaks (for hints when the socket serves the other one).
    api: Api,
    /// The `Host` header of every request (fixed per endpoint, so computed once).
    host: String,
    timeout_ms: AtomicU32,
    /// `Some(true)` once `Version` answered, `Some(false)` once the agent said it has no
    /// such method; `None` until probed (transport failures are not cached).
    has_version: Mutex<Option<bool>>,
    /// Added to "no agent" failures when the endpoint was found by probing: the paths
    /// tried and how to point at a simulator.
    no_agent_hint: Option<String>,
}

impl Agent {
    pub(crate) fn new(api: Api, explicit: &str) -> Result<Agent> {
        let text = endpoint::discover(api, explicit);
        let ep = endpoint::parse(&text)?;
        let no_agent_hint = endpoint::no_agent_hint(api, explicit);
        let host = match &ep {
            Endpoint::Unix(_) => "localhost".to_string(),
            Endpoint::Tcp { host, port, .. } => format!("{host}:{port}"),
        };
        Ok(Agent {
            host,
            api,
            transport: Transport::new(ep, text),
            timeout_ms: AtomicU32::new(DEFAULT_TIMEOUT_MS),
            has_version: Mutex::new(None),
            no_agent_hint,
        })
    }

    pub(crate) fn endpoint_text(&self) -> &str {
        self.transport.endpoint_text()
    }

    pub(crate) fn set_timeout_ms(&self, ms: u32) {
        let v = if ms == 0 { DEFAULT_TIMEOUT_MS } else { ms };
        self.timeout_ms.store(v, Ordering::Relaxed);
    }

    pub(crate) fn timeout(&self, ms: u32) -> u32 {
        if ms == 0 {
            self.timeout_ms.load(Ordering::Relaxed)
        } else {
            ms
        }
    }

    /// Validates and sends `req`, and returns the body of a successful answer. Agent
    /// errors become `AGENT_ERROR` with the agent's text; other statuses `HTTP_STATUS`.
    pub(crate) fn call<R: Rpc>(&self, req: &R, timeout_ms: u32) -> Result<SecretBytes> {
        self.call_with(req, timeout_ms, |body, _| Ok(SecretBytes(body.to_vec())))
    }

    /// Validates and sends `req`, and hands the body of a successful answer to `answer`
    /// where it was received, with scratch space for parsing it (at most as long as the
    /// body); both are wiped when `answer` returns. Failures as for [`Agent::call`].
    pub(crate) fn call_with<R: Rpc, T>(
        &self,
        req: &R,
        timeout_ms: u32,
        answer: impl FnOnce(&[u8], &mut [u8]) -> Result<T>,
    ) -> Result<T> {
        // Refused arguments are reported before anything is sent.
        req.validate().map_err(|e| Error::from_core("", e))?;
        let host = self.host.as_str();
        let prefix = match self.transport.endpoint() {
            Endpoint::Unix(_) => "",
            Endpoint::Tcp { base, .. } => base.as_str(),
        };
        // Written straight into the connection's buffer, which is wiped after the call
        // (requests may carry secrets: data to sign, event payloads).
        let write = |out: &mut [u8]| rpc::write_request(req, host, prefix, out);
        // EmitEvent extends RTMR3: done twice it leaves a different measurement, so it
        // is never sent again after it may have reached the agent. Every other RPC reads
        // or derives without changing the agent's state (GetTlsKey and random-seed
        // DeriveKey make a fresh key each time, and a repeat only discards one).
        let repeatable = R::PATH != <dstack::EmitEvent<'_> as Rpc>::PATH;
        self.send(&write, R::PATH, timeout_ms, repeatable, answer)
    }

    /// The part of [`Agent::call_with`] that does not depend on the RPC type.
    fn send<T>(
        &self,
        write: &dyn Fn(&mut [u8]) -> dstack_core::Result<usize>,
        path: &str,
        timeout_ms: u32,
        repeatable: bool,
        answer: impl FnOnce(&[u8], &mut [u8]) -> Result<T>,
    ) -> Result<T> {
        self.transport
            .call(
                write,
                self.timeout(timeout_ms),
                repeatable,
                |status, body, spare| {
                    if let Err(e) = rpc::check_response(status, body) {
                        return Err(self.answer_failure(e, status, body, path));
                    }
                    answer(body, spare)
                },
            )
            .map_err(|e| self.with_hint(e))?
    }

    /// `e` with the discovery hint appended when it says that no agent answered.
    #[cold]
    fn with_hint(&self, e: Error) -> Error {
        match (&self.no_agent_hint, e.kind()) {
            (Some(hint), ErrorKind::NoAgent) => {
                Error::new(ErrorKind::NoAgent, format!("{}; {hint}", e.message()))
            }
            _ => e,
        }
    }

    /// The failure for an answer that is not a success. Only the agent's own `error` text
    /// is quoted: any other body bytes are described, never copied, since the answer to
    /// a key-deriving RPC may hold key material whatever its status.
    #[cold]
    fn answer_failure(&self, e: dstack_core::Error, status: u16, body: &[u8], path: &str) -> Error {
        let ep = self.endpoint_text();
        let path = self.rpc_path(path);
        match e {
            dstack_core::Error::Agent => {
                let mut scratch = SecretBytes(vec![0u8; body.len()]);
                match rpc::agent_error_message(body, &mut scratch.0) {
                    Some(text) => Error::new(ErrorKind::Agent, text),
                    None => Error::new(
                        ErrorKind::Agent,
                        format!(
                            "{ep} answered HTTP {status} to {path} with an error text that is not valid JSON ({})",
                            describe_body(body)
                        ),
                    ),
                }
            }
            dstack_core::Error::HttpStatus(_) => {
                let mut text = format!(
                    "{ep} answered HTTP {status} to {path} ({})",
                    describe_body(body)
                );
                if status == 404 && body_kind(body) == "HTML" {
                    // Rocket's page for a path the agent does not serve.
                    text.push_str(match (self.transport.endpoint(), self.api) {
                        (Endpoint::Unix(_), Api::Dstack) => ": is this a tappd socket? (it serves the legacy API; use the tappd client)",
                        (Endpoint::Unix(_), Api::Tappd) => ": is this a dstack socket? (it serves the current API; use the dstack client)",
                        (Endpoint::Tcp { .. }, _) => ": does the agent serve this API at this address and base path?",
                    });
                }
                Error::new(ErrorKind::HttpStatus, text)
            }
            other => Error::from_core(&format!("answer from {ep}"), other),
        }
    }

    fn rpc_path(&self, path: &str) -> String {
        match self.transport.endpoint() {
            Endpoint::Tcp { base, .. } => format!("{base}{path}"),
            Endpoint::Unix(_) => path.to_string(),
        }
    }

    /// Parses the body of a successful answer with the RPC's view; any failure is
    /// `MALFORMED_RESPONSE`-class with the endpoint named.
    pub(crate) fn parse<'b, R: Rpc>(
        &self,
        body: &'b [u8],
        scratch: &'b mut [u8],
    ) -> Result<R::Response<'b>> {
        R::parse_response(body, scratch).map_err(|e| self.parse_failure(e, R::PATH))
    }

    #[cold]
    fn parse_failure(&self, e: dstack_core::Error, path: &str) -> Error {
        let e = match e {
            // A view that needs more scratch than the body is a core bug; report it as a
            // malformed answer rather than a caller buffer problem.
            dstack_core::Error::BufferTooSmall { .. } => dstack_core::Error::MalformedResponse,
            other => other,
        };
        Error::from_core(
            &format!("answer from {} to {path}", self.endpoint_text()),
            e,
        )
    }

    /// Performs `req` and hands the parsed answer to `view`; returns what `view` returns
    /// and the body.
    pub(crate) fn exchange<R: Rpc, T>(
        &self,
        req: &R,
        timeout_ms: u32,
        view: impl FnOnce(R::Response<'_>) -> T,
    ) -> Result<(T, SecretBytes)> {
        self.call_with(req, timeout_ms, |body, spare| {
            let t = self.view::<R, T>(body, spare, view)?;
            Ok((t, SecretBytes(body.to_vec())))
        })
    }

    /// Parses `body` with `spare` as scratch (wiped by the transport) when it is as long
    /// as the body, else with a scratch of its own (wiped here), and hands the view to
    /// `view`.
    pub(crate) fn view<R: Rpc, T>(
        &self,
        body: &[u8],
        spare: &mut [u8],
        view: impl FnOnce(R::Response<'_>) -> T,
    ) -> Result<T> {
        if spare.len() >= body.len() {
            return Ok(view(self.parse::<R>(body, spare)?));
        }
        // Views of key answers may decode the key into the scratch: wipe it too.
        let mut scratch = SecretBytes(vec![0u8; body.len()]);
        let t = view(self.parse::<R>(body, &mut scratch.0)?);
        Ok(t)
    }

    /// Whether the agent has the `Version` RPC (v0.5.7+), probed once and cached.
    fn has_version(&self, timeout_ms: u32) -> Result<bool> {
        if let Some(v) = *self.has_version.lock().unwrap_or_else(|p| p.into_inner()) {
            return Ok(v);
        }
        let known = match self.call(&dstack::Version, timeout_ms) {
            Ok(_) => true,
            Err(f) if f.kind() == ErrorKind::Agent || f.kind() == ErrorKind::HttpStatus => false,
            Err(f) => return Err(f),
        };
        *self.has_version.lock().unwrap_or_else(|p| p.into_inner()) = Some(known);
        Ok(known)
    }

    /// Fails with `UNSUPPORTED` naming `feature` unless the agent has `Version`.
    pub(crate) fn require_version(&self, feature: &str, timeout_ms: u32) -> Result<()> {
        if self.has_version(timeout_ms)? {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Unsupported,
                format!("{feature} is not supported: the agent at {} is too old (it has no Version RPC)", self.endpoint_text()),
            ))
        }
    }

    /// `info` (the API's `Info`) with a short timeout (0 = 500 ms): true when it answers a
    /// well-formed Info, false for transport failures, error answers and malformed
    /// answers (the agent is not usable).
    pub(crate) fn is_reachable<R: Rpc>(&self, info: &R, timeout_ms: u32) -> bool {
        let t = if timeout_ms == 0 {
            REACHABLE_TIMEOUT_MS
        } else {
            timeout_ms
        };
        self.exchange(info, t, |_| ()).is_ok()
    }
}

/// What kind of body an answer has, judged from its bytes (a content-type header can
/// say anything): `empty`, `HTML`, `JSON`, `text` or `binary`.
fn body_kind(body: &[u8]) -> &'static str {
    let t = body.trim_ascii_start();
    let starts = |p: &[u8]| t.len() >= p.len() && t[..p.len()].eq_ignore_ascii_case(p);
    if body.is_empty() {
        "empty"
    } else if starts(b"<!doctype html") || starts(b"<html") {
        "HTML"
    } else if starts(b"{") || starts(b"[") {
        "JSON"
    } else if std::str::from_utf8(body).is_ok() {
        "text"
    } else {
        "binary"
    }
}

/// `HTML body, 312 bytes`: what an error answer held, without any of its bytes.
fn describe_body(body: &[u8]) -> String {
    match body_kind(body) {
        "empty" => "empty body".to_string(),
        kind => format!("{kind} body, {} bytes", body.len()),
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn no_agent_found_by_probing_names_the_paths_and_the_simulator_variable() {
        // Only meaningful where probing happens: no variable set and no agent socket.
        if std::env::var_os("TAPPD_SIMULATOR_ENDPOINT").is_some()
            || [
                "/var/run/tappd.sock",
                "/run/tappd.sock",
                "/var/run/dstack/tappd.sock",
                "/run/dstack/tappd.sock",
            ]
            .iter()
            .any(|p| std::path::Path::new(p).exists())
        {
            return;
        }
        let get = |out: &mut [u8]| {
            let r = b"GET / HTTP/1.1\r\n\r\n";
            out[..r.len()].copy_from_slice(r);
            Ok(r.len())
        };
        let agent = Agent::new(Api::Tappd, "").unwrap();
        let e = agent
            .send(&get, "/Info", 500, true, |_, _| Ok(()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoAgent);
        assert!(
            e.message().contains("/run/dstack/tappd.sock"),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("TAPPD_SIMULATOR_ENDPOINT"),
            "{}",
            e.message()
        );
        // An endpoint the caller chose gets no hint.
        let agent = Agent::new(Api::Tappd, "/nonexistent/tappd.sock").unwrap();
        let e = agent
            .send(&get, "/Info", 500, true, |_, _| Ok(()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NoAgent);
        assert!(
            !e.message().contains("TAPPD_SIMULATOR_ENDPOINT"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn bodies_are_described_not_quoted() {
        let key = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
        let json = format!(r#"{{"key":"{key}","signature_chain":[]}}"#);
        let d = describe_body(json.as_bytes());
        assert_eq!(d, format!("JSON body, {} bytes", json.len()));
        assert_eq!(describe_body(b""), "empty body");
        assert_eq!(describe_body(b"  \n"), "text body, 3 bytes");
        let html = b"\n<!DOCTYPE html>\n<html>404</html>";
        assert_eq!(
            describe_body(html),
            format!("HTML body, {} bytes", html.len())
        );
        assert_eq!(describe_body(b"<HTML></HTML>"), "HTML body, 13 bytes");
        assert_eq!(describe_body(key.as_bytes()), "text body, 64 bytes");
        assert_eq!(describe_body(&[0xff, 0xfe, 0x00]), "binary body, 3 bytes");
    }

    #[test]
    fn error_messages_never_hold_body_bytes() {
        let key = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
        let a = match Agent::new(Api::Dstack, "/nonexistent/dstack.sock") {
            Ok(a) => a,
            Err(f) => panic!("a Unix path is a valid endpoint: {}", f.message()),
        };
        // A 500 with a key and no `error` member.
        let body = format!(r#"{{"key":"{key}","signature_chain":[]}}"#);
        let f = a.answer_failure(
            dstack_core::Error::HttpStatus(500),
            500,
            body.as_bytes(),
            "/GetKey",
        );
        assert_eq!(f.kind(), ErrorKind::HttpStatus);
        assert!(!f.message().contains(&key[..16]), "{}", f.message());
        assert!(f.message().contains("HTTP 500") && f.message().contains("/GetKey"));
        // An `error` member that cannot be decoded (a bad escape) beside a key.
        let body = format!(r#"{{"error":"bad \q escape","key":"{key}"}}"#);
        let f = a.answer_failure(dstack_core::Error::Agent, 400, body.as_bytes(), "/GetKey");
        assert_eq!(f.kind(), ErrorKind::Agent);
        assert!(!f.message().contains(&key[..16]), "{}", f.message());
        // The tappd hint for Rocket's 404 page.
        let html = b"<!DOCTYPE html>\n<html><h1>404: Not Found</h1></html>";
        let f = a.answer_failure(dstack_core::Error::HttpStatus(404), 404, html, "/GetKey");
        assert!(f.message().contains("HTML body") && f.message().contains("tappd socket"));
    }
}
