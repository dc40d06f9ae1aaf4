"""Clients for the dstack guest agent, over libdstack.

``DstackClient`` makes blocking calls.  ``AsyncDstackClient`` runs the same
blocking C call in a worker thread (``asyncio.to_thread``): ctypes releases
the GIL during the call and the native client is thread-safe, so the event
loop stays free and ``asyncio.gather`` of many calls runs them concurrently.

Layout: ``_Core`` (``dstack.sock``) and ``_TappdCore`` (``tappd.sock``) own
the native handle and implement every RPC once: a core method checks the
arguments on the caller's thread and returns the rest of the call (build the
C arguments, call libdstack with the handle pinned, turn the response into
the public type) as a ``_Blocking`` callable.  The four public classes are thin
faces over a core: the sync ones call the ``_Blocking``, the async ones run it
in a worker thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import warnings
from ctypes import byref, c_bool, c_uint64, c_void_p
from typing import Any, Callable, Dict, List, NoReturn, Optional, Tuple, TypeVar

from . import _args, _lib, _native
from ._args import invalid
from ._lib import Field, KeyFlags, Response, Status, byte_arg, call, new_handle, text_arg
from .errors import DstackError, InvalidArgumentError, UnsupportedError
from .responses import (
    AttestResponse,
    EventLog,
    GetKeyResponse,
    GetQuoteResponse,
    GetTlsKeyResponse,
    GpuInfoResponse,
    InfoResponse,
    SignResponse,
    TcbInfo,
    TcbInfoV03x,
    TcbInfoV05x,
    VerifyResponse,
    VersionResponse,
    _keep_bytes,
)

logger = logging.getLogger("dstack_sdk")

R = TypeVar("R")

# The blocking rest of a call whose arguments were already checked.
_Blocking = Callable[[], R]

DEFAULT_TIMEOUT = 3.0


def _deprecated(message: str, stacklevel: int = 3) -> None:
    """Warn the caller of a public method: 3 from the method itself, 4 from a core method it calls."""
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)


DSTACK_SOCKETS = ("/var/run/dstack.sock", "/run/dstack.sock", "/var/run/dstack/dstack.sock", "/run/dstack/dstack.sock")
TAPPD_SOCKETS = ("/var/run/tappd.sock", "/run/tappd.sock", "/var/run/dstack/tappd.sock", "/run/dstack/tappd.sock")


def _discover(endpoint: Any, env: str, sockets: Tuple[str, ...], notice: str) -> str:
    explicit = _args.endpoint(endpoint)
    if explicit:
        return explicit
    if env in os.environ:
        logger.info(f"{notice}: {os.environ[env]}")
        return os.environ[env]
    for path in sockets:
        if os.path.exists(path):
            return path
    return sockets[0]


def get_endpoint(endpoint: Optional[str] = None) -> str:
    """As upstream: ``endpoint``, else ``DSTACK_SIMULATOR_ENDPOINT``, else the first
    existing of the four ``dstack.sock`` paths, else ``/var/run/dstack.sock``."""
    return _discover(endpoint, "DSTACK_SIMULATOR_ENDPOINT", DSTACK_SOCKETS, "Using simulator endpoint")


def get_tappd_endpoint(endpoint: Optional[str] = None) -> str:
    """As upstream: ``endpoint``, else ``TAPPD_SIMULATOR_ENDPOINT``, else the first
    existing of the four ``tappd.sock`` paths, else ``/var/run/tappd.sock``."""
    return _discover(endpoint, "TAPPD_SIMULATOR_ENDPOINT", TAPPD_SOCKETS, "Using tappd endpoint")


def _checked_endpoint(endpoint: str) -> str:
    """Upstream's constructor check: a socket path that does not exist is ``FileNotFoundError``."""
    if not endpoint.startswith(("http://", "https://")) and endpoint.startswith("/") and not os.path.exists(endpoint):
        raise FileNotFoundError(f"Unix socket file {endpoint} does not exist")
    return endpoint


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
    """``report_data``: str (UTF-8) or bytes-like, not empty (as upstream).  Its length
    limit (64 bytes) is libdstack's check; see ``_worded``."""
    data = _report_data_bytes(report_data)
    if not data:
        raise invalid("report_data can not be empty")
    return data


