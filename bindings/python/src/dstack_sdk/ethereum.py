"""Ethereum accounts from dstack keys.

``to_account`` returns an ``eth_account`` ``LocalAccount`` when eth-account is
installed (``pip install eth-account``).  Without it, a small
:class:`DstackEthAccount` computed by libdstack is returned: ``address``
(EIP-55), ``key`` (32 bytes), ``public_key`` and ``sign_hash``.
"""

from __future__ import annotations

from typing import Any, Union

from . import _args, _native
from ._keysource import key_material
from .responses import GetKeyResponse, GetTlsKeyResponse


class DstackEthAccount:
    """Dependency-free Ethereum account (used when eth-account is not installed)."""

    def __init__(self, private_key: bytes) -> None:
        key = _args.bytes_like(private_key, "private_key")
        if len(key) != 32:
            raise _args.invalid(f"private_key must be 32 bytes, got {len(key)}")
        self._key = key
        self.address: str = _native.ethereum_address(self._key)

    @property
    def key(self) -> bytes:
        return self._key

    @property
    def public_key(self) -> bytes:
        """Uncompressed SEC1 public key (65 bytes, ``04`` prefix)."""
        return _native.secp256k1_public_key(self._key, compressed=False)

    def sign_hash(self, message_hash: bytes) -> bytes:
        """ECDSA over a 32-byte hash: ``r || s || v`` (65 bytes, low-S, v = 27 + recovery id)."""
        digest = _args.bytes_like(message_hash, "message_hash")
        if len(digest) != 32:
            raise _args.invalid(f"message_hash must be 32 bytes, got {len(digest)}")
        sig = _native.secp256k1_sign_prehash(self._key, digest)
        return sig[:64] + bytes([27 + sig[64]])

    def __repr__(self) -> str:
        return f"DstackEthAccount(address={self.address!r})"


def _account(private_key: bytes) -> Any:
    try:
        from eth_account import Account
    except ImportError:
        return DstackEthAccount(private_key)
    return Account.from_key(private_key)


def to_account(get_key_response: Union[GetKeyResponse, GetTlsKeyResponse]) -> Any:
    """Account for a ``get_key`` result (TLS keys: deprecated, see ``to_account_secure``)."""
    return _account(key_material(get_key_response, False, "to_account"))


def to_account_secure(get_key_response: Union[GetKeyResponse, GetTlsKeyResponse]) -> Any:
    """Like ``to_account``; TLS keys are hashed (sha256 of the DER) instead of truncated."""
    return _account(key_material(get_key_response, True, "to_account_secure"))
