"""Pick the 32 bytes of key material behind ``to_account`` / ``to_keypair``."""

from __future__ import annotations

import warnings
from typing import Any

from .responses import GetKeyResponse, GetTlsKeyResponse
from . import _native


def key_material(result: Any, secure: bool, what: str) -> bytes:
    if isinstance(result, GetKeyResponse):
        return result.decode_key()[:32]
    if isinstance(result, GetTlsKeyResponse):
        if secure:
            # sha256 of the whole PKCS#8 DER: uses every byte of the key.
            return _native.tls_key_secure_seed(result.key)
        warnings.warn(
            f"{what}: deriving from a TLS key uses the first 32 bytes of its PKCS#8 DER, "
            "which are a constant header for P-256 keys; use the _secure variant or get_key",
            DeprecationWarning,
            stacklevel=3,
        )
        return result.as_uint8array(32)
    raise TypeError(f"{what} expects a GetKeyResponse or GetTlsKeyResponse, got {type(result).__name__}")
