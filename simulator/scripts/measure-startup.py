#!/usr/bin/env python3
"""Start-up time (spawn -> "ready" line) and resident memory of dstack-simulator.

usage: measure-startup.py PATH/TO/dstack-simulator [runs] [extra simulator args...]
Prints median/min/max start-up time over the runs, and VmRSS after start and after a few
requests (GetKey, GetQuote, GetTlsKey, Info)."""
import os, socket, statistics, subprocess, sys, tempfile, time

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1

def call(sock, method, body="{}"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(f"POST /{method} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}".encode())
    while s.recv(65536):
        pass
    s.close()

def main():
    exe = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    extra = sys.argv[3:]
    times, rss_start, rss_after = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            p = subprocess.Popen([exe, "--dir", d, *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for line in p.stdout:
                if line.strip() == "ready":
                    break
            times.append(time.perf_counter() - t0)
            rss_start.append(rss_kib(p.pid))
            sock = os.path.join(d, "dstack.sock")
            for m, b in [("GetKey", '{"path":"a"}'), ("GetQuote", '{"report_data":"00"}'), ("GetTlsKey", '{"usage_ra_tls":true}'), ("Info", "{}")]:
                call(sock, m, b)
            rss_after.append(rss_kib(p.pid))
            p.terminate()
            p.wait()
    ms = [t * 1000 for t in times]
    print(f"start-up to ready: median {statistics.median(ms):.1f} ms, min {min(ms):.1f} ms, max {max(ms):.1f} ms over {runs} runs")
    print(f"VmRSS after ready: median {statistics.median(rss_start)} KiB; after GetKey+GetQuote+GetTlsKey+Info: median {statistics.median(rss_after)} KiB")

main()
