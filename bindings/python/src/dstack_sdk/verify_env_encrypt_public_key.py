"""Check that an env-encrypt public key was signed by a KMS.

The KMS signs ``keccak256("dstack-env-encrypt-pubkey:" || app_id || [timestamp_be64] || public_key)``
with its root secp256k1 key.  These functions recover the signer.  A recovered
key alone proves nothing (any well-formed signature recovers *some* key): pass
``trusted_keys=`` with the KMS keys you trust, or compare the result yourself.
"""

from __future__ import annotations

import time
import warnings
from typing import Iterable, List, Optional, Union

from . import _args, _native
from .errors import CryptoError, InvalidArgumentError, NotFoundError, VerificationError

DEFAULT_MAX_AGE_SECONDS = 300

KeyLike = Union[str, bytes]


class RecoveredKey(str):
    """Recovered compressed secp256k1 key: ``"0x" + 66 hex`` (as upstream).

    ``.hex()`` gives the hex without prefix (as for bytes) and
    ``.to_bytes()`` the 33 raw bytes, so code written for either return type
    works.
    """

    def hex(self) -> str:  # type: ignore[override]
        return self[2:]

    def to_bytes(self) -> bytes:
        return bytes.fromhex(self[2:])


def _trusted(trusted_keys: Optional[Iterable[KeyLike]]) -> Optional[List[bytes]]:
    if trusted_keys is None:
        return None
    if isinstance(trusted_keys, (str,) + _args.BYTES_LIKE):
        trusted_keys = [trusted_keys]
    try:
        items = list(trusted_keys)
    except TypeError:
        raise TypeError(
            f"trusted_keys must be a list of keys (bytes or hex str), got {_args.type_name(trusted_keys)}"
        ) from None
    out = []
    for i, key in enumerate(items):
        raw = _native.hex_or_bytes(key, f"trusted_keys[{i}]")
        if len(raw) != 33:
            raise _args.invalid(
                f"trusted_keys[{i}] must be a 33-byte compressed secp256k1 public key, got {len(raw)} bytes"
            )
        out.append(raw)
    if not out:
        raise _args.invalid("trusted_keys is empty")
    return out


def _recover(
    public_key: KeyLike,
    signature: KeyLike,
    app_id: str,
    timestamp: Optional[int],
    max_age_seconds: int,
    trusted_keys: Optional[Iterable[KeyLike]],
    now: Optional[int],
) -> Optional[RecoveredKey]:
    if not isinstance(app_id, str):
        raise TypeError(f"app_id must be a hex str, got {_args.type_name(app_id)}")
    _args.text(app_id, "app_id")
    trusted = _trusted(trusted_keys)
    seconds = "seconds since the epoch, unsigned 64-bit"
    stamp = _args.optional_integer(timestamp, "timestamp", 0, _args.U64_MAX, seconds)
    max_age = _args.integer(max_age_seconds, "max_age_seconds", 1, _args.U64_MAX, "seconds, unsigned 64-bit")
    clock = _args.optional_integer(now, "now", 0, _args.U64_MAX, seconds)
    if clock is None:
        clock = int(time.time())
    try:
        signer = _native.verify_env_encrypt_public_key(
            _native.hex_or_bytes(public_key, "public_key"),
            _native.hex_or_bytes(signature, "signature"),
            app_id,
            stamp,
            clock,
            max_age,
            trusted,
        )
    except (VerificationError, CryptoError, InvalidArgumentError, NotFoundError, ValueError):
        # As upstream: a failed check (bad length, bad app id, recovery, window, trust) is None.
        # Transport-free library failures (missing library, panic) still raise.
        return None
    return RecoveredKey("0x" + signer.hex())


def verify_env_encrypt_public_key(
    public_key: KeyLike,
    signature: KeyLike,
    app_id: str,
    timestamp: Optional[int] = None,
    *,
    max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
    trusted_keys: Optional[Iterable[KeyLike]] = None,
    now: Optional[int] = None,
) -> Optional[RecoveredKey]:
    """Recover the KMS key that signed ``public_key`` for ``app_id``.

    With ``timestamp`` (the KMS ``timestamp`` field, ``signature_v1``) the
    timestamped message is checked and the timestamp must be at most
    ``max_age_seconds`` old and at most 60 s in the future.  Without it (the
    three-argument form of the docs) the legacy message is checked; legacy
    signatures can be replayed, prefer the timestamped form.

    Returns the signer as :class:`RecoveredKey` (``"0x…"``), or None if the
    signature, window or trust check fails.  ``trusted_keys``: KMS keys
    (33-byte compressed, bytes or hex) the signer must be one of.
    """
    return _recover(public_key, signature, app_id, timestamp, max_age_seconds, trusted_keys, now)


def verify_env_encrypt_public_key_legacy(
    public_key: KeyLike,
    signature: KeyLike,
    app_id: str,
    *,
    trusted_keys: Optional[Iterable[KeyLike]] = None,
) -> Optional[RecoveredKey]:
    """Deprecated legacy (untimestamped) verification; see :func:`verify_env_encrypt_public_key`."""
    warnings.warn(
        "verify_env_encrypt_public_key_legacy is deprecated; use verify_env_encrypt_public_key "
        "with the timestamp from the KMS response",
        DeprecationWarning,
        stacklevel=2,
    )
    return _recover(public_key, signature, app_id, None, DEFAULT_MAX_AGE_SECONDS, trusted_keys, None)
