"""Shared fixtures: the bundled simulator, vectors and fixtures from ../shared."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
VECTORS = SHARED / "vectors"
FIXTURES = SHARED / "reference" / "fixtures"
APP_ID = "5bb4ff9a3837357f19dc176407a5709c62eb6c56"

# Make `import dstack_sdk` work from the source tree too (the venv normally has it installed).
_SRC = REPO / "bindings" / "python" / "src"
if str(_SRC) not in sys.path:
    sys.path.append(str(_SRC))


def load_vectors(name: str) -> list:
    return json.loads((VECTORS / name).read_text())["cases"]


@dataclass
class Simulator:
    dir: Path
    dstack: str
    tappd: str
    http: Optional[str]
    proc: subprocess.Popen


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free TCP port")


def _start(extra: List[str], listen_port: Optional[int]) -> Simulator:
    binary = Path(os.environ.get("DSTACK_SIMULATOR_BIN", REPO / "target" / "release" / "dstack-simulator"))
    if not binary.is_file():
        pytest.fail(f"simulator not built: {binary} (cargo build --release -p dstack-simulator)")
    workdir = Path(tempfile.mkdtemp(prefix="dstack-sim-"))
    cmd = [
        str(binary),
        "--dir", str(workdir),
        "--app-keys", str(FIXTURES / "simulator_appkeys.json"),
        "--app-id", APP_ID,
        *extra,
    ]
    if listen_port is not None:
        cmd += ["--listen", f"127.0.0.1:{listen_port}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    info: dict = {}
    lines: List[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            key, _, value = line.strip().partition(": ")
            if line.strip() == "ready":
                info["ready"] = True
                return
            info[key] = value

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if "ready" not in info:
        proc.kill()
        pytest.fail("simulator did not become ready: " + "".join(lines))
    # keep draining output so the simulator never blocks on a full pipe
    threading.Thread(target=lambda: proc.stdout and proc.stdout.read(), daemon=True).start()
    return Simulator(workdir, info["dstack"], info["tappd"], info.get("http"), proc)


def _stop(sim: Simulator) -> None:
    sim.proc.terminate()
    try:
        sim.proc.wait(10)
    except subprocess.TimeoutExpired:
        sim.proc.kill()
        sim.proc.wait()


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    # The docs use http://localhost:8090: take that port when it is free.
    sim = _start([], _free_port(8090))
    yield sim
    _stop(sim)


@pytest.fixture(scope="session")
def legacy_simulator() -> Iterator[Simulator]:
    sim = _start(["--legacy"], None)
    yield sim
    _stop(sim)


@pytest.fixture
def client(simulator: Simulator):
    from dstack_sdk import DstackClient

    c = DstackClient(simulator.dstack)
    yield c
    c.close()


@pytest.fixture
def sim_env(simulator: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    monkeypatch.setenv("DSTACK_SIMULATOR_ENDPOINT", simulator.dstack)
    monkeypatch.setenv("TAPPD_SIMULATOR_ENDPOINT", simulator.tappd)
    return simulator
