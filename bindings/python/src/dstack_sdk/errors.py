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

from typing import Dict, Optional, Type

from ._abi import STATUS_NAMES, Status

# Status codes and names come from the generated _abi.py (include/dstack.h):
# ``Status.NO_AGENT`` and ``STATUS_NAMES[10] == "NO_AGENT"``.  The module-level
# names below (``errors.NO_AGENT``, ...) are kept for code that used them; they
# are made from the same table, so there is no second copy to keep in step.
# The exception classes are this module's own: ``_BY_STATUS`` maps every status
# but OK to one (tests/test_safety.py checks it covers ``STATUS_NAMES``).
for _code, _name in STATUS_NAMES.items():
    globals()[_name] = _code
del _code, _name

class DstackError(Exception):
    """A libdstack call failed.

    ``status`` is the numeric ``dstack_status``; ``status_name`` its symbolic
    name; ``message`` the detail text (the agent's own text for
    :class:`AgentError`).
    """

    #: Failed verifications (:mod:`dstack_sdk.verify`): the stable name of the check
    #: that failed (``"rtmr_replay"``, ``"tcb_status"``, ...), else ``None``.
    check: Optional[str] = None
    #: Failed verifications: the value the check required, when it compared two values.
    expected: Optional[str] = None
    #: Failed verifications: the value the evidence had, when the check compared two values.
    actual: Optional[str] = None

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
    Status.NULL_ARGUMENT: InvalidArgumentError,
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.INVALID_HEX: InvalidHexError,
    Status.BUFFER_TOO_SMALL: DstackError,  # handled inside the binding (buffers are grown)
    Status.NOT_FOUND: NotFoundError,
    Status.NO_AGENT: NoAgentError,
    Status.TIMEOUT: AgentTimeoutError,
    Status.IO: AgentIOError,
    Status.MALFORMED_HTTP: ProtocolError,
    Status.RESPONSE_TOO_LARGE: ProtocolError,
    Status.HTTP_STATUS: ProtocolError,
    Status.AGENT_ERROR: AgentError,
    Status.MALFORMED_RESPONSE: ProtocolError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.VERIFICATION_FAILED: VerificationError,
    Status.EXPIRED: ExpiredError,
    Status.CRYPTO: CryptoError,
    Status.LIMIT_EXCEEDED: LimitExceededError,
    Status.RNG: RngError,
    Status.PANIC: PanicError,
}


def error_for_status(status: int, message: str) -> DstackError:
    """Build the exception matching ``status``."""
    cls = _BY_STATUS.get(int(status), DstackError)
    return cls(status, message)
