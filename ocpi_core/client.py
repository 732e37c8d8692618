"""The one OCPI HTTP client, on httpx.

Version-aware ``Authorization`` (plain token in 2.1.1, Base64 in 2.2+), request and correlation
ids, envelope parsing with clear errors, a pagination iterator, a timeout on every call, and a
record of every exchange with tokens masked.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Literal

import httpx

from ocpi_core.bounds import (
    BodyTooLarge,
    Deadline,
    bound_by_deadline,
    current_deadline,
    deadline_scope,
    read_capped,
)
from ocpi_core.exchange import Exchange, ExchangeRecorder
from ocpi_core.redirects import judge_redirect

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_TIMEOUT",
    "EnvelopeError",
    "OcpiClient",
    "OcpiClientError",
    "OcpiResponse",
    "PaginationLoop",
    "RecordingTransport",
    "ResponseTooLarge",
    "TargetUnreachable",
    "encode_token",
    "next_link",
    "reason_phrase",
]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_MAX_BODY = 10_000_000  # bytes of one response body
TokenForm = Literal["base64", "plain"]


class OcpiClientError(Exception):
    """Base class of the client's errors."""


class TargetUnreachable(OcpiClientError):
    """No HTTP response: connection refused, DNS failure, timeout, …

    ``connected`` is false when not even a connection was made (DNS, refused, TLS handshake,
    connect timeout): the target is out of reach, not merely slow or broken in its answer.
    """

    def __init__(
        self, url: str, reason: str, exchange: Exchange | None = None, connected: bool = True
    ) -> None:
        super().__init__(f"Network error: {reason} ({url})")
        self.url = url
        self.reason = reason
        self.exchange = exchange
        self.connected = connected


class ResponseTooLarge(TargetUnreachable):
    """The response body passed the client's cap (``max_body``); its read was given up."""

    def __init__(self, url: str, cap: int, exchange: Exchange) -> None:
        reason = f"the response body is larger than {cap} bytes (the --max-body cap)"
        OcpiClientError.__init__(self, f"Answer too large: {reason} ({url})")
        self.url = url
        self.reason = reason
        self.exchange = exchange


class EnvelopeError(OcpiClientError):
    """The body is not an OCPI response envelope."""

    def __init__(self, url: str, http_status: int, problem: str, exchange: Exchange) -> None:
        super().__init__(
            f"Not an OCPI response envelope from {url} (HTTP {http_status}): {problem}"
        )
        self.url = url
        self.http_status = http_status
        self.problem = problem
        self.exchange = exchange


class PaginationLoop(OcpiClientError):
    """A ``Link: rel="next"`` pointed to a page that was already fetched."""


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def encode_token(token: str, version: str, form: TokenForm | None = None) -> str:
    """The credential part of ``Authorization: Token <credential>``.

    2.1.1 sends the token as is; 2.2 and later send Base64 of its UTF-8 bytes (RFC 4648 §4).
    ``form`` overrides the version's rule (the auth checks use it).
    """
    if form is None:
        form = "plain" if version.startswith(("2.0", "2.1")) else "base64"
    if form == "plain":
        return token
    return base64.b64encode(token.encode("utf-8")).decode("ascii")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error_reason(exc: httpx.TransportError, timeout: httpx.Timeout, host: str = "the host") -> str:
    deadline = current_deadline()
    if deadline is not None and deadline.expired:
        return deadline.reason
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout after {timeout.connect} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"read timeout after {timeout.read} s"
    if isinstance(exc, httpx.ConnectError):
        return _connect_reason(exc, host)
    if _tls_alert(exc):
        return f"TLS handshake failed: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _tls_alert(exc: BaseException) -> bool:
    """An OpenSSL error on reading: in TLS 1.3 a server refusing our client certificate (or
    asking for one) says so only after the handshake, at the first read."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ssl.SSLError):
            return True
        current = current.__cause__ or current.__context__
    return False


# How the OS and OpenSSL word the failures a user must tell apart (their cause decides the fix).
_DNS_WORDS = (
    "name or service not known",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "nodename nor servname",
    "getaddrinfo failed",
)
_TLS_WORDS = ("ssl", "certificate", "tls", "handshake")


def _connect_reason(exc: httpx.ConnectError, host: str) -> str:
    """A connect failure named by its cause: DNS, refused, TLS, or the OS's own words."""
    text = str(exc)
    lower = text.lower()
    if "refused" in lower:
        return "connection refused"
    if any(words in lower for words in _DNS_WORDS):
        return f"DNS lookup failed: no address for {host}"
    if any(words in lower for words in _TLS_WORDS):
        return f"TLS handshake failed: {text}"
    return f"cannot connect: {text}" if text else "cannot connect"


