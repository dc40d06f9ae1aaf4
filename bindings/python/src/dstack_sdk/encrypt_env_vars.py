"""Encrypt environment variables for a dstack deployment (X25519 + AES-256-GCM).

Output: hex of ``ephemeral_public_key(32) || iv(12) || ciphertext || tag(16)``;
the plaintext is compact JSON ``{"env":[{"key":K,"value":V},...]}``.  Only the
target application inside the TEE can decrypt it.  The work is done by
libdstack with a fresh ephemeral key per call.
"""

from __future__ import annotations

import asyncio
from typing import List, NamedTuple, Sequence, Union

from . import _native


class EnvVar(NamedTuple):
    key: str
    value: str


EnvLike = Union[EnvVar, dict, tuple]


def _pairs(env_vars: Sequence[EnvLike]) -> List[tuple]:
    pairs = []
    for item in env_vars:
        if isinstance(item, dict):
            key, value = item["key"], item["value"]
        else:
            key, value = item[0], item[1]
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("env var key and value must be str")
        for text in (key, value):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(f"env var {key!r} is not valid UTF-8 text (lone surrogate?): {exc}") from None
        pairs.append((key, value))
    return pairs


def _public_key_hex(public_key_hex: Union[str, bytes]) -> str:
    if isinstance(public_key_hex, (bytes, bytearray)):
        return bytes(public_key_hex).hex()
    if not isinstance(public_key_hex, str):
        raise TypeError("public_key_hex must be a hex str")
    return public_key_hex


def encrypt_env_vars_sync(env_vars: Sequence[EnvLike], public_key_hex: Union[str, bytes]) -> str:
    """Encrypt ``env_vars`` for the app whose env-encrypt X25519 key is ``public_key_hex``.

    Raises ValueError (an ``InvalidArgumentError``/``InvalidHexError``/``CryptoError``
    from libdstack) for a malformed key.
    """
    return _native.encrypt_env_vars(_pairs(env_vars), _public_key_hex(public_key_hex))


async def encrypt_env_vars(env_vars: Sequence[EnvLike], public_key_hex: Union[str, bytes]) -> str:
    """Async form of :func:`encrypt_env_vars_sync` (runs in a worker thread)."""
    pairs = _pairs(env_vars)
    key = _public_key_hex(public_key_hex)
    return await asyncio.to_thread(_native.encrypt_env_vars, pairs, key)
