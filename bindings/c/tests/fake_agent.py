#!/usr/bin/env python3
"""A hostile (and a few well-behaved but unusual) fake guest agents for libdstack tests.

Usage: fake_agent.py DIR
Serves one Unix socket per behaviour in DIR and prints "ready" when all listen:
  garbage.sock    answers bytes that are not HTTP
  truncate.sock   declares Content-Length 100 and sends 10 body bytes, then closes
  stall.sock      reads the request and never answers
  close.sock      reads the request and closes without a byte
  huge.sock       declares Content-Length 100000000 and then sends nothing more
  hugestream.sock sends a 100 MB body without Content-Length (ends at close), as fast as read
  hugechunk.sock  sends a 100 MB chunked body, as fast as read
  html404.sock    answers Rocket's HTML 404 page
  error400.sock   answers 400 with a pretty-printed {"error": ...} body
  badjson.sock    answers 200 with a body that is not the RPC's JSON
  chunked.sock    answers Version with a chunked body
  stale.sock      answers Version and then closes the keep-alive connection silently
  oldagent.sock   an agent without Version: 400 "Service not found: Version"; any other
                  method answers 500 so a request that should not be sent is noticed
Only the Python standard library is used.
"""
import os
import socket
import sys
import threading
import time


def read_request(rfile):
    """Reads one request; returns its path or None at EOF."""
    line = rfile.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    path = parts[1] if len(parts) > 1 else ""
    length = 0
    while True:
        h = rfile.readline()
        if not h or h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        rfile.read(length)
    return path


def response(status, reason, body, ctype="application/json", extra=""):
    if isinstance(body, str):
        body = body.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


VERSION_BODY = '{"version":"0.5.8","rev":"git:0123456789abcdef0123"}'
HTML_404 = (
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>404 Not Found</title>\n</head>\n<body align=\"center\">\n<div role=\"main\" "
    "align=\"center\">\n<h1>404: Not Found</h1>\n<p>The requested resource could not be "
    "found.</p>\n<hr />\n</div>\n<div role=\"contentinfo\" align=\"center\">\n<small>Rocket"
    "</small>\n</div>\n</body>\n</html>"
)


def serve(kind, conn):
    rfile = conn.makefile("rb")
    try:
        while True:
            path = read_request(rfile)
            if path is None:
                return
            if kind == "garbage":
                conn.sendall(b"\x00\x01garbage that is not HTTP at all\r\n\r\n")
                return
            if kind == "truncate":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100\r\n\r\n{\"version\"")
                return
            if kind == "stall":
                time.sleep(30)
                return
            if kind == "close":
                return
            if kind == "huge":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100000000\r\n\r\n")
                time.sleep(30)
                return
            if kind in ("hugestream", "hugechunk"):
                chunked = kind == "hugechunk"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             + (b"Transfer-Encoding: chunked\r\n" if chunked else b"Connection: close\r\n")
                             + b"\r\n")
                piece = b" " * 65536
                if chunked:
                    piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                for _ in range(100 * 2**20 // 65536):  # 100 MB, until the client hangs up
                    conn.sendall(piece)
                return
            if kind == "html404":
                conn.sendall(response(404, "Not Found", HTML_404, "text/html; charset=utf-8"))
                continue
            if kind == "error400":
                conn.sendall(response(400, "Bad Request",
                                      '{\n  "error": "Unsupported algorithm: \\"rsa\\""\n}'))
                continue
            if kind == "badjson":
                conn.sendall(response(200, "OK", '{"unexpected": [1, 2, 3]}'))
                continue
            if kind == "chunked":
                body = VERSION_BODY.encode()
                a, b = body[:10], body[10:]
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n"
                             + b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\n\r\n" % (len(a), a, len(b), b))
                continue
            if kind == "stale":
                conn.sendall(response(200, "OK", VERSION_BODY))
                return  # keep-alive promised, then closed: the client must reconnect
            if kind == "oldagent":
                if path.endswith("Version"):
                    conn.sendall(response(400, "Bad Request",
                                          '{\n  "error": "Service not found: Version"\n}'))
                else:
                    conn.sendall(response(500, "Internal Server Error",
                                          '{"error": "this request should not have been sent"}'))
                continue
            return
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


KINDS = ["garbage", "truncate", "stall", "close", "huge", "hugestream", "hugechunk", "html404", "error400",
         "badjson", "chunked", "stale", "oldagent"]


def main():
    d = sys.argv[1]
    servers = []
    for k in KINDS:
        p = os.path.join(d, k + ".sock")
        if os.path.exists(p):
            os.unlink(p)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(p)
        s.listen(16)
        servers.append((k, s))

    def accept_loop(kind, s):
        while True:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(kind, conn), daemon=True).start()

    for k, s in servers:
        threading.Thread(target=accept_loop, args=(k, s), daemon=True).start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
