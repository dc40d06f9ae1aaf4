"""Encrypt environment variables for a dstack deployment (X25519 + AES-256-GCM).

Output: hex of ``ephemeral_public_key(32) || iv(12) || ciphertext || tag(16)``;
the plaintext is compact JSON ``{"env":[{"key":K,"value":V},...]}``.  Only the
target application inside the TEE can decrypt it.  The work is done by
libdstack with a fresh ephemeral key per call.
"""

from __future__ import annotations

import asyncio
from typing import List, NamedTuple, Sequence, Union

from . import _args, _native


class EnvVar(NamedTuple):
    key: str
    value: str


EnvLike = Union[EnvVar, dict, tuple]


def hex_to_bytes(hex_str: str) -> bytes:
    """Hex text (an optional ``0x`` prefix) to bytes, as upstream."""
    if hex_str.startswith("0x"):
        hex_str = hex_str[2:]
    return bytes.fromhex(hex_str)


def bytes_to_hex(data: bytes) -> str:
    """Bytes to lowercase hex text, as upstream."""
    return data.hex()


_ITEM_FORMS = "an EnvVar, a (key, value) tuple or a {'key': ..., 'value': ...} dict"


def _pairs(env_vars: Sequence[EnvLike]) -> List[tuple]:
    if isinstance(env_vars, (str, dict) + _args.BYTES_LIKE):
        raise TypeError(f"env_vars must be a list of {_ITEM_FORMS}, got a single {_args.type_name(env_vars)}")
    try:
        items = list(env_vars)
    except TypeError:
        raise TypeError(f"env_vars must be a list of {_ITEM_FORMS}, got {_args.type_name(env_vars)}") from None
    pairs = []
    for i, item in enumerate(items):
        where = f"env_vars[{i}]"
        if isinstance(item, dict):
            missing = [k for k in ("key", "value") if k not in item]
            if missing:
                raise _args.invalid(f"{where} lacks {' and '.join(repr(k) for k in missing)}; need {_ITEM_FORMS}")
            key, value = item["key"], item["value"]
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            key, value = item[0], item[1]
        else:
            raise TypeError(f"{where} must be {_ITEM_FORMS}, got {_args.type_name(item)}")
        if not isinstance(key, str):
            raise TypeError(f"{where} key must be str, got {_args.type_name(key)}")
        _args.text(key, f"{where} key")
        # The value is usually a secret: the message names the variable, never the value.
        if not isinstance(value, str):
            raise TypeError(f"{where} ({key!r}) value must be str, got {_args.type_name(value)}")
        _args.text(value, f"{where} ({key!r}) value")
        pairs.append((key, value))
    return pairs


def _public_key_hex(public_key_hex: Union[str, bytes]) -> str:
    if isinstance(public_key_hex, _args.BYTES_LIKE):
        return bytes(public_key_hex).hex()
    if not isinstance(public_key_hex, str):
        raise TypeError(
            f"public_key_hex must be a hex str or bytes, bytearray, memoryview, got {_args.type_name(public_key_hex)}"
        )
    return _args.text(public_key_hex, "public_key_hex")


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
