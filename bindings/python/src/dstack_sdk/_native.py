"""Thin Python functions over libdstack's pure (agent-free) utilities."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_bool
from typing import Dict, List, Optional, Sequence, Tuple, Union

from . import _abi, _args, _lib
from ._abi import Status
from ._lib import byte_arg, call, call_buffer
from .errors import InvalidHexError


def _out(n: int) -> ctypes.Array:
    return ctypes.create_string_buffer(n)


def _replay(fn_name: str, event_log_json: str) -> Dict[int, str]:
    data, n = byte_arg(_args.text(event_log_json, "event_log").encode("utf-8"))
    out = _out(192)
    call(fn_name, data, n, out)
    raw = out.raw
    return {i: raw[i * 48 : (i + 1) * 48].hex() for i in range(4)}


def replay_rtmrs(event_log_json: str) -> Dict[int, str]:
    """Sound RTMR0-3 replay (runtime-event digests recomputed)."""
    return _replay("dstack_replay_rtmrs", event_log_json)


def replay_rtmrs_from_digests(event_log_json: str) -> Dict[int, str]:
    """What the official SDKs computed: logged digests only (unsound for stripped logs)."""
    return _replay("dstack_replay_rtmrs_from_digests", event_log_json)


def verify_event_log(quote: bytes, event_log_json: str, report_data: Optional[bytes]) -> None:
    q, qn = byte_arg(quote)
    e, en = byte_arg(event_log_json.encode("utf-8"))
    r, rn = byte_arg(report_data)
    call("dstack_verify_event_log", q, qn, e, en, r, rn)


# One event as the event-log accessors give it: imr, event_type, version (1 or 2),
# digest, event name, payload, preimage (None when absent).
RawEvent = Tuple[int, int, int, bytes, str, bytes, Optional[bytes]]


def event_log_events(event_log_json: str) -> List[RawEvent]:
    """The events of a JSON event log, decoded by libdstack (``dstack_event_log_*``)."""
    data, n = byte_arg(_args.text(event_log_json, "event_log").encode("utf-8"))
    log = _lib.new_handle("dstack_event_log_parse", data, n)
    try:
        L = _lib.lib()
        events: List[RawEvent] = []
        for i in range(L.dstack_event_log_count(log)):
            ev = _abi.Event()
            call("dstack_event_log_get", log, i, byref(ev))
            preimage = ev.preimage.tobytes() if ev.preimage.ptr else None
            events.append((
                ev.imr, ev.event_type, ev.version, ev.digest.tobytes(),
                ev.event.tobytes().decode("utf-8"), ev.event_payload.tobytes(), preimage,
            ))
        return events
    finally:
        _lib.lib().dstack_event_log_free(log)


def parse_quote(quote: bytes) -> _lib.Response:
    q, qn = byte_arg(quote)
    return _lib.Response(_lib.new_handle("dstack_quote_parse", q, qn))


def verify_signature_chain(
    public_key: bytes,
    purpose: str,
    app_signature: bytes,
    kms_signature: bytes,
    app_id: bytes,
    trusted_kms_key: Optional[bytes],
) -> Tuple[bytes, bytes]:
    out_app = _out(33)
    out_kms = _out(33)
    args: List[object] = []
    for value in (public_key, purpose.encode("utf-8"), app_signature, kms_signature, app_id, trusted_kms_key):
        p, n = byte_arg(value)
        args += [p, n]
    call("dstack_verify_signature_chain", *args, out_app, out_kms)
    return out_app.raw[:33], out_kms.raw[:33]


def secp256k1_public_key(secret: bytes, compressed: bool = True) -> bytes:
    _check_len(secret, 32, "secp256k1 secret key")
    return call_buffer("dstack_secp256k1_public_key", secret, bool(compressed), initial=65)


def secp256k1_sign_prehash(secret: bytes, digest: bytes) -> bytes:
    _check_len(secret, 32, "secp256k1 secret key")
    _check_len(digest, 32, "message hash")
    out = _out(65)
    call("dstack_secp256k1_sign_prehash", secret, digest, out)
    return out.raw[:65]


def ethereum_address(secret: bytes) -> str:
    _check_len(secret, 32, "secp256k1 secret key")
    out = _out(42)
    call("dstack_ethereum_address", secret, out)
    return out.raw[:42].decode("ascii")


def solana_keypair(seed: bytes) -> Tuple[bytes, str]:
    """(64-byte secret key = seed || public key, base58 public key)."""
    _check_len(seed, 32, "ed25519 seed")
    secret = _out(64)
    b58 = call_buffer("dstack_solana_keypair", seed, secret, initial=64)
    return secret.raw[:64], b58.decode("ascii")


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    _check_len(seed, 32, "ed25519 seed")
    m, mn = byte_arg(message)
    out = _out(64)
    call("dstack_ed25519_sign", seed, m, mn, out)
    return out.raw[:64]


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    _check_len(public_key, 32, "ed25519 public key")
    _check_len(signature, 64, "ed25519 signature")
    m, mn = byte_arg(message)
    valid = c_bool(False)
    call("dstack_ed25519_verify", public_key, m, mn, signature, byref(valid))
    return bool(valid.value)


def tls_key_as_uint8array(pem: str, max_length: Optional[int]) -> bytes:
    want = _args.optional_integer(max_length, "max_length", 0, _args.I64_MAX, "a byte count, or None for all")
    p, n = byte_arg(_args.text(pem, "key").encode("utf-8"))
    # Start small: libdstack reports the size it needs (and refuses absurd
    # lengths with LimitExceededError) before this allocates a large buffer.
    return call_buffer("dstack_tls_key_as_uint8array", p, n, -1 if want is None else want, initial=512)


def tls_key_secure_seed(pem: str) -> bytes:
    p, n = byte_arg(_args.text(pem, "key").encode("utf-8"))
    out = _out(32)
    call("dstack_tls_key_secure_seed", p, n, out)
    return out.raw[:32]


def tappd_report_data(report_data: bytes, hash_algorithm: str, prefix: str) -> bytes:
    r, rn = byte_arg(report_data)
    h, hn = byte_arg(hash_algorithm.encode("utf-8"))
    p, pn = byte_arg(prefix.encode("utf-8"))
    out = _out(64)
    call("dstack_tappd_report_data", r, rn, h, hn, p, pn, out)
    return out.raw[:64]


def compose_hash(app_compose_json: str, normalize: bool) -> bytes:
    j, jn = byte_arg(app_compose_json.encode("utf-8"))
    out = _out(32)
    call("dstack_compose_hash", j, jn, bool(normalize), out)
    return out.raw[:32]


def compose_canonical_json(app_compose_json: str, normalize: bool) -> str:
    j, jn = byte_arg(app_compose_json.encode("utf-8"))
    return call_buffer(
        "dstack_compose_canonical_json", j, jn, bool(normalize), initial=len(j or b"") + 64
    ).decode("utf-8")


def compose_hash_raw(data: bytes) -> bytes:
    d, dn = byte_arg(data)
    out = _out(32)
    call("dstack_compose_hash_raw", d, dn, out)
    return out.raw[:32]


def encrypt_env_vars(pairs: Sequence[Tuple[str, str]], public_key_hex: str) -> str:
    keys, keep_k = _lib.slices([k.encode("utf-8") for k, _ in pairs])
    values, keep_v = _lib.slices([v.encode("utf-8") for _, v in pairs])
    pk, pkn = byte_arg(public_key_hex.encode("utf-8"))
    # hex(ephemeral 32 + iv 12 + JSON + tag 16); call_buffer retries if this guess is short.
    guess = 2 * (60 + 16 + sum(len(k) + len(v) + 24 for k, v in zip(keep_k, keep_v))) + 64
    out = call_buffer("dstack_encrypt_env_vars", keys, values, len(pairs), pk, pkn, initial=guess)
    return out.decode("ascii")


def verify_env_encrypt_public_key(
    public_key: bytes,
    signature: bytes,
    app_id: str,
    timestamp: Optional[int],
    now: int,
    max_age_seconds: int,
    trusted_keys: Optional[Sequence[bytes]],
) -> bytes:
    pk, pkn = byte_arg(public_key)
    sig, sn = byte_arg(signature)
    aid, an = byte_arg(app_id.encode("utf-8"))
    if trusted_keys:
        tk: Optional[bytes] = b"".join(trusted_keys)
        tcount = len(trusted_keys)
    else:
        tk, tcount = None, 0
    out = _out(33)
    if timestamp is None:
        call("dstack_verify_env_encrypt_public_key_legacy", pk, pkn, sig, sn, aid, an, tk, tcount, out)
    else:
        call(
            "dstack_verify_env_encrypt_public_key",
            pk, pkn, sig, sn, aid, an, timestamp, now, max_age_seconds, tk, tcount, out,
        )
    return out.raw[:33]


def _check_len(value: bytes, n: int, what: str) -> None:
    if not isinstance(value, _args.BYTES_LIKE):
        raise TypeError(f"{what} must be bytes, bytearray or memoryview, got {_args.type_name(value)}")
    size = memoryview(value).nbytes
    if size != n:
        raise _args.invalid(f"{what} must be {n} bytes, got {size}")


def decode_hex(value: str, what: str) -> bytes:
    """Hex text (optional 0x) to bytes; InvalidHexError (a ValueError) if malformed."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a hex str, got {_args.type_name(value)}")
    text = value[2:] if value[:2] in ("0x", "0X") else value
    try:
        return bytes.fromhex(text)
    except ValueError as exc:
        raise InvalidHexError(Status.INVALID_HEX, f"{what} is not valid hex: {exc}") from None


