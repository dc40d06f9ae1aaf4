"""Clients for the dstack guest agent, over libdstack.

``DstackClient`` makes blocking calls.  ``AsyncDstackClient`` runs the same
blocking C call in a worker thread (``asyncio.to_thread``): ctypes releases
the GIL during the call and the native client is thread-safe, so the event
loop stays free and ``asyncio.gather`` of many calls runs them concurrently.
"""

from __future__ import annotations

import asyncio
import functools
import os
import warnings
from ctypes import byref, c_bool, c_uint64, c_void_p
from typing import Any, Callable, List, Optional, Tuple, TypeVar

from . import _args, _lib, _native
from ._args import invalid
from ._lib import Field, Response, byte_arg, call, new_handle, text_arg
from .errors import UnsupportedError
from .responses import (
    AttestResponse,
    GetKeyResponse,
    GetQuoteResponse,
    GetTlsKeyResponse,
    GpuInfoResponse,
    InfoResponse,
    SignResponse,
    TcbInfo,
    VerifyResponse,
    VersionResponse,
)

R = TypeVar("R")

DEFAULT_TIMEOUT = 3.0


def _deprecated(message: str) -> None:
    warnings.warn(message, DeprecationWarning, stacklevel=3)


def get_endpoint(endpoint: Optional[str] = None) -> Optional[str]:
    """Explicit endpoint, else ``DSTACK_SIMULATOR_ENDPOINT``; None lets libdstack probe the sockets."""
    return _args.endpoint(endpoint) or os.environ.get("DSTACK_SIMULATOR_ENDPOINT") or None


def get_tappd_endpoint(endpoint: Optional[str] = None) -> Optional[str]:
    """Explicit endpoint, else ``TAPPD_SIMULATOR_ENDPOINT``; None lets libdstack probe the sockets."""
    return _args.endpoint(endpoint) or os.environ.get("TAPPD_SIMULATOR_ENDPOINT") or None


# ---------------------------------------------------------------- validation


def _report_data_bytes(report_data: Any) -> bytes:
    """``report_data`` of any length: str (UTF-8) or bytes-like; None is empty (as upstream)."""
    if report_data is None:
        return b""
    if isinstance(report_data, str):
        return _args.text(report_data, "report_data").encode("utf-8")
    if isinstance(report_data, _args.BYTES_LIKE):
        return bytes(report_data)
    raise TypeError(
        f"report_data must be str (UTF-8) or bytes, bytearray, memoryview, got {_args.type_name(report_data)}"
    )


def _report_bytes(report_data: Any) -> bytes:
    """``report_data``: str (UTF-8) or bytes-like, 1..64 bytes."""
    data = _report_data_bytes(report_data)
    if not data:
        raise invalid("report_data can not be empty")
    if len(data) > 64:
        raise invalid(f"report_data must be at most 64 bytes, got {len(data)}")
    return data


def _tls_flags(ra_tls: bool, server: bool, client: bool, app_info: bool = False) -> int:
    flags = 0
    if ra_tls:
        flags |= _lib.TLS_USAGE_RA_TLS
    if server:
        flags |= _lib.TLS_USAGE_SERVER_AUTH
    if client:
        flags |= _lib.TLS_USAGE_CLIENT_AUTH
    if app_info:
        flags |= _lib.TLS_WITH_APP_INFO
    return flags


# -------------------------------------------------------------- conversions


def _key_response(resp: Response, purpose: str, algorithm: str) -> GetKeyResponse:
    return GetKeyResponse(
        key=resp.hex(Field.KEY),
        signature_chain=[s.hex() for s in resp.items(Field.SIGNATURE_CHAIN)],
        purpose=resp.text(Field.PURPOSE, purpose),
        algorithm=resp.text(Field.ALGORITHM, algorithm) or algorithm,
    )


