"""The bounds of one request: a wall-clock deadline and a cap on the body read.

httpx's timeouts bound each socket operation, so a server trickling a byte a second never trips
them. Here every read, write and connect of the socket gets at most the time left until the
request's deadline (a context variable set around the request), so the whole exchange, headers
included, ends on time. The body is read in chunks and given up once it passes the cap.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

__all__ = [
    "BodyTooLarge",
    "Deadline",
    "bound_by_deadline",
    "current_deadline",
    "deadline_scope",
    "read_capped",
]

_KEPT = 64_000  # of an over-large body, what the recorded exchange keeps


@dataclass(frozen=True)
class Deadline:
    """When a request must be done (``time.monotonic()``) and why (for the message)."""

    at: float
    reason: str

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.at


_current: ContextVar[Deadline | None] = ContextVar("ocpi_request_deadline", default=None)


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def current_deadline() -> Deadline | None:
    return _current.get()


def _bounded(timeout: float | None) -> float | None:
    deadline = _current.get()
    if deadline is None:
        return timeout
    remaining = deadline.at - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout(deadline.reason)
    return remaining if timeout is None else min(timeout, remaining)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_by_deadline(transport: httpx.BaseTransport) -> httpx.BaseTransport:
    """Make an ``httpx.HTTPTransport`` honour the deadline of :func:`deadline_scope`.

    httpx has no public hook for its network backend; its connection pool keeps one, which we
    wrap. Other transports (e.g. WSGI in tests) are left as they are."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is not None and not isinstance(backend, _Backend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport


class BodyTooLarge(Exception):
    """The body passed the cap; ``head`` is its first bytes, for the record."""

    def __init__(self, cap: int, head: bytes, response: httpx.Response) -> None:
        super().__init__(f"the body is larger than {cap} bytes (the cap): read stopped there")
        self.cap = cap
        self.head = head
        self.response = response


def read_capped(response: httpx.Response, request: httpx.Request, cap: int) -> httpx.Response:
    """Read ``response``'s body, at most ``cap`` bytes (raw and decoded); a read response."""
    try:
        content = response.content  # already read (in-memory transports)
    except httpx.ResponseNotRead:
        pass
    else:
        if len(content) > cap:
            raise BodyTooLarge(cap, content[:_KEPT], response)
        return response
    raw = bytearray()
    for chunk in response.iter_raw():
        raw += chunk
        if len(raw) > cap:
            response.close()
            raise BodyTooLarge(cap, bytes(raw[:_KEPT]), response)
    response.close()
    read = httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(bytes(raw)),
        request=request,
        extensions=response.extensions,
    )
    content = read.read()
    if len(content) > cap:  # a small compressed body that inflates past the cap
        raise BodyTooLarge(cap, content[:_KEPT], response)
    return read
