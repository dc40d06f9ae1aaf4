"""Solana keypairs from dstack keys.

With solders installed (``pip install solders``) the result is a
``solders.keypair.Keypair``, the official return type.  Note that ``str()``
of a solders Keypair is its secret key in base58 (solders' behaviour, so
upstream's too): do not log it.  Without solders a small
:class:`DstackSolanaKeypair` computed by libdstack is returned, which prints
only its public key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # the official return type; solders is optional at run time
    from solders.keypair import Keypair

from . import _args, _native
from ._keysource import key_material
from .responses import GetKeyResponse, GetTlsKeyResponse


class SolanaPublicKey(str):
    """Base58 public key text; ``bytes(pk)`` gives the 32 raw bytes."""

    _raw: bytes

    def __new__(cls, b58: str, raw: bytes) -> "SolanaPublicKey":
        obj = super().__new__(cls, b58)
        obj._raw = raw
        return obj

    def __bytes__(self) -> bytes:
        return self._raw


class DstackSolanaKeypair:
    """Dependency-free ed25519 keypair (used when solders is not installed)."""

    def __init__(self, seed: bytes) -> None:
        seed_bytes = _args.bytes_like(seed, "seed")
        if len(seed_bytes) != 32:
            # solders' message, which upstream raises.
            raise _args.invalid(f"expected a sequence of length 32 (got {len(seed_bytes)})")
        self._seed = seed_bytes
        secret, b58 = _native.solana_keypair(self._seed)
        self._secret = secret
        self._public = SolanaPublicKey(b58, secret[32:])

    @property
    def public_key(self) -> SolanaPublicKey:
        return self._public

    def pubkey(self) -> SolanaPublicKey:
        return self._public

    def secret(self) -> bytes:
        """The 32-byte seed."""
        return self._seed

    def to_bytes(self) -> bytes:
        """64 bytes: seed || public key (Solana's secret-key format)."""
        return self._secret

    def __bytes__(self) -> bytes:
        return self._secret

    def sign_message(self, message: bytes) -> bytes:
        return _native.ed25519_sign(self._seed, _args.bytes_like(message, "message"))

    def verify(self, message: bytes, signature: bytes) -> bool:
        msg = _args.bytes_like(message, "message")
        sig = _args.bytes_like(signature, "signature")
        if len(sig) != 64:
            raise _args.invalid(f"signature must be 64 bytes, got {len(sig)}")
        return _native.ed25519_verify(bytes(self._public), msg, sig)

    def __repr__(self) -> str:
        return f"DstackSolanaKeypair(public_key={str(self._public)!r})"


class SoldersKeypair:
    """A ``solders`` Keypair plus the ``public_key`` attribute the docs use.

    No longer returned by ``to_keypair`` (which returns the Keypair itself, as
    upstream); kept for code that wrapped a Keypair with it.
    """

    def __init__(self, keypair: Any) -> None:
        self.keypair = keypair

    @property
    def public_key(self) -> Any:
        return self.keypair.pubkey()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.keypair, name)

    def __bytes__(self) -> bytes:
        return bytes(self.keypair)

    def __eq__(self, other: object) -> bool:
        other_kp = other.keypair if isinstance(other, SoldersKeypair) else other
        return bool(self.keypair == other_kp)

    def __hash__(self) -> int:
        return hash(bytes(self.keypair))

    def __repr__(self) -> str:
        return f"SoldersKeypair({self.keypair!r})"


def _keypair(seed: bytes) -> Keypair:
    try:
        from solders.keypair import Keypair
    except ImportError:
        return DstackSolanaKeypair(seed)  # type: ignore[return-value]
    return Keypair.from_seed(seed)


def to_keypair(get_key_response: Union[GetKeyResponse, GetTlsKeyResponse]) -> Keypair:
    """Keypair whose seed is the ``get_key`` key (TLS keys: deprecated, see ``to_keypair_secure``).

    A key that is not 32 bytes raises solders' ``ValueError``, as upstream.
    """
    return _keypair(key_material(get_key_response, False, "to_keypair"))


def to_keypair_secure(get_key_response: Union[GetKeyResponse, GetTlsKeyResponse]) -> Keypair:
    """Like ``to_keypair``; TLS keys are hashed (sha256 of the DER) instead of truncated."""
    return _keypair(key_material(get_key_response, True, "to_keypair_secure"))
