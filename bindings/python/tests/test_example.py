"""The examples/python demo runs against the simulator."""

import os
import subprocess
import sys

from conftest import APP_ID, REPO

KMS_PUB = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6"  # PROTOCOL §6.1


def test_demo(simulator):
    env = dict(os.environ, DSTACK_SIMULATOR_ENDPOINT=simulator.dstack)
    out = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / "demo.py"), KMS_PUB],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"app id:       {APP_ID}" in out.stdout
    assert f"kms key {KMS_PUB} (trusted)" in out.stdout
    assert "sign:         signature verified locally, key 0" in out.stdout
    assert "event log replay matches the quote" in out.stdout
    assert out.stdout.count("  rtmr") == 4
