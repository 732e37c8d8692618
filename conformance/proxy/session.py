"""A proxy session: the listeners, the forwarding between them, and the traffic they saw.

The front listener stands for B (the upstream): A is given its versions URL. The back listener
stands for A: B reaches A through it once A's URLs have been rewritten. Without a back
listener of its own, the back side is served under ``/_back`` of the front listener.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from waitress.server import create_server

from conformance.proxy.forward import MAX_BODY, Forwarder, Route, Traffic, downstream_learner
from conformance.proxy.judge import Judge, Side
from conformance.proxy.rewrite import Rewriter, origin_of
from ocpi_core.client import DEFAULT_TIMEOUT

__all__ = ["BACK_PREFIX", "ProxyOptions", "ProxySession"]

BACK_PREFIX = "/_back"


@dataclass(frozen=True)
class ProxyOptions:
    """What ``ocpi-conformance proxy`` was told."""

    upstream: str  # B's versions URL
    listen: tuple[str, int] = ("127.0.0.1", 8090)
    back_listen: tuple[str, int] | None = None
    downstream: str | None = None  # A's versions URL, when known in advance
    version: str = "2.2.1"  # the version assumed until the traffic names one
    role: str = "CPO"  # B's role, for the reports
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    verify: ssl.SSLContext | bool = True  # TLS towards the real parties (ocpi_core.tls)
    warnings: tuple[str, ...] = ()  # about the proxy's own run (--insecure), in every report
    threads: int = 8


class _Dispatch:
    """The WSGI app of a listener, set once the listeners' URLs are known."""

    def __init__(self) -> None:
        self.front: Callable[..., Any] | None = None
        self.back: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if self.back is not None and (path == BACK_PREFIX or path.startswith(BACK_PREFIX + "/")):
            environ = {**environ, "PATH_INFO": path[len(BACK_PREFIX) :]}
            return self.back(environ, start_response)
        assert self.front is not None
        return self.front(environ, start_response)


def _base(server: Any, host: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{server.effective_port}"


@dataclass
class ProxySession:
    """Both listeners serving on daemon threads; ``stop()`` ends them."""

    options: ProxyOptions
    console: Callable[[str], None]
    judge: Judge = field(init=False)
    traffic: Traffic = field(default_factory=Traffic)
    rewriter: Rewriter = field(default_factory=Rewriter)
    front_base: str = ""
    back_base: str = ""
    _servers: list[Any] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _http: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.judge = Judge(default_version=self.options.version)

    @property
    def a(self) -> Side:
        return Side("A", "platform A (calls the front listener)")

    @property
    def b(self) -> Side:
        return Side("B", f"platform B ({origin_of(self.options.upstream)})")

    @property
    def versions_url(self) -> str:
        """The versions URL to give platform A instead of B's."""
        parts = urlsplit(self.options.upstream)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.front_base}{parts.path}{query}"

    def start(self) -> ProxySession:
        o = self.options
        limits = {"max_request_body_size": MAX_BODY + 1, "threads": o.threads}
        front_app, back_app = _Dispatch(), _Dispatch()
        front = create_server(front_app, host=o.listen[0], port=o.listen[1], **limits)
        self._servers.append(front)
        self.front_base = _base(front, o.listen[0])
        if o.back_listen is not None:
            back = create_server(back_app, host=o.back_listen[0], port=o.back_listen[1], **limits)
            self._servers.append(back)
            self.back_base = _base(back, o.back_listen[0])
        else:
            self.back_base = self.front_base + BACK_PREFIX
        self._http = httpx.Client(timeout=o.timeout, verify=o.verify, follow_redirects=False)
        upstream, downstream = Route(origin_of(o.upstream)), Route()
        self.rewriter.add(upstream.origin, self.front_base)
        self.judge.versions_url(o.upstream)
        learn = downstream_learner(downstream, self.rewriter, self.back_base, self.judge)
        if o.downstream:
            learn(o.downstream)
        common = {
            "rewriter": self.rewriter,
            "judge": self.judge,
            "traffic": self.traffic,
            "http": self._http,
            "console": self.console,
        }
        to_b = Forwarder(upstream, self.b, self.a, learn_downstream=learn, **common)
        to_a = Forwarder(downstream, self.a, self.b, **common)
        front_app.front = to_b
        if o.back_listen is None:
            front_app.back = to_a
        else:
            back_app.front = to_a
        for server in self._servers:
            thread = threading.Thread(target=server.run, daemon=True, name="ocpi-proxy")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
            channels = server._map

            def close_all(channels: dict[Any, Any] = channels) -> None:
                for channel in list(channels.values()):
                    channel.close()

            # closed by the server loop's own thread, which select() would otherwise race
            server.trigger.pull_trigger(close_all)
        for thread in self._threads:
            thread.join(timeout=10)
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> ProxySession:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
