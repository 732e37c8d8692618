"""WSGI middlewares around the mock that misbehave the way real servers were seen to, each by a
name (the names travel to worker processes, the classes do not). Unlike ``_tamper`` they see the
request and may change the status, re-ask the mock, or answer themselves.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any

App = Callable[..., Iterable[bytes]]
Headers = list[tuple[str, str]]


def _call(app: App, environ: dict[str, Any]) -> tuple[str, Headers, bytes]:
    captured: dict[str, Any] = {}

    def start(status: str, headers: Headers, exc_info: Any = None) -> Callable:
        captured.update(status=status, headers=list(headers))
        return lambda data: None

    body = b"".join(app(environ, start))
    return captured["status"], captured["headers"], body


def _json(start_response: Callable, status: str, body: Any, extra: Headers = ()) -> list[bytes]:
    raw = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))]
    start_response(status, [*headers, *extra])
    return [raw]


def _envelope(code: int, data: Any = None, message: str = "") -> dict[str, Any]:
    return {
        "data": data,
        "status_code": code,
        "status_message": message,
        "timestamp": "2026-01-01T00:00:00Z",
    }


class PlainTokenServerError:
    """A token sent un-encoded gets HTTP 200 with status 3000 (seen on a real 2.2.1 server)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = _call(self.app, environ)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if status.startswith("401") and auth.startswith("Token "):
            encoded = base64.b64encode(auth[6:].encode()).decode()
            again = _call(self.app, {**environ, "HTTP_AUTHORIZATION": f"Token {encoded}"})
            if again[0].startswith("200"):  # the plain form of a token the server knows
                return _json(start_response, "200 OK", _envelope(3000, None, "decode error"))
        start_response(status, headers)
        return [body]


class ModulesAcceptUnknownTokens:
    """Only the versions endpoints authenticate; module URLs answer anyone with an empty list."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = _call(self.app, environ)
        path = environ.get("PATH_INFO", "")
        open_path = "/versions" not in path and "/credentials" not in path
        if status.startswith("401") and open_path and "sender" in path:
            return _json(start_response, "200 OK", _envelope(1000, []))
        start_response(status, headers)
        return [body]


class EmptyLinkOnLastPage:
    """The last page of every list carries an empty ``Link:`` header instead of none."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = _call(self.app, environ)
        names = {name.lower() for name, _ in headers}
        if status.startswith("200") and "x-total-count" in names and "link" not in names:
            headers.append(("Link", ""))
        start_response(status, headers)
        return [body]


def _module_path(path: str) -> bool:
    """/ocpi/<version>/<module>…: every module URL, not the versions list or details."""
    return path.startswith("/ocpi/") and len(path.strip("/").split("/")) >= 3


def _redirect(start_response: Callable, location: str) -> list[bytes]:
    body = b"Temporary Redirect"
    headers = [("Location", location), ("Content-Type", "text/plain")]
    start_response("307 Temporary Redirect", [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _url(environ: dict[str, Any], host: str, path: str) -> str:
    query = environ.get("QUERY_STRING", "")
    return f"http://{host}{path}" + (f"?{query}" if query else "")


class TrailingSlashRedirect:
    """Every module URL without a trailing slash is answered 307 to its trailing-slash form (as
    FastAPI does), which the server then answers; the mock sees the URL without the slash."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not _module_path(path):
            return self.app(environ, start_response)
        if not path.endswith("/"):
            return _redirect(start_response, _url(environ, environ["HTTP_HOST"], path + "/"))
        return self.app({**environ, "PATH_INFO": path.rstrip("/")}, start_response)


class CrossOriginRedirect:
    """Every module URL is answered 307 to the same URL on another origin (the host named
    localhost instead of 127.0.0.1: the same server, so a client that followed would succeed)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        host = environ["HTTP_HOST"]
        if not _module_path(path) or not host.startswith("127.0.0.1"):
            return self.app(environ, start_response)
        other = host.replace("127.0.0.1", "localhost", 1)
        return _redirect(start_response, _url(environ, other, path))


class RedirectLoop:
    """Every module URL redirects to its trailing-slash form, and that one back again."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not _module_path(path):
            return self.app(environ, start_response)
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        return _redirect(start_response, _url(environ, environ["HTTP_HOST"], other))


class _EveryEnvelope:
    """Changes every JSON answer, versions and credentials included (the mock's faults touch
    the functional modules only)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def change(self, body: Any, headers: Headers) -> tuple[Any, Headers]:
        raise NotImplementedError

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, raw = _call(self.app, environ)
        try:
            body = json.loads(raw)
        except ValueError:
            start_response(status, headers)
            return [raw]
        body, headers = self.change(body, headers)
        data = json.dumps(body).encode()
        kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*kept, ("Content-Length", str(len(data)))])
        return [data]


class TimestampWithSpace(_EveryEnvelope):
    """Envelope timestamps written '2026-01-01 12:00:00' (a space, no Z), as a real server did."""

    def change(self, body: Any, headers: Headers) -> tuple[Any, Headers]:
        if isinstance(body, dict) and isinstance(body.get("timestamp"), str):
            body["timestamp"] = body["timestamp"].replace("T", " ").rstrip("Z")[:19]
        return body, headers


class NoTimestamp(_EveryEnvelope):
    """Envelopes without their timestamp, on every module."""

    def change(self, body: Any, headers: Headers) -> tuple[Any, Headers]:
        if isinstance(body, dict):
            body.pop("timestamp", None)
        return body, headers


class TextPlainEverywhere(_EveryEnvelope):
    """Every JSON answer declared Content-Type: text/plain."""

    def change(self, body: Any, headers: Headers) -> tuple[Any, Headers]:
        kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
        return body, [*kept, ("Content-Type", "text/plain; charset=utf-8")]


WRAPPERS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        PlainTokenServerError,
        ModulesAcceptUnknownTokens,
        EmptyLinkOnLastPage,
        TrailingSlashRedirect,
        CrossOriginRedirect,
        RedirectLoop,
        TimestampWithSpace,
        NoTimestamp,
        TextPlainEverywhere,
    )
}


def run_wrapped(role: str, name: str, select: str, **options: Any) -> dict[str, Any]:
    """The suite (the checks ``select`` picks) against a mock behind the middleware ``name``."""
    from suite._runner import run_suite

    return run_suite(role, select=select, wrap=lambda app: WRAPPERS[name](app), **options)


def run_faulty(role: str, faults: tuple[str, ...], select: str, **options: Any) -> dict[str, Any]:
    from suite._runner import run_suite

    return run_suite(role, faults, select=select, **options)
