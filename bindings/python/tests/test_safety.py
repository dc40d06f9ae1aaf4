"""Argument checking, key redaction in repr/str, and clear errors for misuse.

Integers are range-checked before ctypes (which wraps silently); wrong types
raise TypeError naming the argument; values out of range raise
InvalidArgumentError (a ValueError).  Responses and accounts that hold a
private key never print it.
"""

from __future__ import annotations

import array
import asyncio
import dataclasses
import hashlib
import io
import json
import logging
import math
import tracemalloc
import warnings
from fractions import Fraction
from pathlib import Path

import pytest

import dstack_sdk
from dstack_sdk import (
    AgentError,
    AgentTimeoutError,
    AsyncDstackClient,
    AsyncTappdClient,
    DstackClient,
    GetKeyResponse,
    GetQuoteResponse,
    GetTlsKeyResponse,
    InvalidArgumentError,
    LimitExceededError,
    TappdClient,
    UnsupportedError,
    encrypt_env_vars_sync,
    get_compose_hash_raw,
    verify_env_encrypt_public_key,
    verify_signature,
)
from dstack_sdk.ethereum import DstackEthAccount, to_account_secure
from dstack_sdk.solana import DstackSolanaKeypair, to_keypair_secure
from conftest import APP_ID, load_vectors
from fake_agent import FakeAgent, silent

KEY_A_P = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94"
KMS_PUB = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6"
U64_MAX = 2**64 - 1


def _tappd(endpoint: str) -> TappdClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return TappdClient(endpoint)


def _async_tappd(endpoint: str) -> AsyncTappdClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return AsyncTappdClient(endpoint)


def _names(exc: pytest.ExceptionInfo, *words: str) -> None:
    text = str(exc.value)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


# ------------------------------------------------ integer arguments (item 7)


OUT_OF_RANGE_U64 = [-1, 2**64, 2**64 + 1, 2**100, -(2**64)]
WRONG_TYPE_INT = [True, False, 1.0, 1.5, math.nan, math.inf, "1", b"1", Fraction(1, 1)]


@pytest.mark.parametrize("name", ["not_before", "not_after"])
@pytest.mark.parametrize("value", OUT_OF_RANGE_U64)
def test_get_tls_key_validity_out_of_range(simulator, name, value):
    """2**64 used to wrap to 0 in c_uint64: a certificate valid 1970-1979."""
    clients = [DstackClient(simulator.dstack), _tappd(simulator.tappd)]
    for c in clients:
        with pytest.raises(InvalidArgumentError) as exc:
            c.get_tls_key("x", **{name: value})
        _names(exc, name, "0 to 18446744073709551615")
        assert isinstance(exc.value, ValueError)

    async def run():
        for c in (AsyncDstackClient(simulator.dstack), _async_tappd(simulator.tappd)):
            with pytest.raises(InvalidArgumentError):
                await c.get_tls_key("x", **{name: value})

    asyncio.run(run())


@pytest.mark.parametrize("name", ["not_before", "not_after"])
@pytest.mark.parametrize("value", WRONG_TYPE_INT, ids=repr)
def test_get_tls_key_validity_wrong_type(client, simulator, name, value):
    with pytest.raises(TypeError) as exc:
        client.get_tls_key("x", **{name: value})
    _names(exc, name, "int", type(value).__name__)
    # tappd: the type is checked before "unsupported on tappd"
    with pytest.raises(TypeError):
        _tappd(simulator.tappd).get_tls_key("x", **{name: value})


def test_get_tls_key_validity_bounds_reach_the_agent_intact(client):
    from cryptography import x509

    r = client.get_tls_key("bounds", not_before=0, not_after=253402300799)
    leaf = x509.load_pem_x509_certificate(r.certificate_chain[0].encode())
    assert leaf.not_valid_before_utc.year == 1970 and leaf.not_valid_after_utc.year == 9999
    # 2**64 - 1 is a valid u64: it crosses unchanged and the agent itself refuses the date.
    with pytest.raises(AgentError) as exc:
        client.get_tls_key("bounds", not_before=0, not_after=U64_MAX)
    _names(exc, str(U64_MAX))


