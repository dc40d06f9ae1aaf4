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
  double.sock     answers every request twice: a GetKey answer whose key is the request's
                  path (zero-padded to 32 bytes), and the same answer again 100 ms later
                  (then counts "double")
  full.sock       listens with a backlog of 0, never accepts, and holds the one pending
                  connection it opened itself: the accept queue is full
  continue.sock   answers "HTTP/1.1 100 Continue" heads without end, as fast as read
  dropemit.sock   answers Version on a connection's first request; counts EmitEvent ("emit")
                  and closes without answering; a later Version on the same connection is
                  counted ("dropped") and closed without answering too
  noread.sock     accepts and never reads (holds the connection 30 s)
  leak500.sock    answers 500 with a GetKey-shaped body (a key, no "error" member)
  early413.sock   reads the request head only, answers 413 with {"error": ...} and closes
                  without reading the body
  control.sock    one line in ("double", "emit", "dropped"), that counter's value out
Only the Python standard library is used.
"""
import json
import os
import socket
import sys
import threading
import time


def read_head(rfile):
    """Reads one request head; returns (path, content length) or None at EOF."""
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
    return path, length


def read_request_body(rfile):
    """Reads one request; returns (path, body) or None at EOF."""
    head = read_head(rfile)
    if head is None:
        return None
    path, length = head
    return path, rfile.read(length) if length else b""


def read_request(rfile):
    """Reads one request; returns its path or None at EOF."""
    req = read_request_body(rfile)
    return None if req is None else req[0]


COUNTS = {"double": 0, "emit": 0, "dropped": 0}
COUNTS_LOCK = threading.Lock()


def count(name):
    with COUNTS_LOCK:
        COUNTS[name] += 1


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


def serve_special(kind, conn, rfile):
    """The behaviours that need more than the request path."""
    if kind == "control":
        name = rfile.readline().decode().strip()
        with COUNTS_LOCK:
            value = COUNTS.get(name, -1)
        conn.sendall(b"%d\n" % value)
        return
    if kind == "noread":
        time.sleep(30)
        return
    if kind == "early413":
        if read_head(rfile) is None:
            return
        conn.sendall(response(413, "Payload Too Large", '{"error": "request body exceeds the limit"}'))
        return  # closes with the body unread
    served = 0
    while True:
        req = read_request_body(rfile)
        if req is None:
            return
        path, body = req
        served += 1
        if kind == "double":
            try:
                asked = json.loads(body).get("path", "")
            except ValueError:
                asked = ""
            key = asked.encode()[:32].ljust(32, b"\0").hex()
            answer = response(200, "OK", json.dumps({"key": key, "signature_chain": ["11" * 65, "22" * 65]}))
            conn.sendall(answer)
            time.sleep(0.1)
            conn.sendall(answer)
            count("double")
        elif kind == "continue":
            for _ in range(100 * 2**20 // 25):  # 100 MB of interim heads, until the client hangs up
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        elif kind == "dropemit":
            if path.endswith("/EmitEvent"):
                count("emit")
                return
            if served > 1:
                count("dropped")
                return
            conn.sendall(response(200, "OK", VERSION_BODY))
        elif kind == "leak500":
            key = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94"
            conn.sendall(response(500, "Internal Server Error",
                                  json.dumps({"key": key, "signature_chain": ["11" * 65, "22" * 65]})))
        else:
            return


SPECIAL = ["control", "noread", "early413", "double", "continue", "dropemit", "leak500"]


def serve(kind, conn):
    rfile = conn.makefile("rb")
    try:
        if kind in SPECIAL:
            serve_special(kind, conn, rfile)
            return
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
        pass  # the client hung up (as it should, e.g. on a flood)
    finally:
        try:
            conn.close()
        except OSError:
            pass


KINDS = ["garbage", "truncate", "stall", "close", "huge", "hugestream", "hugechunk", "html404", "error400",
         "badjson", "chunked", "stale", "oldagent"] + SPECIAL


def fill_accept_queue(path):
    """Opens pending connections to `listener` until its accept queue is full."""
    held = []
    while True:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(path)
        except BlockingIOError:  # EAGAIN: the queue is full
            c.close()
            break
        held.append(c)
    return held


def main():
    d = sys.argv[1]
    servers = []
    full = os.path.join(d, "full.sock")
    if os.path.exists(full):
        os.unlink(full)
    full_listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    full_listener.bind(full)
    full_listener.listen(0)
    held = fill_accept_queue(full)
    assert held, "could not fill the accept queue"
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
    print("ready (full.sock holds %d pending connections)" % len(held), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
