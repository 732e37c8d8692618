"""The forwarding WSGI app: one request in, the same request to the real party, its answer back.

Bodies pass unchanged except for the URL rewrite (:mod:`.rewrite`); hop-by-hop headers are
dropped as any proxy does. Each exchange is recorded with its secrets masked, judged, and printed
as one console line. A slow or dead party gets the client's timeouts and an OCPI envelope with
HTTP 502 or 504, recorded as an exchange with ``error`` set.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from conformance.proxy.judge import Judge, Side
from conformance.proxy.rewrite import Rewriter, origin_of
from conformance.rules import Finding
from conformance.tls_options import unreachable_hint
from ocpi_core.exchange import Exchange, cut_body

__all__ = ["MAX_BODY", "Forwarder", "Route", "Traffic"]

MAX_BODY = 50 * 1024 * 1024
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
_STREAM_CHUNK = 64 * 1024
_REWRITTEN_TYPES = ("json", "text", "html", "xml")


@dataclass
class Route:
    """Where a listener forwards to: the real party's origin, learned at run time for A."""

    origin: str | None = None


@dataclass
class Traffic:
    """Every exchange the proxy forwarded (secrets masked, bodies cut for the reports) and what
    was found on each; thread-safe."""

    exchanges: list[Exchange] = field(default_factory=list)
    findings: dict[int, list[Finding]] = field(default_factory=dict)  # index → findings
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange, findings: list[Finding]) -> None:
        kept = dataclasses.replace(
            exchange,
            request_body=cut_body(exchange.request_body),
            response_body=cut_body(exchange.response_body),
        )
        with self._lock:
            self.findings[len(self.exchanges)] = findings
            self.exchanges.append(kept)

    def snapshot(self) -> tuple[list[Exchange], dict[int, list[Finding]]]:
        with self._lock:
            return list(self.exchanges), dict(self.findings)


def _envelope(status_code: int, message: str) -> bytes:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"status_code": status_code, "status_message": message, "timestamp": stamp}
    return json.dumps(document).encode()


def _request_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key == "CONTENT_TYPE" and value:
            name = "Content-Type"
        else:
            continue
        if name.lower() not in _HOP_BY_HOP:
            found.append((name, value))
    return found


def _rewritable(headers: Iterable[tuple[str, str]]) -> bool:
    for name, value in headers:
        if name.lower() == "content-type":
            return any(kind in value.lower() for kind in _REWRITTEN_TYPES)
    return True  # no declared type: a body that may well be JSON