# How this binding words libdstack's argument checks whose official text differs.
REPORT_DATA_TOO_LONG = "report_data must be at most 64 bytes"
RAW_REPORT_DATA_TOO_LONG = "Report data is too large, it should less then 64 bytes when hash_algorithm is raw."
EMPTY_EVENT_NAME = "event name cannot be empty"


def _worded(blocking: _Blocking[R], text: str) -> _Blocking[R]:
    """``blocking``, with an invalid argument that libdstack refused reported as ``text``
    followed by libdstack's own message.  The check is libdstack's (dstack-core);
    this only puts the official SDK's wording in front of it."""

    def run() -> R:
        try:
            return blocking()
        except InvalidArgumentError as exc:
            if exc.status != Status.INVALID_ARGUMENT:
                raise
            raise invalid(f"{text}: {exc.message}") from None

    return run


def _tls_flags(ra_tls: bool, server: bool, client: bool, app_info: bool = False) -> int:
    flags = 0
    if ra_tls:
        flags |= KeyFlags.TLS_USAGE_RA_TLS
    if server:
        flags |= KeyFlags.TLS_USAGE_SERVER_AUTH
    if client:
        flags |= KeyFlags.TLS_USAGE_CLIENT_AUTH
    if app_info:
        flags |= KeyFlags.TLS_WITH_APP_INFO
    return flags


def _text_list_arg(items: List[str]) -> Tuple[Any, int, List[bytes]]:
    """A text list as C arguments (``dstack_slice`` array or NULL, count) and what they point into."""
    arr, keep = _lib.slices([i.encode("utf-8") for i in items])
    return (arr if items else None), len(items), keep


# -------------------------------------------------------------- conversions


def _key_response(resp: Response) -> GetKeyResponse:
    # PURPOSE and ALGORITHM are the request's as libdstack sent it (the algorithm's
    # default applied there, once).
    key = resp.raw(Field.KEY) or b""
    chain = resp.items(Field.SIGNATURE_CHAIN)
    return _keep_bytes(
        GetKeyResponse(
            key=key.hex(),
            signature_chain=[s.hex() for s in chain],
            purpose=resp.text(Field.PURPOSE),
            algorithm=resp.text(Field.ALGORITHM),
        ),
        key=key,
        signature_chain=chain,
    )


def _quote_response(resp: Response, report_data: Optional[bytes] = None) -> GetQuoteResponse:
    """``report_data``: what to report when the agent leaves it out (tappd)."""
    quote = resp.raw(Field.QUOTE) or b""
    rd = resp.raw(Field.REPORT_DATA) or report_data or b""
    attestation = resp.raw(Field.ATTESTATION) or b""
    return _keep_bytes(
        GetQuoteResponse(
            quote=quote.hex(),
            event_log=resp.text(Field.EVENT_LOG),
            report_data=rd.hex(),
            vm_config=resp.text(Field.VM_CONFIG),
            attestation=attestation.hex(),
        ),
        quote=quote,
        report_data=rd,
        attestation=attestation,
    )


def _quote_reporting(report_data: bytes) -> Callable[[Response], GetQuoteResponse]:
    """``_quote_response``, with ``report_data`` filled in when the agent leaves it out (tappd)."""
    return lambda resp: _quote_response(resp, report_data)


def _tls_response(resp: Response) -> GetTlsKeyResponse:
    return GetTlsKeyResponse(
        key=resp.text(Field.KEY),
        certificate_chain=[c.decode("utf-8") for c in resp.items(Field.CERTIFICATE_CHAIN)],
    )


