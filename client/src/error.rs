//! The one error type of the crate: a [`ErrorKind`] (the categories of the C library's
//! status codes, with the same numbers) and a message (the same text the C library's
//! `dstack_error_message` gives).

use std::fmt;

/// What went wrong, by category. The categories are those of the C library's
/// `dstack_status` codes, and [`ErrorKind::code`] gives the same number, so a Rust service
/// and a C, Go, Node or Python one report a failure alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required argument was missing (in Rust: only at the C boundary).
    NullArgument,
    /// An argument breaks a documented rule (report data over 64 bytes, unknown
    /// algorithm, pre-hashed sign data not 32 bytes, ...). Nothing was sent.
    InvalidArgument,
    /// Hex input is malformed or decodes to the wrong length.
    InvalidHex,
    /// An output buffer is too small (in Rust: only at the C boundary).
    BufferTooSmall,
    /// No such field or index.
    NotFound,
    /// No socket at the endpoint, or the connection was refused.
    NoAgent,
    /// The agent did not answer within the timeout.
    Timeout,
    /// An I/O error, including the agent closing the connection mid-response.
    Io,
    /// The agent's answer is not valid HTTP/1.1.
    MalformedHttp,
    /// The response exceeds the library's limit (16 MiB).
    ResponseTooLarge,
    /// A non-200 HTTP status without an `{"error": ...}` body (e.g. 404 for an unknown
    /// method).
    HttpStatus,
    /// The agent answered `{"error": ...}`; the message is the agent's text.
    Agent,
    /// The response body is not the JSON this RPC returns.
    MalformedResponse,
    /// The agent is too old for this call (it has no `Version` RPC), or the endpoint
    /// scheme is not supported (`https://`).
    Unsupported,
    /// A signature, chain, replay or trust check failed.
    VerificationFailed,
    /// A timestamp is outside the accepted window.
    Expired,
    /// Invalid key material or a cipher failure.
    Crypto,
    /// An input exceeds a documented limit.
    LimitExceeded,
    /// The operating system's random number generator failed.
    Rng,
    /// A bug in this library (a caught panic). Please report it.
    Internal,
}

impl ErrorKind {
    /// Every kind, in the order of their codes.
    pub const ALL: [ErrorKind; 20] = [
        ErrorKind::NullArgument,
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidHex,
        ErrorKind::BufferTooSmall,
        ErrorKind::NotFound,
        ErrorKind::NoAgent,
        ErrorKind::Timeout,
        ErrorKind::Io,
        ErrorKind::MalformedHttp,
        ErrorKind::ResponseTooLarge,
        ErrorKind::HttpStatus,
        ErrorKind::Agent,
        ErrorKind::MalformedResponse,
        ErrorKind::Unsupported,
        ErrorKind::VerificationFailed,
        ErrorKind::Expired,
        ErrorKind::Crypto,
        ErrorKind::LimitExceeded,
        ErrorKind::Rng,
        ErrorKind::Internal,
    ];

    /// The C library's status code of this kind (`DSTACK_STATUS_*`): never renumbered.
    pub const fn code(self) -> u32 {
        match self {
            ErrorKind::NullArgument => 1,
            ErrorKind::InvalidArgument => 2,
            ErrorKind::InvalidHex => 3,
            ErrorKind::BufferTooSmall => 4,
            ErrorKind::NotFound => 5,
            ErrorKind::NoAgent => 10,
            ErrorKind::Timeout => 11,
            ErrorKind::Io => 12,
            ErrorKind::MalformedHttp => 13,
            ErrorKind::ResponseTooLarge => 14,
            ErrorKind::HttpStatus => 15,
            ErrorKind::Agent => 16,
            ErrorKind::MalformedResponse => 17,
            ErrorKind::Unsupported => 18,
            ErrorKind::VerificationFailed => 20,
            ErrorKind::Expired => 21,
            ErrorKind::Crypto => 22,
            ErrorKind::LimitExceeded => 23,
            ErrorKind::Rng => 24,
            ErrorKind::Internal => 99,
        }
    }

