"""Small hostile HTTP servers on loopback for the client's and the suite's hardening tests:
one that trickles its answer a byte at a time, one that answers a huge body; and the plain
versions discovery such a server answers before its hostile part."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Answer = Callable[[str], bytes]  # request line → whole HTTP response


def envelope_answer(body: bytes, extra_headers: str = "") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n{extra_headers}\r\n".encode()
        + body
    )


def ocpi_body(data: object, stamp: str = "2026-01-01T00:00:00Z") -> bytes:
    """An OCPI envelope around ``data`` (status 1000)."""
    return json.dumps({"data": data, "status_code": 1000, "timestamp": stamp}).encode()


def discovery_answer(base: str, path: str) -> bytes | None:
    """The answer to ``path`` if it is the versions list (2.2.1 only) or the 2.2.1 details
    (credentials, and locations as a Sender at ``{base}/locations``); None otherwise."""
    if path.startswith("/ocpi/versions"):
        return envelope_answer(ocpi_body([{"version": "2.2.1", "url": f"{base}/ocpi/2.2.1"}]))
    if path == "/ocpi/2.2.1":
        endpoints = [
            {"identifier": "credentials", "role": "RECEIVER", "url": f"{base}/cred"},
            {"identifier": "locations", "role": "SENDER", "url": f"{base}/locations"},
        ]
        return envelope_answer(ocpi_body({"version": "2.2.1", "endpoints": endpoints}))
    return None


@contextmanager
def serve_raw(
    answer: Answer, pace: float = 0.0, chunk: int = 1 << 16, fast_head: bool = False
) -> Iterator[str]:
    """Serve ``answer(request_line)`` on a free loopback port, ``chunk`` bytes every ``pace``
    seconds (with ``fast_head`` the headers at once); yields the base URL."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:
                line = self.rfile.readline().decode("latin-1")
                if not line:
                    return
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                data = answer(line)
                first = data.index(b"\r\n\r\n") + 4 if fast_head else 0
                try:
                    self.wfile.write(data[:first])
                    for start in range(first, len(data), chunk):
                        self.wfile.write(data[start : start + chunk])
                        self.wfile.flush()
                        if pace:
                            time.sleep(pace)
                except OSError:
                    return

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