def test_tappd_get_tls_key_in_range_validity_is_unsupported(simulator):
    with pytest.raises(UnsupportedError):
        _tappd(simulator.tappd).get_tls_key("x", not_after=U64_MAX)


def _tappd_with(sim, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return TappdClient(sim.tappd, **kw)


def _async_tappd_with(sim, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return AsyncTappdClient(sim.tappd, **kw)


CONSTRUCTORS = [
    ("DstackClient", lambda sim, **kw: DstackClient(sim.dstack, **kw)),
    ("AsyncDstackClient", lambda sim, **kw: AsyncDstackClient(sim.dstack, **kw)),
    ("TappdClient", _tappd_with),
    ("AsyncTappdClient", _async_tappd_with),
]


@pytest.mark.parametrize("ctor", CONSTRUCTORS, ids=[c[0] for c in CONSTRUCTORS])
@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5, math.nan, math.inf, -math.inf, 4294967.296, 5e6, 10**400])
def test_timeout_out_of_range(simulator, ctor, value):
    with pytest.raises(InvalidArgumentError) as exc:
        ctor[1](simulator, timeout=value)
    _names(exc, "timeout", "4294967.295")
    assert "digits" not in str(exc.value) and len(str(exc.value)) < 300  # huge ints are not printed


@pytest.mark.parametrize("ctor", CONSTRUCTORS, ids=[c[0] for c in CONSTRUCTORS])
@pytest.mark.parametrize("value", [True, None, "3", b"3", [3]], ids=repr)
def test_timeout_wrong_type(simulator, ctor, value):
    with pytest.raises(TypeError) as exc:
        ctor[1](simulator, timeout=value)
    _names(exc, "timeout", "seconds", type(value).__name__)


@pytest.mark.parametrize("value", [0.5, Fraction(1, 2), 3, 4294967.295])
def test_timeout_in_range_accepted(simulator, value):
    c = DstackClient(simulator.dstack, timeout=value)
    assert c.get_key("a", "p").key == KEY_A_P


@pytest.mark.parametrize("value, ms", [(1e-9, 1), (0.0004, 1), (0.0016, 2)])
def test_tiny_timeout_rounds_to_whole_milliseconds(value, ms):
    agent = FakeAgent(silent)
    try:
        with pytest.raises(AgentTimeoutError) as exc:
            DstackClient(agent.path, timeout=value).info()
        _names(exc, f"within {ms} ms")
    finally:
        agent.close()


@pytest.mark.parametrize("value", [-1, 2**63, 2**64])
def test_as_uint8array_max_length_out_of_range(client, value):
    r = client.get_tls_key()
    with pytest.raises(InvalidArgumentError) as exc:
        r.as_uint8array(value)
    _names(exc, "max_length", "9223372036854775807")


@pytest.mark.parametrize("value", [True, 1.0, math.nan, "8"], ids=repr)
def test_as_uint8array_max_length_wrong_type(client, value):
    with pytest.raises(TypeError) as exc:
        client.get_tls_key().as_uint8array(value)
    _names(exc, "max_length")


def test_as_uint8array_huge_length_is_refused_without_allocating(client):
    r = client.get_tls_key()
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            r.as_uint8array(2**40)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert len(r.as_uint8array(300)) == 300  # zero padding within the limit still works


KMS = [
    c
    for c in load_vectors("kms_sig.json")
    if c["kind"] != "legacy" and c["expected"] and c["max_age_seconds"] is None and "0X" not in c["app_id"][:2]
]


def _kms_args(case):
    return bytes.fromhex(case["public_key_hex"]), bytes.fromhex(case["signature_hex"]), case["app_id"]