def _quote_response(resp: Response) -> GetQuoteResponse:
    return GetQuoteResponse(
        quote=resp.hex(Field.QUOTE),
        event_log=resp.text(Field.EVENT_LOG),
        report_data=resp.hex(Field.REPORT_DATA),
        vm_config=resp.text(Field.VM_CONFIG),
        attestation=resp.hex(Field.ATTESTATION),
    )


def _tls_response(resp: Response) -> GetTlsKeyResponse:
    return GetTlsKeyResponse(
        key=resp.text(Field.KEY),
        certificate_chain=[c.decode("utf-8") for c in resp.items(Field.CERTIFICATE_CHAIN)],
    )


def _info_response(resp: Response) -> InfoResponse[TcbInfo]:
    return InfoResponse(
        app_id=resp.hex(Field.APP_ID),
        instance_id=resp.hex(Field.INSTANCE_ID),
        app_cert=resp.text(Field.APP_CERT),
        tcb_info=TcbInfo.from_json(resp.text(Field.TCB_INFO)),
        app_name=resp.text(Field.APP_NAME),
        device_id=resp.hex(Field.DEVICE_ID),
        mr_aggregated=resp.hex(Field.MR_AGGREGATED),
        os_image_hash=resp.hex(Field.OS_IMAGE_HASH),
        key_provider_info=resp.text(Field.KEY_PROVIDER_INFO),
        compose_hash=resp.hex(Field.COMPOSE_HASH),
        vm_config=resp.text(Field.VM_CONFIG),
        cloud_vendor=resp.text(Field.CLOUD_VENDOR),
        cloud_product=resp.text(Field.CLOUD_PRODUCT),
    )


def _version_response(resp: Response) -> VersionResponse:
    return VersionResponse(version=resp.text(Field.VERSION), rev=resp.text(Field.REV))


def _rpc(fn_name: str, convert: Callable[[Response], R], *args: Any) -> R:
    resp = Response(new_handle(fn_name, *args))
    try:
        return convert(resp)
    finally:
        resp.close()


# ---------------------------------------------------------- native clients


def _pinned(method: Callable[..., R]) -> Callable[..., R]:
    """Run a native-client method with its handle pinned (see ``_lib.Handle``)."""

    @functools.wraps(method)
    def run(self: "_NativeClient", *args: Any) -> R:
        self._handle.pin()
        try:
            return method(self, *args)
        finally:
            self._handle.unpin()

    return run


