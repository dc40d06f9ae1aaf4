"""Every client method against the bundled simulator, plus error paths."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import threading
import warnings
from typing import List

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import dstack_sdk
from dstack_sdk import (
    AgentError,
    AgentTimeoutError,
    AsyncDstackClient,
    AsyncTappdClient,
    DstackClient,
    DstackError,
    InvalidArgumentError,
    NoAgentError,
    TappdClient,
    UnsupportedError,
    VerificationError,
)
from conftest import APP_ID
from fake_agent import FakeAgent, gated, read_request, silent

# docs/PROTOCOL.md §6.1: simulator keys (fixtures/simulator_appkeys.json)
KEY_A_P = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94"
APP_PUB = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c"
KMS_PUB = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6"
P256_PKCS8_HEADER = "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420"


# ------------------------------------------------------------------ get_key


def test_get_key_matches_protocol_vector(client):
    k = client.get_key("a", "p")
    assert k.key == KEY_A_P
    assert k.decode_key() == bytes.fromhex(KEY_A_P)
    chain = k.decode_signature_chain()
    assert len(chain) == 2 and all(len(s) == 65 for s in chain)
    assert k.signature_chain == [c.hex() for c in chain]


def test_get_key_defaults_and_determinism(client):
    assert client.get_key("my-app/signing").key == client.get_key("my-app/signing").key
    assert client.get_key("user/alice").key != client.get_key("user/bob").key
    # algorithm aliases give the same key material (PROTOCOL §2.1, §6.1)
    assert client.get_key("a", "p", "k256").key == KEY_A_P
    assert client.get_key("a", "p", "ed25519").key == KEY_A_P
    empty = client.get_key()
    assert len(empty.decode_key()) == 32


def test_signature_chain_verifies_to_kms_root(client):
    k = client.get_key("a", "p")
    result = k.verify_signature_chain(APP_ID, KMS_PUB)
    assert result.app_public_key.hex() == APP_PUB
    assert result.kms_public_key.hex() == KMS_PUB
    # without a trusted key the recovered one is still reported
    assert k.verify_signature_chain(bytes.fromhex(APP_ID)).kms_public_key.hex() == KMS_PUB


def test_signature_chain_ed25519(client):
    k = client.get_key("a", "p", "ed25519")
    assert k.algorithm == "ed25519"
    assert k.verify_signature_chain(APP_ID, KMS_PUB).app_public_key.hex() == APP_PUB


def test_signature_chain_rejects_wrong_trust(client):
    k = client.get_key("a", "p")
    with pytest.raises(VerificationError):
        k.verify_signature_chain(APP_ID, APP_PUB)  # not the KMS key
    with pytest.raises(VerificationError):
        k.verify_signature_chain("00" * 20, KMS_PUB)  # wrong app id
    forged = dstack_sdk.GetKeyResponse(key=k.key, signature_chain=k.signature_chain, purpose="other")
    with pytest.raises(VerificationError):
        forged.verify_signature_chain(APP_ID, KMS_PUB)


# ---------------------------------------------------------------- get_quote


def test_get_quote_and_sound_replay(client):
    q = client.get_quote(b"hello")
    assert q.decode_report_data() == b"hello".ljust(64, b"\0")  # right-padded, PROTOCOL §2.1
    quote = q.parse_quote()
    assert quote.report_data == q.report_data
    rtmrs = q.replay_rtmrs()
    assert set(rtmrs) == {0, 1, 2, 3}
    assert rtmrs == quote.rtmrs  # replay matches the simulator's quote
    assert q.verify_event_log(b"hello") == rtmrs
    assert q.verify_event_log() == rtmrs
    events = q.decode_event_log()
    assert events and {e.imr for e in events} <= {0, 1, 2, 3}
    assert q.decode_quote() == bytes.fromhex(q.quote)


def test_verify_event_log_detects_mismatch(client):
    q = client.get_quote("data")
    with pytest.raises(VerificationError):
        q.verify_event_log(b"other")
    log = json.loads(q.event_log)
    log.pop()
    tampered = dstack_sdk.GetQuoteResponse(quote=q.quote, event_log=json.dumps(log), report_data=q.report_data)
    with pytest.raises(VerificationError):
        tampered.verify_event_log()


def test_get_quote_str_is_utf8(client):
    assert client.get_quote("é").decode_report_data()[:2] == "é".encode()


@pytest.mark.parametrize("bad", [b"", "", None, memoryview(b""), bytearray(65), b"x" * 65, "y" * 65])
def test_get_quote_rejects_bad_report_data(client, bad):
    with pytest.raises(ValueError):
        client.get_quote(bad)
    with pytest.raises(ValueError):
        client.attest(bad)


def test_get_quote_64_bytes_ok(client):
    assert client.get_quote(b"z" * 64).decode_report_data() == b"z" * 64


def test_attest(client):
    a = client.attest(b"att")
    assert len(a.decode_attestation()) > 0


# ------------------------------------------------------------------ TLS key


def test_get_tls_key_certificate(client):
    t = client.get_tls_key(subject="my-secure-service", alt_names=["localhost", "example.com"],
                           usage_ra_tls=True, usage_client_auth=True)
    key = serialization.load_pem_private_key(t.key.encode(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert t.as_uint8array().hex().startswith(P256_PKCS8_HEADER)
    assert t.as_uint8array() == key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert t.as_uint8array(32).hex() == P256_PKCS8_HEADER[:64]
    leaf = x509.load_pem_x509_certificate(t.certificate_chain[0].encode())
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    cn = leaf.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
    assert cn == "my-secure-service"
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in eku
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert len(t.certificate_chain) >= 2


def test_get_tls_key_random_and_validity(client):
    assert client.get_tls_key().key != client.get_tls_key().key
    t = client.get_tls_key("v", not_before=1_700_000_000, not_after=1_800_000_000, with_app_info=True)
    leaf = x509.load_pem_x509_certificate(t.certificate_chain[0].encode())
    assert int(leaf.not_valid_before_utc.timestamp()) == 1_700_000_000
    assert int(leaf.not_valid_after_utc.timestamp()) == 1_800_000_000


def test_get_tls_key_bad_validity_rejected(client):
    with pytest.raises(ValueError, match="not_before must be earlier than not_after"):
        client.get_tls_key(not_before=10, not_after=5)
    with pytest.raises(ValueError):
        client.get_tls_key(not_before=-1)


def test_agent_error_carries_agent_text(client):
    with pytest.raises(AgentError) as exc:
        client.verify("ed25519", b"x", b"short", b"short")
    assert "public key" in str(exc.value)
    assert exc.value.status == 16 and exc.value.message


# --------------------------------------------------------------------- info


def test_info(client):
    info = client.info()
    assert info.app_id == APP_ID
    assert info.device_id == hashlib.sha256(b"").hexdigest()  # PROTOCOL §2.4
    tcb = info.tcb_info
    assert len(bytes.fromhex(tcb.mrtd)) == 48
    assert tcb.event_log and isinstance(tcb.event_log[0], dstack_sdk.EventLog)
    # the unstripped Info log replays to the reported registers
    assert tcb.replay_rtmrs() == {0: tcb.rtmr0, 1: tcb.rtmr1, 2: tcb.rtmr2, 3: tcb.rtmr3}
    app_id_events = [e for e in tcb.event_log if e.event == "app-id"]
    assert app_id_events and app_id_events[0].event_payload == APP_ID
    assert info.compose_hash and info.key_provider_info


# ------------------------------------------------------- sign/verify/version


def test_sign_ed25519_checked_independently(client):
    s = client.sign("ed25519", b"message")
    ed25519.Ed25519PublicKey.from_public_bytes(s.decode_public_key()).verify(s.decode_signature(), b"message")
    assert s.verify_signature_chain(APP_ID, KMS_PUB).kms_public_key.hex() == KMS_PUB
    assert client.verify("ed25519", b"message", s.decode_signature(), s.decode_public_key()).valid
    assert client.verify("ed25519", b"message", s.signature, s.public_key).valid  # hex str accepted
    assert not client.verify("ed25519", b"other", s.decode_signature(), s.decode_public_key()).valid


def test_sign_secp256k1_checked_independently(client):
    s = client.sign("secp256k1", "text data")
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), s.decode_public_key())
    sig = s.decode_signature()
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"))
    pub.verify(der, b"text data", ec.ECDSA(hashes.SHA256()))
    assert s.verify_signature_chain(APP_ID, KMS_PUB).app_public_key.hex() == APP_PUB


def test_sign_prehashed_length_checked(client):
    with pytest.raises(ValueError, match="32-byte digest"):
        client.sign("secp256k1_prehashed", b"short")
    s = client.sign("secp256k1_prehashed", hashlib.sha256(b"x").digest())
    assert len(s.decode_signature()) >= 64


def _flip(data: bytes, i: int) -> bytes:
    return data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :]


@pytest.mark.parametrize("algorithm", ["ed25519", "secp256k1", "k256", "secp256k1_prehashed"])
def test_verify_signature_local(client, algorithm):
    message = b"verify me locally"
    data = hashlib.sha256(message).digest() if algorithm == "secp256k1_prehashed" else message
    s = client.sign(algorithm, data)
    sig, pub = s.decode_signature(), s.decode_public_key()
    # Independent oracle (cryptography) on the simulator's signature.
    if algorithm == "ed25519":
        ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(sig, message)
    else:
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pub).verify(
            der, message, ec.ECDSA(hashes.SHA256())
        )
    assert dstack_sdk.verify_signature(algorithm, data, sig, pub) is True
    assert dstack_sdk.verify_signature(algorithm, data, s.signature, "0x" + s.public_key) is True  # hex
    assert dstack_sdk.verify_signature(algorithm, _flip(data, 3), sig, pub) is False
    assert dstack_sdk.verify_signature(algorithm, data, _flip(sig, 40), pub) is False
    # verify_signature_chain checks the signature over the data first, for every algorithm.
    assert s.verify_signature_chain(APP_ID, KMS_PUB).kms_public_key.hex() == KMS_PUB
    s.signature = _flip(sig, 40).hex()
    with pytest.raises(VerificationError, match="does not verify"):
        s.verify_signature_chain(APP_ID, KMS_PUB)


def test_verify_signature_malformed(client):
    s = client.sign("secp256k1", b"m")
    sig, pub = s.decode_signature(), s.decode_public_key()
    with pytest.raises(InvalidArgumentError):
        dstack_sdk.verify_signature("rsa", b"m", sig, pub)
    with pytest.raises(InvalidArgumentError):
        dstack_sdk.verify_signature("secp256k1", b"m", sig + b"\0", pub)  # r||s||v
    with pytest.raises(InvalidArgumentError):
        dstack_sdk.verify_signature("secp256k1_prehashed", b"m", sig, pub)  # not a 32-byte digest
    with pytest.raises(ValueError, match="not valid hex"):
        dstack_sdk.verify_signature("secp256k1", b"m", "zz", pub)
    by_hand = dstack_sdk.SignResponse(s.signature, s.signature_chain, s.public_key)
    with pytest.raises(ValueError, match="algorithm/data unknown"):
        by_hand.verify_signature_chain(APP_ID, KMS_PUB)
    assert by_hand.verify_signature_chain(APP_ID, KMS_PUB, algorithm="secp256k1", data="m").app_public_key.hex() == APP_PUB


def test_sign_unknown_algorithm(client):
    with pytest.raises(DstackError):
        client.sign("rsa", b"x")


def test_version_and_gpu_info(client):
    v = client.version()
    assert v.version and v.rev
    assert client.gpu_info().attestation == ""


def test_emit_event_extends_rtmr3(client):
    before = client.get_quote(b"e").parse_quote().rtmr3
    client.emit_event("user-action", json.dumps({"a": 1}))
    q = client.get_quote(b"e")
    assert q.parse_quote().rtmr3 != before
    assert any(e.event == "user-action" for e in q.decode_event_log())
    q.verify_event_log(b"e")
    with pytest.raises(ValueError):
        client.emit_event("", b"x")


def test_is_reachable_and_context_manager(simulator):
    with DstackClient(simulator.dstack) as c:
        assert c.is_reachable()
        assert c.endpoint == simulator.dstack
    assert c.is_reachable()  # still usable after the block, as upstream


def test_http_endpoint(simulator):
    assert simulator.http
    c = DstackClient(f"http://{simulator.http}")
    assert c.get_key("a", "p").key == KEY_A_P


def test_env_discovery(sim_env):
    assert DstackClient().get_key("a", "p").key == KEY_A_P


# ----------------------------------------------------------------- async


def test_async_client_all_methods(simulator):
    async def main():
        async with AsyncDstackClient(simulator.dstack) as c:
            keys = await asyncio.gather(*(c.get_key(f"k/{i}") for i in range(8)), c.get_key("a", "p"))
            assert keys[-1].key == KEY_A_P
            assert len({k.key for k in keys}) == 9
            q = await c.get_quote(b"async")
            q.verify_event_log(b"async")
            assert (await c.info()).app_id == APP_ID
            assert (await c.get_tls_key("s")).certificate_chain
            assert (await c.attest(b"a")).attestation
            s = await c.sign("ed25519", b"m")
            assert (await c.verify("ed25519", b"m", s.decode_signature(), s.decode_public_key())).valid
            assert (await c.version()).version
            assert (await c.gpu_info()).attestation == ""
            assert await c.is_reachable()
            await c.emit_event("async-event", b"p")
            with pytest.raises(ValueError):
                await c.get_quote(b"")

    asyncio.run(main())


def test_async_does_not_block_event_loop():
    gate = threading.Event()
    agent = FakeAgent(gated(gate, b'{"version":"9.9.9","rev":"r"}'))
    try:
        async def main():
            c = AsyncDstackClient(agent.path, timeout=20)
            task = asyncio.ensure_future(c.version())
            await asyncio.sleep(0)
            gate.set()  # runs only if the loop is free while the call waits
            return await task

        assert asyncio.run(main()).version == "9.9.9"
    finally:
        agent.close()


def test_async_gather_runs_concurrently():
    # The fake agent answers nobody until 3 requests are in flight at once.
    gate = threading.Event()
    gate.set()
    barrier = threading.Barrier(3)
    agent = FakeAgent(gated(gate, b'{"version":"1","rev":"r"}', barrier=barrier))
    try:
        async def main():
            c = AsyncDstackClient(agent.path, timeout=20)
            return await asyncio.gather(c.version(), c.version(), c.version())

        assert [v.version for v in asyncio.run(main())] == ["1", "1", "1"]
    finally:
        agent.close()


def test_close_while_calls_in_flight():
    # Four calls are inside libdstack (the agent holds every answer) when close() runs:
    # they finish normally, the handle is freed after the last one, later calls fail.
    gate = threading.Event()
    barrier = threading.Barrier(5)
    agent = FakeAgent(gated(gate, b'{"version":"1","rev":"r"}', barrier=barrier))
    try:
        c = DstackClient(agent.path, timeout=20)
        results: list = []

        def run():
            try:
                results.append(c.version().version)
            except Exception as exc:  # pragma: no cover - reported below
                results.append(repr(exc))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        barrier.wait(20)  # all four requests reached the agent
        c.close()
        gate.set()
        for t in threads:
            t.join(20)
        assert results == ["1"] * 4
        assert c._native._handle._ptr is None  # freed once the calls returned
        with pytest.raises(DstackError, match="closed"):
            c.version()
        c.close()  # idempotent
    finally:
        agent.close()


# In a child process (a use-after-free would kill it): four threads wait in libdstack for
# an agent that never answers; the parent says "go" once all four requests arrived, and
# the child closes the client under them. Prints each thread's outcome.
_CLOSE_UNDER_CALLS = """
import sys, threading
from dstack_sdk import DstackClient, AgentTimeoutError
c = DstackClient(sys.argv[1], timeout=1.0)
out = []
def run():
    try:
        c.info()
        out.append("answered")
    except AgentTimeoutError:
        out.append("timeout")
