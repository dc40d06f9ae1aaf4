"""Exceptions raised by dstack_sdk.

Every failure reported by libdstack arrives as a ``dstack_status`` code plus an
optional message (for agent errors: the agent's own ``{"error": ...}`` text).
Each status maps to one exception class below, all derived from
:class:`DstackError`, so callers can catch broadly or narrowly.  Classes that
describe bad caller input also derive from :class:`ValueError`, and
"agent too old" derives from :class:`RuntimeError`, so code written against the
official SDK (which raised those builtins) keeps working.
"""

from __future__ import annotations

from typing import Dict, Type

# Status codes of the C ABI (never renumbered; see ffi/ABI.md).
OK = 0
NULL_ARGUMENT = 1
INVALID_ARGUMENT = 2
INVALID_HEX = 3
BUFFER_TOO_SMALL = 4
NOT_FOUND = 5
NO_AGENT = 10
TIMEOUT = 11
IO = 12
MALFORMED_HTTP = 13
RESPONSE_TOO_LARGE = 14
HTTP_STATUS = 15
AGENT_ERROR = 16
MALFORMED_RESPONSE = 17
UNSUPPORTED = 18
VERIFICATION_FAILED = 20
EXPIRED = 21
CRYPTO = 22
LIMIT_EXCEEDED = 23
RNG = 24
PANIC = 99

STATUS_NAMES: Dict[int, str] = {
    OK: "OK",
    NULL_ARGUMENT: "NULL_ARGUMENT",
    INVALID_ARGUMENT: "INVALID_ARGUMENT",
    INVALID_HEX: "INVALID_HEX",
    BUFFER_TOO_SMALL: "BUFFER_TOO_SMALL",
    NOT_FOUND: "NOT_FOUND",
    NO_AGENT: "NO_AGENT",
    TIMEOUT: "TIMEOUT",
    IO: "IO",
    MALFORMED_HTTP: "MALFORMED_HTTP",
    RESPONSE_TOO_LARGE: "RESPONSE_TOO_LARGE",
    HTTP_STATUS: "HTTP_STATUS",
    AGENT_ERROR: "AGENT_ERROR",
    MALFORMED_RESPONSE: "MALFORMED_RESPONSE",
    UNSUPPORTED: "UNSUPPORTED",
    VERIFICATION_FAILED: "VERIFICATION_FAILED",
    EXPIRED: "EXPIRED",
    CRYPTO: "CRYPTO",
    LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
    RNG: "RNG",
    PANIC: "PANIC",
}


class DstackError(Exception):
    """A libdstack call failed.

    ``status`` is the numeric ``dstack_status``; ``status_name`` its symbolic
    name; ``message`` the detail text (the agent's own text for
    :class:`AgentError`).
    """

    def __init__(self, status: int, message: str = "") -> None:
        self.status = int(status)
        self.status_name = STATUS_NAMES.get(self.status, f"STATUS_{self.status}")
        self.message = message
        super().__init__(status, message)

    def __str__(self) -> str:
        if self.message:
            return f"{self.message} ({self.status_name})"
        return self.status_name


class LibraryNotFoundError(DstackError, OSError):
    """libdstack could not be loaded: not found, not libdstack, another major.minor
    version, or an export missing.  The message names the path and both versions."""

    def __init__(self, message: str) -> None:
        DstackError.__init__(self, 0, message)

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(DstackError, ValueError):
    """An argument breaks a documented rule (status 1, 2, 23)."""


class InvalidHexError(InvalidArgumentError):
    """Hex input is malformed or of the wrong length (status 3)."""


class LimitExceededError(InvalidArgumentError):
    """Input exceeds a documented limit (status 23)."""


class NotFoundError(DstackError, LookupError):
    """The response lacks a field (status 5)."""


class TransportError(DstackError):
    """Talking to the agent failed below the RPC level."""


class NoAgentError(TransportError):
    """No agent listens at the endpoint (status 10)."""


class AgentTimeoutError(TransportError):
    """The agent did not answer within the timeout (status 11)."""


class AgentIOError(TransportError):
    """I/O failure, e.g. the agent closed the connection mid-response (status 12)."""


class ProtocolError(DstackError):
    """The agent's answer was not what the protocol allows (status 13, 14, 15, 17)."""


class AgentError(DstackError):
    """The agent answered ``{"error": ...}``; ``message`` is its text (status 16)."""


class UnsupportedError(DstackError, RuntimeError):
    """The agent is too old for the call, or the endpoint scheme is unsupported (status 18)."""


class VerificationError(DstackError):
    """A signature, chain, replay or trust check failed (status 20)."""


class ExpiredError(VerificationError):
    """A timestamp lies outside the accepted window (status 21)."""


class CryptoError(DstackError):
    """Invalid key material or a cipher failure (status 22)."""


class RngError(DstackError):
    """The operating system's random number generator failed (status 24)."""


class PanicError(DstackError):
    """A bug inside libdstack was caught at the C boundary (status 99)."""


_BY_STATUS: Dict[int, Type[DstackError]] = {
    NULL_ARGUMENT: InvalidArgumentError,
    INVALID_ARGUMENT: InvalidArgumentError,
    INVALID_HEX: InvalidHexError,
    NOT_FOUND: NotFoundError,
    NO_AGENT: NoAgentError,
    TIMEOUT: AgentTimeoutError,
    IO: AgentIOError,
    MALFORMED_HTTP: ProtocolError,
    RESPONSE_TOO_LARGE: ProtocolError,
    HTTP_STATUS: ProtocolError,
    AGENT_ERROR: AgentError,
    MALFORMED_RESPONSE: ProtocolError,
    UNSUPPORTED: UnsupportedError,
    VERIFICATION_FAILED: VerificationError,
    EXPIRED: ExpiredError,
    CRYPTO: CryptoError,
    LIMIT_EXCEEDED: LimitExceededError,
    RNG: RngError,
    PANIC: PanicError,
}


def error_for_status(status: int, message: str) -> DstackError:
    """Build the exception matching ``status``."""
    cls = _BY_STATUS.get(int(status), DstackError)
    return cls(status, message)