    /// The kind of a C status code; `None` for 0 (success) and unknown values.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A short English description of the kind (the C library's `dstack_status_message`).
    pub const fn description(self) -> &'static str {
        match self {
            ErrorKind::NullArgument => "a required pointer argument was NULL",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::InvalidHex => "malformed hex or wrong decoded length",
            ErrorKind::BufferTooSmall => "output buffer too small",
            ErrorKind::NotFound => "no such field or index",
            ErrorKind::NoAgent => "no dstack agent at the endpoint",
            ErrorKind::Timeout => "the agent did not answer in time",
            ErrorKind::Io => "I/O error talking to the agent",
            ErrorKind::MalformedHttp => "the agent's answer is not valid HTTP/1.1",
            ErrorKind::ResponseTooLarge => "the agent's response exceeds the 16 MiB limit",
            ErrorKind::HttpStatus => "the agent answered with an unexpected HTTP status",
            ErrorKind::Agent => "the agent returned an error",
            ErrorKind::MalformedResponse => "the agent's response body is malformed",
            ErrorKind::Unsupported => "not supported by this agent or endpoint",
            ErrorKind::VerificationFailed => "verification failed",
            ErrorKind::Expired => "timestamp outside the accepted window",
            ErrorKind::Crypto => "invalid key material or cipher failure",
            ErrorKind::LimitExceeded => "input exceeds a limit of the library",
            ErrorKind::Rng => "the operating system's random number generator failed",
            ErrorKind::Internal => "internal error in libdstack (caught panic)",
        }
    }

    /// Whether the failure concerns reaching the agent (no agent, timeout, I/O), as
    /// opposed to what was asked or what it answered.
    pub fn is_transport(self) -> bool {
        matches!(
            self,
            ErrorKind::NoAgent | ErrorKind::Timeout | ErrorKind::Io
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// A failed call: its [`ErrorKind`] and a message. For [`ErrorKind::Agent`] the message
/// is the agent's own `{"error": ...}` text. Messages never quote the body of an answer
/// (it may hold key material), only describe it.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The category, matching the C status code ([`ErrorKind::code`]).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message: the same text the C library's `dstack_error_message` gives.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The C library's status code of this error (`DSTACK_STATUS_*`).
    pub fn code(&self) -> u32 {
        self.kind.code()
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// The kind a core error maps to.
    fn core_kind(e: dstack_core::Error) -> ErrorKind {
        use dstack_core::Error as E;
        match e {
            E::BufferTooSmall { .. } => ErrorKind::BufferTooSmall,
            E::InvalidArgument(_) => ErrorKind::InvalidArgument,
            E::InvalidHex => ErrorKind::InvalidHex,
            E::MalformedHttp => ErrorKind::MalformedHttp,
            E::ResponseTooLarge => ErrorKind::ResponseTooLarge,
            E::HttpStatus(_) => ErrorKind::HttpStatus,
            E::Agent => ErrorKind::Agent,
            E::MalformedResponse => ErrorKind::MalformedResponse,
            E::VerificationFailed => ErrorKind::VerificationFailed,
            E::Expired => ErrorKind::Expired,
            E::Crypto => ErrorKind::Crypto,
            E::LimitExceeded => ErrorKind::LimitExceeded,
        }
    }

    /// Maps an error of `dstack-core`, prefixing `context` (what was being done) to its
    /// message: `"{context}: {core message}"`, or the core message alone for an empty
    /// context. The C library builds its messages the same way.
    pub fn from_core(context: &str, e: dstack_core::Error) -> Error {
        let message = if context.is_empty() {
            e.to_string()
        } else {
            format!("{context}: {e}")
        };
        Error::new(Error::core_kind(e), message)
    }
}

impl From<dstack_core::Error> for Error {
    fn from(e: dstack_core::Error) -> Error {
        Error::from_core("", e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        use std::io::ErrorKind as Io;
        let kind = match e.kind {
            ErrorKind::NoAgent => Io::NotFound,
            ErrorKind::Timeout => Io::TimedOut,
            ErrorKind::InvalidArgument | ErrorKind::InvalidHex => Io::InvalidInput,
            ErrorKind::MalformedHttp | ErrorKind::MalformedResponse => Io::InvalidData,
            ErrorKind::Unsupported => Io::Unsupported,
            _ => Io::Other,
        };
        std::io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(6), None);
        let e = Error::from_core("GetKey", dstack_core::Error::InvalidHex);
        assert_eq!(e.kind(), ErrorKind::InvalidHex);
        assert_eq!(e.to_string(), "GetKey: invalid hex");
        let io: std::io::Error = Error::new(ErrorKind::Timeout, "slow").into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    }
}