threads = [threading.Thread(target=run) for _ in range(4)]
for t in threads:
    t.start()
sys.stdin.readline()
c.close()
for t in threads:
    t.join()
print(",".join(out))
"""


def test_close_under_failing_calls_is_safe():
    arrived: List[int] = []
    done = threading.Event()

    def handler(conn):
        read_request(conn)
        arrived.append(1)
        done.wait(30)

    agent = FakeAgent(handler)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _CLOSE_UNDER_CALLS, agent.path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(600):
            if len(arrived) >= 4 or child.poll() is not None:
                break
            threading.Event().wait(0.05)
        out, err = child.communicate("go\n", timeout=60)
        assert child.returncode == 0, (child.returncode, err)
        assert out.strip() == "timeout,timeout,timeout,timeout"
    finally:
        done.set()
        agent.close()


# ------------------------------------------------------------------ errors


def test_no_agent(tmp_path):
    # A socket path that does not exist is FileNotFoundError at construction (as
    # upstream); one that exists with no agent behind it fails on the first call.
    stale = tmp_path / "stale.sock"
    stale.write_text("")
    c = DstackClient(str(stale))
    assert c.is_reachable() is False
    with pytest.raises(NoAgentError) as exc:
        c.get_key("a")
    assert exc.value.status == 10


def test_timeout():
    agent = FakeAgent(silent)
    try:
        c = DstackClient(agent.path, timeout=0.3)
        with pytest.raises(AgentTimeoutError):
            c.info()
        assert c.is_reachable() is False
    finally:
        agent.close()


def test_invalid_timeout():
    with pytest.raises(ValueError):
        DstackClient("/tmp/x.sock", timeout=0)


def test_https_unsupported():
    with pytest.raises(UnsupportedError):
        DstackClient("https://example.invalid").get_key("a")


def test_legacy_agent(legacy_simulator):
    c = DstackClient(legacy_simulator.dstack)
    assert c.get_key("a", "p").key == KEY_A_P
    with pytest.raises(RuntimeError) as exc:  # UnsupportedError is a RuntimeError, like upstream
        c.get_key("a", "p", "ed25519")
    assert isinstance(exc.value, UnsupportedError)
    with pytest.raises(UnsupportedError):
        c.get_tls_key(not_after=2_000_000_000)
    with pytest.raises(DstackError):
        c.version()
    assert c.get_tls_key("ok").certificate_chain  # plain TLS keys still work


# ------------------------------------------------------------------- tappd


def test_tappd_client(simulator):
    with pytest.warns(DeprecationWarning):
        t = TappdClient(simulator.tappd)
    assert t.get_key("a", "p").key == KEY_A_P  # DeriveK256Key
    with pytest.warns(DeprecationWarning):
        d1 = t.derive_key("api", "example.com", ["localhost"])
    with pytest.warns(DeprecationWarning):
        d2 = t.derive_key("api", "example.com", ["localhost"])
    assert d1.key == d2.key  # DeriveKey is deterministic in path
    assert t.get_tls_key("r").key != t.get_tls_key("r").key  # random_seed
    with pytest.warns(DeprecationWarning):
        q = t.tdx_quote(b"raw-data")
    assert q.decode_report_data() == b"raw-data".ljust(64, b"\0")
    q.verify_event_log()
    with pytest.warns(DeprecationWarning):
        h = t.tdx_quote(b"hashed", "sha256")
    expected = hashlib.sha256(b"app-data:hashed").digest().ljust(64, b"\0")  # PROTOCOL §2.2
    assert h.parse_quote().report_data == expected.hex()
    assert t.info().app_id == APP_ID
    assert t.is_reachable()
    with pytest.raises(UnsupportedError):
        t.sign("ed25519", b"x")


def test_async_tappd_client(simulator):
    async def main():
        with pytest.warns(DeprecationWarning):
            t = AsyncTappdClient(simulator.tappd)
        assert (await t.get_key("a", "p")).key == KEY_A_P
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert (await t.derive_key("p")).certificate_chain
            q = await t.tdx_quote(b"x" * 64, "raw")
        assert q.decode_report_data() == b"x" * 64
        assert (await t.info()).app_id == APP_ID

    asyncio.run(main())


def test_dstack_client_deprecated_shims(client):
    with pytest.warns(DeprecationWarning):
        t = client.derive_key("api", "example.com", ["localhost"])
    leaf = x509.load_pem_x509_certificate(t.certificate_chain[0].encode())
    assert leaf.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == "example.com"
    with pytest.warns(DeprecationWarning):
        with pytest.raises(ValueError):
            client.tdx_quote(b"x", "sha256")
