"""The Python runner of `make bench`, for the Python binding and the official SDK alike:
whichever `dstack_sdk` the interpreter imports (the binding through PYTHONPATH, the official
SDK installed in its own virtual environment under .tools/bench/).

    python runner.py getkey SOCKET CALLS WARMUP   sequential DstackClient.get_key calls
    python runner.py cold SOCKET                  import, create a client, one get_key, exit

Prints RESULT <cpu µs per call> <wall µs per call> <calls>: CPU is getrusage(RUSAGE_SELF),
user + system of the whole process.
"""

import resource
import sys
import time

import dstack_sdk


def cpu_us() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return (u.ru_utime + u.ru_stime) * 1e6


def main() -> None:
    mode, sock = sys.argv[1], sys.argv[2]
    client = dstack_sdk.DstackClient(sock)

    def one() -> None:
        r = client.get_key("bench/key", "signing")
        if not r.key:
            raise SystemExit("get_key: empty key")

    if mode == "cold":
        one()
        return
    if mode != "getkey":
        raise SystemExit(f"unknown mode {mode}")
    n, warm = int(sys.argv[3]), int(sys.argv[4])
    for _ in range(warm):
        one()
    c0, t0 = cpu_us(), time.perf_counter()
    for _ in range(n):
        one()
    wall = (time.perf_counter() - t0) * 1e6
    print(f"RESULT {(cpu_us() - c0) / n:.3f} {wall / n:.3f} {n}")
    close = getattr(client, "close", None)
    if close:
        close()


if __name__ == "__main__":
    main()
