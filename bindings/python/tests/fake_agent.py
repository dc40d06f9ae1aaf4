"""Tiny Unix-socket servers that misbehave on purpose (slow, silent, gated)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from typing import Callable, List, Optional


class FakeAgent:
    """Accepts connections on a Unix socket and hands each to ``handler`` in a thread."""

    def __init__(self, handler: Callable[[socket.socket], None]) -> None:
        self.dir = tempfile.mkdtemp(prefix="fake-agent-")
        self.path = os.path.join(self.dir, "agent.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(64)
        self.handler = handler
        self.conns: List[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(conn)
        except OSError:
            pass

    def close(self) -> None:
        self.closed.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers + Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def json_response(body: bytes, status: str = "200 OK") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def silent(conn: socket.socket) -> None:
    """Read the request and never answer (until the test closes the server)."""
    read_request(conn)
    threading.Event().wait(60)


def gated(gate: threading.Event, body: bytes, counter: Optional[List[int]] = None,
          barrier: Optional[threading.Barrier] = None) -> Callable[[socket.socket], None]:
    """Answer ``body`` only after ``gate`` is set / all ``barrier`` parties arrived."""

    def handler(conn: socket.socket) -> None:
        while True:
            req = read_request(conn)
            if not req:
                return
            if counter is not None:
                counter.append(1)
            if barrier is not None:
                barrier.wait(20)
            gate.wait(20)
            conn.sendall(json_response(body))

    return handler
