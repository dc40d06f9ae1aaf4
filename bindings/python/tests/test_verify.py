"""dstack_sdk.verify over libdstack_verify: the real Intel-signed quotes of testdata/dcap and
the real GetQuote fixtures, live simulator evidence (GetQuote, Attest, RA-TLS certificates,
one over a real TLS handshake), forged variants of both, and fetch_collateral against a
local PCCS on 127.0.0.1. Times are pinned."""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from conftest import TESTDATA
from sim_process import APP_ID

from dstack_sdk import (
    AttestResponse,
    ExpiredError,
    GetQuoteResponse,
    InvalidArgumentError,
    LibraryNotFoundError,
    VerificationError,
)
from dstack_sdk.verify import (
    EnclaveReport,
    PccsError,
    TcbPolicy,
    TdReport,
    Verification,
    fetch_collateral,
    policy_mask,
    verify_attestation,
    verify_get_quote,
    verify_quote,
    verify_ra_tls_cert,
)

# 2025-06-25T00:00:00Z: inside the window of the 2025-06-19 collateral.
NOW_2025 = 1750809600
# 2026-03-01T00:00:00Z: inside the window of the 2026-02-18 collateral.
NOW_2026 = 1772323200
# The tdx_quote collateral's window: 2025-06-19T10:32:27Z to 2025-07-19T10:00:35Z.
TDX_FROM, TDX_UNTIL = 1750329147, 1752919235
# Validity of the RA-TLS certificates asked for below (2025-01-01 to 2036-01-01).
NOT_BEFORE, NOT_AFTER = 1735689600, 2082758400
INTEL_ROOT_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"


def read(rel: str) -> bytes:
    return (TESTDATA / rel).read_bytes()


