"""Shared fixtures: the bundled simulator, vectors and fixtures from testdata/."""

from __future__ import annotations

import json
import sys
from typing import Iterator

import pytest

from sim_process import APP_ID, FIXTURES, REPO, Simulator, free_port, start, stop

TESTDATA = REPO / "testdata"
VECTORS = TESTDATA / "vectors"

# Make `import dstack_sdk` work from the source tree too (the venv normally has it installed).
_SRC = REPO / "bindings" / "python" / "src"
if str(_SRC) not in sys.path:
    sys.path.append(str(_SRC))


def load_vectors(name: str) -> list:
    return json.loads((VECTORS / name).read_text())["cases"]


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    # The docs use http://localhost:8090: take that port when it is free.
    sim = start([], free_port(8090))
    yield sim
    stop(sim)


@pytest.fixture(scope="session")
def legacy_simulator() -> Iterator[Simulator]:
    sim = start(["--legacy"])
    yield sim
    stop(sim)


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