@dataclass
class Forwarder:
    """A WSGI app forwarding to ``route``: ``server`` is the party behind it, ``client`` the one
    calling it."""

    route: Route
    server: Side
    client: Side
    rewriter: Rewriter
    judge: Judge
    traffic: Traffic
    http: httpx.Client
    console: Callable[[str], None]
    arrow: str = "→"
    learn_downstream: Callable[[str], None] | None = None  # called with a versions URL of A

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        method = environ["REQUEST_METHOD"]
        target = quote(environ.get("PATH_INFO", ""), safe="/%:@!$&'()*+,;=-._~")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return self._refuse(start_response, 413, 2000, "request body over 50 MB")
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = _request_headers(environ)
        authorization = _get(headers, "Authorization")
        self.judge.learn_authorization(authorization)
        token = _fingerprint(authorization)
        self._pre_learn(raw)
        body = self.rewriter.body(raw) if _rewritable(headers) else raw
        if self.route.origin is None:
            return self._refuse(
                start_response, 502, 3001, f"the proxy does not know {self.server.label} yet"
            )
        url = self.route.origin + target
        request = self.http.build_request(method, url, headers=headers, content=body or None)
        try:
            response = self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            return self._unreachable(start_response, method, url, headers, body, stamp, exc)
        out_headers = [(k, v) for k, v in response.headers.multi_items()]
        declared = int(response.headers.get("content-length") or 0)
        if not _rewritable(out_headers) or declared > MAX_BODY:
            return self._stream(start_response, response, method, url, headers, body, stamp, token)
        try:
            data = response.read()
        except httpx.TransportError as exc:
            response.close()
            return self._unreachable(start_response, method, url, headers, body, stamp, exc)
        response.close()
        elapsed = time.perf_counter() - started
        exchange = self._record(
            method, url, headers, body, response.status_code, out_headers, data, stamp, elapsed
        )
        sent = self.rewriter.body(data)
        reply = [
            (k, self.rewriter.header(k, v))
            for k, v in out_headers
            if k.lower() not in _HOP_BY_HOP and k.lower() != "content-encoding"
        ]
        reply.append(("Content-Length", str(len(sent))))
        start_response(f"{response.status_code} {response.reason_phrase}", reply)
        self._report(exchange, token)
        return [sent]

    # ---- the pieces ----------------------------------------------------------------------

    def _pre_learn(self, raw: bytes) -> None:
        """Tokens and A's versions URL from a credentials body, before anything is masked."""
        if not raw or len(raw) > 100_000 or b'"token"' not in raw:
            return
        try:
            document = json.loads(raw)
        except ValueError:
            return
        if isinstance(document, dict) and isinstance(document.get("token"), str):
            self.judge.masker.add(document["token"])
            url = document.get("url")
            if isinstance(url, str) and self.learn_downstream is not None:
                self.learn_downstream(url)

    def _record(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
        status: int | None,
        response_headers: list[tuple[str, str]],
        data: bytes | None,
        stamp: str,
        elapsed: float,
        error: str | None = None,
    ) -> Exchange:
        if data and b'"token"' in data[:100_000] and len(data) < 100_000:
            self._learn_answer_token(data)
        m = self.judge.masker
        return Exchange(
            method=method,
            url=m.text(url),
            request_headers=tuple((k, m.header(k, v)) for k, v in headers),
            request_body=m.body(body.decode("utf-8", "replace") if body else None),
            status=status,
            response_headers=tuple((k, m.header(k, v)) for k, v in response_headers),
            response_body=m.body(data.decode("utf-8", "replace") if data else None),
            started_at=stamp,
            elapsed=elapsed,
            error=error,
            direction=f"{self.client.name}{self.arrow}{self.server.name}",
        )

    def _learn_answer_token(self, data: bytes) -> None:
        try:
            document = json.loads(data)
        except ValueError:
            return
        inner = document.get("data") if isinstance(document, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("token"), str):
            self.judge.masker.add(inner["token"])

    def _report(self, exchange: Exchange, token: str | None = None) -> list[Finding]:
        findings = self.judge.judge(exchange, self.server, self.client, token)
        self.traffic.add(exchange, findings)
        outcome = exchange.status if exchange.status is not None else exchange.error
        ids = ", ".join(f.check_id for f in findings) or "ok"
        self.console(
            f"{exchange.direction:4} {exchange.method:6} {exchange.url} → {outcome} "
            f"{exchange.elapsed * 1000:.0f} ms  {ids}"
        )
        return findings

    def _stream(
        self,
        start_response: Callable[..., Any],
        response: httpx.Response,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
        stamp: str,
        token: str | None,
    ) -> Iterator[bytes]:
        """A body that is not rewritten passes in chunks; the exchange keeps its beginning."""
        started = time.perf_counter()
        out_headers = list(response.headers.multi_items())
        reply = [
            (k, self.rewriter.header(k, v))
            for k, v in out_headers
            if k.lower() not in {h for h in _HOP_BY_HOP if h != "content-length"}
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", reply)

        def chunks() -> Iterator[bytes]:
            kept = bytearray()
            try:
                for chunk in response.iter_raw(_STREAM_CHUNK):
                    if len(kept) < 200_000:
                        kept += chunk[: 200_000 - len(kept)]
                    yield chunk
            finally:
                response.close()
                exchange = self._record(
                    method,
                    url,
                    headers,
                    body,
                    response.status_code,
                    out_headers,
                    bytes(kept),
                    stamp,
                    time.perf_counter() - started,
                )
                self._report(exchange, token)

        return chunks()

    def _unreachable(
        self,
        start_response: Callable[..., Any],
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
        stamp: str,
        exc: httpx.TransportError,
    ) -> list[bytes]:
        timeout = self.http.timeout
        if isinstance(exc, httpx.ConnectTimeout):
            reason, status = f"connect timeout after {timeout.connect} s", 504
        elif isinstance(exc, httpx.TimeoutException):
            reason, status = f"read timeout after {timeout.read} s", 504
        else:
            reason, status = f"{type(exc).__name__}: {exc}", 502
        exchange = self._record(method, url, headers, body, None, [], None, stamp, 0.0, reason)
        self._report(exchange)
        message = f"{self.server.label} did not answer: {unreachable_hint(reason)}"
        return self._refuse(start_response, status, 3001, message)

    def _refuse(
        self, start_response: Callable[..., Any], http: int, code: int, message: str
    ) -> list[bytes]:
        data = _envelope(code, message)
        reasons = {413: "Content Too Large", 502: "Bad Gateway", 504: "Gateway Timeout"}
        start_response(
            f"{http} {reasons.get(http, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]


def _fingerprint(authorization: str | None) -> str | None:
    """A stand-in for the token of a request, never the token itself."""
    if not authorization:
        return None
    credential = authorization.partition(" ")[2] or authorization
    try:
        decoded = base64.b64decode(credential, validate=True).decode()
    except ValueError:
        decoded = credential
    return hashlib.sha256(decoded.encode()).hexdigest()[:16]


def _get(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def downstream_learner(
    route: Route, rewriter: Rewriter, back_base: str, judge: Judge
) -> Callable[[str], None]:
    """What to do when A names its versions URL in a credentials body: forward the back
    listener to A's origin and rewrite A's URLs to the back listener."""

    def learn(versions_url: str) -> None:
        origin = origin_of(versions_url)
        if rewriter.knows(origin) or origin == origin_of(back_base):
            return
        if route.origin is None:
            route.origin = origin
        rewriter.add(origin, back_base)
        judge.versions_url(versions_url)

    return learn
