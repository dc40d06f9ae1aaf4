"""Response objects returned by the clients.

Attribute names and encodings follow the official Python SDK: binary values are
lowercase hex strings, with ``decode_*`` helpers returning bytes.  Responses made
by a client are built from libdstack's typed fields (never from the agent's JSON
body or by parsing ``tcb_info`` text: ffi/ABI.md, "How bindings read responses");
the hex is made once from the bytes, and ``decode_*`` returns those bytes.

The official SDK's responses are pydantic models.  These are dataclasses with
exactly the official fields, in the official order, and pydantic's methods
implemented on them (:class:`_Model`): ``model_dump()``, ``model_dump_json()``,
``model_validate()``, ``model_validate_json()``, with the same output.  Being
dataclasses with the official fields, they also serialise to the official JSON
where frameworks do it themselves: FastAPI's ``jsonable_encoder`` and pydantic
(a route returning ``-> GetKeyResponse``) both dump a dataclass's fields.
Constructors ignore unknown keyword arguments, as pydantic's do.  What the
binding keeps beside the official fields (the ``purpose``/``algorithm`` of a
``get_key``, the signed ``data`` of a ``sign``, a quote's ``attestation``) are
plain attributes, set by keyword, never dumped.

Responses holding a private key (``GetKeyResponse``, ``GetTlsKeyResponse``)
print it as ``<redacted>`` in ``repr``/``str`` (and so in logs, tracebacks
and f-strings); the attribute, ``==``, ``model_dump`` and
``dataclasses.asdict`` include it, as upstream's ``model_dump`` does.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
from dataclasses import InitVar, dataclass
from typing import Any, Callable, ClassVar, Dict, Generic, List, Optional, Type, TypeVar, Union

from . import _args, _native
from ._abi import Status
from .errors import InvalidArgumentError, VerificationError

HexOrBytes = Union[str, bytes]

REDACTED = "<redacted>"


M = TypeVar("M", bound="_Model")


class _Model:
    """pydantic's model methods over a dataclass's fields (the official fields).

    ``model_dump`` is the fields as a dict (nested models as dicts, ``None``
    kept), ``model_dump_json`` that dict as pydantic writes it (compact, raw
    UTF-8; ``indent=`` pretty-prints), ``model_validate`` builds an instance
    from a dict (unknown keys ignored) or returns an instance as is.
    """

    # Fields holding models: name -> the model type (lists hold several).
    _nested: ClassVar[Dict[str, Any]] = {}

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        exclude_none: bool = False,
        exclude_defaults: bool = False,
        **_ignored: Any,
    ) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            name = f.name
            if (include is not None and name not in include) or (exclude is not None and name in exclude):
                continue
            value = getattr(self, name)
            if exclude_none and value is None:
                continue
            if exclude_defaults and f.default is not dataclasses.MISSING and value == f.default:
                continue
            out[name] = _dump_value(value, exclude_none)
        return out

    def model_dump_json(
        self, *, indent: Optional[int] = None, include: Any = None, exclude: Any = None,
        exclude_none: bool = False, exclude_defaults: bool = False, **_ignored: Any,
    ) -> str:
        data = self.model_dump(
            mode="json", include=include, exclude=exclude, exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        if indent is None:
            return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return json.dumps(data, ensure_ascii=False, indent=indent)

    @classmethod
    def model_validate(cls: Type[M], obj: Any, **_ignored: Any) -> M:
        if isinstance(obj, cls):
            return obj
        if isinstance(obj, _Model):
            obj = obj.model_dump()
        if not isinstance(obj, dict):
            raise _validation_error(cls, "", f"Input should be a valid dictionary or instance of {cls.__name__}")
        kwargs: Dict[str, Any] = {}
        missing = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in obj:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    missing.append(f.name)
                continue
            kwargs[f.name] = _validate_value(cls._nested.get(f.name), obj[f.name])
        if missing:
            raise _validation_error(cls, missing[0], "Field required", len(missing))
        return cls(**kwargs)

    @classmethod
    def model_validate_json(cls: Type[M], json_data: Union[str, bytes], **_ignored: Any) -> M:
        return cls.model_validate(json.loads(json_data))


def _dump_value(value: Any, exclude_none: bool) -> Any:
    if isinstance(value, _Model):
        return value.model_dump(exclude_none=exclude_none)
    if isinstance(value, list):
        return [_dump_value(v, exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: _dump_value(v, exclude_none) for k, v in value.items()}
    return value


def _validate_value(model: Any, value: Any) -> Any:
    if model is None or isinstance(value, _Model):
        return value
    if isinstance(value, list):
        return [model.model_validate(v) for v in value]
    return model.model_validate(value)


def _validation_error(cls: type, field_name: str, message: str, count: int = 1) -> ValueError:
    """A ValueError worded as pydantic's ValidationError (which is a ValueError too)."""
    return ValueError(f"{count} validation error for {cls.__name__}\n{field_name}\n  {message}")


