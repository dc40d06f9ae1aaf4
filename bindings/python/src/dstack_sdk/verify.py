"""Offline verification of dstack evidence, over libdstack_verify.

Is this evidence from a genuine Intel TDX CVM running the expected dstack app, and which
app? Four functions, one per kind of evidence, each returning one :class:`Verification`
with every field, or raising a :class:`~dstack_sdk.errors.DstackError` whose ``check``
names the failed check and whose ``expected`` and ``actual`` hold the values it compared:

- :func:`verify_quote`: a raw TDX or SGX quote (DCAP only);
- :func:`verify_get_quote`: a GetQuote answer (quote, event log, vm_config);
- :func:`verify_attestation`: an Attest answer (versioned attestation, V0 or V1);
- :func:`verify_ra_tls_cert`: an RA-TLS certificate, DER or PEM.

:func:`fetch_collateral` gets the quote's collateral from a PCCS with ``urllib``
(libdstack has no TLS). What is and is not verified: ``verify/README.md``.

The library is ``libdstack_verify.so`` (libdstack plus verification, a separate library
so that libdstack.so stays small for apps inside the CVM), found like libdstack:
``LIBDSTACK_VERIFY_PATH``, else the copy bundled in this package, else
``target/release`` of the source checkout, else the system library path.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import ctypes.util
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
from ctypes import byref, c_size_t, c_void_p
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _abi, _abi_verify, errors
from ._version import __version__
from ._abi_verify import PccsRequest, TcbPolicy

__all__ = [
    "Verification",
    "TdReport",
    "EnclaveReport",
    "AppInfo",
    "RuntimeEvent",
    "CertificateInfo",
    "TcbPolicy",
    "PccsError",
    "verify_quote",
    "verify_get_quote",
    "verify_attestation",
    "verify_ra_tls_cert",
    "fetch_collateral",
    "policy_mask",
    "library_path",
]

_LIB_FILE = "libdstack_verify.so"

# libdstack's own functions this module calls (libdstack_verify has all of them).
_BASE = ("dstack_version", "dstack_status_message", "dstack_error_status", "dstack_error_message",
         "dstack_error_free")


# ---------------------------------------------------------------- the library

def _candidates() -> List[Tuple[str, Path]]:
    env = os.environ.get("LIBDSTACK_VERIFY_PATH")
    if env:
        return [("LIBDSTACK_VERIFY_PATH", Path(env))]
    here = Path(__file__).resolve().parent
    found = [("bundled", here / _LIB_FILE)]
    if len(here.parents) >= 4:  # src/dstack_sdk -> the repository root
        found.append(("source tree", here.parents[3] / "target" / "release" / _LIB_FILE))
    system = ctypes.util.find_library("dstack_verify")
    if system:
        found.append(("system", Path(system)))
    return found


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _open() -> Tuple[ctypes.CDLL, str]:
    candidates = _candidates()
    origin, path = next(((o, p) for o, p in candidates if o == "system" or p.is_file()), candidates[0])
    need = (f"; verification needs libdstack_verify {_series(__version__)}.x. Build it with "
            "`cargo build --release -p dstack-verify-ffi` or set LIBDSTACK_VERIFY_PATH.")
    tried = ", ".join(f"{o}: {p}" for o, p in candidates)
    try:
        cdll = ctypes.CDLL(str(path))
    except OSError as exc:
        raise errors.LibraryNotFoundError(f"cannot load libdstack_verify (tried {tried}): {exc}{need}") from exc
    prototypes = dict(_abi_verify.PROTOTYPES)
    prototypes.update({name: _abi.PROTOTYPES[name] for name in _BASE})
    missing = []
    for name, (restype, argtypes) in prototypes.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype, fn.argtypes = restype, argtypes
    if missing:
        raise errors.LibraryNotFoundError(f"{path} ({origin}) lacks {', '.join(missing)}{need}")
    version = cdll.dstack_version().decode("utf-8", "replace")
    if _series(version) != _series(__version__):
        raise errors.LibraryNotFoundError(f"{path} ({origin}) is libdstack_verify {version}{need}")
    return cdll, str(path)


_lock = threading.Lock()
_loaded: Optional[Tuple[ctypes.CDLL, str]] = None


def _lib() -> ctypes.CDLL:
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _open()
    return _loaded[0]


def library_path() -> str:
    """Path of the loaded libdstack_verify (loads it if needed)."""
    _lib()
    assert _loaded is not None
    return _loaded[1]


def _text(s: Any) -> Optional[str]:
    b = s.tobytes()
    return b.decode("utf-8", "replace") if b else None


def _error(L: ctypes.CDLL, status: int, err: c_void_p) -> errors.DstackError:
    """The exception for a failed call, with the failed check and its values."""
    message, check, expected, actual = "", None, None, None
    if err.value:
        try:
            message = L.dstack_error_message(err).tobytes().decode("utf-8", "replace")
            status = L.dstack_error_status(err) or status
            check = _text(L.dstack_error_check(err))
            expected = _text(L.dstack_error_expected(err))
            actual = _text(L.dstack_error_actual(err))
        finally:
            L.dstack_error_free(err)
    if not message:
        raw = L.dstack_status_message(status)
        message = raw.decode("utf-8", "replace") if raw else ""
    exc = errors.error_for_status(status, message)
    exc.check, exc.expected, exc.actual = check, expected, actual
    return exc


def _call(name: str, *args: Any) -> None:
    L = _lib()
    err = c_void_p()
    status = getattr(L, name)(*args, byref(err))
    if status != errors.OK:
        raise _error(L, status, err)
    if err.value:  # never leak an error handle
        L.dstack_error_free(err)


def _call_buffer(name: str, *args: Any, initial: int = 256) -> bytes:
    """A function ending in ``out, out_cap, out_len``: grows the buffer once if needed."""
    L = _lib()
    cap = initial
    for _ in range(2):
        out = ctypes.create_string_buffer(max(cap, 1))
        out_len = c_size_t(0)
        err = c_void_p()
        status = getattr(L, name)(*args, out, cap, byref(out_len), byref(err))
        if status == errors.OK:
            return out.raw[: out_len.value]
        if status == errors.BUFFER_TOO_SMALL and out_len.value > cap:
            L.dstack_error_free(err)
            cap = out_len.value
            continue
        raise _error(L, status, err)
    raise errors.DstackError(errors.BUFFER_TOO_SMALL, f"{name}: output size kept growing")


def _arg(data: Optional[bytes]) -> Tuple[Optional[bytes], int]:
    return (bytes(data), len(data)) if data else (None, 0)


# ---------------------------------------------------------------- the result

def _hex(value: Optional[str]) -> bytes:
    return bytes.fromhex(value) if value else b""


def _opt_hex(value: Optional[str]) -> Optional[bytes]:
    return None if value is None else bytes.fromhex(value)


@dataclass(frozen=True)
class TdReport:
    """The registers of a TDX quote body (as quoted)."""

    tee_tcb_svn: bytes
    mr_seam: bytes
    mr_signer_seam: bytes
    seam_attributes: bytes
    td_attributes: bytes
    xfam: bytes
    mrtd: bytes
    mr_config_id: bytes
    mr_owner: bytes
    mr_owner_config: bytes
    rtmr0: bytes
    rtmr1: bytes
    rtmr2: bytes
    rtmr3: bytes
    #: TDX 1.5 (v5) bodies only.
    mr_service_td: Optional[bytes]


@dataclass(frozen=True)
class EnclaveReport:
    """The fields of an SGX quote body."""

    mr_enclave: bytes
    mr_signer: bytes
    isv_prod_id: int
    isv_svn: int
    attributes: bytes


@dataclass(frozen=True)
class RuntimeEvent:
    """A measured runtime event of RTMR3."""

    event: str
    payload: bytes
    #: Digest version, 1 or 2.
    version: int


@dataclass(frozen=True)
class AppInfo:
    """The app's identity, decoded from the verified RTMR3 runtime events."""

    app_id: bytes
    compose_hash: bytes
    instance_id: bytes
    #: SHA-256 of the Intel-verified PPID (of nothing when the Intel check was skipped).
    device_id: bytes
    mr_system: bytes
    mr_aggregated: bytes
    #: The measured ``os-image-hash`` event (not recomputed from the image).
    os_image_hash: bytes
    #: The raw ``key-provider`` event payload (JSON).
    key_provider_info: bytes
    key_provider_name: str
    key_provider_id: str
    init_script_hashes: List[bytes]
    system_ready: bool