class _NativeClient:
    """Owns a ``dstack_client`` handle; every method blocks."""

    _PREFIX = "dstack_client"

    def __init__(self, endpoint: Optional[str], timeout: float) -> None:
        ms = _args.timeout_ms(timeout)
        ep, n = text_arg(endpoint)
        self._handle = _lib.Handle(new_handle(f"{self._PREFIX}_new", ep, n), f"{self._PREFIX}_free")
        call(f"{self._PREFIX}_set_timeout_ms", self._handle.ptr, ms)

    @property
    def ptr(self) -> c_void_p:
        return self._handle.ptr

    @_pinned
    def endpoint(self) -> str:
        return _lib.function(f"{self._PREFIX}_endpoint")(self.ptr).tobytes().decode("utf-8")

    def close(self) -> None:
        self._handle.close()

    @_pinned
    def is_reachable(self) -> bool:
        out = c_bool(False)
        call(f"{self._PREFIX}_is_reachable", self.ptr, 0, byref(out))
        return bool(out.value)

    @_pinned
    def version(self) -> VersionResponse:
        return _rpc(f"{self._PREFIX}_version", _version_response, self.ptr, 0)

    # dstack.sock only

    @_pinned
    def get_key(self, path: str, purpose: str, algorithm: str) -> GetKeyResponse:
        p, pn = text_arg(path)
        u, un = text_arg(purpose)
        a, an = text_arg(algorithm)
        return _rpc(
            "dstack_client_get_key",
            lambda r: _key_response(r, purpose, algorithm or "secp256k1"),
            self.ptr, p, pn, u, un, a, an, 0,
        )

    @_pinned
    def get_quote(self, report_data: bytes) -> GetQuoteResponse:
        d, n = byte_arg(report_data)
        return _rpc("dstack_client_get_quote", _quote_response, self.ptr, d, n, 0)

    @_pinned
    def attest(self, report_data: bytes) -> AttestResponse:
        d, n = byte_arg(report_data)
        return _rpc(
            "dstack_client_attest",
            lambda r: AttestResponse(attestation=r.hex(Field.ATTESTATION)),
            self.ptr, d, n, 0,
        )

    @_pinned
    def get_tls_key(
        self,
        subject: str,
        alt_names: List[str],
        flags: int,
        not_before: Optional[int],
        not_after: Optional[int],
    ) -> GetTlsKeyResponse:
        s, sn = text_arg(subject)
        arr, keep = _lib.slices([a.encode("utf-8") for a in alt_names])
        nb = byref(c_uint64(not_before)) if not_before is not None else None
        na = byref(c_uint64(not_after)) if not_after is not None else None
        result = _rpc(
            "dstack_client_get_tls_key", _tls_response,
            self.ptr, s, sn, arr if alt_names else None, len(alt_names), flags, nb, na, 0,
        )
        del keep
        return result

    @_pinned
    def info(self) -> InfoResponse[TcbInfo]:
        return _rpc("dstack_client_info", _info_response, self.ptr, 0)

    @_pinned
    def gpu_info(self) -> GpuInfoResponse:
        return _rpc(
            "dstack_client_gpu_info",
            lambda r: GpuInfoResponse(attestation=r.text(Field.ATTESTATION)),
            self.ptr, 0,
        )

    @_pinned
    def sign(self, algorithm: str, data: bytes) -> SignResponse:
        a, an = text_arg(algorithm)
        d, dn = byte_arg(data)
        return _rpc(
            "dstack_client_sign",
            lambda r: SignResponse(
                signature=r.hex(Field.SIGNATURE),
                signature_chain=[s.hex() for s in r.items(Field.SIGNATURE_CHAIN)],
                public_key=r.hex(Field.PUBLIC_KEY),
                algorithm=algorithm,
                data=data,
            ),
            self.ptr, a, an, d, dn, 0,
        )

    @_pinned
    def verify(self, algorithm: str, data: bytes, signature: bytes, public_key: bytes) -> VerifyResponse:
        a, an = text_arg(algorithm)
        d, dn = byte_arg(data)
        s, sn = byte_arg(signature)
        k, kn = byte_arg(public_key)
        out = c_bool(False)
        call("dstack_client_verify", self.ptr, a, an, d, dn, s, sn, k, kn, 0, byref(out))
        return VerifyResponse(valid=bool(out.value))

    @_pinned
    def emit_event(self, event: str, payload: bytes) -> None:
        e, en = text_arg(event)
        p, pn = byte_arg(payload)
        call("dstack_client_emit_event", self.ptr, e, en, p, pn, 0)


