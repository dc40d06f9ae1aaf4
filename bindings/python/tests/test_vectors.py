"""Vector tests from testdata/vectors (see its README for which answer is right)."""

from __future__ import annotations

import asyncio
import json
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import dstack_sdk
from dstack_sdk import (
    DstackError,
    EnvVar,
    GetKeyResponse,
    GetQuoteResponse,
    GetTlsKeyResponse,
    encrypt_env_vars,
    encrypt_env_vars_sync,
    get_compose_hash,
    get_compose_hash_raw,
    to_deterministic_json,
    verify_env_encrypt_public_key,
    verify_env_encrypt_public_key_legacy,
)
from dstack_sdk import ethereum, solana
from conftest import FIXTURES, VECTORS, load_vectors

# ------------------------------------------------------------- compose hash

COMPOSE = load_vectors("compose_hash.json")


def _compose_input(case):
    if case["js_parse"] == "eval":  # NaN / Infinity literals: Python's json accepts them too
        return json.loads(case["input_json"])
    return json.loads(case["input_json"])


@pytest.mark.parametrize("case", COMPOSE, ids=[c["id"] for c in COMPOSE])
@pytest.mark.parametrize("normalize", [False, True])
def test_compose_hash_matches_js(case, normalize):
    key = "normalize_true" if normalize else "normalize_false"
    js = case["js"][key]
    assert js["error"] is None
    data = _compose_input(case)
    assert to_deterministic_json(data, normalize) == js["canonical_json"]
    assert get_compose_hash(data, normalize) == js["hash"]


def test_compose_hash_from_app_compose_object():
    case = next(c for c in COMPOSE if c["id"] == "doc_js_readme")
    obj = dstack_sdk.AppCompose.from_dict(json.loads(case["input_json"]))
    assert get_compose_hash(obj) == case["js"]["normalize_false"]["hash"]


def test_compose_hash_raw_is_file_sha256():
    raw = (FIXTURES / "simulator_app-compose.json").read_bytes()
    import hashlib

    assert get_compose_hash_raw(raw) == hashlib.sha256(raw).hexdigest()


def test_compose_hash_rejects_non_json():
    with pytest.raises(TypeError):
        get_compose_hash({"runner": object()})
    with pytest.raises(TypeError):
        get_compose_hash("not a dict")  # type: ignore[arg-type]


# ------------------------------------------------------------- env encrypt

ENV = load_vectors("env_encrypt.json")


def _decrypt(ciphertext_hex: str, private_hex: str) -> dict:
    blob = bytes.fromhex(ciphertext_hex)
    eph, iv, body = blob[:32], blob[32:44], blob[44:]
    shared = X25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex)).exchange(
        X25519PublicKey.from_public_bytes(eph)
    )
    return json.loads(AESGCM(shared).decrypt(iv, body, None))


@pytest.mark.parametrize("case", ENV, ids=[c["id"] for c in ENV])
def test_env_encrypt_round_trip(case):
    envs = [
        EnvVar(key=e["key"], value=e["value"] if e["value"] is not None else json.loads(e["value_json_literal"]))
        for e in case["envs"]
    ]
    if case["remote_private_key_hex"] is None:
        with pytest.raises(ValueError):
            encrypt_env_vars_sync(envs, case["public_key_hex_argument"])
        return
    if case["id"] == "lone_surrogate":
        # A lone surrogate has no UTF-8 form; we refuse it instead of altering it.
        with pytest.raises(ValueError, match="UTF-8"):
            encrypt_env_vars_sync(envs, case["public_key_hex_argument"])
        return
    out = encrypt_env_vars_sync(envs, case["public_key_hex_argument"])
    assert out == out.lower()
    plain = _decrypt(out, case["remote_private_key_hex"])
    assert plain == {"env": [{"key": e["key"], "value": e["value"]} for e in case["envs"]]}
    # fresh ephemeral key per call
    assert encrypt_env_vars_sync(envs, case["public_key_hex_argument"])[:64] != out[:64]
    async_out = asyncio.run(encrypt_env_vars(envs, case["public_key_hex_argument"]))
    assert _decrypt(async_out, case["remote_private_key_hex"]) == plain


