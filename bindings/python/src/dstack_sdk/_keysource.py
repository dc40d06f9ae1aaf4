"""Pick the key material behind ``to_account`` / ``to_keypair``."""

from __future__ import annotations

import warnings
from typing import Any

from .responses import GetKeyResponse, GetTlsKeyResponse
from . import _native


def key_material(result: Any, secure: bool, what: str) -> bytes:
    """The bytes the official helper hands to its key constructor.

    ``GetKeyResponse``: the whole decoded key, whatever its length (the
    constructor refuses a wrong one, with its own message, as upstream).
    ``GetTlsKeyResponse``: with the official warning, the first 32 bytes of
    the PKCS#8 DER, or (``secure``) SHA-256 of the whole DER.  ``what`` is
    the public function's name, as the warning text names it.
    """
    if isinstance(result, GetTlsKeyResponse):
        warnings.warn(
            f"{what}: Please don't use getTlsKey method to get key, use getKey instead.",
            DeprecationWarning,
            stacklevel=3,
        )
        if secure:
            # sha256 of the whole PKCS#8 DER: uses every byte of the key.
            return _native.tls_key_secure_seed(result.key)
        return result.as_uint8array(32)
    if isinstance(result, GetKeyResponse):
        return result.decode_key()
    raise TypeError(f"{what} expects a GetKeyResponse or GetTlsKeyResponse, got {type(result).__name__}")
