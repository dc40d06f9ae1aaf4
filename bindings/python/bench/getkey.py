"""get_key latency through libdstack: N sequential calls, then batches of 100 concurrent calls.

Usage: python bench/getkey.py [N]   (default 1000)

Uses DSTACK_SIMULATOR_ENDPOINT when set, otherwise starts the bundled simulator
(target/release/dstack-simulator, or DSTACK_SIMULATOR_BIN) in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # sim_process
try:
    import dstack_sdk
except ImportError:  # not installed: use the source tree
    sys.path.insert(0, str(HERE.parent / "src"))
    import dstack_sdk

import sim_process


def line(what: str, calls: int, seconds: float) -> str:
    return f"{what}: {calls} calls, {seconds / calls * 1e6:.1f} µs/call, {calls / seconds:.0f} calls/s"


def sequential(endpoint: str, n: int) -> str:
    client = dstack_sdk.DstackClient(endpoint)
    try:
        for i in range(50):  # warm the connection pool
            client.get_key(f"warm/{i}")
        t0 = time.perf_counter()
        for i in range(n):
            client.get_key(f"seq/{i}", "bench")
        return line("sync sequential", n, time.perf_counter() - t0)
    finally:
        client.close()


async def concurrent(endpoint: str, n: int) -> str:
    client = dstack_sdk.AsyncDstackClient(endpoint)
    try:
        await asyncio.gather(*(client.get_key(f"warm/{i}") for i in range(100)))
        rounds = max(1, n // 100)
        t0 = time.perf_counter()
        for r in range(rounds):
            await asyncio.gather(*(client.get_key(f"par/{r}/{i}", "bench") for i in range(100)))
        seconds = time.perf_counter() - t0
        workers = min(32, (os.cpu_count() or 1) + 4)  # asyncio.to_thread's default executor
        return line(f"async gather of 100 x {rounds} ({workers} worker threads)", rounds * 100, seconds)
    finally:
        client.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if n < 1:
        raise SystemExit("N must be positive")
    endpoint = os.environ.get("DSTACK_SIMULATOR_ENDPOINT")
    sim = None if endpoint else sim_process.start([])
    try:
        target = endpoint or sim.dstack  # type: ignore[union-attr]
        print(f"libdstack {dstack_sdk.library_version()} ({dstack_sdk.library_path()}), endpoint {target}")
        print(sequential(target, n))
        print(asyncio.run(concurrent(target, n)))
    finally:
        if sim is not None:
            sim_process.stop(sim)


if __name__ == "__main__":
    main()