@pytest.mark.parametrize(
    "kwargs, exc_type, word",
    [
        ({"timestamp": -1}, InvalidArgumentError, "timestamp"),
        ({"timestamp": 2**64}, InvalidArgumentError, "timestamp"),
        ({"timestamp": True}, TypeError, "timestamp"),
        ({"timestamp": 1.0}, TypeError, "timestamp"),
        ({"timestamp": math.nan}, TypeError, "timestamp"),
        ({"max_age_seconds": 0}, InvalidArgumentError, "max_age_seconds"),
        ({"max_age_seconds": 2**64}, InvalidArgumentError, "max_age_seconds"),
        ({"max_age_seconds": 1.5}, TypeError, "max_age_seconds"),
        ({"max_age_seconds": True}, TypeError, "max_age_seconds"),
        ({"now": -1}, InvalidArgumentError, "now"),
        ({"now": 2**64}, InvalidArgumentError, "now"),
        ({"now": math.nan}, TypeError, "now"),
        ({"now": 1.5}, TypeError, "now"),
    ],
    ids=repr,
)
def test_verify_env_encrypt_public_key_integer_arguments(kwargs, exc_type, word):
    case = KMS[0]
    args = dict(timestamp=case["timestamp"], now=case["now"])
    args.update(kwargs)
    # Bad arguments raise; they are not folded into the "check failed" None.
    with pytest.raises(exc_type) as exc:
        verify_env_encrypt_public_key(*_kms_args(case), **args)
    _names(exc, word)
    # positive control: the same call with good integers verifies
    assert verify_env_encrypt_public_key(*_kms_args(case), timestamp=case["timestamp"], now=case["now"]) == case["expected"]


# ----------------------------------------------------- key redaction (item 8)


def _printed(obj) -> list:
    """Every way a value commonly ends up in text."""
    stream = io.StringIO()
    logger = logging.getLogger("dstack-redaction-test")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        logger.warning("response: %s / %r", obj, obj)
    finally:
        logger.removeHandler(handler)
    return [repr(obj), str(obj), f"{obj}", f"{obj!r}", "%s" % (obj,), repr([obj]), str({"r": obj}), stream.getvalue()]


def _assert_hidden(obj, secrets, public=()):
    for text in _printed(obj):
        for secret in secrets:
            assert secret.lower() not in text.lower(), f"secret printed: {text!r}"
        for item in public:
            assert item in text, f"{item!r} missing from {text!r}"


def _pem_body(pem: str) -> list:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def _check_key_response(r: GetKeyResponse) -> None:
    secret = r.key
    _assert_hidden(r, [secret], public=["<redacted>", r.signature_chain[0]])
    # attribute access, equality, asdict and JSON are unchanged
    assert r.decode_key() == bytes.fromhex(secret)
    assert r == dataclasses.replace(r)
    assert r != dataclasses.replace(r, key="00" * 32)
    assert dataclasses.asdict(r)["key"] == secret
    assert json.loads(json.dumps(dataclasses.asdict(r)))["key"] == secret


def test_get_key_response_repr_redacts_key(client, simulator):
    r = client.get_key("a", "p")
    assert r.key == KEY_A_P
    _check_key_response(r)
    assert repr(r).startswith("GetKeyResponse(key=<redacted>, signature_chain=[")
    _check_key_response(client.get_key("a", "p", "ed25519"))
    _check_key_response(asyncio.run(AsyncDstackClient(simulator.dstack).get_key("a", "p")))
    # tappd DeriveK256Key answers with the same type
    _check_key_response(_tappd(simulator.tappd).get_key("a", "p"))
    # a hand-built response too; an empty key prints as empty (nothing to hide)
    _check_key_response(GetKeyResponse(key=KEY_A_P, signature_chain=["ab"]))
    assert "key=''" in repr(GetKeyResponse(key="", signature_chain=[]))