def _model(cls: Type[M]) -> Type[M]:
    """Make ``cls`` (already a dataclass) ignore unknown keyword arguments, as pydantic does."""
    init = cls.__init__
    names = set(inspect.signature(init).parameters) - {"self"}

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **{k: v for k, v in kwargs.items() if k in names})

    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


def _set(obj: Any, name: str, value: Any) -> None:
    """Set a plain (non-field) attribute, never dumped or compared."""
    object.__setattr__(obj, name, value)


def _keep_bytes(obj: M, **raw: Any) -> M:
    """Remember the bytes libdstack returned behind hex fields made from them (bytes, or
    lists of bytes for list fields).  ``decode_*`` then returns those bytes instead of
    decoding the hex again, as long as the field still holds the hex it was built with
    (a field set by hand is decoded)."""
    kept = {name: (_snapshot(getattr(obj, name)), value) for name, value in raw.items()}
    _set(obj, "_kept_bytes", kept)
    return obj


def _snapshot(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _decoded(obj: Any, name: str, what: str) -> bytes:
    """Bytes of hex field ``name``: the kept bytes, or the hex decoded."""
    value = getattr(obj, name)
    kept = getattr(obj, "_kept_bytes", {}).get(name)
    if kept is not None and kept[0] == value:
        return kept[1]
    return _native.decode_hex(value, what)


def _decoded_list(obj: Any, name: str, what: str) -> List[bytes]:
    """Bytes of the hex items of list field ``name``: the kept bytes, or each item decoded."""
    value = getattr(obj, name)
    kept = getattr(obj, "_kept_bytes", {}).get(name)
    if kept is not None and kept[0] == value:
        return list(kept[1])
    return [_native.decode_hex(s, what) for s in value]


def _redacted(secret: Any) -> str:
    """What repr shows for a secret: ``<redacted>``, or ``''`` when there is none."""
    return REDACTED if secret else repr(secret)


@dataclass(frozen=True)
class SignatureChainResult:
    """Keys recovered while verifying a signature chain.

    ``app_public_key`` and ``kms_public_key`` are 33-byte compressed
    secp256k1 keys.  ``kms_public_key`` was compared with the trusted KMS key
    when one was supplied.
    """

    app_public_key: bytes
    kms_public_key: bytes


def _verify_chain(
    public_key: bytes,
    purpose: str,
    app_signature: bytes,
    kms_signature: bytes,
    app_id: HexOrBytes,
    trusted_kms_key: Optional[HexOrBytes],
) -> SignatureChainResult:
    purpose = _args.text(purpose, "purpose")
    app_id_bytes = _native.hex_or_bytes(app_id, "app_id")
    trusted = None if trusted_kms_key is None else _native.hex_or_bytes(trusted_kms_key, "trusted_kms_key")
    app_key, kms_key = _native.verify_signature_chain(
        public_key, purpose, app_signature, kms_signature, app_id_bytes, trusted
    )
    return SignatureChainResult(app_public_key=app_key, kms_public_key=kms_key)


@_model
@dataclass(repr=False)
class GetKeyResponse(_Model):
    """Result of ``get_key``: ``key`` is the 32-byte secret as hex.

    ``purpose`` and ``algorithm`` (keyword-only in effect, not fields) are the
    request's, kept for :meth:`verify_signature_chain` and :meth:`public_key`.
    """

    key: str
    signature_chain: List[str]
    purpose: InitVar[Optional[str]] = None
    algorithm: InitVar[str] = "secp256k1"

    def __post_init__(self, purpose: Optional[str], algorithm: str) -> None:
        _set(self, "purpose", purpose)
        _set(self, "algorithm", algorithm)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={_redacted(self.key)}, signature_chain={self.signature_chain!r})"

    def decode_key(self) -> bytes:
        return _decoded(self, "key", "key")

    def decode_signature_chain(self) -> List[bytes]:
        return _decoded_list(self, "signature_chain", "signature_chain item")

    def public_key(self) -> bytes:
        """Public key of ``key``: 33-byte compressed secp256k1, or 32-byte ed25519."""
        secret = self.decode_key()
        if self.algorithm == "ed25519":
            return _native.solana_keypair(secret)[0][32:]
        return _native.secp256k1_public_key(secret, True)

    def verify_signature_chain(
        self,
        app_id: HexOrBytes,
        trusted_kms_key: Optional[HexOrBytes] = None,
        *,
        purpose: Optional[str] = None,
    ) -> SignatureChainResult:
        """Check that the app key signed this key and the KMS root signed the app key.

        ``app_id`` must itself be trusted (e.g. from a verified quote).  Without
        ``trusted_kms_key`` the recovered KMS key is returned but not judged:
        compare it with the KMS key you trust.  Raises
        :class:`~dstack_sdk.errors.VerificationError` on any mismatch.
        """
        use_purpose = purpose if purpose is not None else self.purpose
        if use_purpose is None:
            raise _args.invalid("purpose unknown: pass purpose= (the value given to get_key)")
        use_purpose = _args.text(use_purpose, "purpose")
        chain = self.decode_signature_chain()
        if len(chain) < 2:
            raise VerificationError(Status.VERIFICATION_FAILED, f"signature chain has {len(chain)} entries, need 2")
        return _verify_chain(self.public_key(), use_purpose, chain[0], chain[1], app_id, trusted_kms_key)