def fails(exc_type, check: str, fn, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    e = info.value
    assert e.check == check, f"{e.check}: {e}"
    # The message names the check and the compared values.
    assert str(e).startswith(check + ":")
    if e.expected is not None:
        assert f"expected {e.expected}" in str(e)
    if e.actual is not None:
        assert f"got {e.actual}" in str(e)
    return e


# ---------------------------------------------------------------- real Intel-signed quotes

def test_real_tdx_quote_is_up_to_date_with_every_field():
    quote = read("dcap/tdx_quote")
    col = read("dcap/tdx_quote_collateral.json")
    v = verify_quote(quote, collateral=col, now=NOW_2025)
    assert isinstance(v, Verification)
    assert (v.evidence, v.tee, v.quote_version) == ("quote", "tdx", 4)
    assert v.quote_verified and v.intel_signature_verified and not v.insecure_skip_intel_signature
    assert (v.tcb_status, v.advisory_ids, v.accepted_tcb_statuses) == ("UpToDate", [], ["UpToDate"])
    assert (v.collateral_valid_from, v.collateral_valid_until, v.now) == (TDX_FROM, TDX_UNTIL, NOW_2025)
    assert len(v.ppid) == 16
    assert isinstance(v.quote_body, TdReport)
    # The registers as the quote holds them (header 48 bytes; MRTD at body offset 136).
    assert v.quote_body.mrtd == quote[48 + 136 : 48 + 184]
    assert v.quote_body.rtmr3 == quote[48 + 472 : 48 + 520]
    assert v.report_data == quote[48 + 520 : 48 + 584]
    assert v.quote_body.mr_service_td is None
    assert not v.report_data_checked and not v.event_log_verified
    assert v.rtmrs_verified == [False] * 4 and not v.os_image_hash_verified
    assert (v.runtime_events, v.app_info, v.vm_config, v.certificate) == ([], None, None, None)
    d = v.to_dict()
    for key in ("quote_verified", "event_log_verified", "os_image_hash_verified", "report_data",
                "tcb_status", "advisory_ids", "app_info"):
        assert key in d
    assert d["report_data"] == v.report_data.hex()
    # The same through hex text, a dict of collateral, a str of collateral.
    again = verify_quote("0x" + quote.hex(), collateral=json.loads(col), now=NOW_2025)
    assert again == v
    assert verify_quote(quote, collateral=col.decode(), now=NOW_2025).raw_json == v.raw_json


def test_expected_report_data_is_compared():
    quote, col = read("dcap/tdx_quote"), read("dcap/tdx_quote_collateral.json")
    rd = verify_quote(quote, collateral=col, now=NOW_2025).report_data
    assert verify_quote(quote, collateral=col, now=NOW_2025, expected_report_data=rd).report_data_checked
    other = bytes([rd[0] ^ 1]) + rd[1:]
    e = fails(VerificationError, "report_data", verify_quote, quote, collateral=col, now=NOW_2025,
              expected_report_data=other)
    assert (e.expected, e.actual) == (other.hex(), rd.hex())
    e = fails(InvalidArgumentError, "input", verify_quote, quote, collateral=col, now=NOW_2025,
              expected_report_data=bytes(65))
    assert (e.expected, e.actual) == ("at most 64 bytes", "65 bytes")


def test_collateral_window_edges():
    quote, col = read("dcap/tdx_quote"), read("dcap/tdx_quote_collateral.json")
    verify_quote(quote, collateral=col, now=TDX_FROM)
    verify_quote(quote, collateral=col, now=TDX_UNTIL - 1)
    window = "a time from 2025-06-19T10:32:27Z to before 2025-07-19T10:00:35Z"
    for now, text in ((TDX_FROM - 1, "2025-06-19T10:32:26Z"), (TDX_UNTIL, "2025-07-19T10:00:35Z")):
        e = fails(ExpiredError, "collateral_validity", verify_quote, quote, collateral=col, now=now)
        assert (e.expected, e.actual) == (window, text)
        assert isinstance(e, VerificationError)


def test_real_sgx_quote_and_the_policy():
    quote, col = read("dcap/sgx_quote"), read("dcap/sgx_quote_collateral.json")
    e = fails(VerificationError, "tcb_status", verify_quote, quote, collateral=col, now=NOW_2025)
    assert e.expected == "one of UpToDate"
    assert e.actual == "ConfigurationAndSWHardeningNeeded (advisories INTEL-SA-00289, INTEL-SA-00615)"
    for policy in (["ConfigurationAndSWHardeningNeeded"], "UpToDate, ConfigurationAndSWHardeningNeeded",
                   TcbPolicy.UP_TO_DATE | TcbPolicy.CONFIGURATION_AND_SW_HARDENING_NEEDED, "any",
                   TcbPolicy.ANY):
        v = verify_quote(quote, collateral=col, now=NOW_2025, tcb_policy=policy)
        assert (v.tee, v.quote_version) == ("sgx", 3)
        assert v.tcb_status == "ConfigurationAndSWHardeningNeeded"
        assert v.advisory_ids == ["INTEL-SA-00289", "INTEL-SA-00615"]
        assert isinstance(v.quote_body, EnclaveReport) and len(v.quote_body.mr_enclave) == 32
    assert policy_mask(None) == TcbPolicy.UP_TO_DATE == 1
    assert policy_mask(["OutOfDate", "tdrelaunchadvised"]) == 1 | 16 | 64
    assert policy_mask("any") == TcbPolicy.ANY == 255
    for bad in ("Revoked", ["Fine"], 3.5, True):
        with pytest.raises(InvalidArgumentError):
            policy_mask(bad)
    # Bits outside the policy are refused by the library, not ignored.
    with pytest.raises(InvalidArgumentError) as info:
        verify_quote(quote, collateral=col, now=NOW_2025, tcb_policy=256)
    assert info.value.check is None


def test_outdated_quote_and_forged_quotes_and_collateral():
    col = read("dcap/tdx_quote_outdated_collateral.json")
    fails(VerificationError, "tcb_info", verify_quote, read("dcap/tdx_quote_outdated"), collateral=col,
          now=NOW_2026, tcb_policy="any")
    quote, col = read("dcap/tdx_quote"), read("dcap/tdx_quote_collateral.json")
    for offset, check in ((600, "quote_signature"), (640, "quote_signature"), (700, "qe_report"),
                          (1150, "qe_report")):
        forged = bytearray(quote)
        forged[offset] ^= 1
        fails(VerificationError, check, verify_quote, bytes(forged), collateral=col, now=NOW_2025)
    fails(VerificationError, "quote_format", verify_quote, quote[:1000], collateral=col, now=NOW_2025)
    c = json.loads(col)
    sig = c["tcb_info_signature"]
    c["tcb_info_signature"] = sig[:10] + ("1" if sig[10] == "0" else "0") + sig[11:]
    fails(VerificationError, "collateral_signature", verify_quote, quote, collateral=c, now=NOW_2025)
    fails(VerificationError, "tcb_info", verify_quote, quote, collateral=read("dcap/sgx_quote_collateral.json"),
          now=NOW_2025)
    fails(InvalidArgumentError, "collateral_missing", verify_quote, quote, now=NOW_2025)
    fails(InvalidArgumentError, "collateral_format", verify_quote, quote, collateral={}, now=NOW_2025)
    with pytest.raises(InvalidArgumentError):
        verify_quote("not hex", collateral=col, now=NOW_2025)
    with pytest.raises(InvalidArgumentError):
        verify_quote(quote, collateral=col, now=-1)


# ---------------------------------------------------------------- real GetQuote answers

def test_real_get_quote_fixture_replays_and_decodes_the_app():
    text = read("fixtures/verifier_fixture_tdx-lite-getquote.json").decode()
    answer = json.loads(text)
    v = verify_get_quote(text, now=NOW_2025, insecure_skip_intel_signature=True)
    assert v.evidence == "get_quote" and v.rtmrs_verified == [True] * 4 and v.event_log_verified
    assert not v.intel_signature_verified and v.insecure_skip_intel_signature and not v.quote_verified
    assert v.tcb_status is None and v.ppid == b""
    app = v.app_info
    assert app is not None
    assert app.app_id.hex() == "86b0e55f2fa8e4fb69d890f14f54d5612707646e"
    assert app.compose_hash.hex() == "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9"
    assert app.instance_id.hex() == "050bf89570575fe8fab4cb8f0a62a9e64efe8ead"
    assert app.device_id.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert app.key_provider_name == "kms" and app.system_ready
    assert '"tdx_attestation_variant":"lite"' in (v.vm_config or "")
    events = {e.event: e for e in v.runtime_events}
    assert events["compose-hash"].payload == app.compose_hash
    # The same from a dict, bytes, and the client's response type.
    resp = GetQuoteResponse(quote=answer["quote"], event_log=answer["event_log"], vm_config=answer.get("vm_config", ""))
    for form in (answer, text.encode(), resp):
        assert verify_get_quote(form, now=NOW_2025, insecure_skip_intel_signature=True).app_info == app
    fails(InvalidArgumentError, "collateral_missing", verify_get_quote, text, now=NOW_2025)
    forged = text.replace('\\"event\\":\\"compose-hash\\",\\"event_payload\\":\\"86b0',
                          '\\"event\\":\\"compose-hash\\",\\"event_payload\\":\\"86b1')
    assert forged != text
    e = fails(VerificationError, "rtmr_replay", verify_get_quote, forged, now=NOW_2025,
              insecure_skip_intel_signature=True)
    assert "RTMR3" in str(e) and len(e.expected) == 96 and e.expected != e.actual


# ---------------------------------------------------------------- simulator evidence

def test_simulator_get_quote_verifies_with_the_dev_opt_out_only(client):
    gq = client.get_quote(b"challenge")
    v = verify_get_quote(gq, now=NOW_2025, expected_report_data=b"challenge", insecure_skip_intel_signature=True)
    assert v.report_data_checked and v.report_data[:9] == b"challenge"
    assert v.rtmrs_verified == [True] * 4
    info = client.info()
    app = v.app_info
    assert app is not None
    assert app.app_id.hex() == APP_ID == info.app_id
    assert app.compose_hash.hex() == info.compose_hash
    assert app.instance_id.hex() == info.instance_id
    assert app.mr_aggregated.hex() == info.mr_aggregated
    # Not Intel-signed: refused at the pinned root, with or without collateral.
    for col in (None, read("dcap/tdx_quote_collateral.json")):
        e = fails(VerificationError, "pck_chain_root", verify_get_quote, gq, collateral=col, now=NOW_2025)
        assert INTEL_ROOT_SHA256 in e.expected and "Mock PCK Certificate" in e.actual
    fails(VerificationError, "report_data", verify_get_quote, gq, now=NOW_2025, expected_report_data=b"other",
          insecure_skip_intel_signature=True)
    # Forged: one event payload changed in the log.
    log = json.loads(gq.event_log)
    i = next(i for i, e in enumerate(log) if e.get("event") == "compose-hash")
    p = log[i]["event_payload"]
    log[i]["event_payload"] = ("1" if p[0] == "0" else "0") + p[1:]
    forged = {"quote": gq.quote, "event_log": json.dumps(log), "vm_config": gq.vm_config}
    fails(VerificationError, "rtmr_replay", verify_get_quote, forged, now=NOW_2025,
          insecure_skip_intel_signature=True)
    # Forged: a quote from another call (another report data) under this log still replays,
    # but not to the challenge.
    other = client.get_quote(b"other")
    mixed = {"quote": other.quote, "event_log": gq.event_log}
    fails(VerificationError, "report_data", verify_get_quote, mixed, now=NOW_2025,
          expected_report_data=b"challenge", insecure_skip_intel_signature=True)


def test_simulator_attestation(client):
    att = client.attest(b"nonce")
    raw = att.decode_attestation()
    v = verify_attestation(att, now=NOW_2025, expected_report_data=b"nonce", insecure_skip_intel_signature=True)
    assert v.evidence == "attestation_v1" and v.rtmrs_verified == [True] * 4 and v.report_data_checked
    assert v.app_info is not None and v.app_info.app_id.hex() == APP_ID
    for form in (raw, raw.hex(), "0x" + raw.hex(), json.dumps({"attestation": raw.hex()}),
                 AttestResponse(attestation=raw.hex())):
        assert verify_attestation(form, now=NOW_2025, insecure_skip_intel_signature=True).app_info == v.app_info
    fails(VerificationError, "pck_chain_root", verify_attestation, raw, now=NOW_2025)
    fails(VerificationError, "report_data", verify_attestation, raw, now=NOW_2025, expected_report_data=b"x",
          insecure_skip_intel_signature=True)
    # Forged: truncated, extended, a runtime-event name changed in the stack's own list.
    for bad in (raw[:-1], raw + b"\0", b"\x01\x02"):
        fails(VerificationError, "attestation_format", verify_attestation, bad, now=NOW_2025,
              insecure_skip_intel_signature=True)
    i = raw.rindex(b"system-ready")
    forged = raw[:i] + b"S" + raw[i + 1:]
    fails(VerificationError, "runtime_events", verify_attestation, forged, now=NOW_2025,
          insecure_skip_intel_signature=True)


def ra_tls(client) -> Tuple[str, List[str]]:
    r = client.get_tls_key(subject="ratls.test", alt_names=["localhost"], usage_ra_tls=True,
                           not_before=NOT_BEFORE, not_after=NOT_AFTER, with_app_info=True)
    return r.key, r.certificate_chain


def der_of(pem: str) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem)


