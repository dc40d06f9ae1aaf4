"""Checks of public arguments before they reach ctypes.

ctypes converts silently: an int of 2**64 becomes 0 in a ``c_uint64``, and a
wrong type surfaces as an ``AttributeError`` deep inside the binding.  Every
public function checks its arguments here first.  A wrong type raises
``TypeError``; a value out of range raises
:class:`~dstack_sdk.errors.InvalidArgumentError` (a ``ValueError``).  Each
message names the argument, what is accepted and what was given.
"""

from __future__ import annotations

import math
import numbers
import operator
import os
from typing import Any, List, Optional

from ._abi import Status
from .errors import InvalidArgumentError

U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1
I64_MAX = (1 << 63) - 1

BYTES_LIKE = (bytes, bytearray, memoryview)

# The largest timeout the C ABI carries: 2**32 - 1 milliseconds.
MAX_TIMEOUT_SECONDS = U32_MAX / 1000


def invalid(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(Status.INVALID_ARGUMENT, message)


def type_name(value: Any) -> str:
    return type(value).__name__


def _shown(value: int) -> str:
    # int -> str of huge values is slow and limited (sys.set_int_max_str_digits).
    return str(value) if value.bit_length() <= 128 else f"an integer of {value.bit_length()} bits"


def integer(value: Any, name: str, minimum: int, maximum: int, what: str) -> int:
    """An int (or ``__index__`` type, not bool) within [minimum, maximum]."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be an int ({what}), got {type_name(value)}")
    number = operator.index(value)
    if not minimum <= number <= maximum:
        raise invalid(f"{name} must be an integer from {minimum} to {maximum} ({what}), got {_shown(number)}")
    return number


def optional_integer(value: Any, name: str, minimum: int, maximum: int, what: str) -> Optional[int]:
    return None if value is None else integer(value, name, minimum, maximum, what)


def timeout_ms(timeout: Any, name: str = "timeout") -> int:
    """Seconds (int or float) to the ABI's ``timeout_ms``: > 0 and at most 2**32 - 1 ms."""
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds (int or float), got {type_name(timeout)}")
    try:
        seconds = float(timeout)
    except OverflowError:  # an int too large for a float
        seconds = math.inf
    ms = max(1, round(seconds * 1000)) if math.isfinite(seconds) else U32_MAX + 1
    if math.isnan(seconds) or seconds <= 0 or ms > U32_MAX:
        shown = _shown(timeout) if isinstance(timeout, int) else repr(timeout)
        raise invalid(
            f"{name} must be a number of seconds greater than 0 and at most {MAX_TIMEOUT_SECONDS} "
            f"(2**32 - 1 ms), got {shown}"
        )
    return ms


def text(value: Any, name: str) -> str:
    """A str that encodes as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, got {type_name(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise invalid(f"{name} is not valid UTF-8 text (lone surrogate at index {exc.start})") from None
    return value


def optional_text(value: Any, name: str) -> str:
    """``text`` where None means the empty string (the API's default)."""
    return "" if value is None else text(value, name)


def text_list(value: Any, name: str) -> List[str]:
    """A list/tuple (any non-string iterable) of str; None is empty."""
    if value is None:
        return []
    if isinstance(value, (str,) + BYTES_LIKE):
        raise TypeError(f"{name} must be a list of str, got a single {type_name(value)}; wrap it in a list")
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a list of str, got {type_name(value)}") from None
    return [text(item, f"{name}[{i}]") for i, item in enumerate(items)]


def bytes_like(value: Any, name: str) -> bytes:
    """bytes, bytearray or memoryview, as bytes."""
    if not isinstance(value, BYTES_LIKE):
        raise TypeError(f"{name} must be bytes, bytearray or memoryview, got {type_name(value)}")
    return bytes(value)


def text_or_bytes(value: Any, name: str) -> bytes:
    """Message input: str as UTF-8, bytes-like as is."""
    if isinstance(value, str):
        return text(value, name).encode("utf-8")
    if isinstance(value, BYTES_LIKE):
        return bytes(value)
    raise TypeError(f"{name} must be str (UTF-8) or bytes, bytearray, memoryview, got {type_name(value)}")


def endpoint(value: Any) -> Optional[str]:
    """Socket path or URL: str or os.PathLike; None or "" means discovery."""
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(
            f"endpoint must be str (a Unix socket path or http:// URL) or os.PathLike, got {type_name(value)}"
        )
    return text(value, "endpoint") or None