def test_env_encrypt_bad_hex():
    with pytest.raises(ValueError):
        encrypt_env_vars_sync([EnvVar("A", "b")], "zz" * 32)


# ---------------------------------------------------------------- kms sig

KMS = load_vectors("kms_sig.json")


def _kms_expected(case):
    if "0X" in case["app_id"][:2]:
        return case["js"]["result"]  # vectors README: uppercase 0X is accepted, as JS does
    return case["expected"]


@pytest.mark.parametrize("case", KMS, ids=[c["id"] for c in KMS])
def test_kms_signature(case):
    pk = bytes.fromhex(case["public_key_hex"])
    sig = bytes.fromhex(case["signature_hex"])
    expected = _kms_expected(case)
    if case["kind"] == "legacy":
        got = verify_env_encrypt_public_key(pk, sig, case["app_id"])  # three-argument docs form
        with pytest.warns(DeprecationWarning):
            assert verify_env_encrypt_public_key_legacy(pk, sig, case["app_id"]) == got
    else:
        kwargs = {"now": case["now"]}
        if case["max_age_seconds"] is not None:
            kwargs["max_age_seconds"] = case["max_age_seconds"]
        got = verify_env_encrypt_public_key(pk, sig, case["app_id"], case["timestamp"], **kwargs)
    assert got == expected
    if expected is not None:
        assert got.hex() == expected[2:]
        assert got.to_bytes() == bytes.fromhex(expected[2:])
        # trust check: accepted with the signer, rejected with another key
        trusted = bytes.fromhex(expected[2:])
        other = bytes.fromhex("02" + "11" * 32)
        if case["kind"] == "legacy":
            assert verify_env_encrypt_public_key(pk, sig, case["app_id"], trusted_keys=[trusted]) == expected
            assert verify_env_encrypt_public_key(pk, sig, case["app_id"], trusted_keys=[other]) is None
        else:
            ok = verify_env_encrypt_public_key(pk, sig, case["app_id"], case["timestamp"], trusted_keys=[trusted], now=case["now"])
            assert ok == expected


def test_kms_negative_timestamp_is_error():
    with pytest.raises(ValueError):
        verify_env_encrypt_public_key(b"\0" * 32, b"\0" * 65, "00" * 20, -1)


# ------------------------------------------------------------- ethereum

ETH = load_vectors("ethereum.json")


def _response(case):
    if case["source"] == "GetKeyResponse":
        return GetKeyResponse(key=case["key_hex"], signature_chain=[])
    return GetTlsKeyResponse(key=case["pem"], certificate_chain=[])