def test_simulator_ra_tls_certificate(client):
    _, chain = ra_tls(client)
    v = verify_ra_tls_cert(chain[0], now=NOW_2025, insecure_skip_intel_signature=True)
    assert v.evidence == "ra_tls_cert" and v.report_data_checked
    assert v.rtmrs_verified == [False, False, False, True] and v.event_log_verified
    cert = v.certificate
    assert cert is not None and v.app_info is not None
    assert cert.app_id == v.app_info.app_id and v.app_info.app_id.hex() == APP_ID
    assert (cert.not_before, cert.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert cert.app_info_extension and cert.attestation_source == "attestation"
    assert "ratls.test" in cert.subject
    # DER, PEM bytes, the whole chain as PEM (its leaf is taken): the same result.
    der = der_of(chain[0])
    for form in (der, chain[0].encode(), "\n".join(chain)):
        assert verify_ra_tls_cert(form, now=NOW_2025, insecure_skip_intel_signature=True) == v
    fails(VerificationError, "pck_chain_root", verify_ra_tls_cert, der, now=NOW_2025)
    e = fails(ExpiredError, "certificate_validity", verify_ra_tls_cert, der, now=NOT_BEFORE - 1,
              insecure_skip_intel_signature=True)
    assert e.actual == "2024-12-31T23:59:59Z"
    # Forged: another key in the certificate.
    i = der.index(cert.public_key_der) + len(cert.public_key_der) - 1
    forged = der[:i] + bytes([der[i] ^ 1]) + der[i + 1:]
    fails(VerificationError, "ra_tls_binding", verify_ra_tls_cert, forged, now=NOW_2025,
          insecure_skip_intel_signature=True)
    # The CA certificate carries no attestation; text that is not PEM is refused.
    fails(VerificationError, "certificate_format", verify_ra_tls_cert, chain[1], now=NOW_2025,
          insecure_skip_intel_signature=True)
    with pytest.raises(InvalidArgumentError):
        verify_ra_tls_cert(der.hex(), now=NOW_2025)


def test_committed_ra_tls_sample():
    pem = read("ratls/simulator_ra_tls_cert.pem")
    v = verify_ra_tls_cert(pem, now=NOW_2025, insecure_skip_intel_signature=True)
    assert v.certificate is not None and v.certificate.app_id == v.app_info.app_id
    fails(VerificationError, "pck_chain_root", verify_ra_tls_cert, pem, now=NOW_2025)


def test_ra_tls_over_a_real_tls_handshake(client, tmp_path: Path):
    """The natural hook: a TLS server presents the RA-TLS certificate; the client takes the
    peer's DER (no CA check: the attestation bound to the key authenticates it)."""
    key, chain = ra_tls(client)
    (tmp_path / "key.pem").write_text(key)
    (tmp_path / "chain.pem").write_text("".join(chain))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "chain.pem", tmp_path / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port)) as raw_sock:
        with client_ctx.wrap_socket(raw_sock, server_hostname="localhost") as tls:
            peer = tls.getpeercert(binary_form=True)
            v = verify_ra_tls_cert(peer, now=NOW_2025, insecure_skip_intel_signature=True)
            tls.send(b"x")
    t.join(5)
    listener.close()
    assert v.app_info is not None and v.app_info.app_id.hex() == APP_ID