def hex_or_bytes(value: Union[str, bytes, bytearray, memoryview], what: str) -> bytes:
    """Binary inputs (keys, signatures, ids): bytes-like as is, str as hex."""
    if isinstance(value, str):
        return decode_hex(value, what)
    if isinstance(value, _args.BYTES_LIKE):
        return bytes(value)
    raise TypeError(f"{what} must be bytes, bytearray, memoryview or a hex str, got {_args.type_name(value)}")


def text_or_bytes(value: Union[str, bytes, bytearray, memoryview], what: str) -> bytes:
    """Message inputs (data, payloads): bytes-like as is, str as UTF-8."""
    return _args.text_or_bytes(value, what)


def verify_signature(
    algorithm: str,
    data: Union[str, bytes],
    signature: Union[str, bytes],
    public_key: Union[str, bytes],
) -> bool:
    """Check a ``sign`` result locally, with the agent's ``Verify`` semantics.

    ``algorithm``: ``ed25519``; ``secp256k1`` or ``k256`` (ECDSA over
    SHA-256(``data``), 64-byte ``r||s``, 33- or 65-byte SEC1 key);
    ``secp256k1_prehashed`` (``data`` is the 32-byte digest).  ``data`` is
    bytes or UTF-8 text as for ``sign``; ``signature`` and ``public_key`` are
    bytes or hex.  Returns whether the signature verifies; an unknown algorithm
    or malformed input raises :class:`~dstack_sdk.errors.InvalidArgumentError`.
    """
    a, an = byte_arg(_args.text(algorithm, "algorithm").encode("utf-8"))
    d, dn = byte_arg(text_or_bytes(data, "data"))
    s, sn = byte_arg(hex_or_bytes(signature, "signature"))
    k, kn = byte_arg(hex_or_bytes(public_key, "public_key"))
    valid = c_bool(False)
    call("dstack_verify_signature", a, an, d, dn, s, sn, k, kn, byref(valid))
    return bool(valid.value)