@dataclass(frozen=True)
class CertificateInfo:
    """What an RA-TLS certificate stated (its identity extensions matched the attestation)."""

    subject: str
    issuer: str
    #: Validity, Unix seconds.
    not_before: int
    not_after: int
    #: SubjectPublicKeyInfo DER: the key bound into the quote's report data.
    public_key_der: bytes
    app_id: Optional[bytes]
    usage: Optional[str]
    app_info_extension: bool
    #: ``attestation`` (extension …1.8) or ``legacy_quote_and_event_log`` (…1.1 and …1.2).
    attestation_source: str


@dataclass(frozen=True)
class Verification:
    """A successful verification: every field, whichever the evidence (those a kind of
    evidence lacks are ``None``, empty or ``False``). The names are the JSON keys of
    ``dstack verify --json``, which include upstream dstack-verifier's ``details`` keys
    (``quote_verified``, ``event_log_verified``, ``os_image_hash_verified``,
    ``report_data``, ``tcb_status``, ``advisory_ids``, ``app_info``)."""

    #: ``quote``, ``get_quote``, ``attestation_v0``, ``attestation_v1`` or ``ra_tls_cert``.
    evidence: str
    #: ``tdx`` or ``sgx``.
    tee: str
    quote_version: int
    #: Upstream's ``quote_verified``: the Intel signature chain verified, status accepted.
    quote_verified: bool
    intel_signature_verified: bool
    #: The development opt-out was used: the Intel chain was not checked.
    insecure_skip_intel_signature: bool
    #: Intel's TCB status name; ``None`` when the Intel check was skipped.
    tcb_status: Optional[str]
    advisory_ids: List[str]
    accepted_tcb_statuses: List[str]
    collateral_valid_from: Optional[int]
    collateral_valid_until: Optional[int]
    #: The verification time, Unix seconds.
    now: int
    ppid: bytes
    report_data: bytes
    #: The report data was compared (the caller's challenge, or a certificate's key).
    report_data_checked: bool
    report_data_payload: Optional[str]
    quote_body: Union[TdReport, EnclaveReport]
    event_log_verified: bool
    #: Per RTMR, whether the event log replayed to the quoted value.
    rtmrs_verified: List[bool]
    #: Always ``False``: the OS image is not recomputed offline.
    os_image_hash_verified: bool
    runtime_events: List[RuntimeEvent]
    app_info: Optional[AppInfo]
    #: Host-supplied, returned as given (not verified).
    vm_config: Optional[str]
    certificate: Optional[CertificateInfo]
    #: The whole result as the library's JSON text.
    raw_json: str

    @staticmethod
    def from_json(text: str) -> "Verification":
        """The result from the library's JSON (``dstack_verification_json``)."""
        j = json.loads(text)
        body = j["quote_body"]
        if "mrtd" in body:
            quote_body: Union[TdReport, EnclaveReport] = TdReport(
                **{k: _hex(body[k]) for k in (
                    "tee_tcb_svn", "mr_seam", "mr_signer_seam", "seam_attributes", "td_attributes",
                    "xfam", "mrtd", "mr_config_id", "mr_owner", "mr_owner_config", "rtmr0",
                    "rtmr1", "rtmr2", "rtmr3")},
                mr_service_td=_opt_hex(body.get("mr_service_td")),
            )
        else:
            quote_body = EnclaveReport(
                mr_enclave=_hex(body["mr_enclave"]), mr_signer=_hex(body["mr_signer"]),
                isv_prod_id=int(body["isv_prod_id"]), isv_svn=int(body["isv_svn"]),
                attributes=_hex(body["attributes"]),
            )
        a = j.get("app_info")
        app = None if a is None else AppInfo(
            **{k: _hex(a[k]) for k in (
                "app_id", "compose_hash", "instance_id", "device_id", "mr_system", "mr_aggregated",
                "os_image_hash", "key_provider_info")},
            key_provider_name=a["key_provider_name"], key_provider_id=a["key_provider_id"],
            init_script_hashes=[_hex(h) for h in a["init_script_hashes"]],
            system_ready=bool(a["system_ready"]),
        )
        c = j.get("certificate")
        cert = None if c is None else CertificateInfo(
            subject=c["subject"], issuer=c["issuer"], not_before=int(c["not_before"]),
            not_after=int(c["not_after"]), public_key_der=_hex(c["public_key_der"]),
            app_id=_opt_hex(c.get("app_id")), usage=c.get("usage"),
            app_info_extension=bool(c["app_info_extension"]),
            attestation_source=c["attestation_source"],
        )
        return Verification(
            evidence=j["evidence"], tee=j["tee"], quote_version=int(j["quote_version"]),
            quote_verified=bool(j["quote_verified"]),
            intel_signature_verified=bool(j["intel_signature_verified"]),
            insecure_skip_intel_signature=bool(j["insecure_skip_intel_signature"]),
            tcb_status=j.get("tcb_status"), advisory_ids=list(j["advisory_ids"]),
            accepted_tcb_statuses=list(j["accepted_tcb_statuses"]),
            collateral_valid_from=j.get("collateral_valid_from"),
            collateral_valid_until=j.get("collateral_valid_until"),
            now=int(j["now"]), ppid=_hex(j["ppid"]), report_data=_hex(j["report_data"]),
            report_data_checked=bool(j["report_data_checked"]),
            report_data_payload=j.get("report_data_payload"), quote_body=quote_body,
            event_log_verified=bool(j["event_log_verified"]),
            rtmrs_verified=[bool(x) for x in j["rtmrs_verified"]],
            os_image_hash_verified=bool(j["os_image_hash_verified"]),
            runtime_events=[
                RuntimeEvent(event=e["event"], payload=_hex(e["payload"]), version=int(e["version"]))
                for e in j["runtime_events"]
            ],
            app_info=app, vm_config=j.get("vm_config"), certificate=cert, raw_json=text,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The result as the library's JSON object (byte fields as hex)."""
        return json.loads(self.raw_json)


# ---------------------------------------------------------------- inputs

Collateral = Union[bytes, str, Mapping[str, Any], None]
Policy = Union[int, str, Iterable[str], None]

_STATUS_BITS = {
    "uptodate": TcbPolicy.UP_TO_DATE,
    "swhardeningneeded": TcbPolicy.SW_HARDENING_NEEDED,
    "configurationneeded": TcbPolicy.CONFIGURATION_NEEDED,
    "configurationandswhardeningneeded": TcbPolicy.CONFIGURATION_AND_SW_HARDENING_NEEDED,
    "outofdate": TcbPolicy.OUT_OF_DATE,
    "outofdateconfigurationneeded": TcbPolicy.OUT_OF_DATE_CONFIGURATION_NEEDED,
    "tdrelaunchadvised": TcbPolicy.TD_RELAUNCH_ADVISED,
    "tdrelaunchadvisedconfigurationneeded": TcbPolicy.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
    "any": TcbPolicy.ANY,
}


def policy_mask(policy: Policy) -> int:
    """The ``dstack_tcb_policy`` bitmask of ``policy``: ``None`` (``UpToDate`` only), an int
    mask of :class:`TcbPolicy` bits, or Intel status names (``"OutOfDate"``, a list of them,
    or a comma-separated string; ``"any"`` for every status but ``Revoked``). ``UpToDate``
    is always accepted with a list, as the CLI's ``--allow-status``."""
    if policy is None:
        return TcbPolicy.UP_TO_DATE
    if isinstance(policy, bool) or not isinstance(policy, (int, str)) and not hasattr(policy, "__iter__"):
        raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"tcb_policy: {policy!r} is not a policy")
    if isinstance(policy, int):
        return policy
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    mask = TcbPolicy.UP_TO_DATE
    for name in names:
        if not isinstance(name, str):
            raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"tcb_policy: {name!r} is not a status name")
        key = name.strip().lower()
        if not key:
            continue
        if key not in _STATUS_BITS:
            raise errors.InvalidArgumentError(
                errors.INVALID_ARGUMENT,
                f"tcb_policy: unknown TCB status {name.strip()!r} (Revoked is never accepted)",
            )
        mask |= _STATUS_BITS[key]
    return mask