# ---------------------------------------------------------------- fetch_collateral

class Pccs:
    """A PCCS on 127.0.0.1 answering from testdata/dcap/tdx_quote_collateral.json, in the
    shape a PCCS answers (bodies, URL-encoded issuer-chain headers). `mode` breaks it."""

    def __init__(self) -> None:
        c = json.loads(read("dcap/tdx_quote_collateral.json"))
        enc = lambda pem: urllib.parse.quote(pem, safe="")  # noqa: E731
        self.answers: Dict[str, Tuple[bytes, Dict[str, str]]] = {
            "/sgx/certification/v4/pckcrl": (bytes.fromhex(c["pck_crl"]),
                                            {"SGX-PCK-CRL-Issuer-Chain": enc(c["pck_crl_issuer_chain"])}),
            "/tdx/certification/v4/tcb": (
                f'{{"tcbInfo":{c["tcb_info"]},"signature":"{c["tcb_info_signature"]}"}}'.encode(),
                {"TCB-Info-Issuer-Chain": enc(c["tcb_info_issuer_chain"])}),
            "/tdx/certification/v4/qe/identity": (
                f'{{"enclaveIdentity":{c["qe_identity"]},"signature":"{c["qe_identity_signature"]}"}}'.encode(),
                {"SGX-Enclave-Identity-Issuer-Chain": enc(c["qe_identity_issuer_chain"])}),
            "/sgx/certification/v4/rootcacrl": (c["root_ca_crl"].encode(), {}),
        }
        self.paths: List[str] = []
        self.mode: Optional[str] = None
        pccs = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                pccs.paths.append(self.path)
                path = self.path.split("?")[0]
                if path not in pccs.answers or (pccs.mode == "404" and path.endswith("/tcb")):
                    self.send_error(404, "no such collateral")
                    return
                body, headers = pccs.answers[path]
                if pccs.mode == "sgx-header" and path.endswith("/tcb"):
                    headers = {"SGX-TCB-Info-Issuer-Chain": headers["TCB-Info-Issuer-Chain"]}
                if pccs.mode == "no-header" and path.endswith("/identity"):
                    headers = {}
                if pccs.mode == "bad-body" and path.endswith("/tcb"):
                    body = b'{"signature":"00"}'
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pccs() -> Iterator[Pccs]:
    p = Pccs()
    yield p
    p.close()


