"""Ethereum accounts from dstack keys.

``to_account`` returns eth-account's ``LocalAccount`` (the official return
type) when eth-account is installed (``pip install eth-account``).  Without
it, a small :class:`DstackEthAccount` computed by libdstack is returned:
``address`` (EIP-55), ``key`` (32 bytes), ``public_key`` and ``sign_hash``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # the official return type; eth-account is optional at run time
    from eth_account.signers.local import LocalAccount

from . import _args, _native
from ._keysource import key_material
from .responses import GetKeyResponse, GetTlsKeyResponse


class DstackEthAccount:
    """Dependency-free Ethereum account (used when eth-account is not installed)."""

    def __init__(self, private_key: bytes) -> None:
        key = _args.bytes_like(private_key, "private_key")
        if len(key) != 32:
            # eth-account's message, which upstream raises.
            raise _args.invalid(f"The private key must be exactly 32 bytes long, instead of {len(key)} bytes.")
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


def _account(private_key: bytes) -> LocalAccount:
    try:
        from eth_account import Account
    except ImportError:
        return DstackEthAccount(private_key)  # type: ignore[return-value]
    account: LocalAccount = Account.from_key(private_key)
    return account


def to_account(get_key_response: Union[GetKeyResponse, GetTlsKeyResponse]) -> LocalAccount:
    """Account for a ``get_key`` result (TLS keys: deprecated, see ``to_account_secure``).

    A key that is not 32 bytes raises eth-account's ``ValueError``, as upstream.
    """
    return _account(key_material(get_key_response, False, "to_account"))


def to_account_secure(get_key_response: Union[GetKeyResponse, GetTlsKeyResponse]) -> LocalAccount:
    """Like ``to_account``; TLS keys are hashed (sha256 of the DER) instead of truncated."""
    return _account(key_material(get_key_response, True, "to_account_secure"))