def _hex_text(text: str, what: str) -> bytes:
    t = text.strip()
    t = t[2:] if t[:2] in ("0x", "0X") else t
    try:
        return bytes.fromhex(t)
    except ValueError as exc:
        raise errors.InvalidHexError(errors.INVALID_HEX, f"{what}: not hex: {exc}") from None


def _binary(value: Union[bytes, bytearray, memoryview, str], what: str) -> bytes:
    """Raw bytes as given; text as hex (optional ``0x``)."""
    if isinstance(value, str):
        return _hex_text(value, what)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"{what}: expected bytes or hex text, not {type(value).__name__}")


def _collateral(collateral: Collateral) -> Optional[bytes]:
    if collateral is None:
        return None
    if isinstance(collateral, Mapping):
        return json.dumps(collateral).encode("utf-8")
    if isinstance(collateral, str):
        return collateral.encode("utf-8")
    if isinstance(collateral, (bytes, bytearray, memoryview)):
        return bytes(collateral)
    raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"collateral: expected JSON bytes, text or a dict, not {type(collateral).__name__}")


def _now(now: Optional[int]) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, bool) or not isinstance(now, int) or not 0 <= now < 1 << 64:
        raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"now: {now!r} is not Unix seconds")
    return now


def _policy_arg(policy: Policy) -> int:
    mask = policy_mask(policy)
    if not 0 <= mask < 1 << 32:
        raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"tcb_policy: {mask} is not a 32-bit mask")
    return mask