def test_fetch_collateral_builds_the_urls_and_the_collateral_verifies(pccs: Pccs):
    quote = read("dcap/tdx_quote")
    col = fetch_collateral(pccs.url + "/sgx/certification/v4/", quote)
    assert pccs.paths[0] == "/sgx/certification/v4/pckcrl?ca=platform&encoding=der"
    assert pccs.paths[1].startswith("/tdx/certification/v4/tcb?fmspc=") and pccs.paths[1].endswith("&update=standard")
    assert len(pccs.paths[1].split("fmspc=")[1].split("&")[0]) == 12
    assert pccs.paths[2:] == ["/tdx/certification/v4/qe/identity?update=standard", "/sgx/certification/v4/rootcacrl"]
    v = verify_quote(quote, collateral=col, now=NOW_2025)
    assert v.tcb_status == "UpToDate"
    # The quote as hex, and the SGX spelling of the TCB issuer-chain header.
    pccs.mode = "sgx-header"
    assert verify_quote(quote, collateral=fetch_collateral(pccs.url, quote.hex()), now=NOW_2025).tcb_status == "UpToDate"
    # Evidence that holds a quote: the URLs name that quote's platform.
    pccs.paths.clear()
    gq = read("fixtures/verifier_fixture_tdx-lite-getquote.json").decode()
    fetch_collateral(pccs.url, gq)
    assert pccs.paths[1].startswith("/tdx/certification/v4/tcb?fmspc=")


