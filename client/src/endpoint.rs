//! Where the agent is: explicit endpoint, environment variable, or the first existing
//! well-known socket (docs/PROTOCOL.md §1.3).

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

/// For an endpoint found by probing (no explicit endpoint, no environment variable), the
/// text added to a "no agent" failure: every path tried and how to reach a simulator.
/// `None` when the caller chose the endpoint.
pub(crate) fn no_agent_hint(api: Api, explicit: &str) -> Option<String> {
    if !explicit.is_empty() {
        return None;
    }
    if std::env::var_os(api.env_var()).is_some_and(|v| !v.is_empty()) {
        return None;
    }
    Some(format!(
        "no agent socket at any of {}; inside a dstack CVM mount the agent's socket into the \
         container, for development start dstack-simulator and set {} to its socket",
        api.sockets().join(", "),
        api.env_var()
    ))
}

/// True for `host:port` written without a scheme (`localhost:8090`, `10.0.0.1:80`,
/// `[::1]:8090`): a name with no `/` whose part after the last `:` is a port number.
fn is_bare_host_port(text: &str) -> bool {
    if text.contains('/') {
        return false;
    }
    match split_host_port(text) {
        Some((host, _)) => {
            text.contains(':')
                && (host.starts_with('[')
                    || host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
        }
        None => false,
    }
}

/// Parses endpoint text:
/// - `http://host[:port][/base]` and a bare `host:port` are TCP;
/// - `unix:/path` and `unix:///path` are Unix socket paths, as is anything else without a
///   scheme;
/// - `https://` is unsupported (no TLS), and any other `scheme://` is refused with the list
///   of the forms understood, rather than taken as a file name.
pub(crate) fn parse(text: &str) -> Result<Endpoint> {
    if let Some(path) = strip_prefix_ignore_case(text, "unix://") {
        if !path.starts_with('/') {
            return Err(Error::invalid(format!(
                "endpoint {text}: a unix:// endpoint takes an absolute path (unix:///var/run/dstack.sock)"
            )));
        }
        return parse_path(text, path);
    }
    if let Some(path) = strip_prefix_ignore_case(text, "unix:") {
        return parse_path(text, path);
    }
    if is_bare_host_port(text) {
        return parse(&format!("http://{text}"));
    }
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
    if let Some(i) = text.find("://") {
        let scheme = &text[..i];
        if !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        {
            return Err(Error::invalid(format!(
                "endpoint {text}: the scheme {scheme}:// is not understood; use a Unix socket path \
                 (/var/run/dstack.sock or unix:///var/run/dstack.sock), http://host:port or host:port"
            )));
        }
    }
    parse_path(text, text)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    if text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    {
        Some(&text[prefix.len()..])
    } else {
        None
    }
}

fn parse_path(text: &str, path: &str) -> Result<Endpoint> {
    if path.is_empty() {
        return Err(Error::invalid(format!(
            "endpoint {text}: empty socket path"
        )));
    }
    if path.as_bytes().contains(&0) {
        return Err(Error::invalid("endpoint contains a NUL byte"));
    }
    Ok(Endpoint::Unix(PathBuf::from(path)))
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

    #[test]
    fn newcomer_forms_are_understood_or_refused_clearly() {
        let tcp = |h: &str, p: u16| Endpoint::Tcp {
            host: h.into(),
            port: p,
            base: "".into(),
        };
        assert_eq!(parse("localhost:8090"), Ok(tcp("localhost", 8090)));
        assert_eq!(parse("127.0.0.1:80"), Ok(tcp("127.0.0.1", 80)));
        assert_eq!(parse("[::1]:8090"), Ok(tcp("[::1]", 8090)));
        assert_eq!(
            parse("unix:///var/run/dstack.sock"),
            Ok(Endpoint::Unix("/var/run/dstack.sock".into()))
        );
        assert_eq!(
            parse("unix:/tmp/a.sock"),
            Ok(Endpoint::Unix("/tmp/a.sock".into()))
        );
        assert_eq!(
            parse("UNIX:relative.sock"),
            Ok(Endpoint::Unix("relative.sock".into()))
        );
        // A path with a directory part is a path even when it holds a colon.
        assert_eq!(parse("./odd:123"), Ok(Endpoint::Unix("./odd:123".into())));
        for bad in [
            "unix://relative.sock",
            "unix:",
            "tcp://localhost:8090",
            "vsock://3:8000",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(e.message().contains(bad), "{bad}: {}", e.message());
        }
        let e = parse("tcp://localhost:8090").unwrap_err();
        assert!(e.message().contains("http://host:port"), "{}", e.message());
    }

    #[test]
    fn the_no_agent_hint_lists_every_path_tried_only_when_probing() {
        assert_eq!(no_agent_hint(Api::Dstack, "/x.sock"), None);
        // The test process may have DSTACK_SIMULATOR_ENDPOINT set; TAPPD's is checked
        // the same way, so use whichever is unset.
        for api in [Api::Dstack, Api::Tappd] {
            if std::env::var_os(api.env_var()).is_some() {
                continue;
            }
            let hint = no_agent_hint(api, "").expect("probing gives a hint");
            for p in api.sockets() {
                assert!(hint.contains(p), "{hint}");
            }
            assert!(hint.contains(api.env_var()), "{hint}");
        }
    }
}
