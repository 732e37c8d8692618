"""The hostile target: a raw-socket HTTP front on loopback before a real mock party that passes
each request on and spoils the answer the way real servers were seen to.

Two families of spoiling, chosen per answer by a ``Plan`` (deterministic: the same run serves
the same inputs):

- data: the answer's JSON with one schema-driven mutation per object (``_hostile_data``: a wrong
  JSON type anywhere, nulls in every optional field, a list for an object and the reverse), or
  the envelope's own fields of the wrong type;
- transport: a body cut short (with or without a lying Content-Length), a connection reset before
  or during the answer, a body dripped byte by byte slower than the suite's timeout, redirects in
  a loop (to itself, or back and forth), a Link ``next`` to the same page or back to the first,
  a huge page, an HTML or empty body.

The front records every distinct input it served (``tried``), so a test can say how many the
suite met. The mock builds its URLs from the Host header, which the front passes on unchanged,
so every URL the suite follows points at the front again.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from suite import _hostile_data as hd

TRANSPORT_KINDS = (
    "truncated_body",  # Content-Length says more than comes, then the connection closes
    "truncated_json",  # an honest Content-Length for half a JSON document
    "reset_before_answer",
    "reset_mid_body",
    "slow_drip",  # headers at once, then a byte every DRIP_PACE s: never done within --timeout
    "redirect_to_itself",
    "redirect_back_and_forth",
    "link_to_itself",
    "link_back_to_first_page",
    "huge_page",
    "html_body",
    "empty_body",
)
ENVELOPE_KINDS = (
    "data_list_for_object",
    "data_object_for_list",
    "data_a_string",
    "data_items_not_objects",
)
DRIP_PACE = 0.05
HOP = "hostile_hop"
BACK = "hostile_back"
HUGE_OBJECTS = 3_000
Headers = list[tuple[str, str]]


@dataclass
class Plan:
    """What the front spoils: ``data`` mutations, ``transport`` faults (each kind once per
    module), ``handshake`` (versions, details and credentials too, from their first answer on;
    without it each such answer is clean the first time it is asked)."""

    data: bool = True
    transport: bool = False
    handshake: bool = False
    per_object: int = 2  # inputs put into one object at once
    seed: int = 16
    only: tuple[str, ...] = ()  # transport kinds to use (all when empty)
    modules: tuple[str, ...] = ()  # the modules spoiled (all when empty)
    turn: int = 0  # where each module's round of transport kinds starts
    nulls_only: bool = False  # data: only nulls in every optional field (legal by our schemas)


@dataclass
class Answer:
    status: int
    reason: str
    headers: Headers
    body: bytes


@dataclass
class HostileFront:
    upstream: str  # host:port of the mock
    plan: Plan
    tried: set[tuple[str, ...]] = field(default_factory=set)
    spoiled: int = 0  # answers spoiled (an input may be served more than once)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _orders: dict[str, list[int]] = field(default_factory=dict)
    _answers: dict[tuple[str, str], int] = field(default_factory=dict)

    # -- choosing --------------------------------------------------------------------------
    def _claim(self, key: tuple[str, ...]) -> bool:
        """Whether ``key`` is a new input (then it is recorded as tried)."""
        with self._lock:
            if key in self.tried:
                return False
            self.tried.add(key)
            self.spoiled += 1
            return True

    def _first_time(self, method: str, template: str) -> bool:
        with self._lock:
            if (method, template) in self._seen:
                return False
            self._seen.add((method, template))
            return True

    def _order(self, name: str, count: int) -> list[int]:
        """A fixed shuffled order of ``count`` candidates for objects of ``name``."""
        cached = self._orders.get(f"{name}:{count}")
        if cached is None:
            cached = list(range(count))
            random.Random(f"{self.plan.seed}:{name}:{count}").shuffle(cached)
            self._orders[f"{name}:{count}"] = cached
        return cached

    def _count(self, method: str, template: str) -> int:
        """How many answers to ``method template`` came before this one."""
        with self._lock:
            n = self._answers.get((method, template), 0)
            self._answers[(method, template)] = n + 1
            return n

    def _mutate_object(self, version: str, name: str, value: Any) -> tuple[Any, bool]:
        """``value`` with up to ``per_object`` inputs not served before (fewer once all are)."""
        schema = hd.load(version, name)
        if self.plan.nulls_only:
            self._claim((version, name, "$", "nulls_everywhere"))
            return hd.nulls_everywhere(version, value, schema), True
        candidates: list[hd.Mutation | None] = [None]  # None: nulls in every optional field
        for site in hd.sites(version, value, schema):
            holder = value
            for step in site.path:
                holder = holder[step]
            candidates += hd.mutations(site, holder)
        made = 0
        for index in self._order(name, len(candidates)):
            mutation = candidates[index]
            key = (version, name, "$", "nulls_everywhere")
            if mutation is not None:
                key = (version, *mutation.key(name))
            if key in self.tried:
                continue
            try:
                if mutation is None:
                    changed = hd.nulls_everywhere(version, value, schema)
                else:
                    changed = hd.apply(value, mutation)
            except (KeyError, IndexError, TypeError):  # an earlier input removed this field
                continue
            if self._claim(key):
                value, made = changed, made + 1
                if made == self.plan.per_object:
                    break
        return value, made > 0

    def _spoil_envelope(self, module: str, body: dict[str, Any]) -> bool:
        """One envelope-level input not served before for ``module``: the data of the wrong
        shape, or status_code / timestamp / status_message of the wrong type."""
        for kind in ENVELOPE_KINDS:
            wrong = _envelope_data(kind, body["data"])
            if wrong is not _SAME and self._claim(("envelope", module, kind)):
                body["data"] = wrong
                return True
        for name, kinds in (
            ("status_code", ("string", "null", "object")),
            ("timestamp", ("integer", "null", "array")),
            ("status_message", ("array",)),
        ):
            for kind in kinds:
                fresh = name in body and not _is_kind(body[name], kind)
                if fresh and self._claim(("envelope", module, f"{name}:{kind}")):
                    body[name] = hd.bad_value(kind, body[name])
                    return True
        return False

    def _spoil_data(self, method: str, path: str, answer: Answer) -> Answer:
        try:
            body = json.loads(answer.body)
        except ValueError:
            return answer
        if not isinstance(body, dict) or "data" not in body:
            return answer
        module = _module(path)
        # every third answer to the same URL template breaks the envelope, the others the objects
        third = self._count(method, _template(path)) % 3 == 2
        if third and not self.plan.nulls_only and self._spoil_envelope(module, body):
            return _json_answer(answer, body)
        named = hd.schema_of(method, path)
        data = body["data"]
        changed = False
        if named is not None:
            version, name, is_list = named
            if is_list and isinstance(data, list):
                for index, item in enumerate(data):
                    data[index], did = self._mutate_object(version, name, item)
                    changed |= did
            elif not is_list and isinstance(data, dict):
                body["data"], changed = self._mutate_object(version, name, data)
        if not changed and not self.plan.nulls_only:
            changed = self._spoil_envelope(module, body)
        return _json_answer(answer, body) if changed else answer

    # -- serving ---------------------------------------------------------------------------
    def handle(self, conn: socket.socket, rfile: Any) -> None:
        request = _read_request(rfile)
        if request is None:
            return
        method, target, headers, body = request
        split = urlsplit(target)
        query = dict(parse_qsl(split.query))
        module = _module(split.path)
        handshake = module in ("versions", "details", "credentials")
        if HOP in query:  # the second half of a redirect loop: back to where it came from
            del query[HOP]
            return _send(conn, _redirect(_with_query(split.path, query)))
        if BACK in query:  # page two of a Link loop: its next is the first page again
            del query[BACK]
            answer = self._forward(method, _with_query(split.path, query), headers, body)
            first = _with_query(split.path, {k: v for k, v in query.items() if k != "offset"})
            return _send(conn, _with_link(answer, headers, first))
        if self.plan.modules and module not in self.plan.modules:
            return _send(conn, self._forward(method, target, headers, body))
        transport = None
        if self.plan.transport and (not handshake or self.plan.handshake):
            transport = self._transport_kind(method, module, split.path)
        if transport in ("reset_before_answer",):
            return _reset(conn)
        if transport == "redirect_to_itself":
            return _send(conn, _redirect(target))
        if transport == "redirect_back_and_forth":
            return _send(conn, _redirect(_with_query(split.path, {**query, HOP: "1"})))
        answer = self._forward(method, target, headers, body)
        if transport is not None:
            return self._send_spoiled(conn, transport, split.path, query, headers, answer)
        template = _template(split.path)
        spoil_data = self.plan.data and (
            not handshake or self.plan.handshake or not self._first_time(method, template)
        )
        if spoil_data:
            answer = self._spoil_data(method, split.path, answer)
        _send(conn, answer)

    def _transport_kind(self, method: str, module: str, path: str) -> str | None:
        kinds = self.plan.only or TRANSPORT_KINDS
        # each module starts the round at another kind, so the first answer (the walk the
        # module's checks share) meets a different fault in each module
        turn = (sum(map(ord, module)) + self.plan.turn) % len(kinds)
        kinds = kinds[turn:] + kinds[:turn]
        is_list = method == "GET" and _is_list_path(path)
        for kind in kinds:
            if kind in ("link_to_itself", "link_back_to_first_page", "huge_page") and not is_list:
                continue
            if self._claim(("transport", module, kind)):
                return kind
        return None

    def _send_spoiled(
        self,
        conn: socket.socket,
        kind: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        answer: Answer,
    ) -> None:
        if kind == "truncated_body":
            head = _head(answer.status, answer.reason, answer.headers, len(answer.body))
            return _send_raw(conn, head + answer.body[: len(answer.body) // 2])
        if kind == "truncated_json":
            return _send(conn, _replace_body(answer, answer.body[: len(answer.body) // 2]))
        if kind == "reset_mid_body":
            head = _head(answer.status, answer.reason, answer.headers, len(answer.body))
            _send_raw(conn, head + answer.body[: len(answer.body) // 3])
            return _reset(conn)
        if kind == "slow_drip":
            padded = answer.body + b" " * 100_000
            head = _head(answer.status, answer.reason, answer.headers, len(padded))
            try:
                conn.sendall(head)
                for index in range(len(padded)):
                    conn.sendall(padded[index : index + 1])
                    time.sleep(DRIP_PACE)
            except OSError:
                return None
            return None
        if kind == "link_to_itself":
            return _send(conn, _with_link(answer, headers, _with_query(path, query)))
        if kind == "link_back_to_first_page":
            second = {**query, "offset": str(int(query.get("offset", "0") or 0) + 1), BACK: "1"}
            return _send(conn, _with_link(answer, headers, _with_query(path, second)))
        if kind == "huge_page":
            return _send(conn, _huge(answer))
        if kind == "html_body":
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            return _send(conn, Answer(200, "OK", [("Content-Type", "text/html")], page))
        if kind == "empty_body":
            return _send(conn, _replace_body(answer, b""))
        raise AssertionError(kind)

    def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        host, port = self.upstream.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, response.reason, response.getheaders(), response.read())
        finally:
            conn.close()


_SAME = object()


def _envelope_data(kind: str, data: Any) -> Any:
    if kind == "data_list_for_object" and isinstance(data, dict):
        return [data]
    if kind == "data_object_for_list" and isinstance(data, list):
        return data[0] if data and isinstance(data[0], dict) else {}
    if kind == "data_a_string" and data is not None:
        return "hostile"
    if kind == "data_items_not_objects" and isinstance(data, list):
        return [1, "hostile", None, [], *data]
    return _SAME


def _is_kind(value: Any, kind: str) -> bool:
    return hd._json_type(value) == kind


def _module(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["ocpi", "versions"]:
        return "versions"
    if len(parts) == 2:
        return "details"
    rest = parts[2:]
    if rest and rest[0] in ("sender", "receiver"):
        rest = rest[1:]
    return rest[0] if rest else "details"


def _template(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:4])


def _is_list_path(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    return len(parts) == 4 and parts[2] == "sender" or (len(parts) == 3 and parts[1] == "2.1.1")


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _json_answer(answer: Answer, body: Any) -> Answer:
    return _replace_body(answer, json.dumps(body).encode())


def _replace_body(answer: Answer, raw: bytes) -> Answer:
    return Answer(answer.status, answer.reason, answer.headers, raw)


def _redirect(location: str) -> Answer:
    return Answer(307, "Temporary Redirect", [("Location", location)], b"")


def _with_link(answer: Answer, request_headers: dict[str, str], target: str) -> Answer:
    host = next((v for k, v in request_headers.items() if k.lower() == "host"), "")
    kept = [(k, v) for k, v in answer.headers if k.lower() != "link"]
    kept.append(("Link", f'<http://{host}{target}>; rel="next"'))
    return Answer(answer.status, answer.reason, kept, answer.body)


def _huge(answer: Answer) -> Answer:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return answer
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return answer
    template = data[0]
    copies = []
    for index in range(HUGE_OBJECTS):
        item = dict(template)
        for key in ("id", "uid"):
            if isinstance(item.get(key), str):
                item[key] = f"{item[key][:28]}-{index}"
        copies.append(item)
    body["data"] = copies
    return _json_answer(answer, body)


def _head(status: int, reason: str, headers: Headers, length: int) -> bytes:
    skip = {"content-length", "connection", "transfer-encoding"}
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in skip]
    lines += [f"Content-Length: {length}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _send(conn: socket.socket, answer: Answer) -> None:
    head = _head(answer.status, answer.reason, answer.headers, len(answer.body))
    _send_raw(conn, head + answer.body)


def _send_raw(conn: socket.socket, data: bytes) -> None:
    with suppress(OSError):
        conn.sendall(data)


def _reset(conn: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _read_request(rfile: Any) -> tuple[str, str, dict[str, str], bytes] | None:
    line = rfile.readline(65_536).decode("latin-1")
    if not line.strip():
        return None
    method, target, _ = line.split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = rfile.readline(65_536)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip()] = value.strip()
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while (size := int(rfile.readline().split(b";")[0], 16)) > 0:
            body += rfile.read(size)
            rfile.readline()
        rfile.readline()
        headers = {k: v for k, v in headers.items() if k.lower() != "transfer-encoding"}
        headers["Content-Length"] = str(len(body))
    else:
        body = rfile.read(int(lowered.get("content-length", "0") or 0))
    headers = {k: v for k, v in headers.items() if k.lower() != "connection"}
    return method, target, headers, body


@contextmanager
def hostile_front(upstream_url: str, plan: Plan) -> Iterator[tuple[str, HostileFront]]:
    """Serve a HostileFront before ``upstream_url`` (http://host:port) on a free loopback port;
    yields (the front's base URL, the front)."""
    front = HostileFront(upstream_url.split("://", 1)[1].rstrip("/"), plan)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            front.handle(self.connection, self.rfile)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", front
    finally:
        server.shutdown()
        server.server_close()
