"""Small hostile HTTP servers on loopback for the client's and the suite's hardening tests:
one that trickles its answer a byte at a time, one that answers a huge body."""

from __future__ import annotations

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