def _run(name: str, evidence: bytes, collateral: Collateral, now: Optional[int], policy: Policy,
         expected_report_data: Optional[bytes], skip: bool, with_report_data: bool = True) -> Verification:
    e, en = _arg(evidence)
    c, cn = _arg(_collateral(collateral))
    args: List[Any] = [e, en, c, cn, _now(now), _policy_arg(policy)]
    if with_report_data:
        if expected_report_data is not None and not isinstance(expected_report_data, (bytes, bytearray)):
            raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, "expected_report_data: expected bytes")
        r, rn = _arg(expected_report_data)
        args += [r, rn]
    args.append(bool(skip))
    out = c_void_p()
    _call(name, *args, byref(out))
    L = _lib()
    try:
        text = L.dstack_verification_json(out).tobytes().decode("utf-8")
    finally:
        L.dstack_verification_free(out)
    return Verification.from_json(text)


# ---------------------------------------------------------------- the four verifications

def verify_quote(
    quote: Union[bytes, str],
    *,
    collateral: Collateral = None,
    now: Optional[int] = None,
    tcb_policy: Policy = None,
    expected_report_data: Optional[bytes] = None,
    insecure_skip_intel_signature: bool = False,
) -> Verification:
    """Verifies a raw TDX (v4/v5) or SGX (v3) quote, DCAP only: the PCK chain up to the
    pinned Intel SGX Root CA, ``collateral`` (PCCS ``QuoteCollateralV3`` JSON, as bytes,
    text or a dict; see :func:`fetch_collateral`) valid at ``now`` (Unix seconds; default
    the current time), the QE report and identity, the quote signature, the TCB status
    against ``tcb_policy`` (see :func:`policy_mask`; default ``UpToDate`` only), the TD
    attributes, and ``expected_report_data`` (up to 64 bytes, zero-padded) when given.
    ``quote`` is bytes, or hex text. ``insecure_skip_intel_signature`` (development only:
    simulator quotes) skips the Intel chain; the result says so.

    Raises a :class:`~dstack_sdk.errors.VerificationError` (or
    :class:`~dstack_sdk.errors.ExpiredError`, or
    :class:`~dstack_sdk.errors.InvalidArgumentError` for the caller's own inputs) whose
    ``check`` names the failed check and ``expected``/``actual`` the values compared.
    """
    return _run("dstack_verify_quote", _binary(quote, "quote"), collateral, now, tcb_policy,
                expected_report_data, insecure_skip_intel_signature)