def _raw(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Headers with their names as sent (httpx lowercases them elsewhere)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


_HOP = "ocpi_redirect_hop"  # request extension: how many redirects led to this request


class RecordingTransport(httpx.BaseTransport):
    """Wraps a transport and records every exchange, failed ones included; a redirect answer's
    record says whether the client follows it (ocpi_core.redirects)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        recorder: ExchangeRecorder,
        timeout: httpx.Timeout,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self._inner = inner
        self._recorder = recorder
        self._timeout = timeout
        self._max_body = max_body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started_at = _now_iso()
        start = time.perf_counter()
        body = request.read()
        try:
            response = read_capped(self._inner.handle_request(request), request, self._max_body)
        except BodyTooLarge as exc:
            exchange = self._recorder.record(
                method=request.method,
                url=str(request.url),
                request_headers=_raw(request.headers),
                request_body=body,
                status=exc.response.status_code,
                response_headers=_raw(exc.response.headers),
                response_body=exc.head,
                started_at=started_at,
                elapsed=time.perf_counter() - start,
                error=str(exc),
            )
            raise ResponseTooLarge(str(request.url), exc.cap, exchange) from None
        except httpx.TransportError as exc:
            exchange = self._recorder.record(
                method=request.method,
                url=str(request.url),
                request_headers=_raw(request.headers),
                request_body=body,
                status=None,
                started_at=started_at,
                elapsed=time.perf_counter() - start,
                error=_error_reason(exc, self._timeout, request.url.host),
            )
            exc.ocpi_exchange = exchange  # type: ignore[attr-defined]
            raise
        redirect = judge_redirect(
            request.method,
            str(request.url),
            response.status_code,
            response.headers.get("location"),
            request.extensions.get(_HOP, 0),
        )
        exchange = self._recorder.record(
            method=request.method,
            url=str(request.url),
            request_headers=_raw(request.headers),
            request_body=body,
            status=response.status_code,
            response_headers=_raw(response.headers),
            response_body=response.content,
            started_at=started_at,
            elapsed=time.perf_counter() - start,
            redirect=redirect.note if redirect is not None else None,
        )
        response.extensions["ocpi_exchange"] = exchange
        response.extensions["ocpi_redirect"] = redirect
        return response

    def close(self) -> None:
        self._inner.close()


@dataclass(frozen=True)
class OcpiResponse:
    """An HTTP response, with its OCPI envelope read lazily.

    ``body`` is the parsed JSON (``None`` when the body is empty or not JSON). Reading
    ``status_code``, ``data`` or ``timestamp`` raises :class:`EnvelopeError` when the body is not
    an envelope; ``envelope_problem`` says so without raising.
    """

    url: str
    http_status: int
    headers: httpx.Headers
    text: str
    body: Any
    exchange: Exchange
    envelope_problem: str | None = field(default=None)
    version: str = "2.2.1"  # the OCPI version the request was made in

    @classmethod
    def from_httpx(cls, response: httpx.Response, version: str = "2.2.1") -> OcpiResponse:
        text = response.text
        body: Any = None
        problem: str | None = None
        if not text.strip():
            problem = "the body is empty"
        else:
            try:
                body = json.loads(text)
            except ValueError as exc:
                problem = f"the body is not valid JSON ({exc})"
        if problem is None:
            problem = envelope_problem(body)
        return cls(
            url=str(response.request.url),
            http_status=response.status_code,
            headers=response.headers,
            text=text,
            body=body,
            exchange=response.extensions["ocpi_exchange"],
            envelope_problem=problem,
            version=version,
        )

    def _envelope(self) -> Mapping[str, Any]:
        if self.envelope_problem is not None:
            raise EnvelopeError(self.url, self.http_status, self.envelope_problem, self.exchange)
        return self.body

    @property
    def is_envelope(self) -> bool:
        return self.envelope_problem is None

    @property
    def status_code(self) -> int:
        return self._envelope()["status_code"]

    @property
    def status_message(self) -> str | None:
        return self._envelope().get("status_message")

    @property
    def timestamp(self) -> str:
        return self._envelope()["timestamp"]

    @property
    def data(self) -> Any:
        return self._envelope().get("data")

    @property
    def next_url(self) -> str | None:
        return next_link(self.headers.get("link"))

    def header_int(self, name: str) -> int | None:
        value = self.headers.get(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


def envelope_problem(body: Any) -> str | None:
    """What makes ``body`` not an OCPI envelope, or ``None`` when it is one (structurally)."""
    if not isinstance(body, dict):
        return f"expected a JSON object, got {type(body).__name__}"
    missing = [key for key in ("status_code", "timestamp") if key not in body]
    if missing:
        return "required field(s) missing: " + ", ".join(missing)
    if not isinstance(body["status_code"], int) or isinstance(body["status_code"], bool):
        return f"status_code must be an integer, got {body['status_code']!r}"
    return None


def next_link(header: str | None) -> str | None:
    """The URL of ``rel="next"`` in a ``Link`` header (RFC 8288), if any."""
    if not header:
        return None
    for part in header.split(","):
        section = part.strip()
        if not section.startswith("<") or ">" not in section:
            continue
        url, _, params = section[1:].partition(">")
        rels = [
            p.strip().split("=", 1)[1].strip().strip('"')
            for p in params.split(";")
            if p.strip().lower().startswith("rel=")
        ]
        if any("next" in rel.split() for rel in rels):
            return url.strip()
    return None


_UNSET: Any = object()


class OcpiClient:
    """An OCPI client for one party and one version.

    Parameters (keyword-only):
        token: the credentials token to send (``None`` sends no ``Authorization``).
        version: the OCPI version spoken, e.g. ``"2.2.1"``; decides the token encoding.
        base_url: optional base for relative URLs.
        transport: an httpx transport (e.g. ``httpx.WSGITransport(app=...)`` in tests).
        timeout: an ``httpx.Timeout``, or seconds for every phase (a float); 10 s, 5 s to
            connect, by default.
        recorder: where exchanges go; a new one when not given.
        headers: extra headers sent with every request.
        deadline: seconds one request may take in all, connect to last body byte (the read
            timeout by default); past it the request fails as TargetUnreachable.
        run_deadline: a ``time.monotonic()`` moment no request may go past (a run's budget).
        max_body: the most bytes of a response body read; a larger one raises
            ResponseTooLarge (10 MB by default).
        verify: TLS verification of the default transport: ``True`` (httpx's default store),
            ``False``, or an ``ssl.SSLContext`` (see ``ocpi_core.tls.ssl_context``: own CA,
            client certificate).

    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        *,
        token: str | None,
        version: str,
        base_url: str = "",
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        recorder: ExchangeRecorder | None = None,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        run_deadline: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        if not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(float(timeout))
        self.token = token
        self.version = version
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else (timeout.read or 10.0)
        self.run_deadline = run_deadline
        self.max_body = max_body
        self.recorder = recorder if recorder is not None else ExchangeRecorder()
        self.recorder.masker.add(token)
        self._extra_headers: dict[str, str] = {}
        if transport is None:
            transport = httpx.HTTPTransport(verify=verify)
        inner = bound_by_deadline(transport)
        self._http = httpx.Client(
            base_url=base_url,
            transport=RecordingTransport(inner, self.recorder, timeout, max_body),
            timeout=timeout,
            headers=dict(headers or {}),
            follow_redirects=False,
        )

    def __enter__(self) -> OcpiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def with_headers(self, headers: Mapping[str, str]) -> OcpiClient:
        """A client sharing this one's pool, recorder and token that adds ``headers`` to every
        request (a request's own headers still win)."""
        clone = object.__new__(OcpiClient)
        clone.__dict__.update(self.__dict__)
        clone._extra_headers = {**self._extra_headers, **headers}
        return clone

    def with_token(self, token: str | None) -> OcpiClient:
        """A client sharing this one's connection pool and recorder, with another token."""
        clone = object.__new__(OcpiClient)
        clone.__dict__.update(self.__dict__)
        clone.token = token
        self.recorder.masker.add(token)
        return clone

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        content: bytes | str | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        token: str | None = _UNSET,
        token_form: TokenForm | None = None,
        authorization: str | None = _UNSET,
    ) -> OcpiResponse:
        """Send one request; never raises for an HTTP status, raises TargetUnreachable.

        Same-origin redirects are followed with the same method, body and headers (see
        ocpi_core.redirects); each hop is recorded, and the last answer is returned."""
        sent_headers = {
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
            "Accept": "application/json",
        }
        token = self.token if token is _UNSET else token
        if authorization is not _UNSET:
            if authorization is not None:
                sent_headers["Authorization"] = authorization
        elif token is not None:
            self.recorder.masker.add(token)
            sent_headers["Authorization"] = "Token " + encode_token(token, self.version, token_form)
        if json_body is not None:
            content = json.dumps(json_body)
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(self._extra_headers)
        sent_headers.update(headers or {})
        try:
            with deadline_scope(self._deadline()):
                response = self._http.request(
                    method, url, content=content, params=params, headers=sent_headers
                )
                hop = 0
                while (redirect := response.extensions.get("ocpi_redirect")) and redirect.followed:
                    hop += 1
                    response = self._http.request(
                        method,
                        redirect.location,
                        content=content,
                        headers=sent_headers,
                        extensions={_HOP: hop},
                    )
        except httpx.TransportError as exc:
            exchange = getattr(exc, "ocpi_exchange", None)
            reason = exchange.error if exchange else _error_reason(exc, self.timeout)
            connected = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            connected = connected and not _tls_alert(exc)
            raise TargetUnreachable(url, reason, exchange, connected) from exc
        except httpx.InvalidURL as exc:
            raise TargetUnreachable(url, f"invalid URL: {exc}", connected=False) from exc
        return OcpiResponse.from_httpx(response, self.version)

    def _deadline(self) -> Deadline:
        at = time.monotonic() + self.deadline
        if self.run_deadline is not None and self.run_deadline < at:
            return Deadline(self.run_deadline, "the run's time budget (--max-time) is spent")
        return Deadline(at, f"no complete answer within {self.deadline} s (--timeout)")

    def get(self, url: str, **kwargs: Any) -> OcpiResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, json_body: Any = None, **kwargs: Any) -> OcpiResponse:
        return self.request("POST", url, json_body=json_body, **kwargs)

    def put(self, url: str, json_body: Any = None, **kwargs: Any) -> OcpiResponse:
        return self.request("PUT", url, json_body=json_body, **kwargs)

    def patch(self, url: str, json_body: Any = None, **kwargs: Any) -> OcpiResponse:
        return self.request("PATCH", url, json_body=json_body, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> OcpiResponse:
        return self.request("DELETE", url, **kwargs)

    def iter_pages(
        self, url: str, *, params: Mapping[str, Any] | None = None, max_pages: int = 10_000
    ) -> Iterator[OcpiResponse]:
        """GET a list and follow ``Link: <…>; rel="next"`` until the last page.

        Raises :class:`PaginationLoop` when a next link repeats a page already fetched, or when
        more than ``max_pages`` pages come.
        """
        seen: set[str] = set()
        response = self.get(url, params=params)
        seen.add(response.url)
        yield response
        pages = 1
        while (next_url := response.next_url) is not None:
            absolute = str(httpx.URL(response.url).join(next_url))
            if absolute in seen:
                raise PaginationLoop(
                    f"Link rel=next of {response.url} points back to a page already fetched: "
                    f"{absolute}"
                )
            if pages >= max_pages:
                raise PaginationLoop(f"more than {max_pages} pages from {url}; giving up")
            seen.add(absolute)
            response = self.get(absolute)
            pages += 1
            yield response
