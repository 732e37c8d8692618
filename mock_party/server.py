"""Serving a WSGI app with waitress, in the foreground or on a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from waitress.server import create_server

from mock_party.server_errors import OcpiChannel

__all__ = ["ServerThread", "create_ocpi_server", "serve_in_thread"]


@dataclass
class ServerThread:
    """A waitress server running on a daemon thread; ``stop()`` ends it."""

    server: Any
    thread: threading.Thread
    host: str
    port: int
    _stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        channels = self.server._map

        def close_all() -> None:
            for channel in list(channels.values()):
                channel.close()

        # The sockets are closed by the loop's own thread (woken by its trigger): closing them
        # from here races with its select() and ends it with EBADF.
        self.server.trigger.pull_trigger(close_all)
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def create_ocpi_server(app: Callable[..., Any], **settings: Any) -> Any:
    """A waitress server for ``app`` (``settings`` are waitress's) whose own error answers
    (bad request line, invalid Content-Length, …) are OCPI envelopes."""
    server = create_server(app, ident="ocpi-mock", **settings)
    server.channel_class = OcpiChannel  # handle_accept builds each connection's channel with it
    return server


def serve_in_thread(
    app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0, threads: int = 8
) -> ServerThread:
    """Start ``app`` on ``host:port`` (0: a free port) and return at once."""
    server = create_ocpi_server(
        app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True
    )
    thread = threading.Thread(
        target=server.run, name=f"waitress-{server.effective_port}", daemon=True
    )
    thread.start()
    return ServerThread(server=server, thread=thread, host=host, port=server.effective_port)