@pytest.mark.parametrize("case", ETH, ids=[c["id"] for c in ETH])
@pytest.mark.parametrize("fn", ["to_account", "to_account_secure"])
def test_ethereum(case, fn):
    expected = case["expected"][fn]
    sec1 = "sec1" in case["id"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if isinstance(expected, dict) or sec1:  # vectors README: SEC1 PEM is a clear error
            with pytest.raises((ValueError, DstackError)):
                getattr(ethereum, fn)(_response(case))
            return
        account = getattr(ethereum, fn)(_response(case))
        assert account.address == expected
        # the built-in account (no eth-account) gives the same address
        builtin = ethereum.DstackEthAccount(bytes(account.key))
        assert builtin.address == expected


def test_builtin_eth_account_signs_recoverably():
    from eth_account import Account
    from eth_account.messages import encode_defunct, _hash_eip191_message

    acct = ethereum.DstackEthAccount(bytes.fromhex(ETH[0]["key_hex"]))
    msg = encode_defunct(text="hello")
    sig = acct.sign_hash(_hash_eip191_message(msg))
    assert Account.recover_message(msg, signature=sig) == acct.address


# --------------------------------------------------------------- solana

SOL = load_vectors("solana.json")


@pytest.mark.parametrize("case", SOL, ids=[c["id"] for c in SOL])
@pytest.mark.parametrize("fn", ["to_keypair", "to_keypair_secure"])
def test_solana(case, fn):
    expected = case["expected"][fn]
    sec1 = "sec1" in case["id"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if "error" in expected or sec1:
            with pytest.raises((ValueError, DstackError)):
                getattr(solana, fn)(_response(case))
            return
        kp = getattr(solana, fn)(_response(case))
    from solders.keypair import Keypair

    assert isinstance(kp, Keypair)  # the official return type
    assert str(kp.pubkey()) == expected["public_key_b58"]
    assert bytes(kp).hex() == expected["secret_key_hex"]
    builtin = solana.DstackSolanaKeypair(bytes.fromhex(expected["secret_key_hex"])[:32])
    assert builtin.public_key == expected["public_key_b58"]
    assert builtin.to_bytes().hex() == expected["secret_key_hex"]
    sig = builtin.sign_message(b"msg")
    assert builtin.verify(b"msg", sig) and not builtin.verify(b"msh", sig)
    assert bytes(kp.sign_message(b"msg")) == sig  # solders agrees (ed25519 is deterministic)


# ---------------------------------------------------------- as_uint8array

TLS = load_vectors("tls_key_asuint8.json")


@pytest.mark.parametrize("case", TLS, ids=[c["id"] for c in TLS])
def test_tls_as_uint8array(case):
    resp = GetTlsKeyResponse(key=case["pem"], certificate_chain=[])
    if "sec1" in case["id"]:
        with pytest.raises((ValueError, DstackError)):
            resp.as_uint8array()
        return
    assert resp.as_uint8array().hex() == case["python"]["full_hex"]
    for length, result in case["python"]["by_length"].items():
        assert resp.as_uint8array(int(length)).hex() == result["hex"]
    with pytest.raises(ValueError):
        resp.as_uint8array(-1)


# ------------------------------------------------------------ rtmr replay

RTMR = load_vectors("rtmr_replay.json")
MALFORMED = {"odd_length_hex", "0x_prefixed_digest", "non_hex_chars", "missing_digest",
             "imr_as_string", "imr_as_bool"}


@pytest.mark.parametrize("case", RTMR, ids=[c["id"] for c in RTMR])
def test_rtmr_replay(case):
    resp = GetQuoteResponse(quote="", event_log=case["event_log_json"])
    if case["id"] in MALFORMED:
        with pytest.raises((ValueError, DstackError)):
            resp.replay_rtmrs()
        return
    if case["id"].startswith("real_fixture"):
        # the sound replay reproduces the quote, also for the stripped (tdx-lite) log
        assert [resp.replay_rtmrs()[i] for i in range(4)] == case["quote_rtmrs"]
        assert [resp.replay_rtmrs_from_digests()[i] for i in range(4)] == case["expected"]
        return
    # synthetic logs: what the official SDKs computed from the logged digests
    assert [resp.replay_rtmrs_from_digests()[i] for i in range(4)] == case["expected"]
    if case["id"] == "imr_as_float":
        # 2.0 is the integer 2 for the sound replay too (its one event is not a runtime
        # event, so the logged digest is what it extends)
        assert [resp.replay_rtmrs()[i] for i in range(4)] == case["expected"]


def _fixture_quote_and_log(name):
    data = json.loads((FIXTURES / name).read_text())
    return data


def test_real_fixture_verify_event_log():
    checked = 0
    for name in ("verifier_fixture_quote-report.json", "verifier_fixture_tdx-lite-getquote.json"):
        data = json.loads((FIXTURES / name).read_text())
        quote = data.get("quote")
        log = data.get("event_log")
        if not quote or log is None:
            continue
        log_text = log if isinstance(log, str) else json.dumps(log)
        resp = GetQuoteResponse(quote=quote, event_log=log_text)
        rtmrs = resp.verify_event_log()
        assert rtmrs == resp.parse_quote().rtmrs
        checked += 1
    assert checked >= 1