@_model
@dataclass(repr=False)
class GetTlsKeyResponse(_Model):
    """Result of ``get_tls_key``: PKCS#8 PEM ``key`` and PEM ``certificate_chain``."""

    key: str
    certificate_chain: List[str]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={_redacted(self.key)}, certificate_chain={self.certificate_chain!r})"

    def as_uint8array(self, max_length: Optional[int] = None) -> bytes:
        """PKCS#8 DER of ``key``; with ``max_length``, exactly that many bytes (cut or zero-padded).

        Note: the first 32 bytes of a P-256 PKCS#8 DER are a constant header,
        so ``as_uint8array(32)`` is not key material; use
        :func:`dstack_sdk.ethereum.to_account_secure` / the ``_secure`` helpers.
        """
        return _native.tls_key_as_uint8array(self.key, max_length)


@_model
@dataclass
class EventLog(_Model):
    imr: int
    event_type: int
    digest: str
    event: str
    event_payload: str
    version: Optional[int] = None
    preimage: Optional[str] = None

    @classmethod
    def from_dict(cls, obj: Dict[str, Any]) -> "EventLog":
        return cls(
            imr=int(obj["imr"]),
            event_type=int(obj["event_type"]),
            digest=str(obj.get("digest", "")),
            event=str(obj.get("event", "")),
            event_payload=str(obj.get("event_payload", "")),
            version=obj.get("version"),
            preimage=obj.get("preimage"),
        )

    @classmethod
    def _from_event(cls, event: "_native.RawEvent") -> "EventLog":
        """From libdstack's decoded event.  ``version`` stays None for V1 (libdstack reads
        an absent version as 1, as the agents that leave it out mean)."""
        imr, event_type, version, digest, name, payload, preimage = event
        return cls(
            imr=imr,
            event_type=event_type,
            digest=digest.hex(),
            event=name,
            event_payload=payload.hex(),
            version=None if version == 1 else version,
            preimage=None if preimage is None else preimage.hex(),
        )

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "imr": self.imr,
            "event_type": self.event_type,
            "digest": self.digest,
            "event": self.event,
            "event_payload": self.event_payload,
        }
        if self.version is not None:
            out["version"] = self.version
        if self.preimage is not None:
            out["preimage"] = self.preimage
        return out


def _parse_event_log(text: str) -> List[EventLog]:
    items = json.loads(text) if text else []
    if not isinstance(items, list):
        raise ValueError("event log is not a JSON array")
    return [EventLog.from_dict(e) for e in items]


@dataclass
class Quote:
    """Fields of a parsed TDX quote (hex strings)."""

    version: int
    tee_type: int
    mrtd: str
    rtmr0: str
    rtmr1: str
    rtmr2: str
    rtmr3: str
    report_data: str

    @property
    def rtmrs(self) -> Dict[int, str]:
        return {0: self.rtmr0, 1: self.rtmr1, 2: self.rtmr2, 3: self.rtmr3}


