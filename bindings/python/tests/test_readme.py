"""Run every ```python block of the user documentation against the simulator.

The blocks run in document order in one namespace (later blocks use ``client``,
``json``, ``time`` from earlier ones), with ``DSTACK_SIMULATOR_ENDPOINT`` and
``TAPPD_SIMULATOR_ENDPOINT`` pointing at the simulator's sockets.  The docs'
``http://localhost:8090`` is served by the simulator's ``--listen`` when port
8090 is free; otherwise that literal is rewritten to the port actually used.
"""

from __future__ import annotations

import re
import warnings

import pytest

from conftest import TESTDATA

README = TESTDATA / "upstream" / "python-sdk-README.md"

# Blocks that need the internet or a service the simulator does not provide.
# key: a line that identifies the block; value: why it cannot run here.
SKIPPED = {
    "DstackClient(endpoint: str | None = None)": "a signature display, not Python code",
    "AsyncDstackClient(endpoint: str | None = None)": "a signature display, not Python code",
    "response = requests.post('/prpc/GetAppEnvEncryptPubKey?json',":
        "needs a KMS HTTP API (dstack-vmm or Phala Cloud) to fetch the encryption key; "
        "encrypt_env_vars / verify_env_encrypt_public_key are covered by test_vectors.py",
}
# Blocks whose tail needs a third-party network client: the part before the
# marked line runs (the dstack_sdk calls), the rest is skipped.
RUN_UNTIL = {
    "from web3 import Web3": "web3 + an Infura project id (internet)",
    "from solana.rpc.api import Client": "solana-py + Solana RPC (internet); "
    "solana.transaction/solana.system_program no longer exist in current solana-py",
}


# Blocks whose report data is longer than the 64 bytes a quote can hold (73 and
# 82 bytes of JSON): run as written they must fail with ValueError, exactly like
# the official SDK; they are then run again with the data hashed to 32 bytes so
# the rest of the example is exercised.
OVERSIZE = {
    "quote = client.get_quote(application_data.encode())":
        "quote = client.get_quote(hashlib.sha256(application_data.encode()).digest())",
    "quote = client.get_quote(application_state.encode())":
        "quote = client.get_quote(hashlib.sha256(application_state.encode()).digest())",
}


# Lines that fail with the official SDK too: each must raise as written (the
# block is run up to the line), and the block then runs with the fix.
DOC_BUGS = {
    # to_keypair returns a solders Keypair, which has pubkey() and no public_key.
    'print(f"Solana public key: {keypair.public_key}")': (
        AttributeError,
        'print(f"Solana public key: {keypair.pubkey()}")',
    ),
}


def python_blocks():
    text = README.read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_blocks():
    assert len(python_blocks()) >= 15


def test_readme_examples_run(sim_env, capsys):
    blocks = python_blocks()
    namespace = {"__name__": "__main__"}
    http = sim_env.http or ""
    ran, skipped, partial, oversize, doc_bugs = 0, [], [], [], []
    for block in blocks:
        if any(marker in block for marker in SKIPPED):
            skipped.append(block.splitlines()[0])
            continue
        code = block
        for marker, reason in RUN_UNTIL.items():
            if marker in code:
                code = code[: code.index(marker)]
                partial.append(reason)
        if not http.endswith(":8090"):
            code = code.replace("http://localhost:8090", f"http://{http}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for line, fixed in OVERSIZE.items():
                if line in code:
                    with pytest.raises(ValueError, match="at most 64 bytes"):
                        exec(compile(code, f"README block {ran + 1}", "exec"), dict(namespace))
                    code = "import hashlib\n" + code.replace(line, fixed)
                    oversize.append(line)
            for line, (error, fixed) in DOC_BUGS.items():
                if line in code:
                    with pytest.raises(error):
                        exec(compile(code, f"README block {ran + 1}", "exec"), dict(namespace))
                    code = code.replace(line, fixed)
                    doc_bugs.append(line)
            try:
                exec(compile(code, f"README block {ran + 1}", "exec"), namespace)
            except SystemExit as exc:  # the connectivity example exits on failure
                pytest.fail(f"README block exited: {exc}\n{block}")
        ran += 1
    out = capsys.readouterr().out
    # facts printed by the examples
    assert "App ID: 5bb4ff9a3837357f19dc176407a5709c62eb6c56" in out
    assert "Trusted KMS identity: 0217610d74cbd39b6143842c6d8bc310d79da1d82cc9d17f8876376221eda0c38f" in out
    assert "Ethereum address: 0x" in out
    assert "Solana public key: " in out
    assert "RTMR0-3: {0: '" in out
    assert "Key 2: " in out  # asyncio.gather block
    assert len(skipped) == len(SKIPPED)
    assert len(partial) == len(RUN_UNTIL)
    assert len(oversize) == len(OVERSIZE)
    assert len(doc_bugs) == len(DOC_BUGS)
    assert ran == len(blocks) - len(SKIPPED)
    # the concurrent-derivation example only defines a coroutine: run it too
    import asyncio

    keys = asyncio.run(namespace["derive_multiple_keys"]())
    assert len({k.key for k in keys}) == 3