def _check_tls_response(r: GetTlsKeyResponse) -> None:
    secrets = _pem_body(r.key) + ["PRIVATE KEY"]
    assert len(secrets) > 1
    _assert_hidden(r, secrets, public=["<redacted>", "BEGIN CERTIFICATE"])
    assert r.key.startswith("-----BEGIN PRIVATE KEY-----")
    assert r == dataclasses.replace(r)
    assert dataclasses.asdict(r)["key"] == r.key
    assert json.loads(json.dumps(dataclasses.asdict(r)))["key"] == r.key


def test_get_tls_key_response_repr_redacts_key(client, simulator):
    _check_tls_response(client.get_tls_key("redact.example", ["a.example"]))
    t = _tappd(simulator.tappd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _check_tls_response(t.derive_key("svc", "svc.example"))  # tappd DeriveKey
        _check_tls_response(client.derive_key("svc"))  # deprecated shim
    _check_tls_response(t.get_tls_key("random"))


def test_accounts_and_keypairs_do_not_print_the_key():
    secret = bytes.fromhex(KEY_A_P)
    acct = DstackEthAccount(secret)
    _assert_hidden(acct, [KEY_A_P], public=[acct.address])
    assert acct.key == secret
    kp = DstackSolanaKeypair(secret)
    _assert_hidden(kp, [KEY_A_P, kp.to_bytes().hex()], public=[str(kp.public_key)])
    # what to_account / to_keypair return with eth-account / solders installed
    resp = GetKeyResponse(key=KEY_A_P, signature_chain=[])
    eth = to_account_secure(resp)
    _assert_hidden(eth, [KEY_A_P])
    sol = to_keypair_secure(resp)
    from solders.keypair import Keypair

    # The official type, a solders Keypair: its str() IS the secret key (solders'
    # behaviour, upstream's too; the README warns about it).
    assert isinstance(sol, Keypair)
    assert str(sol) == str(Keypair.from_seed(secret))
    assert bytes(sol)[:32] == secret


# ------------------------------------------------- errors users see (item 10)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"path": b"a"}, "path"),
        ({"path": 1}, "path"),
        ({"purpose": b"p"}, "purpose"),
        ({"algorithm": 1}, "algorithm"),
    ],
    ids=repr,
)
def test_get_key_wrong_type_is_type_error(client, simulator, kwargs, word):
    """get_key(b"a") raised a bare AttributeError from inside ctypes glue."""
    with pytest.raises(TypeError) as exc:
        client.get_key(**kwargs)
    _names(exc, word, "must be str", type(next(iter(kwargs.values()))).__name__)
    with pytest.raises(TypeError):
        _tappd(simulator.tappd).get_key(**kwargs)

    async def run():
        with pytest.raises(TypeError):
            await AsyncDstackClient(simulator.dstack).get_key(**kwargs)

    asyncio.run(run())


def test_lone_surrogate_text_is_invalid_argument(client):
    with pytest.raises(InvalidArgumentError) as exc:
        client.get_key("a\ud800")
    _names(exc, "path", "UTF-8")


def test_report_data_accepts_memoryview_and_bytearray(client):
    expected = client.get_quote(b"mv-data").report_data
    assert client.get_quote(memoryview(b"mv-data")).report_data == expected
    assert client.get_quote(bytearray(b"mv-data")).report_data == expected
    assert client.attest(memoryview(b"mv-data")).attestation
    words = array.array("I", [1, 2])  # multi-byte items: the raw bytes are used
    assert client.get_quote(memoryview(words)).decode_report_data()[:8] == words.tobytes()
    with pytest.raises(InvalidArgumentError) as exc:
        client.get_quote(memoryview(bytes(65)))
    _names(exc, "report_data", "64 bytes", "65")


