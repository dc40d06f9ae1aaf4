"""Response objects returned by the clients.

Attribute names and encodings follow the official Python SDK: binary values are
lowercase hex strings, with ``decode_*`` helpers returning bytes.  The objects
are plain dataclasses, so they can also be built by hand (for example from
JSON saved earlier) and their helpers still work.

Responses holding a private key (``GetKeyResponse``, ``GetTlsKeyResponse``)
print it as ``<redacted>`` in ``repr``/``str`` (and so in logs, tracebacks
and f-strings); the attribute, ``==`` and ``dataclasses.asdict`` are
unchanged, so reading or serialising ``.key`` on purpose still works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Generic, List, Optional, TypeVar, Union

from . import _args, _native
from .errors import VerificationError

HexOrBytes = Union[str, bytes]

REDACTED = "<redacted>"


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


@dataclass
class GetKeyResponse:
    """Result of ``get_key``: ``key`` is the 32-byte secret as hex."""

    key: str
    signature_chain: List[str]
    # Request context kept for signature-chain verification.
    purpose: Optional[str] = field(default=None, repr=False)
    algorithm: str = field(default="secp256k1", repr=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={_redacted(self.key)}, signature_chain={self.signature_chain!r})"

    def decode_key(self) -> bytes:
        return _native.decode_hex(self.key, "key")

    def decode_signature_chain(self) -> List[bytes]:
        return [_native.decode_hex(s, "signature_chain item") for s in self.signature_chain]

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
            raise VerificationError(20, f"signature chain has {len(chain)} entries, need 2")
        return _verify_chain(self.public_key(), use_purpose, chain[0], chain[1], app_id, trusted_kms_key)


@dataclass
class GetTlsKeyResponse:
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


@dataclass
class EventLog:
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


@dataclass
class GetQuoteResponse:
    """Result of ``get_quote``: hex ``quote``, JSON ``event_log`` and context."""

    quote: str
    event_log: str
    report_data: str = ""
    vm_config: str = ""
    attestation: str = ""

    def decode_quote(self) -> bytes:
        return _native.decode_hex(self.quote, "quote")

    def decode_report_data(self) -> bytes:
        return _native.decode_hex(self.report_data, "report_data")

    def decode_attestation(self) -> bytes:
        return _native.decode_hex(self.attestation, "attestation")

    def decode_event_log(self) -> List[EventLog]:
        return _parse_event_log(self.event_log)

    def parse_quote(self) -> Quote:
        return parse_quote(self.quote)

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
            data = _args.bytes_like(report_data, "report_data")
            if len(data) > 64:
                raise _args.invalid(f"report_data must be at most 64 bytes, got {len(data)}")
            expected = data.ljust(64, b"\0")
        elif self.report_data:
            expected = self.decode_report_data()
        else:
            expected = None
        _native.verify_event_log(self.decode_quote(), self.event_log, expected)
        return self.replay_rtmrs()


@dataclass
class AttestResponse:
    attestation: str

    def decode_attestation(self) -> bytes:
        return _native.decode_hex(self.attestation, "attestation")


@dataclass
class GpuInfoResponse:
    attestation: str


@dataclass
class SignResponse:
    signature: str
    signature_chain: List[str]
    public_key: str
    # Request context kept for verify_signature_chain.
    algorithm: Optional[str] = field(default=None, repr=False)
    data: Optional[bytes] = field(default=None, repr=False)

    def decode_signature(self) -> bytes:
        return _native.decode_hex(self.signature, "signature")

    def decode_signature_chain(self) -> List[bytes]:
        return [_native.decode_hex(s, "signature_chain item") for s in self.signature_chain]

    def decode_public_key(self) -> bytes:
        return _native.decode_hex(self.public_key, "public_key")

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
            raise VerificationError(20, f"signature chain has {len(chain)} entries, need 3")
        public_key = self.decode_public_key()
        if not _native.verify_signature(use_algorithm, use_data, self.decode_signature(), public_key):
            raise VerificationError(20, "signature does not verify with public_key")
        return _verify_chain(public_key, "signing", chain[1], chain[2], app_id, trusted_kms_key)


@dataclass
class VerifyResponse:
    valid: bool


@dataclass
class VersionResponse:
    version: str
    rev: str


@dataclass
class TcbInfo:
    """Parsed ``tcb_info`` of ``InfoResponse`` (hex measurement registers)."""

    mrtd: str
    rtmr0: str
    rtmr1: str
    rtmr2: str
    rtmr3: str
    app_compose: str
    event_log: List[EventLog]
    mr_aggregated: str = ""
    os_image_hash: str = ""
    compose_hash: str = ""
    device_id: str = ""
    rootfs_hash: Optional[str] = None

    @classmethod
    def from_json(cls, text: str) -> "TcbInfo":
        obj = json.loads(text) if text else {}
        if not isinstance(obj, dict):
            raise ValueError("tcb_info is not a JSON object")
        return cls(
            mrtd=obj.get("mrtd", ""),
            rtmr0=obj.get("rtmr0", ""),
            rtmr1=obj.get("rtmr1", ""),
            rtmr2=obj.get("rtmr2", ""),
            rtmr3=obj.get("rtmr3", ""),
            app_compose=obj.get("app_compose", ""),
            event_log=[EventLog.from_dict(e) for e in obj.get("event_log", []) or []],
            mr_aggregated=obj.get("mr_aggregated", ""),
            os_image_hash=obj.get("os_image_hash", ""),
            compose_hash=obj.get("compose_hash", ""),
            device_id=obj.get("device_id", ""),
            rootfs_hash=obj.get("rootfs_hash"),
        )

    def replay_rtmrs(self) -> Dict[int, str]:
        """Sound replay of ``event_log`` (compare with ``rtmr0``..``rtmr3``)."""
        return _native.replay_rtmrs(json.dumps([e.to_dict() for e in self.event_log]))


# Upstream names for the two tcb_info generations.
TcbInfoV05x = TcbInfo
TcbInfoV03x = TcbInfo

T = TypeVar("T", bound=TcbInfo)


@dataclass
class InfoResponse(Generic[T]):
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
