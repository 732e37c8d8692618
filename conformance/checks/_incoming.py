"""What the target sent to our counterpart: its requests, sorted by our endpoints.

Every call the target makes to the counterpart is recorded as an ``incoming`` exchange. Here
they are matched with the counterpart's own endpoints (the module and interface each URL
belongs to) and, for pushed objects, with the schema their body must follow.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.checks._scan import body_json
from conformance.rules.objects import push_schema_for
from conformance.session import Run
from ocpi_core.exchange import Exchange

__all__ = [
    "Incoming",
    "counterpart_endpoint",
    "counterpart_endpoints",
    "incoming",
    "push_schema",
    "pushed_objects",
    "wait_for_request",
]


@dataclass(frozen=True)
class Incoming:
    """One request of the target to our counterpart."""

    exchange: Exchange
    module: str | None  # the counterpart module whose endpoint the URL is under
    role: str | None  # that endpoint's interface role
    segments: tuple[str, ...]  # URL path segments below the endpoint
    body: Any  # the request body as JSON, None when absent or not JSON

    @property
    def method(self) -> str:
        return self.exchange.method


def counterpart_endpoints(ocpi: Run) -> list[tuple[str, str, str]]:
    """(identifier, role, url) of every endpoint our counterpart lists in its version details."""
    return ocpi.counterpart.endpoints(ocpi.config.version)


def counterpart_endpoint(ocpi: Run, module: str, role: str) -> str | None:
    return next((u for m, r, u in counterpart_endpoints(ocpi) if (m, r) == (module, role)), None)


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def incoming(ocpi: Run) -> list[Incoming]:
    """Every request the target made to our counterpart in this run."""
    if not ocpi.registration_attempted:
        return []
    endpoints = sorted(counterpart_endpoints(ocpi), key=lambda e: -len(_path(e[2])))
    found = []
    for exchange in ocpi.recorder:
        if exchange.direction != "incoming":
            continue
        path = _path(exchange.url)
        module = role = None
        segments: tuple[str, ...] = ()
        for identifier, interface, url in endpoints:
            base = _path(url)
            if path == base or path.startswith(base + "/"):
                module, role = identifier, interface
                rest = path[len(base) :].strip("/")
                segments = tuple(unquote(s) for s in rest.split("/")) if rest else ()
                break
        found.append(Incoming(exchange, module, role, segments, body_json(exchange.request_body)))
    return found


def push_schema(request: Incoming) -> str | None:
    """The schema a pushed object must follow, from the module, method and URL depth."""
    return push_schema_for(request.module, request.role, request.method, len(request.segments))


def pushed_objects(ocpi: Run, module: str) -> list[tuple[Incoming, str]]:
    """The objects of ``module`` the target pushed to us, each with its schema name."""
    found = []
    for request in incoming(ocpi):
        if request.module != module or request.body is None:
            continue
        schema = push_schema(request)
        if schema is not None:
            found.append((request, schema))
    return found


def wait_for_request(
    ocpi: Run, urls: Iterable[str], timeout: float, poll: float = 0.05
) -> dict[str, Exchange]:
    """Wait until the target has POSTed to each of ``urls`` (at most ``timeout`` seconds)."""
    wanted = {_path(u): u for u in urls}
    got: dict[str, Exchange] = {}
    deadline = time.monotonic() + timeout
    while True:
        for exchange in ocpi.recorder:
            path = _path(exchange.url)
            if exchange.direction == "incoming" and path in wanted and wanted[path] not in got:
                got[wanted[path]] = exchange
        if len(got) == len(wanted) or time.monotonic() >= deadline:
            return got
        time.sleep(poll)


def settle(ocpi: Run, quiet: float = 0.3, timeout: float = 5.0) -> None:
    """Wait until the target has sent nothing to our counterpart for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    count = sum(1 for e in ocpi.recorder if e.direction == "incoming")
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now_count = sum(1 for e in ocpi.recorder if e.direction == "incoming")
        if now_count != count:
            count, last_change = now_count, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            return