# TcbInfoV05x's members beside the registers: the Info fields of the same values
# (the agent fills tcb_info's and Info's from one source).
_TCB_INFO_V05X = {
    "mr_aggregated": Field.MR_AGGREGATED,
    "os_image_hash": Field.OS_IMAGE_HASH,
    "compose_hash": Field.COMPOSE_HASH,
    "device_id": Field.DEVICE_ID,
}


def _tcb_info(resp: Response, tcb_type: Any) -> TcbInfo:
    """The parsed ``tcb_info``, from the fields libdstack decoded from it.

    MRTD/RTMR0-3/APP_COMPOSE/TCB_EVENT_LOG are present when the agent published a
    tcb_info that parsed; otherwise every member is empty, as the official parse of
    an empty ``tcb_info`` gives.  The events come from libdstack's event-log reader.
    """
    mrtd = resp.raw(Field.MRTD)
    members = {f.name for f in dataclasses.fields(tcb_type)}
    if mrtd is None:
        return tcb_type(mrtd="", rtmr0="", rtmr1="", rtmr2="", rtmr3="", app_compose="", event_log=[])
    kwargs: Dict[str, Any] = {
        "mrtd": mrtd.hex(),
        "rtmr0": resp.hex(Field.RTMR0),
        "rtmr1": resp.hex(Field.RTMR1),
        "rtmr2": resp.hex(Field.RTMR2),
        "rtmr3": resp.hex(Field.RTMR3),
        "app_compose": resp.text(Field.APP_COMPOSE),
        "event_log": [EventLog._from_event(e) for e in _native.event_log_events(resp.text(Field.TCB_EVENT_LOG))],
    }
    for name, field in _TCB_INFO_V05X.items():
        if name in members:
            kwargs[name] = resp.hex(field)
    if "rootfs_hash" in members:
        kwargs["rootfs_hash"] = _rootfs_hash(resp.text(Field.TCB_INFO))
    return tcb_type(**kwargs)


def _rootfs_hash(tcb_info: str) -> Optional[str]:
    """``rootfs_hash`` of a 0.3 (tappd) tcb_info.

    The one member of the official parsed types that the C ABI has no field for
    (yet): read from the text only when the text has it, so no tcb_info of a current
    agent is parsed here.  Goes away with a ``DSTACK_FIELD_ROOTFS_HASH``.
    """
    if '"rootfs_hash"' not in tcb_info:
        return None
    value = json.loads(tcb_info).get("rootfs_hash")
    return value if isinstance(value, str) else None