def _get_quote_json(answer: Any) -> bytes:
    if isinstance(answer, (bytes, bytearray, memoryview)):
        return bytes(answer)
    if isinstance(answer, str):
        return answer.encode("utf-8")
    if isinstance(answer, Mapping):
        return json.dumps(dict(answer)).encode("utf-8")
    if hasattr(answer, "quote") and hasattr(answer, "event_log"):  # GetQuoteResponse
        d = {"quote": answer.quote, "event_log": answer.event_log}
        if getattr(answer, "vm_config", ""):
            d["vm_config"] = answer.vm_config
        return json.dumps(d).encode("utf-8")
    raise errors.InvalidArgumentError(
        errors.INVALID_ARGUMENT,
        f"get_quote: expected the GetQuote JSON (text, bytes or dict) or a GetQuoteResponse, not {type(answer).__name__}",
    )


def verify_get_quote(
    get_quote: Any,
    *,
    collateral: Collateral = None,
    now: Optional[int] = None,
    tcb_policy: Policy = None,
    expected_report_data: Optional[bytes] = None,
    insecure_skip_intel_signature: bool = False,
) -> Verification:
    """Verifies a GetQuote answer: the JSON as the agent returns it (text, bytes or a dict
    with ``quote``, ``event_log``, ``vm_config``), or a
    :class:`~dstack_sdk.GetQuoteResponse`. The quote as in :func:`verify_quote`, then the
    event log replayed soundly into RTMR3 (and every boot RTMR it covers) against the
    quote, and the app's identity (``app_info``). Options and errors as for
    :func:`verify_quote`."""
    return _run("dstack_verify_get_quote", _get_quote_json(get_quote), collateral, now, tcb_policy,
                expected_report_data, insecure_skip_intel_signature)


