"""Issue 13: code written for the official Python SDK runs unchanged.

Each test pins one official behaviour (name, signature, default, warning,
result).  The pydantic models below are written from the official field lists
so that our output can be compared with what pydantic itself produces.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import typing
import json
import os
import warnings
from typing import Generic, List, Optional, TypeVar

import pytest
from pydantic import BaseModel, TypeAdapter

import dstack_sdk
from dstack_sdk import (
    AsyncDstackClient,
    AsyncTappdClient,
    DstackClient,
    GetKeyResponse,
    GetQuoteResponse,
    GetTlsKeyResponse,
    InfoResponse,
    TappdClient,
    TcbInfoV03x,
    TcbInfoV05x,
    UnsupportedError,
)
from dstack_sdk import ethereum, solana
from dstack_sdk.get_compose_hash import (
    AppCompose,
    DockerConfig,
    Requirements,
    get_compose_hash,
    preprocess_app_compose,
    sort_object,
    to_deterministic_json,
)

KEY_A_P = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94"


# ------------------------------------------------ the official models, for comparison


class PGetKeyResponse(BaseModel):
    key: str
    signature_chain: List[str]


class PGetTlsKeyResponse(BaseModel):
    key: str
    certificate_chain: List[str]


class PGetQuoteResponse(BaseModel):
    quote: str
    event_log: str
    report_data: str = ""
    vm_config: str = ""


class PSignResponse(BaseModel):
    signature: str
    signature_chain: List[str]
    public_key: str


class PVersionResponse(BaseModel):
    version: str
    rev: str


class PEventLog(BaseModel):
    imr: int
    event_type: int
    digest: str
    event: str
    event_payload: str
    version: Optional[int] = None
    preimage: Optional[str] = None


class PTcbInfo(BaseModel):
    mrtd: str
    rtmr0: str
    rtmr1: str
    rtmr2: str
    rtmr3: str
    app_compose: str
    event_log: List[PEventLog]


class PTcbInfoV05x(PTcbInfo):
    mr_aggregated: str
    os_image_hash: str
    compose_hash: str
    device_id: str


PT = TypeVar("PT", bound=PTcbInfo)


class PInfoResponse(BaseModel, Generic[PT]):
    app_id: str
    instance_id: str
    app_cert: str
    tcb_info: PT
    app_name: str
    device_id: str
    mr_aggregated: str = ""
    os_image_hash: str = ""
    key_provider_info: str
    compose_hash: str
    vm_config: str = ""
    cloud_vendor: str = ""
    cloud_product: str = ""


def _same_as_pydantic(ours, theirs_type) -> None:
    theirs = theirs_type.model_validate(ours.model_dump())
    assert ours.model_dump() == theirs.model_dump()
    assert ours.model_dump_json() == theirs.model_dump_json()
    assert ours.model_dump_json(indent=2) == theirs.model_dump_json(indent=2)
    assert ours.model_dump(exclude_none=True) == theirs.model_dump(exclude_none=True)
    assert ours.model_dump(include={"key", "quote"}) == theirs.model_dump(include={"key", "quote"})


def test_responses_dump_and_validate_as_pydantic(client):
    key = client.get_key("a", "p")
    _same_as_pydantic(key, PGetKeyResponse)
    assert key.model_dump() == {"key": KEY_A_P, "signature_chain": key.signature_chain}  # the key is dumped
    assert "<redacted>" in repr(key) and KEY_A_P not in repr(key)  # and still not printed
    _same_as_pydantic(client.get_tls_key(), PGetTlsKeyResponse)
    _same_as_pydantic(client.get_quote(b"x"), PGetQuoteResponse)
    _same_as_pydantic(client.sign("ed25519", b"m"), PSignResponse)
    _same_as_pydantic(client.version(), PVersionResponse)
    info = client.info()
    assert isinstance(info.tcb_info, TcbInfoV05x)  # as upstream's DstackClient.info
    _same_as_pydantic(info, PInfoResponse[PTcbInfoV05x])

    # model_validate: dicts (unknown keys ignored) and instances; missing fields refused.
    back = GetKeyResponse.model_validate({**key.model_dump(), "unknown": 1})
    assert back == key and GetKeyResponse.model_validate(key) is key
    assert GetKeyResponse.model_validate_json(key.model_dump_json()) == key
    assert InfoResponse.model_validate(info.model_dump()) == info
    with pytest.raises(ValueError, match="Field required"):
        GetKeyResponse.model_validate({"key": KEY_A_P})
    # Constructors ignore unknown keywords, as pydantic's: GetKeyResponse(**agent_json).
    assert GetKeyResponse(**{**key.model_dump(), "extra": "x"}) == key


def test_responses_serialise_as_upstream_in_fastapi(client):
    fastapi = pytest.importorskip("fastapi")
    from fastapi.encoders import jsonable_encoder
    from fastapi.testclient import TestClient

    key = client.get_key("a", "p", "ed25519")
    quote = client.get_quote(b"q")
    assert jsonable_encoder(key) == PGetKeyResponse.model_validate(key.model_dump()).model_dump()
    assert TypeAdapter(GetQuoteResponse).dump_python(quote) == quote.model_dump()

    app = fastapi.FastAPI()

    @app.get("/key")
    def get_key() -> GetKeyResponse:  # annotated: pydantic serialises it
        return key

    @app.get("/raw")
    def raw():  # not annotated: jsonable_encoder
        return key

    @app.get("/quote", response_model=GetQuoteResponse)
    def get_quote():
        return quote

    http = TestClient(app)
    expected = json.loads(PGetKeyResponse.model_validate(key.model_dump()).model_dump_json())
    assert http.get("/key").json() == expected
    assert http.get("/raw").json() == expected
    assert http.get("/quote").json() == json.loads(quote.model_dump_json())


def test_info_parse_response_and_tcb_info_types():
    tcb = {"mrtd": "m", "rtmr0": "0", "rtmr1": "1", "rtmr2": "2", "rtmr3": "3", "app_compose": "{}",
           "event_log": [{"imr": 0, "event_type": 1, "digest": "d", "event": "e", "event_payload": "p"}],
           "rootfs_hash": "r"}
    raw = {"app_id": "a", "instance_id": "i", "app_cert": "c", "tcb_info": json.dumps(tcb), "app_name": "n",
           "device_id": "d", "key_provider_info": "k", "compose_hash": "h", "new_field": 1}
    info = InfoResponse.parse_response(raw, TcbInfoV03x)
    assert isinstance(info.tcb_info, TcbInfoV03x) and info.tcb_info.rootfs_hash == "r"
    assert info.tcb_info.event_log[0].digest == "d"
    assert info.model_dump()["tcb_info"]["event_log"][0] == {**tcb["event_log"][0], "version": None, "preimage": None}


def test_tappd_info_is_v03x(legacy_simulator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        info = TappdClient(legacy_simulator.tappd).info()
    assert isinstance(info.tcb_info, TcbInfoV03x)


def test_missing_socket_raises_file_not_found_at_construction(tmp_path, monkeypatch):
    path = "/non/existent/socket"
    for make in (DstackClient, AsyncDstackClient):
        with pytest.raises(FileNotFoundError, match=f"Unix socket file {path} does not exist"):
            make(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for make in (TappdClient, AsyncTappdClient):
            with pytest.raises(FileNotFoundError, match="does not exist"):
                make(path)
    # The environment variable is checked the same way.
    monkeypatch.setenv("DSTACK_SIMULATOR_ENDPOINT", str(tmp_path / "gone.sock"))
    with pytest.raises(FileNotFoundError):
        DstackClient()
    monkeypatch.delenv("DSTACK_SIMULATOR_ENDPOINT")
    if not any(os.path.exists(p) for p in dstack_sdk.dstack_client.DSTACK_SOCKETS):
        assert dstack_sdk.get_endpoint() == "/var/run/dstack.sock"
        with pytest.raises(FileNotFoundError, match="/var/run/dstack.sock"):
            DstackClient()


def test_https_endpoint_accepted_at_construction():
    c = DstackClient("https://example.invalid")
    assert c.endpoint == "https://example.invalid"
    assert c.is_reachable() is False
    with pytest.raises(UnsupportedError):
        c.get_key("a")
    a = AsyncDstackClient("https://example.invalid")
    with pytest.raises(UnsupportedError):
        asyncio.run(a.info())


def test_missing_names_exist():
    env_module = importlib.import_module("dstack_sdk.encrypt_env_vars")
    assert DstackClient.PATH_PREFIX == "/" and AsyncDstackClient.PATH_PREFIX == "/"
    assert TappdClient.PATH_PREFIX == "/"
    assert env_module.hex_to_bytes("0xab01") == b"\xab\x01" and env_module.hex_to_bytes("ab") == b"\xab"
    assert env_module.bytes_to_hex(b"\x00\xff") == "00ff"
    assert callable(InfoResponse.parse_response)
    assert callable(preprocess_app_compose) and callable(sort_object)


def test_async_tappd_path_prefix(simulator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert AsyncTappdClient(simulator.tappd).PATH_PREFIX == "/prpc/Tappd."


# ----------------------------------------------------------------- compose


def test_sort_object_as_upstream():
    data = {"b": [{"z": 1, "a": None}], "a": {"d": 1, "c": {"f": 2, "e": 1}}, "10": 1, "9": 2}
    out = sort_object(data)
    assert json.dumps(out) == json.dumps(
        {"10": 1, "9": 2, "a": {"c": {"e": 1, "f": 2}, "d": 1}, "b": [{"a": None, "z": 1}]}
    )
    assert sort_object(None) is None and sort_object(5) == 5 and sort_object([3, 1]) == [3, 1]


def test_app_compose_from_dict_makes_objects():
    raw = {"runner": "docker-compose", "docker_config": {"registry": "r", "username": "u", "extra": None},
           "requirements": {"os_version": "0.5"}, "n": float("nan")}
    app = AppCompose.from_dict(raw)
    assert isinstance(app.docker_config, DockerConfig) and app.docker_config.registry == "r"
    assert isinstance(app.requirements, Requirements) and app.requirements.os_version == "0.5"
    # Extras of DockerConfig keep None, as upstream; NaN fields become None, then absent.
    assert app.to_dict() == {"docker_config": {"registry": "r", "username": "u", "extra": None},
                             "requirements": {"os_version": "0.5"}, "runner": "docker-compose"}
    assert raw["docker_config"] == {"registry": "r", "username": "u", "extra": None}


def test_app_compose_object_semantics():
    app = AppCompose(runner="docker-compose", name="n", public_logs=True, custom=1)
    app.name = None  # an attribute set to None is absent
    app.ratio = float("nan")  # NaN becomes None (null)
    app.later = "x"  # any public attribute is a field
    assert app.to_dict() == {"custom": 1, "later": "x", "public_logs": True, "ratio": None,
                             "runner": "docker-compose"}
    assert to_deterministic_json(app) == '{"custom":1,"later":"x","public_logs":true,"ratio":null,"runner":"docker-compose"}'
    # dict and JSON text keep the canonical form of testdata/README.md: null kept.
    assert to_deterministic_json({"runner": "x", "name": None}) == '{"name":null,"runner":"x"}'
    assert get_compose_hash({"runner": "x", "name": None}) != get_compose_hash(AppCompose(runner="x", name=None))


def test_preprocess_app_compose_as_upstream():
    app = AppCompose(runner="nerdctl-compose", bash_script="b", docker_compose_file="c", pre_launch_script="")
    out = preprocess_app_compose(app)
    assert isinstance(out, AppCompose)
    assert out.to_dict() == {"docker_compose_file": "c", "runner": "nerdctl-compose"}
    assert preprocess_app_compose(AppCompose(runner="bash", docker_compose_file="c")).to_dict() == {"runner": "bash"}


def test_nested_proto_keys_follow_javascript():
    # JSON.stringify(sortObject(JSON.parse(text))) drops "__proto__" members.
    text = '{"runner":"x","a":{"__proto__":{"p":1},"b":2},"l":[{"__proto__":null}]}'
    canonical = '{"a":{"b":2},"l":[{}],"runner":"x"}'
    assert to_deterministic_json(json.loads(text)) == canonical
    assert get_compose_hash(json.loads(text)) == hashlib.sha256(canonical.encode()).hexdigest()


# ----------------------------------------------------------- key helpers


def _tls(client):
    return client.get_tls_key()


@pytest.mark.parametrize("fn", ["to_account", "to_account_secure"])
def test_account_warnings_on_tls_keys_are_upstreams(client, fn):
    resp = _tls(client)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(ethereum, fn)(resp)
    [w] = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert str(w.message) == f"{fn}: Please don't use getTlsKey method to get key, use getKey instead."
    assert w.filename == __file__  # points at the caller, as upstream's stacklevel=2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(ethereum, fn)(client.get_key("a"))
    assert not caught


@pytest.mark.parametrize("fn", ["to_keypair", "to_keypair_secure"])
def test_keypair_warnings_on_tls_keys_are_upstreams(client, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(solana, fn)(_tls(client))
    [w] = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert str(w.message) == f"{fn}: Please don't use getTlsKey method to get key, use getKey instead."


def test_to_keypair_returns_a_solders_keypair(client):
    from solders.keypair import Keypair

    key = client.get_key("a", "p")
    for fn in (solana.to_keypair, solana.to_keypair_secure):
        kp = fn(key)
        assert isinstance(kp, Keypair)
        assert kp == Keypair.from_seed(bytes.fromhex(KEY_A_P))


def test_to_account_returns_a_local_account(client):
    from eth_account import Account
    from eth_account.signers.local import LocalAccount

    key = client.get_key("a", "p")
    for fn in (ethereum.to_account, ethereum.to_account_secure):
        acct = fn(key)
        assert isinstance(acct, LocalAccount)
        assert acct.address == Account.from_key(bytes.fromhex(KEY_A_P)).address
        # typed for mypy: the annotation is LocalAccount, not Any
        assert typing.get_type_hints(fn, localns={"LocalAccount": LocalAccount})["return"] is LocalAccount
    from solders.keypair import Keypair

    assert typing.get_type_hints(solana.to_keypair, localns={"Keypair": Keypair})["return"] is Keypair


def test_key_helpers_reject_what_upstream_rejects():
    long_key = GetKeyResponse(key=KEY_A_P + "01", signature_chain=[])
    msg = "The private key must be exactly 32 bytes long, instead of 33 bytes."
    for fn in (ethereum.to_account, ethereum.to_account_secure):
        with pytest.raises(ValueError) as exc:
            fn(long_key)
        assert str(exc.value) == msg
    with pytest.raises(ValueError) as exc:
        ethereum.DstackEthAccount(bytes.fromhex(KEY_A_P + "01"))  # without eth-account: the same text
    assert msg in str(exc.value)
    seed64 = GetKeyResponse(key=KEY_A_P * 2, signature_chain=[])
    for fn in (solana.to_keypair, solana.to_keypair_secure):
        with pytest.raises(ValueError, match=r"expected a sequence of length 32 \(got 64\)"):
            fn(seed64)
    with pytest.raises(ValueError, match=r"expected a sequence of length 32 \(got 64\)"):
        solana.DstackSolanaKeypair(bytes.fromhex(KEY_A_P * 2))


def test_tappd_raw_quote_left_pads_and_warns_as_upstream(simulator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        t = TappdClient(simulator.tappd)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        q = t.tdx_quote(b"\xab", "raw")
        t.derive_key("p")
    texts = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert "tdx_quote is deprecated, please use get_quote instead" in texts
    assert "derive_key is deprecated, please use get_key instead" in texts
    assert q.report_data == "00" * 63 + "ab"
    q.verify_event_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="Report data is too large, it should less then 64 bytes"):
            t.tdx_quote(b"x" * 65, "raw")