@pytest.mark.parametrize("bad", [5, 5.0, ["x"], object()], ids=lambda v: type(v).__name__)
def test_report_data_wrong_type_is_type_error(client, simulator, bad):
    """An int used to be reported as "report_data can not be empty"."""
    calls = [client.get_quote, client.attest]
    t = _tappd(simulator.tappd)
    calls.append(t.get_quote)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        calls += [lambda v: t.tdx_quote(v), lambda v: t.tdx_quote(v, "sha256"), lambda v: client.tdx_quote(v)]
        for fn in calls:
            with pytest.raises(TypeError) as exc:
                fn(bad)
            _names(exc, "report_data", "bytes", "memoryview", type(bad).__name__)


def test_tappd_tdx_quote_accepts_memoryview(simulator):
    t = _tappd(simulator.tappd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        q = t.tdx_quote(memoryview(b"hashed"), "sha256")
    assert q.parse_quote().report_data == hashlib.sha256(b"app-data:hashed").digest().ljust(64, b"\0").hex()


def test_endpoint_type(simulator):
    with pytest.raises(TypeError) as exc:
        DstackClient(123)
    _names(exc, "endpoint", "int")
    with pytest.raises(TypeError):
        DstackClient(simulator.dstack.encode())
    # os.PathLike is natural for a socket path
    assert DstackClient(Path(simulator.dstack)).get_key("a", "p").key == KEY_A_P


def test_alt_names_must_be_a_list_of_str(client):
    """A single str used to be split into one-character names."""
    with pytest.raises(TypeError) as exc:
        client.get_tls_key("x", "single.example")
    _names(exc, "alt_names", "list")
    with pytest.raises(TypeError) as exc:
        client.get_tls_key("x", ["ok.example", 7])
    _names(exc, "alt_names[1]", "int")
    with pytest.raises(TypeError):
        client.get_tls_key(subject=b"x")
    from cryptography import x509

    leaf = client.get_tls_key("x", ("a.example", "b.example")).certificate_chain[0]
    names = x509.load_pem_x509_certificate(leaf.encode()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)
    assert names == ["a.example", "b.example"]


def test_sign_verify_emit_wrong_types(client):
    with pytest.raises(TypeError) as exc:
        client.sign(None, b"x")
    _names(exc, "algorithm")
    with pytest.raises(TypeError) as exc:
        client.sign("ed25519", 5)
    _names(exc, "data", "int")
    with pytest.raises(TypeError) as exc:
        client.verify(1, b"x", b"s", b"k")
    _names(exc, "algorithm")
    with pytest.raises(TypeError) as exc:
        client.emit_event(b"event", b"x")
    _names(exc, "event")
    with pytest.raises(TypeError) as exc:
        verify_signature(b"ed25519", b"x", bytes(64), bytes(32))
    _names(exc, "algorithm")
    # bytes-likes are accepted where bytes are
    s = client.sign("ed25519", memoryview(b"msg"))
    assert verify_signature("ed25519", bytearray(b"msg"), memoryview(s.decode_signature()), s.public_key)


def test_compose_hash_raw_rejects_int():
    """bytes(5) is five zero bytes: an int used to be hashed silently."""
    with pytest.raises(TypeError) as exc:
        get_compose_hash_raw(5)
    _names(exc, "app_compose_bytes", "int")
    assert get_compose_hash_raw(memoryview(b"{}")) == hashlib.sha256(b"{}").hexdigest()


def test_account_helpers_reject_int_messages():
    """bytes(32) is 32 zero bytes: an int used to be signed as an all-zero hash."""
    acct = DstackEthAccount(bytes.fromhex(KEY_A_P))
    with pytest.raises(TypeError) as exc:
        acct.sign_hash(32)
    _names(exc, "message_hash", "int")
    with pytest.raises(InvalidArgumentError) as exc:
        acct.sign_hash(b"short")
    _names(exc, "message_hash", "32 bytes")
    with pytest.raises(TypeError):
        DstackEthAccount(5)
    kp = DstackSolanaKeypair(bytes.fromhex(KEY_A_P))
    with pytest.raises(TypeError) as exc:
        kp.sign_message(3)
    _names(exc, "message", "int")
    with pytest.raises(TypeError):
        kp.verify(3, bytes(64))
    with pytest.raises(TypeError):
        DstackSolanaKeypair("00" * 32)
    assert kp.verify(b"m", kp.sign_message(memoryview(b"m")))


def test_key_helpers_name_the_wrong_type():
    from dstack_sdk.ethereum import to_account
    from dstack_sdk.solana import to_keypair

    for fn in (to_account, to_keypair):
        with pytest.raises(TypeError) as exc:
            fn(KEY_A_P)
        _names(exc, "GetKeyResponse", "got str")


def test_hand_built_responses_give_clear_errors():
    with pytest.raises(TypeError) as exc:
        GetKeyResponse(key=5, signature_chain=[]).decode_key()
    _names(exc, "key", "hex str")
    with pytest.raises(ValueError) as exc:
        GetKeyResponse(key="zz", signature_chain=[]).decode_key()
    _names(exc, "key", "hex")
    with pytest.raises(TypeError) as exc:
        GetTlsKeyResponse(key=b"pem", certificate_chain=[]).as_uint8array()
    _names(exc, "key", "str")
    with pytest.raises(TypeError):
        GetKeyResponse(key=KEY_A_P, signature_chain=[]).verify_signature_chain(APP_ID, purpose=5)
    with pytest.raises(TypeError) as exc:
        GetQuoteResponse(quote="", event_log="[]").verify_event_log(report_data="text")
    _names(exc, "report_data", "bytes")


def test_verify_signature_chain_purpose_type(client):
    k = client.get_key("a", "p")
    with pytest.raises(TypeError) as exc:
        k.verify_signature_chain(APP_ID, KMS_PUB, purpose=b"p")
    _names(exc, "purpose", "str")
    assert k.verify_signature_chain(APP_ID, KMS_PUB, purpose="p").kms_public_key.hex() == KMS_PUB


def test_encrypt_env_vars_argument_errors():
    key = "11" * 32
    with pytest.raises(TypeError) as exc:
        encrypt_env_vars_sync("API_KEY=v", key)
    _names(exc, "env_vars", "list")
    with pytest.raises(TypeError) as exc:
        encrypt_env_vars_sync([5], key)
    _names(exc, "env_vars[0]", "int")
    with pytest.raises(InvalidArgumentError) as exc:
        encrypt_env_vars_sync([{"key": "A"}], key)
    _names(exc, "env_vars[0]", "'value'")
    with pytest.raises(TypeError) as exc:
        encrypt_env_vars_sync([("A", 12345678)], key)
    _names(exc, "env_vars[0]", "'A'", "value", "int")
    assert "12345678" not in str(exc.value)  # values are secrets: never echoed
    with pytest.raises(TypeError) as exc:
        encrypt_env_vars_sync([("A", "v")], 5)
    _names(exc, "public_key_hex", "int")
    assert len(encrypt_env_vars_sync([["A", "v"]], memoryview(bytes.fromhex(key)))) > 0


def test_trusted_keys_wrong_type():
    case = KMS[0]
    with pytest.raises(TypeError) as exc:
        verify_env_encrypt_public_key(*_kms_args(case), case["timestamp"], now=case["now"], trusted_keys=5)
    _names(exc, "trusted_keys", "int")
    with pytest.raises(InvalidArgumentError) as exc:
        verify_env_encrypt_public_key(*_kms_args(case), case["timestamp"], now=case["now"], trusted_keys=[b"short"])
    _names(exc, "trusted_keys[0]", "33-byte")


def test_argument_errors_are_dstack_errors():
    """Range errors are InvalidArgumentError: catchable as DstackError and as ValueError."""
    with pytest.raises(dstack_sdk.DstackError):
        DstackClient("/nonexistent.sock", timeout=-1)
    with pytest.raises(ValueError):
        DstackClient("/nonexistent.sock", timeout=-1)