def _attestation_bytes(attestation: Any) -> bytes:
    if hasattr(attestation, "decode_attestation"):  # AttestResponse
        return bytes(attestation.decode_attestation())
    if isinstance(attestation, Mapping):
        return _hex_text(str(attestation.get("attestation", "")), "attestation")
    if isinstance(attestation, str):
        t = attestation.strip()
        if t.startswith("{"):
            return _hex_text(str(json.loads(t).get("attestation", "")), "attestation")
        return _hex_text(t, "attestation")
    return _binary(attestation, "attestation")


def verify_attestation(
    attestation: Any,
    *,
    collateral: Collateral = None,
    now: Optional[int] = None,
    tcb_policy: Policy = None,
    expected_report_data: Optional[bytes] = None,
    insecure_skip_intel_signature: bool = False,
) -> Verification:
    """Verifies a versioned attestation (V0 SCALE or V1 msgpack): raw bytes, hex text, the
    Attest JSON answer, or an :class:`~dstack_sdk.AttestResponse`. The quote as in
    :func:`verify_quote`; the event log replayed into all four RTMRs; the attestation's
    runtime events and stated report data against the log and the quote; then the app's
    identity. Options and errors as for :func:`verify_quote`."""
    return _run("dstack_verify_attestation", _attestation_bytes(attestation), collateral, now,
                tcb_policy, expected_report_data, insecure_skip_intel_signature)


_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)


def _der(cert: Union[bytes, str]) -> bytes:
    """DER as given (a DER certificate starts with a SEQUENCE tag, 0x30, and may embed PEM
    text in its extensions), or the first CERTIFICATE block of PEM text."""
    raw = cert.encode("ascii", "replace") if isinstance(cert, str) else bytes(cert)
    if raw[:1] != b"\x30" and b"-----BEGIN" in raw:
        m = _PEM.search(raw)
        if not m:
            raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, "cert: the PEM text holds no CERTIFICATE block")
        try:
            return base64.b64decode(b"".join(m.group(1).split()), validate=True)
        except binascii.Error as exc:
            raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, f"cert: bad PEM: {exc}") from None
    if isinstance(cert, str):
        raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, "cert: text must be PEM; pass DER as bytes")
    return raw


def verify_ra_tls_cert(
    cert: Union[bytes, str],
    *,
    collateral: Collateral = None,
    now: Optional[int] = None,
    tcb_policy: Policy = None,
    insecure_skip_intel_signature: bool = False,
) -> Verification:
    """Verifies an RA-TLS certificate issued by the agent (``GetTlsKey`` with
    ``usage_ra_tls``): DER bytes, or PEM (text or bytes; the first certificate, i.e. the
    leaf of a chain). From a TLS connection: ``ssl_socket.getpeercert(binary_form=True)``.
    Checks the certificate's validity at ``now``, the binding of its key into the quote's
    report data, the quote as in :func:`verify_quote`, RTMR3 replayed from its event log,
    and its app-id / app-info extensions against the attested identity. Options and
    errors as for :func:`verify_quote` (no expected report data: the key fixes it)."""
    return _run("dstack_verify_ra_tls_cert", _der(cert), collateral, now, tcb_policy, None,
                insecure_skip_intel_signature, with_report_data=False)


# ---------------------------------------------------------------- collateral from a PCCS

class PccsError(errors.TransportError):
    """Fetching collateral from a PCCS failed: ``url`` could not be fetched, answered
    ``http_status``, or lacked an issuer-chain header (status ``IO``)."""

    def __init__(self, message: str, url: str, http_status: Optional[int] = None) -> None:
        super().__init__(errors.IO, message)
        self.url = url
        self.http_status = http_status