def parse_quote(quote: HexOrBytes) -> Quote:
    """Parse a TDX v4/v5 quote (no signature/collateral verification)."""
    from ._lib import Field

    resp = _native.parse_quote(_native.hex_or_bytes(quote, "quote"))
    try:
        return Quote(
            version=resp.u64(Field.QUOTE_VERSION) or 0,
            tee_type=resp.u64(Field.TEE_TYPE) or 0,
            mrtd=resp.hex(Field.MRTD),
            rtmr0=resp.hex(Field.RTMR0),
            rtmr1=resp.hex(Field.RTMR1),
            rtmr2=resp.hex(Field.RTMR2),
            rtmr3=resp.hex(Field.RTMR3),
            report_data=resp.hex(Field.REPORT_DATA),
        )
    finally:
        resp.close()


@_model
@dataclass
class GetQuoteResponse(_Model):
    """Result of ``get_quote``: hex ``quote``, JSON ``event_log`` and context.

    ``attestation`` (not an official field, so not dumped): the hex
    VersionedAttestation some agents add, else ``""``.
    """

    quote: str
    event_log: str
    report_data: str = ""
    vm_config: str = ""
    attestation: InitVar[str] = ""

    def __post_init__(self, attestation: str) -> None:
        _set(self, "attestation", attestation if isinstance(attestation, str) else "")

    def decode_quote(self) -> bytes:
        return _decoded(self, "quote", "quote")

    def decode_report_data(self) -> bytes:
        return _decoded(self, "report_data", "report_data")

    def decode_attestation(self) -> bytes:
        return _decoded(self, "attestation", "attestation")

    def decode_event_log(self) -> List[EventLog]:
        return _parse_event_log(self.event_log)

    def parse_quote(self) -> Quote:
        return parse_quote(self.decode_quote())

    def replay_rtmrs(self) -> Dict[int, str]:
        """RTMR0-3 replayed from ``event_log`` soundly: {0: hex, ..., 3: hex}.

        Runtime events (RTMR3) are replayed from their recomputed digests, so
        the result matches the quote even for the stripped logs real agents
        return (the official SDKs' replay did not).
        """
        return _native.replay_rtmrs(self.event_log)

    def replay_rtmrs_from_digests(self) -> Dict[int, str]:
        """The official SDKs' replay: logged digests only, short ones zero-padded.

        Kept for compatibility; it cannot reproduce RTMR3 from the stripped
        logs real agents return.  Prefer :meth:`replay_rtmrs`.
        """
        return _native.replay_rtmrs_from_digests(self.event_log)

    def verify_event_log(self, report_data: Optional[bytes] = None) -> Dict[int, str]:
        """Replay the log soundly and check RTMR0-3 and report data against the quote.

        ``report_data``: the data you passed to ``get_quote`` (right-padded to
        64 bytes like the agent does); defaults to this response's
        ``report_data``.  Returns the verified RTMRs; raises
        :class:`~dstack_sdk.errors.VerificationError` on mismatch.  This checks
        consistency, not the quote's signature (use a DCAP verifier for that).
        """
        expected: Optional[bytes]
        if report_data is not None:
            # Padded as the agent pads; over 64 bytes is refused by libdstack.
            expected = _args.bytes_like(report_data, "report_data").ljust(64, b"\0")
        elif self.report_data:
            expected = self.decode_report_data()
        else:
            expected = None
        try:
            _native.verify_event_log(self.decode_quote(), self.event_log, expected)
        except InvalidArgumentError as exc:
            if exc.status != Status.INVALID_ARGUMENT or report_data is None:
                raise
            raise _args.invalid(f"report_data must be at most 64 bytes: {exc.message}") from None
        return self.replay_rtmrs()


@_model
@dataclass
class AttestResponse(_Model):
    attestation: str

    def decode_attestation(self) -> bytes:
        return _decoded(self, "attestation", "attestation")


@_model
@dataclass
class GpuInfoResponse(_Model):
    attestation: str