def _info_response(resp: Response, tcb_type: Any = TcbInfoV05x) -> InfoResponse[TcbInfo]:
    return InfoResponse(
        app_id=resp.hex(Field.APP_ID),
        instance_id=resp.hex(Field.INSTANCE_ID),
        app_cert=resp.text(Field.APP_CERT),
        tcb_info=_tcb_info(resp, tcb_type),
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


def _attest_response(resp: Response) -> AttestResponse:
    attestation = resp.raw(Field.ATTESTATION) or b""
    return _keep_bytes(AttestResponse(attestation=attestation.hex()), attestation=attestation)


def _sign_response(resp: Response, data: bytes) -> SignResponse:
    signature = resp.raw(Field.SIGNATURE) or b""
    chain = resp.items(Field.SIGNATURE_CHAIN)
    public_key = resp.raw(Field.PUBLIC_KEY) or b""
    return _keep_bytes(
        SignResponse(
            signature=signature.hex(),
            signature_chain=[s.hex() for s in chain],
            public_key=public_key.hex(),
            algorithm=resp.text(Field.ALGORITHM),
            data=data,
        ),
        signature=signature,
        signature_chain=chain,
        public_key=public_key,
    )


def _version_response(resp: Response) -> VersionResponse:
    return VersionResponse(version=resp.text(Field.VERSION), rev=resp.text(Field.REV))


def _response(fn_name: str, convert: Callable[[Response], R], *args: Any) -> R:
    resp = Response(new_handle(fn_name, *args))
    try:
        return convert(resp)
    finally:
        resp.close()


# ------------------------------------------------------------------- cores


class _Core:
    """A ``dstack_client`` handle and the one implementation of every RPC.

    Each RPC method checks its arguments at once and returns the blocking
    rest of the call; nothing is sent before the ``_Blocking`` runs.
    """

    _PREFIX = "dstack_client"
    _TCB_INFO: Any = TcbInfoV05x

    def __init__(self, endpoint: Optional[str], timeout: float) -> None:
        ms = _args.timeout_ms(timeout)
        ep, n = text_arg(endpoint)
        self._handle = _lib.Handle(new_handle(f"{self._PREFIX}_new", ep, n), f"{self._PREFIX}_free")
        call(f"{self._PREFIX}_set_timeout_ms", self._handle.ptr, ms)

    # plumbing

    def _pinned(self, body: Callable[[c_void_p], R]) -> _Blocking[R]:
        """``body(handle)`` with the handle pinned (see ``_lib.Handle``)."""

        def run() -> R:
            ptr = self._handle.pin()
            try:
                return body(ptr)
            finally:
                self._handle.unpin()

        return run

    def _rpc(self, name: str, convert: Callable[[Response], R], *args: Any, keep: Any = None) -> _Blocking[R]:
        """``<prefix>_<name>(handle, *args, default timeout, &response)``, the response converted.

        ``keep``: objects the C arguments point into, alive until the call ends.
        """
        fn_name = f"{self._PREFIX}_{name}"
        held = (args, keep)  # the closure holds both until the _Blocking is dropped

        def body(ptr: c_void_p) -> R:
            c_args, _ = held
            return _response(fn_name, convert, ptr, *c_args, 0)

        return self._pinned(body)

    def _flag(self, name: str, *args: Any) -> _Blocking[bool]:
        """``<prefix>_<name>(handle, *args, default timeout, &bool)``."""

        def body(ptr: c_void_p) -> bool:
            out = c_bool(False)
            call(f"{self._PREFIX}_{name}", ptr, *args, 0, byref(out))
            return bool(out.value)

        return self._pinned(body)

    def endpoint(self) -> str:
        return self._pinned(lambda ptr: _lib.function(f"{self._PREFIX}_endpoint")(ptr).tobytes().decode("utf-8"))()

    def close(self) -> None:
        self._handle.close()

    # RPCs of both agents

    def is_reachable(self) -> _Blocking[bool]:
        return self._flag("is_reachable")

    def version(self) -> _Blocking[VersionResponse]:
        return self._rpc("version", _version_response)

    def info(self) -> _Blocking[InfoResponse[TcbInfo]]:
        return self._rpc("info", lambda r: _info_response(r, self._TCB_INFO))

    def get_key(self, path: Any, purpose: Any, algorithm: Any) -> _Blocking[GetKeyResponse]:
        return self._get_key(
            _args.optional_text(path, "path"),
            _args.optional_text(purpose, "purpose"),
            _args.optional_text(algorithm, "algorithm"),
        )

    def get_quote(self, report_data: Any) -> _Blocking[GetQuoteResponse]:
        return _worded(self._quote(_report_bytes(report_data)), REPORT_DATA_TOO_LONG)

    def get_tls_key(
        self,
        subject: Any,
        alt_names: Any,
        usage_ra_tls: bool,
        usage_server_auth: bool,
        usage_client_auth: bool,
        not_before: Any,
        not_after: Any,
        with_app_info: Any,
    ) -> _Blocking[GetTlsKeyResponse]:
        seconds = "seconds since the epoch, unsigned 64-bit"
        nb = _args.optional_integer(not_before, "not_before", 0, _args.U64_MAX, seconds)
        na = _args.optional_integer(not_after, "not_after", 0, _args.U64_MAX, seconds)
        flags = _tls_flags(usage_ra_tls, usage_server_auth, usage_client_auth, bool(with_app_info))
        subject_text = _args.optional_text(subject, "subject")
        return self._tls_key(subject_text, _args.text_list(alt_names, "alt_names"), flags, nb, na)

    # dstack.sock only

    def attest(self, report_data: Any) -> _Blocking[AttestResponse]:
        call = self._rpc("attest", _attest_response, *byte_arg(_report_bytes(report_data)))
        return _worded(call, REPORT_DATA_TOO_LONG)

    def gpu_info(self) -> _Blocking[GpuInfoResponse]:
        return self._rpc("gpu_info", lambda r: GpuInfoResponse(attestation=r.text(Field.ATTESTATION)))

    def sign(self, algorithm: Any, data: Any) -> _Blocking[SignResponse]:
        # The algorithm and the pre-hashed digest's length are checked by libdstack
        # (dstack-core's Sign), whose message is the official SDKs'.
        algorithm = _args.text(algorithm, "algorithm")
        data_bytes = _args.text_or_bytes(data, "data")
        return self._rpc(
            "sign", lambda r: _sign_response(r, data_bytes), *text_arg(algorithm), *byte_arg(data_bytes),
        )

    def verify(self, algorithm: Any, data: Any, signature: Any, public_key: Any) -> _Blocking[VerifyResponse]:
        args = (
            *text_arg(_args.text(algorithm, "algorithm")),
            *byte_arg(_args.text_or_bytes(data, "data")),
            *byte_arg(_native.hex_or_bytes(signature, "signature")),
            *byte_arg(_native.hex_or_bytes(public_key, "public_key")),
        )
        valid = self._flag("verify", *args)
        return lambda: VerifyResponse(valid=valid())

    def emit_event(self, event: Any, payload: Any) -> _Blocking[None]:
        # An empty name is refused by libdstack (dstack-core's EmitEvent).
        args = (*text_arg(_args.text(event, "event")), *byte_arg(_args.text_or_bytes(payload, "payload")), 0)
        return _worded(self._pinned(lambda ptr: call(f"{self._PREFIX}_emit_event", ptr, *args)), EMPTY_EVENT_NAME)

    # the calls that differ between the agents, after the arguments are checked

    def _get_key(self, path: str, purpose: str, algorithm: str) -> _Blocking[GetKeyResponse]:
        return self._rpc(
            "get_key", _key_response,
            *text_arg(path), *text_arg(purpose), *text_arg(algorithm),
        )

    def _quote(self, report_data: bytes) -> _Blocking[GetQuoteResponse]:
        return self._rpc("get_quote", _quote_response, *byte_arg(report_data))

    def _tls_key(
        self, subject: str, alt_names: List[str], flags: int, not_before: Optional[int], not_after: Optional[int]
    ) -> _Blocking[GetTlsKeyResponse]:
        names, n, keep = _text_list_arg(alt_names)
        nb = byref(c_uint64(not_before)) if not_before is not None else None
        na = byref(c_uint64(not_after)) if not_after is not None else None
        return self._rpc(
            "get_tls_key", _tls_response,
            *text_arg(subject), names, n, flags, nb, na, keep=keep,
        )


def _unsupported(name: str) -> UnsupportedError:
    return UnsupportedError(Status.UNSUPPORTED, f"{name} is not available on the legacy tappd agent; use DstackClient")


class _TappdCore(_Core):
    """A ``dstack_tappd_client`` handle: the legacy agent behind the same methods.

    ``get_key`` is ``DeriveK256Key``, ``get_quote`` a raw ``TdxQuote`` and
    ``get_tls_key`` a ``DeriveKey`` with a random seed; the calls tappd lacks
    raise ``UnsupportedError`` before looking at their arguments.
    """

    _PREFIX = "dstack_tappd_client"
    _TCB_INFO: Any = TcbInfoV03x

    def attest(self, report_data: Any) -> NoReturn:
        raise _unsupported("attest")

    def gpu_info(self) -> NoReturn:
        raise _unsupported("gpu_info")

    def sign(self, algorithm: Any, data: Any) -> NoReturn:
        raise _unsupported("sign")

    def verify(self, algorithm: Any, data: Any, signature: Any, public_key: Any) -> NoReturn:
        raise _unsupported("verify")

    def emit_event(self, event: Any, payload: Any) -> NoReturn:
        raise _unsupported("emit_event")

    def derive_key(
        self,
        path: Any,
        subject: Any,
        alt_names: Any,
        usage_ra_tls: bool,
        usage_server_auth: bool,
        usage_client_auth: bool,
        random_seed: bool,
    ) -> _Blocking[GetTlsKeyResponse]:
        _deprecated("derive_key is deprecated, please use get_key instead", 4)
        path_text = _args.optional_text(path, "path")
        subject_text = _args.optional_text(subject, "subject") or path_text
        names = _args.text_list(alt_names, "alt_names")
        flags = _tls_flags(usage_ra_tls, usage_server_auth, usage_client_auth)
        if random_seed:
            flags |= KeyFlags.TAPPD_RANDOM_SEED
        return self._derive_key(path_text, subject_text, names, flags)

    def tdx_quote(self, report_data: Any, hash_algorithm: Any, prefix: Any) -> _Blocking[GetQuoteResponse]:
        _deprecated("tdx_quote is deprecated, please use get_quote instead", 4)
        explicit_raw = hash_algorithm == "raw"
        algo = _args.optional_text(hash_algorithm, "hash_algorithm") or "raw"
        prefix_text = _args.optional_text(prefix, "prefix")
        if explicit_raw:
            # As upstream: at most 64 bytes, left-padded with zeros.
            # Over 64 bytes is refused by libdstack (raw report data is exactly 64 bytes).
            data = _report_data_bytes(report_data)
            if not data:
                raise invalid("report_data can not be empty")
            return _worded(self._quote(data.rjust(64, b"\0")), RAW_REPORT_DATA_TOO_LONG)
        if algo == "raw":
            # Default (None): right-padded like get_quote (upstream failed unless 64 bytes).
            return self.get_quote(report_data)
        data = _report_data_bytes(report_data)
        if not data:
            raise invalid("report_data can not be empty")
        args = (*byte_arg(data), *text_arg(algo), *text_arg(prefix_text))

        def body(ptr: c_void_p) -> GetQuoteResponse:
            expected = _native.tappd_report_data(data, algo, prefix_text)
            return _response(f"{self._PREFIX}_tdx_quote", _quote_reporting(expected), ptr, *args, 0)

        return self._pinned(body)

    def _get_key(self, path: str, purpose: str, algorithm: str) -> _Blocking[GetKeyResponse]:
        if algorithm not in ("secp256k1", "k256", ""):
            raise _unsupported(f'algorithm "{algorithm}"')
        return self._rpc(
            "derive_k256_key", _key_response, *text_arg(path), *text_arg(purpose)
        )

    def _quote(self, report_data: bytes) -> _Blocking[GetQuoteResponse]:
        # Right-padded like GetQuote (upstream's tappd client left-padded: PROTOCOL §10.2).
        raw = report_data.ljust(64, b"\0")
        return self._rpc("raw_quote", _quote_reporting(raw), *byte_arg(raw))

    def _tls_key(
        self, subject: str, alt_names: List[str], flags: int, not_before: Optional[int], not_after: Optional[int]
    ) -> _Blocking[GetTlsKeyResponse]:
        if not_before is not None or not_after is not None or flags & KeyFlags.TLS_WITH_APP_INFO:
            raise _unsupported("not_before/not_after/with_app_info")
        return self._derive_key("", subject, alt_names, flags | KeyFlags.TAPPD_RANDOM_SEED)

    def _derive_key(self, path: str, subject: str, alt_names: List[str], flags: int) -> _Blocking[GetTlsKeyResponse]:
        names, n, keep = _text_list_arg(alt_names)
        return self._rpc("derive_key", _tls_response, *text_arg(path), *text_arg(subject), names, n, flags, keep=keep)


class _Unavailable:
    """Stands in for a core libdstack could not make (an ``https://`` endpoint).

    Upstream accepts such an endpoint at construction; here every call then
    raises the error libdstack gave, and ``is_reachable`` is False.
    """

    def __init__(self, endpoint: str, error: DstackError) -> None:
        self._endpoint = endpoint
        self._error = error

    def endpoint(self) -> str:
        return self._endpoint

    def close(self) -> None:
        return None

    def is_reachable(self) -> _Blocking[bool]:
        return lambda: False

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> NoReturn:
            raise self._error

        return fail


def _new_core(kind: Any, endpoint: str, timeout: float) -> Any:
    """``kind(endpoint, timeout)`` after upstream's endpoint check; an https URL is accepted."""
    _args.timeout_ms(timeout)
    _checked_endpoint(endpoint)
    try:
        return kind(endpoint, timeout)
    except UnsupportedError as exc:
        if endpoint.startswith("https://"):
            return _Unavailable(endpoint, exc)
        raise


# ------------------------------------------------------------ public clients


class _Common:
    """What every client has: a core, its endpoint, close."""

    _native: _Core

    @property
    def endpoint(self) -> str:
        """The endpoint libdstack resolved (socket path or URL)."""
        return self._native.endpoint()

    def close(self) -> None:
        """Free the native client (otherwise done when garbage-collected).

        Calls already running on other threads finish first; later calls raise.
        """
        self._native.close()


class DstackClient(_Common):
    """Blocking client for the dstack guest agent (``dstack.sock``).

    ``endpoint``: a Unix socket path or an ``http://`` URL; default
    ``DSTACK_SIMULATOR_ENDPOINT``, then the standard socket paths.  A socket
    path that does not exist raises ``FileNotFoundError`` here, as upstream.
    ``timeout``: seconds for connect, each read/write and the whole call.
    """

    PATH_PREFIX = "/"

    def __init__(self, endpoint: Optional[str] = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._native = _new_core(_Core, get_endpoint(endpoint), timeout)

    def __enter__(self) -> "DstackClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        # The native client keeps a connection pool and stays usable, as upstream.
        return None

    def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        """Derive a deterministic key for ``path`` (``secp256k1`` or ``ed25519``)."""
        return self._native.get_key(path, purpose, algorithm)()

    def get_quote(self, report_data: str | bytes) -> GetQuoteResponse:
        """TDX quote over ``report_data`` (1..64 bytes; str is UTF-8)."""
        return self._native.get_quote(report_data)()

    def attest(self, report_data: str | bytes) -> AttestResponse:
        """Versioned attestation over ``report_data`` (1..64 bytes)."""
        return self._native.attest(report_data)()

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
            subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, not_before, not_after, with_app_info
        )()

    def info(self) -> InfoResponse[TcbInfo]:
        return self._native.info()()

    def gpu_info(self) -> GpuInfoResponse:
        return self._native.gpu_info()()

    def sign(self, algorithm: str, data: str | bytes) -> SignResponse:
        return self._native.sign(algorithm, data)()

    def verify(
        self, algorithm: str, data: str | bytes, signature: str | bytes, public_key: str | bytes
    ) -> VerifyResponse:
        """Ask the agent to verify ``signature``; str ``signature``/``public_key`` are hex."""
        return self._native.verify(algorithm, data, signature, public_key)()

    def version(self) -> VersionResponse:
        return self._native.version()()

    def emit_event(self, event: str, payload: str | bytes) -> None:
        """Extend RTMR3 with a runtime event (agents v0.5.0-v0.5.11 only)."""
        self._native.emit_event(event, payload)()

    def is_reachable(self) -> bool:
        """True if the agent answers ``Info`` quickly; never raises for a missing agent."""
        return self._native.is_reachable()()

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

    PATH_PREFIX = "/"

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
        self._native = _new_core(_Core, get_endpoint(endpoint), timeout)

    async def _run(self, blocking: _Blocking[R]) -> R:
        if self.use_sync_http:
            return blocking()
        return await asyncio.to_thread(blocking)

    async def __aenter__(self) -> "AsyncDstackClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        return await self._run(self._native.get_key(path, purpose, algorithm))

    async def get_quote(self, report_data: str | bytes) -> GetQuoteResponse:
        return await self._run(self._native.get_quote(report_data))

    async def attest(self, report_data: str | bytes) -> AttestResponse:
        return await self._run(self._native.attest(report_data))

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
        return await self._run(self._native.get_tls_key(
            subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, not_before, not_after, with_app_info
        ))

    async def info(self) -> InfoResponse[TcbInfo]:
        return await self._run(self._native.info())

    async def gpu_info(self) -> GpuInfoResponse:
        return await self._run(self._native.gpu_info())

    async def sign(self, algorithm: str, data: str | bytes) -> SignResponse:
        return await self._run(self._native.sign(algorithm, data))

    async def verify(
        self, algorithm: str, data: str | bytes, signature: str | bytes, public_key: str | bytes
    ) -> VerifyResponse:
        return await self._run(self._native.verify(algorithm, data, signature, public_key))

    async def version(self) -> VersionResponse:
        return await self._run(self._native.version())

    async def emit_event(self, event: str, payload: str | bytes) -> None:
        await self._run(self._native.emit_event(event, payload))

    async def is_reachable(self) -> bool:
        return await self._run(self._native.is_reachable())


# ------------------------------------------------------------ legacy tappd


class TappdClient(DstackClient):
    """Deprecated blocking client for the legacy ``tappd.sock`` agent (dstack OS 0.3)."""

    _native: _TappdCore

    def __init__(self, endpoint: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        _deprecated("TappdClient is deprecated, please use DstackClient instead")
        self._native = _new_core(_TappdCore, get_tappd_endpoint(endpoint), timeout)

    def __enter__(self) -> "TappdClient":
        return self

    def derive_key(
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
        return self._native.derive_key(
            path, subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, random_seed
        )()

    def tdx_quote(
        self, report_data: str | bytes, hash_algorithm: Optional[str] = None, *, prefix: str = ""
    ) -> GetQuoteResponse:
        """``TdxQuote``: hashed report data, or raw: ``"raw"`` left-pads to 64 bytes (as upstream), the default (None) right-pads like ``get_quote``."""
        return self._native.tdx_quote(report_data, hash_algorithm, prefix)()

    def get_key(
        self, path: Optional[str] = None, purpose: Optional[str] = None, algorithm: str = "secp256k1"
    ) -> GetKeyResponse:
        """``DeriveK256Key``: the same key ``get_key`` gives on newer agents."""
        return self._native.get_key(path, purpose, algorithm)()

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
        return self._native.get_tls_key(
            subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, not_before, not_after, with_app_info
        )()


class AsyncTappdClient(AsyncDstackClient):
    """Deprecated async client for the legacy ``tappd.sock`` agent."""

    _native: _TappdCore

    def __init__(
        self,
        endpoint: Optional[str] = None,
        *,
        use_sync_http: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        _deprecated("AsyncTappdClient is deprecated, please use AsyncDstackClient instead")
        self.use_sync_http = use_sync_http
        self._native = _new_core(_TappdCore, get_tappd_endpoint(endpoint), timeout)
        # As upstream: the instance's prefix is tappd's.
        self.PATH_PREFIX = "/prpc/Tappd."

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
        return await self._run(self._native.derive_key(
            path, subject, alt_names, usage_ra_tls, usage_server_auth, usage_client_auth, random_seed
        ))

    async def tdx_quote(
        self, report_data: str | bytes, hash_algorithm: Optional[str] = None, *, prefix: str = ""
    ) -> GetQuoteResponse:
        return await self._run(self._native.tdx_quote(report_data, hash_algorithm, prefix))