# Request -> the header holding its issuer chain (URL-encoded PEM), alternatives in order.
_CHAIN_HEADERS = {
    PccsRequest.PCK_CRL: ("SGX-PCK-CRL-Issuer-Chain",),
    PccsRequest.TCB_INFO: ("TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"),
    PccsRequest.QE_IDENTITY: ("SGX-Enclave-Identity-Issuer-Chain",),
    PccsRequest.ROOT_CA_CRL: (),
}


def _evidence_bytes(evidence: Any) -> bytes:
    """What dstack_pccs_url reads: a raw quote, a GetQuote/Attest JSON answer, an
    attestation, or a DER certificate (PEM is converted)."""
    if hasattr(evidence, "quote") and hasattr(evidence, "event_log"):
        return _get_quote_json(evidence)
    if hasattr(evidence, "decode_attestation"):
        return bytes(evidence.decode_attestation())
    if isinstance(evidence, Mapping):
        return json.dumps(dict(evidence)).encode("utf-8")
    if isinstance(evidence, str):
        t = evidence.strip()
        if t.startswith("{"):
            return t.encode("utf-8")
        if t.startswith("-----BEGIN"):
            return _der(t)
        return _hex_text(t, "evidence")
    raw = bytes(evidence)
    return _der(raw) if raw[:1] != b"\x30" and raw.lstrip().startswith(b"-----BEGIN") else raw


def _get(url: str, timeout: float, context: Any) -> Tuple[bytes, Any]:
    req = urllib.request.Request(url, headers={"Accept": "*/*", "User-Agent": f"libdstack-sdk/{__version__}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
            return resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        raise PccsError(f"PCCS GET {url}: HTTP {exc.code} {exc.reason}", url, exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PccsError(f"PCCS GET {url}: {reason}", url) from None


def fetch_collateral(
    pccs_url: str,
    evidence: Any,
    *,
    timeout: float = 30.0,
    context: Any = None,
) -> bytes:
    """Fetches the collateral for the quote in ``evidence`` from a PCCS (or Intel's PCS)
    at ``pccs_url`` (e.g. ``https://pccs.example:8081``) with ``urllib``, and returns it
    as the JSON the verifications take. ``evidence``: a quote (bytes or hex), a GetQuote
    answer, an attestation, or an RA-TLS certificate (DER or PEM). ``context`` is an
    :class:`ssl.SSLContext` for HTTPS (default: the system's trust store); ``timeout``
    applies to each of the four requests.

    Nothing fetched is trusted: the verification checks every signature and the validity
    window. Raises :class:`PccsError` when a request fails or an answer lacks its
    issuer-chain header, and the library's errors for answers that do not decode
    (``check == "collateral_format"``) or evidence without a PCK chain."""
    if not isinstance(pccs_url, str) or not pccs_url.strip():
        raise errors.InvalidArgumentError(errors.INVALID_ARGUMENT, "pccs_url: expected a URL")
    ev = _evidence_bytes(evidence)
    e, en = _arg(ev)
    base = pccs_url.strip().encode("utf-8")
    answers: Dict[int, Tuple[bytes, bytes]] = {}
    for req in (PccsRequest.PCK_CRL, PccsRequest.TCB_INFO, PccsRequest.QE_IDENTITY, PccsRequest.ROOT_CA_CRL):
        url = _call_buffer("dstack_pccs_url", e, en, base, len(base), req).decode("utf-8")
        body, headers = _get(url, timeout, context)
        chain = b""
        names = _CHAIN_HEADERS[req]
        if names:
            value = next((headers.get(n) for n in names if headers.get(n)), None)
            if value is None:
                raise PccsError(f"PCCS GET {url}: the answer has no {' or '.join(names)} header", url)
            chain = value.encode("utf-8")
        answers[req] = (body, chain)
    args: List[Any] = [e, en]
    for req in (PccsRequest.PCK_CRL, PccsRequest.TCB_INFO, PccsRequest.QE_IDENTITY):
        body, chain = answers[req]
        args += [*_arg(body), *_arg(chain)]
    args += [*_arg(answers[PccsRequest.ROOT_CA_CRL][0])]
    return _call_buffer("dstack_pccs_collateral", *args, initial=64 * 1024)
