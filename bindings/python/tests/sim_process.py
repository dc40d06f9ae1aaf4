"""Start and stop the bundled dstack-simulator in a temporary directory (tests and bench)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "testdata" / "fixtures"
APP_ID = "5bb4ff9a3837357f19dc176407a5709c62eb6c56"


@dataclass
class Simulator:
    dir: Path
    dstack: str
    tappd: str
    http: Optional[str]
    proc: subprocess.Popen


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free TCP port")


def start(extra: List[str], listen_port: Optional[int] = None) -> Simulator:
    """Run the simulator (``DSTACK_SIMULATOR_BIN``, default target/release) until it prints ``ready``."""
    binary = Path(os.environ.get("DSTACK_SIMULATOR_BIN", REPO / "target" / "release" / "dstack-simulator"))
    if not binary.is_file():
        raise RuntimeError(f"simulator not built: {binary} (cargo build --release -p dstack-simulator)")
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
        raise RuntimeError("simulator did not become ready: " + "".join(lines))
    # keep draining output so the simulator never blocks on a full pipe
    threading.Thread(target=lambda: proc.stdout and proc.stdout.read(), daemon=True).start()
    return Simulator(workdir, info["dstack"], info["tappd"], info.get("http"), proc)


def stop(sim: Simulator) -> None:
    sim.proc.terminate()
    try:
        sim.proc.wait(10)
    except subprocess.TimeoutExpired:
        sim.proc.kill()
        sim.proc.wait()
    shutil.rmtree(sim.dir, ignore_errors=True)