@_model
@dataclass
class SignResponse(_Model):
    """Result of ``sign``; ``algorithm`` and ``data`` (not fields) are what was signed."""

    signature: str
    signature_chain: List[str]
    public_key: str
    algorithm: InitVar[Optional[str]] = None
    data: InitVar[Optional[bytes]] = None

    def __post_init__(self, algorithm: Optional[str], data: Optional[bytes]) -> None:
        _set(self, "algorithm", algorithm)
        _set(self, "data", data)

    def decode_signature(self) -> bytes:
        return _decoded(self, "signature", "signature")

    def decode_signature_chain(self) -> List[bytes]:
        return _decoded_list(self, "signature_chain", "signature_chain item")

    def decode_public_key(self) -> bytes:
        return _decoded(self, "public_key", "public_key")

    def verify_signature_chain(
        self,
        app_id: HexOrBytes,
        trusted_kms_key: Optional[HexOrBytes] = None,
        *,
        algorithm: Optional[str] = None,
        data: Optional[Union[str, bytes]] = None,
    ) -> SignatureChainResult:
        """Check ``signature`` over the signed data with ``public_key`` (see
        :func:`dstack_sdk.verify_signature`), then that ``public_key`` is the
        app's ``signing`` key and chains to the KMS root.

        ``algorithm`` and ``data`` default to what was given to ``sign``; pass
        them for a response built by hand.
        """
        use_algorithm = algorithm if algorithm is not None else self.algorithm
        use_data = data if data is not None else self.data
        if use_algorithm is None or use_data is None:
            raise _args.invalid("algorithm/data unknown: pass algorithm= and data= (the values given to sign)")
        chain = self.decode_signature_chain()
        if len(chain) < 3:
            raise VerificationError(Status.VERIFICATION_FAILED, f"signature chain has {len(chain)} entries, need 3")
        public_key = self.decode_public_key()
        if not _native.verify_signature(use_algorithm, use_data, self.decode_signature(), public_key):
            raise VerificationError(Status.VERIFICATION_FAILED, "signature does not verify with public_key")
        return _verify_chain(public_key, "signing", chain[1], chain[2], app_id, trusted_kms_key)


@_model
@dataclass
class VerifyResponse(_Model):
    valid: bool


@_model
@dataclass
class VersionResponse(_Model):
    version: str
    rev: str


@_model
@dataclass
class TcbInfo(_Model):
    """Parsed ``tcb_info`` of ``InfoResponse`` (hex measurement registers).

    ``DstackClient.info()`` gives a :class:`TcbInfoV05x`, ``TappdClient.info()``
    a :class:`TcbInfoV03x`, as upstream.
    """

    mrtd: str
    rtmr0: str
    rtmr1: str
    rtmr2: str
    rtmr3: str
    app_compose: str
    event_log: List[EventLog]

    _nested: ClassVar[Dict[str, Any]] = {"event_log": EventLog}

    @classmethod
    def from_json(cls, text: str) -> "TcbInfo":
        """Parse the agent's ``tcb_info`` text (missing fields are empty)."""
        obj = json.loads(text) if text else {}
        if not isinstance(obj, dict):
            raise ValueError("tcb_info is not a JSON object")
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs: Dict[str, Any] = {n: obj.get(n, "") for n in ("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "app_compose")}
        kwargs["event_log"] = [EventLog.from_dict(e) for e in obj.get("event_log", []) or []]
        for name in names - set(kwargs):
            if name in obj:
                kwargs[name] = obj[name]
        return cls(**kwargs)

    def replay_rtmrs(self) -> Dict[int, str]:
        """Sound replay of ``event_log`` (compare with ``rtmr0``..``rtmr3``)."""
        return _native.replay_rtmrs(json.dumps([e.to_dict() for e in self.event_log]))


@_model
@dataclass
class TcbInfoV03x(TcbInfo):
    """TCB information of dstack OS 0.3 (tappd)."""

    rootfs_hash: Optional[str] = None


@_model
@dataclass
class TcbInfoV05x(TcbInfo):
    """TCB information of dstack OS 0.5 and later."""

    mr_aggregated: str = ""
    os_image_hash: str = ""
    compose_hash: str = ""
    device_id: str = ""


T = TypeVar("T", bound=TcbInfo)


@_model
@dataclass
class InfoResponse(_Model, Generic[T]):
    app_id: str
    instance_id: str
    app_cert: str
    tcb_info: T
    app_name: str
    device_id: str = ""
    mr_aggregated: str = ""
    os_image_hash: str = ""
    key_provider_info: str = ""
    compose_hash: str = ""
    vm_config: str = ""
    cloud_vendor: str = ""
    cloud_product: str = ""

    _nested: ClassVar[Dict[str, Any]] = {"tcb_info": TcbInfoV05x}

    @classmethod
    def parse_response(cls, obj: Any, tcb_info_type: "Type[T]") -> "InfoResponse[T]":
        """Build from an agent's ``Info`` answer, decoding a ``tcb_info`` string as ``tcb_info_type``."""
        if isinstance(obj, dict) and isinstance(obj.get("tcb_info"), str):
            obj = dict(obj)
            obj["tcb_info"] = tcb_info_type.model_validate(json.loads(obj["tcb_info"]))
        return cls.model_validate(obj)
