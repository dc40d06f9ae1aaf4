//! The one error type of the core.

use core::fmt;

/// Everything that can go wrong in the core. Every variant is a distinct, documented
/// condition so that the C library can map it to a status without guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The caller's output buffer is too small; `needed` bytes would be enough.
    BufferTooSmall {
        /// Bytes needed for the whole output.
        needed: usize,
    },
    /// A caller-supplied argument is invalid; the string says which rule it broke.
    InvalidArgument(&'static str),
    /// Hex text is malformed (odd length, bad character) or has the wrong decoded length.
    InvalidHex,
    /// The HTTP response is malformed (bad status line, bad header, bad chunk framing).
    MalformedHttp,
    /// The HTTP response would exceed the caller's buffer.
    ResponseTooLarge,
    /// The agent answered with a status other than 200 and a body that is not `{"error": …}`.
    HttpStatus(u16),
    /// The agent answered `{"error": …}`; the message is in the body (see
    /// [`crate::rpc::agent_error_message`]).
    Agent,
    /// The response body is not the JSON this RPC returns (missing field, wrong type, bad hex).
    MalformedResponse,
    /// A cryptographic check failed: bad signature, unrecoverable key, replay mismatch,
    /// untrusted KMS key.
    VerificationFailed,
    /// A timestamp lies outside the accepted window.
    Expired,
    /// A key or point is not valid for its curve, or a cipher operation failed.
    Crypto,
    /// The input exceeds a documented limit of the core (nesting depth, event count, …).
    LimitExceeded,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::InvalidHex => f.write_str("invalid hex"),
            Error::MalformedHttp => f.write_str("malformed HTTP response"),
            Error::ResponseTooLarge => f.write_str("response too large"),
            Error::HttpStatus(s) => write!(f, "unexpected HTTP status {s}"),
            Error::Agent => f.write_str("the agent returned an error"),
            Error::MalformedResponse => f.write_str("malformed response body"),
            Error::VerificationFailed => f.write_str("verification failed"),
            Error::Expired => f.write_str("timestamp outside the accepted window"),
            Error::Crypto => f.write_str("cryptographic error"),
            Error::LimitExceeded => f.write_str("input exceeds a limit of the library"),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
