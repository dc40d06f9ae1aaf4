//! The C status codes and the Rust client's error kinds are one list: every
//! `libdstack::ErrorKind` has the number and the message of a `DSTACK_STATUS_*`, and every
//! failure status is an `ErrorKind` (the C library builds its errors from the Rust ones).

use dstack::status::*;
use libdstack::ErrorKind;
use std::ffi::CStr;

fn c_message(status: dstack_status) -> String {
    // SAFETY: dstack_status_message returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(dstack_status_message(status)) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn error_kinds_are_the_status_codes() {
    let statuses = [
        (DSTACK_STATUS_NULL_ARGUMENT, ErrorKind::NullArgument),
        (DSTACK_STATUS_INVALID_ARGUMENT, ErrorKind::InvalidArgument),
        (DSTACK_STATUS_INVALID_HEX, ErrorKind::InvalidHex),
        (DSTACK_STATUS_BUFFER_TOO_SMALL, ErrorKind::BufferTooSmall),
        (DSTACK_STATUS_NOT_FOUND, ErrorKind::NotFound),
        (DSTACK_STATUS_NO_AGENT, ErrorKind::NoAgent),
        (DSTACK_STATUS_TIMEOUT, ErrorKind::Timeout),
        (DSTACK_STATUS_IO, ErrorKind::Io),
        (DSTACK_STATUS_MALFORMED_HTTP, ErrorKind::MalformedHttp),
        (
            DSTACK_STATUS_RESPONSE_TOO_LARGE,
            ErrorKind::ResponseTooLarge,
        ),
        (DSTACK_STATUS_HTTP_STATUS, ErrorKind::HttpStatus),
        (DSTACK_STATUS_AGENT_ERROR, ErrorKind::Agent),
        (
            DSTACK_STATUS_MALFORMED_RESPONSE,
            ErrorKind::MalformedResponse,
        ),
        (DSTACK_STATUS_UNSUPPORTED, ErrorKind::Unsupported),
        (
            DSTACK_STATUS_VERIFICATION_FAILED,
            ErrorKind::VerificationFailed,
        ),
        (DSTACK_STATUS_EXPIRED, ErrorKind::Expired),
        (DSTACK_STATUS_CRYPTO, ErrorKind::Crypto),
        (DSTACK_STATUS_LIMIT_EXCEEDED, ErrorKind::LimitExceeded),
        (DSTACK_STATUS_RNG, ErrorKind::Rng),
        (DSTACK_STATUS_PANIC, ErrorKind::Internal),
    ];
    assert_eq!(statuses.len(), ErrorKind::ALL.len());
    for (status, kind) in statuses {
        assert_eq!(kind.code(), status, "{kind:?}");
        assert_eq!(ErrorKind::from_code(status), Some(kind));
        assert_eq!(kind.description(), c_message(status), "{kind:?}");
    }
    assert_eq!(ErrorKind::from_code(DSTACK_STATUS_OK), None);
}
