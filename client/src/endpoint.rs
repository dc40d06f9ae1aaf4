//! Where the agent is: explicit endpoint, environment variable, or the first existing
//! well-known socket (PROTOCOL.md §1.3).

use crate::error::ErrorKind;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A resolved agent address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A Unix socket path.
    Unix(PathBuf),
    /// `http://host:port[/base]`.
    Tcp {
        /// Host as written (IPv6 literals keep their brackets).
        host: String,
        /// TCP port (80 if absent).
        port: u16,
        /// Path prefix without a trailing `/` ("" for none).
        base: String,
    },
}

/// Which API the endpoint serves; selects the environment variable and the probe list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Dstack,
    Tappd,
}

const DSTACK_SOCKETS: [&str; 4] = [
    "/var/run/dstack.sock",
    "/run/dstack.sock",
    "/var/run/dstack/dstack.sock",
    "/run/dstack/dstack.sock",
];
const TAPPD_SOCKETS: [&str; 4] = [
    "/var/run/tappd.sock",
    "/run/tappd.sock",
    "/var/run/dstack/tappd.sock",
    "/run/dstack/tappd.sock",
];

impl Api {
    fn env_var(self) -> &'static str {
        match self {
            Api::Dstack => "DSTACK_SIMULATOR_ENDPOINT",
            Api::Tappd => "TAPPD_SIMULATOR_ENDPOINT",
        }
    }
    fn sockets(self) -> &'static [&'static str; 4] {
        match self {
            Api::Dstack => &DSTACK_SOCKETS,
            Api::Tappd => &TAPPD_SOCKETS,
        }
    }
}

/// Picks the endpoint text: `explicit` if non-empty, else the API's environment variable
/// if set and non-empty, else the first existing well-known socket, else the first one.
pub(crate) fn discover(api: Api, explicit: &str) -> String {
    if !explicit.is_empty() {
        return explicit.to_string();
    }
    if let Some(v) = std::env::var_os(api.env_var()) {
        if let Some(s) = v.to_str() {
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    let list = api.sockets();
    for p in list.iter() {
        if Path::new(p).exists() {
            return (*p).to_string();
        }
    }
    list[0].to_string()
}

/// Parses endpoint text: `http://host[:port][/base]` is TCP, `https://` is unsupported,
/// anything else is a Unix socket path.
pub(crate) fn parse(text: &str) -> Result<Endpoint> {
    if text.len() >= 8 && text[..8].eq_ignore_ascii_case("https://") {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("endpoint {text}: https:// is not supported (libdstack has no TLS); use a Unix socket or http://"),
        ));
    }
    if text.len() >= 7 && text[..7].eq_ignore_ascii_case("http://") {
        let rest = &text[7..];
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(Error::invalid(format!("endpoint {text}: missing host")));
        }
        let (host, port) = split_host_port(authority)
            .ok_or_else(|| Error::invalid(format!("endpoint {text}: bad host or port")))?;
        if path.contains('?') || path.contains('#') || path.bytes().any(|b| b <= b' ' || b == 0x7f)
        {
            return Err(Error::invalid(format!("endpoint {text}: the base path may not hold a query, fragment, space or control character")));
        }
        return Ok(Endpoint::Tcp {
            host: host.to_string(),
            port,
            base: path.trim_end_matches('/').to_string(),
        });
    }
    if text.as_bytes().contains(&0) {
        return Err(Error::invalid("endpoint contains a NUL byte"));
    }
    Ok(Endpoint::Unix(PathBuf::from(text)))
}

fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
        let end = stripped.find(']')?;
        let host = &authority[..end + 2];
        let after = &stripped[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match authority.rfind(':') {
            Some(i) => (&authority[..i], Some(&authority[i + 1..])),
            None => (authority, None),
        }
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    let port = match port {
        Some(p) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse::<u16>().ok()?
        }
        None => 80,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(
            parse("/tmp/x.sock"),
            Ok(Endpoint::Unix("/tmp/x.sock".into()))
        );
        assert_eq!(parse("rel.sock"), Ok(Endpoint::Unix("rel.sock".into())));
        assert_eq!(
            parse("http://127.0.0.1:8090/api/"),
            Ok(Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 8090,
                base: "/api".into()
            })
        );
        assert_eq!(
            parse("http://localhost"),
            Ok(Endpoint::Tcp {
                host: "localhost".into(),
                port: 80,
                base: "".into()
            })
        );
        assert_eq!(
            parse("http://[::1]:9"),
            Ok(Endpoint::Tcp {
                host: "[::1]".into(),
                port: 9,
                base: "".into()
            })
        );
        assert_eq!(
            parse("https://x").map_err(|e| e.kind()),
            Err(ErrorKind::Unsupported)
        );
        assert_eq!(
            parse("http://h:99999").map_err(|e| e.kind()),
            Err(ErrorKind::InvalidArgument)
        );
        assert_eq!(
            parse("http://").map_err(|e| e.kind()),
            Err(ErrorKind::InvalidArgument)
        );
    }
}