class _NativeTappdClient(_NativeClient):
    _PREFIX = "dstack_tappd_client"

    @_pinned
    def derive_key(self, path: str, subject: str, alt_names: List[str], flags: int) -> GetTlsKeyResponse:
        p, pn = text_arg(path)
        s, sn = text_arg(subject)
        arr, keep = _lib.slices([a.encode("utf-8") for a in alt_names])
        result = _rpc(
            "dstack_tappd_client_derive_key", _tls_response,
            self.ptr, p, pn, s, sn, arr if alt_names else None, len(alt_names), flags, 0,
        )
        del keep
        return result

    @_pinned
    def derive_k256_key(self, path: str, purpose: str) -> GetKeyResponse:
        p, pn = text_arg(path)
        u, un = text_arg(purpose)
        return _rpc(
            "dstack_tappd_client_derive_k256_key",
            lambda r: _key_response(r, purpose, "secp256k1"),
            self.ptr, p, pn, u, un, 0,
        )

    @_pinned
    def tdx_quote(self, report_data: bytes, hash_algorithm: str, prefix: str) -> GetQuoteResponse:
        expected = _native.tappd_report_data(report_data, hash_algorithm, prefix)
        d, dn = byte_arg(report_data)
        h, hn = text_arg(hash_algorithm)
        p, pn = text_arg(prefix)
        result = _rpc("dstack_tappd_client_tdx_quote", _quote_response, self.ptr, d, dn, h, hn, p, pn, 0)
        if not result.report_data:
            result.report_data = expected.hex()
        return result

    @_pinned
    def raw_quote(self, report_data64: bytes) -> GetQuoteResponse:
        d, dn = byte_arg(report_data64)
        result = _rpc("dstack_tappd_client_raw_quote", _quote_response, self.ptr, d, dn, 0)
        if not result.report_data:
            result.report_data = report_data64.hex()
        return result

    @_pinned
    def info(self) -> InfoResponse[TcbInfo]:
        return _rpc("dstack_tappd_client_info", _info_response, self.ptr, 0)


# ------------------------------------------------------------ public clients


class _Common:
    """Argument handling shared by the sync and async clients."""

    _native: _NativeClient

    @property
    def endpoint(self) -> str:
        """The endpoint libdstack resolved (socket path or URL)."""
        return self._native.endpoint()

    def close(self) -> None:
        """Free the native client (otherwise done when garbage-collected).

        Calls already running on other threads finish first; later calls raise.
        """
        self._native.close()

    @staticmethod
    def _key_args(path: Any, purpose: Any, algorithm: Any) -> Tuple[str, str, str]:
        return (
            _args.optional_text(path, "path"),
            _args.optional_text(purpose, "purpose"),
            _args.optional_text(algorithm, "algorithm"),
        )

    @staticmethod
    def _tls_args(
        subject: Optional[str],
        alt_names: Optional[List[str]],
        usage_ra_tls: bool,
        usage_server_auth: bool,
        usage_client_auth: bool,
        not_before: Optional[int],
        not_after: Optional[int],
        with_app_info: Optional[bool],
    ) -> tuple:
        seconds = "seconds since the epoch, unsigned 64-bit"
        nb = _args.optional_integer(not_before, "not_before", 0, _args.U64_MAX, seconds)
        na = _args.optional_integer(not_after, "not_after", 0, _args.U64_MAX, seconds)
        flags = _tls_flags(usage_ra_tls, usage_server_auth, usage_client_auth, bool(with_app_info))
        return (
            _args.optional_text(subject, "subject"),
            _args.text_list(alt_names, "alt_names"),
            flags,
            nb,
            na,
        )

    @staticmethod
    def _sign_args(algorithm: str, data: Any) -> tuple:
        algorithm = _args.text(algorithm, "algorithm")
        data_bytes = _args.text_or_bytes(data, "data")
        if algorithm == "secp256k1_prehashed" and len(data_bytes) != 32:
            raise invalid(
                f"Pre-hashed signing requires a 32-byte digest, but received {len(data_bytes)} bytes"
            )
        return (algorithm, data_bytes)

    @staticmethod
    def _verify_args(algorithm: str, data: Any, signature: Any, public_key: Any) -> tuple:
        return (
            _args.text(algorithm, "algorithm"),
            _args.text_or_bytes(data, "data"),
            _native.hex_or_bytes(signature, "signature"),
            _native.hex_or_bytes(public_key, "public_key"),
        )

    @staticmethod
    def _event_args(event: str, payload: Any) -> tuple:
        if not _args.text(event, "event"):
            raise invalid("event name cannot be empty")
        return (event, _args.text_or_bytes(payload, "payload"))