def test_fetch_collateral_errors(pccs: Pccs):
    quote = read("dcap/tdx_quote")
    pccs.mode = "404"
    with pytest.raises(PccsError) as info:
        fetch_collateral(pccs.url, quote)
    assert info.value.http_status == 404 and "/tdx/certification/v4/tcb?fmspc=" in info.value.url
    assert "HTTP 404" in str(info.value)
    pccs.mode = "no-header"
    with pytest.raises(PccsError) as info:
        fetch_collateral(pccs.url, quote)
    assert "SGX-Enclave-Identity-Issuer-Chain" in str(info.value) and info.value.http_status is None
    pccs.mode = "bad-body"
    e = fails(InvalidArgumentError, "collateral_format", fetch_collateral, pccs.url, quote)
    assert "tcbInfo" in str(e)
    # Nothing listens; no quote; no URL.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with pytest.raises(PccsError):
        fetch_collateral(f"http://127.0.0.1:{dead}", quote, timeout=5)
    fails(VerificationError, "quote_format", fetch_collateral, pccs.url, b"junk")
    with pytest.raises(InvalidArgumentError):
        fetch_collateral("", quote)


# ---------------------------------------------------------------- loading

def test_a_library_without_the_verify_functions_is_refused(tmp_path: Path):
    import dstack_sdk

    libdstack = dstack_sdk.library_path()
    child = (
        "import dstack_sdk.verify as v\n"
        "try:\n    v.library_path()\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    env = dict(os.environ, LIBDSTACK_VERIFY_PATH=libdstack)
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.startswith("LibraryNotFoundError") and "dstack_verify_quote" in out
    assert "cargo build --release -p dstack-verify-ffi" in out
    env["LIBDSTACK_VERIFY_PATH"] = str(tmp_path / "missing.so")
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.startswith("LibraryNotFoundError") and "missing.so" in out
    assert issubclass(LibraryNotFoundError, Exception)