class DstackClient(_Common):
    """Blocking client for the dstack guest agent (``dstack.sock``).

    ``endpoint``: a Unix socket path or an ``http://`` URL; default
    ``DSTACK_SIMULATOR_ENDPOINT``, then the standard socket paths.
    ``timeout``: seconds for connect, each read/write and the whole call.
    """

    def __init__(self, endpoint: Optional[str] = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._native = _NativeClient(get_endpoint(endpoint), timeout)

    def __enter__(self) -> "DstackClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        # The native client keeps a connection pool and stays usable, as upstream.
        return None

    def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        """Derive a deterministic key for ``path`` (``secp256k1`` or ``ed25519``)."""
        return self._native.get_key(*self._key_args(path, purpose, algorithm))

    def get_quote(self, report_data: str | bytes) -> GetQuoteResponse:
        """TDX quote over ``report_data`` (1..64 bytes; str is UTF-8)."""
        return self._native.get_quote(_report_bytes(report_data))

    def attest(self, report_data: str | bytes) -> AttestResponse:
        """Versioned attestation over ``report_data`` (1..64 bytes)."""
        return self._native.attest(_report_bytes(report_data))

    def get_tls_key(
        self,
        subject: Optional[str] = None,
        alt_names: Optional[List[str]] = None,
        usage_ra_tls: bool = False,
        usage_server_auth: bool = True,
        usage_client_auth: bool = False,
        *,
        not_before: Optional[int] = None,
        not_after: Optional[int] = None,
        with_app_info: Optional[bool] = None,
    ) -> GetTlsKeyResponse:
        """Fresh random P-256 key with a certificate chain (different on every call)."""
        return self._native.get_tls_key(
            *self._tls_args(subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth,
                            not_before, not_after, with_app_info)
        )

    def info(self) -> InfoResponse[TcbInfo]:
        return self._native.info()

    def gpu_info(self) -> GpuInfoResponse:
        return self._native.gpu_info()

    def sign(self, algorithm: str, data: str | bytes) -> SignResponse:
        return self._native.sign(*self._sign_args(algorithm, data))

    def verify(
        self, algorithm: str, data: str | bytes, signature: str | bytes, public_key: str | bytes
    ) -> VerifyResponse:
        """Ask the agent to verify ``signature``; str ``signature``/``public_key`` are hex."""
        return self._native.verify(*self._verify_args(algorithm, data, signature, public_key))

    def version(self) -> VersionResponse:
        return self._native.version()

    def emit_event(self, event: str, payload: str | bytes) -> None:
        """Extend RTMR3 with a runtime event (agents v0.5.0-v0.5.11 only)."""
        self._native.emit_event(*self._event_args(event, payload))

    def is_reachable(self) -> bool:
        """True if the agent answers ``Info`` quickly; never raises for a missing agent."""
        return self._native.is_reachable()

    def derive_key(
        self, path: Optional[str] = None, subject: Optional[str] = None, alt_names: Optional[List[str]] = None
    ) -> GetTlsKeyResponse:
        """Deprecated: dstack OS 0.5 has no ``DeriveKey``; this calls ``get_tls_key``.

        The key is fresh and random; ``path`` is only the default subject.  Use
        ``get_key`` for deterministic keys.
        """
        _deprecated("derive_key is deprecated, use get_tls_key (random TLS keys) or get_key (deterministic)")
        path_text = _args.optional_text(path, "path")
        return self.get_tls_key(subject=_args.optional_text(subject, "subject") or path_text, alt_names=alt_names)

    def tdx_quote(self, report_data: str | bytes, hash_algorithm: Optional[str] = None) -> GetQuoteResponse:
        """Deprecated: only raw report data is supported; this calls ``get_quote``."""
        _deprecated("tdx_quote is deprecated, use get_quote")
        if _args.optional_text(hash_algorithm, "hash_algorithm") not in ("", "raw"):
            raise invalid("DstackClient.tdx_quote supports only hash_algorithm='raw'; use get_quote")
        return self.get_quote(report_data)


class AsyncDstackClient(_Common):
    """Async client: each call runs the blocking libdstack call in a worker thread."""

    def __init__(
        self,
        endpoint: Optional[str] = None,
        *,
        use_sync_http: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        # use_sync_http is accepted for compatibility; with use_sync_http=True the
        # call runs on the event-loop thread (as upstream), otherwise in a thread.
        self.use_sync_http = use_sync_http
        self._native = _NativeClient(get_endpoint(endpoint), timeout)

    async def _run(self, fn: Callable[..., R], *args: Any) -> R:
        if self.use_sync_http:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)

    async def __aenter__(self) -> "AsyncDstackClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        return await self._run(self._native.get_key, *self._key_args(path, purpose, algorithm))

    async def get_quote(self, report_data: str | bytes) -> GetQuoteResponse:
        return await self._run(self._native.get_quote, _report_bytes(report_data))

    async def attest(self, report_data: str | bytes) -> AttestResponse:
        return await self._run(self._native.attest, _report_bytes(report_data))

    async def get_tls_key(
        self,
        subject: Optional[str] = None,
        alt_names: Optional[List[str]] = None,
        usage_ra_tls: bool = False,
        usage_server_auth: bool = True,
        usage_client_auth: bool = False,
        *,
        not_before: Optional[int] = None,
        not_after: Optional[int] = None,
        with_app_info: Optional[bool] = None,
    ) -> GetTlsKeyResponse:
        args = self._tls_args(subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth,
                              not_before, not_after, with_app_info)
        return await self._run(self._native.get_tls_key, *args)

    async def info(self) -> InfoResponse[TcbInfo]:
        return await self._run(self._native.info)

    async def gpu_info(self) -> GpuInfoResponse:
        return await self._run(self._native.gpu_info)

    async def sign(self, algorithm: str, data: str | bytes) -> SignResponse:
        return await self._run(self._native.sign, *self._sign_args(algorithm, data))

    async def verify(
        self, algorithm: str, data: str | bytes, signature: str | bytes, public_key: str | bytes
    ) -> VerifyResponse:
        return await self._run(self._native.verify, *self._verify_args(algorithm, data, signature, public_key))

    async def version(self) -> VersionResponse:
        return await self._run(self._native.version)

    async def emit_event(self, event: str, payload: str | bytes) -> None:
        await self._run(self._native.emit_event, *self._event_args(event, payload))

    async def is_reachable(self) -> bool:
        return await self._run(self._native.is_reachable)


# ------------------------------------------------------------ legacy tappd


def _tappd_raw(report_data: Any) -> bytes:
    # Right-padded like GetQuote (upstream's tappd client left-padded: PROTOCOL §10.2).
    return _report_bytes(report_data).ljust(64, b"\0")


class _TappdMixin(_Common):
    """Argument handling of the tappd clients.

    Each ``_*_call`` checks the arguments on the caller's thread and returns
    the blocking native method with its arguments, which the sync clients call
    and the async clients run in a worker thread.
    """

    _native: _NativeTappdClient

    def _tdx_quote_call(self, report_data: Any, hash_algorithm: Any, prefix: Any) -> Tuple[Callable[..., Any], tuple]:
        algo = _args.optional_text(hash_algorithm, "hash_algorithm") or "raw"
        prefix_text = _args.optional_text(prefix, "prefix")
        if algo == "raw":
            return self._native.raw_quote, (_tappd_raw(report_data),)
        data = _report_data_bytes(report_data)
        if not data:
            raise invalid("report_data can not be empty")
        return self._native.tdx_quote, (data, algo, prefix_text)

    def _derive_key_call(
        self,
        path: Any,
        subject: Any,
        alt_names: Any,
        usage_ra_tls: bool,
        usage_server_auth: bool,
        usage_client_auth: bool,
        random_seed: bool,
    ) -> Tuple[Callable[..., Any], tuple]:
        path_text = _args.optional_text(path, "path")
        subject_text = _args.optional_text(subject, "subject") or path_text
        names = _args.text_list(alt_names, "alt_names")
        flags = _tls_flags(usage_ra_tls, usage_server_auth, usage_client_auth)
        if random_seed:
            flags |= _lib.TAPPD_RANDOM_SEED
        return self._native.derive_key, (path_text, subject_text, names, flags)

    def _k256_call(self, path: Any, purpose: Any, algorithm: Any) -> Tuple[Callable[..., Any], tuple]:
        path_text, purpose_text, algorithm_text = self._key_args(path, purpose, algorithm)
        if algorithm_text not in ("secp256k1", "k256", ""):
            raise self._unsupported(f'algorithm "{algorithm_text}"')
        return self._native.derive_k256_key, (path_text, purpose_text)

    def _tls_key_call(
        self,
        subject: Any,
        alt_names: Any,
        usage_ra_tls: bool,
        usage_server_auth: bool,
        usage_client_auth: bool,
        not_before: Any,
        not_after: Any,
        with_app_info: Optional[bool],
    ) -> Tuple[Callable[..., Any], tuple]:
        subject_text, names, _, nb, na = self._tls_args(
            subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, not_before, not_after, with_app_info
        )
        if nb is not None or na is not None or with_app_info:
            raise self._unsupported("not_before/not_after/with_app_info")
        flags = _tls_flags(usage_ra_tls, usage_server_auth, usage_client_auth) | _lib.TAPPD_RANDOM_SEED
        return self._native.derive_key, ("", subject_text, names, flags)

    @staticmethod
    def _unsupported(name: str) -> UnsupportedError:
        return UnsupportedError(18, f"{name} is not available on the legacy tappd agent; use DstackClient")


class TappdClient(_TappdMixin, DstackClient):
    """Deprecated blocking client for the legacy ``tappd.sock`` agent (dstack OS 0.3)."""

    def __init__(self, endpoint: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        _deprecated("TappdClient is deprecated, please use DstackClient instead")
        self._native = _NativeTappdClient(get_tappd_endpoint(endpoint), timeout)

    def __enter__(self) -> "TappdClient":
        return self

    def derive_key(  # type: ignore[override]
        self,
        path: Optional[str] = None,
        subject: Optional[str] = None,
        alt_names: Optional[List[str]] = None,
        *,
        usage_ra_tls: bool = False,
        usage_server_auth: bool = False,
        usage_client_auth: bool = False,
        random_seed: bool = False,
    ) -> GetTlsKeyResponse:
        """TLS key derived from ``path`` (``DeriveKey``); deterministic unless ``random_seed``."""
        _deprecated("derive_key is deprecated, please use get_key / get_tls_key instead")
        fn, args = self._derive_key_call(
            path, subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, random_seed
        )
        return fn(*args)

    def tdx_quote(  # type: ignore[override]
        self, report_data: str | bytes, hash_algorithm: Optional[str] = None, *, prefix: str = ""
    ) -> GetQuoteResponse:
        """``TdxQuote``: raw (default; right-padded to 64 bytes) or hashed report data."""
        _deprecated("tdx_quote is deprecated, please use get_quote instead")
        fn, args = self._tdx_quote_call(report_data, hash_algorithm, prefix)
        return fn(*args)

    def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        """``DeriveK256Key``: the same key ``get_key`` gives on newer agents."""
        fn, args = self._k256_call(path, purpose, algorithm)
        return fn(*args)

    def get_quote(self, report_data: str | bytes) -> GetQuoteResponse:
        return self._native.raw_quote(_tappd_raw(report_data))

    def get_tls_key(
        self,
        subject: Optional[str] = None,
        alt_names: Optional[List[str]] = None,
        usage_ra_tls: bool = False,
        usage_server_auth: bool = True,
        usage_client_auth: bool = False,
        *,
        not_before: Optional[int] = None,
        not_after: Optional[int] = None,
        with_app_info: Optional[bool] = None,
    ) -> GetTlsKeyResponse:
        """Random TLS key via ``DeriveKey`` with ``random_seed``."""
        fn, args = self._tls_key_call(
            subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, not_before, not_after, with_app_info
        )
        return fn(*args)

    def attest(self, report_data: str | bytes) -> AttestResponse:
        raise self._unsupported("attest")

    def gpu_info(self) -> GpuInfoResponse:
        raise self._unsupported("gpu_info")

    def sign(self, algorithm: str, data: str | bytes) -> SignResponse:
        raise self._unsupported("sign")

    def verify(self, algorithm: str, data: str | bytes, signature: str | bytes, public_key: str | bytes) -> VerifyResponse:
        raise self._unsupported("verify")

    def emit_event(self, event: str, payload: str | bytes) -> None:
        raise self._unsupported("emit_event")


class AsyncTappdClient(_TappdMixin, AsyncDstackClient):
    """Deprecated async client for the legacy ``tappd.sock`` agent."""

    def __init__(
        self,
        endpoint: Optional[str] = None,
        *,
        use_sync_http: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        _deprecated("AsyncTappdClient is deprecated, please use AsyncDstackClient instead")
        self.use_sync_http = use_sync_http
        self._native = _NativeTappdClient(get_tappd_endpoint(endpoint), timeout)

    async def __aenter__(self) -> "AsyncTappdClient":
        return self

    async def derive_key(
        self,
        path: Optional[str] = None,
        subject: Optional[str] = None,
        alt_names: Optional[List[str]] = None,
        *,
        usage_ra_tls: bool = False,
        usage_server_auth: bool = False,
        usage_client_auth: bool = False,
        random_seed: bool = False,
    ) -> GetTlsKeyResponse:
        _deprecated("derive_key is deprecated, please use get_key / get_tls_key instead")
        fn, args = self._derive_key_call(
            path, subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, random_seed
        )
        return await self._run(fn, *args)

    async def tdx_quote(
        self, report_data: str | bytes, hash_algorithm: Optional[str] = None, *, prefix: str = ""
    ) -> GetQuoteResponse:
        _deprecated("tdx_quote is deprecated, please use get_quote instead")
        fn, args = self._tdx_quote_call(report_data, hash_algorithm, prefix)
        return await self._run(fn, *args)

    async def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        fn, args = self._k256_call(path, purpose, algorithm)
        return await self._run(fn, *args)

    async def get_quote(self, report_data: str | bytes) -> GetQuoteResponse:
        return await self._run(self._native.raw_quote, _tappd_raw(report_data))

    async def get_tls_key(
        self,
        subject: Optional[str] = None,
        alt_names: Optional[List[str]] = None,
        usage_ra_tls: bool = False,
        usage_server_auth: bool = True,
        usage_client_auth: bool = False,
        *,
        not_before: Optional[int] = None,
        not_after: Optional[int] = None,
        with_app_info: Optional[bool] = None,
    ) -> GetTlsKeyResponse:
        fn, args = self._tls_key_call(
            subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, not_before, not_after, with_app_info
        )
        return await self._run(fn, *args)

    async def attest(self, report_data: str | bytes) -> AttestResponse:
        raise self._unsupported("attest")

    async def gpu_info(self) -> GpuInfoResponse:
        raise self._unsupported("gpu_info")

    async def sign(self, algorithm: str, data: str | bytes) -> SignResponse:
        raise self._unsupported("sign")

    async def verify(
        self, algorithm: str, data: str | bytes, signature: str | bytes, public_key: str | bytes
    ) -> VerifyResponse:
        raise self._unsupported("verify")

    async def emit_event(self, event: str, payload: str | bytes) -> None:
        raise self._unsupported("emit_event")
