"""WSGI middlewares around the mock that misbehave the way real servers were seen to, each by a
name (the names travel to worker processes, the classes do not). Unlike ``_tamper`` they see the
request and may change the status, re-ask the mock, or answer themselves.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

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

    def redirected(self, path: str) -> bool:
        return _module_path(path)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        host = environ["HTTP_HOST"]
        if not self.redirected(path) or not host.startswith("127.0.0.1"):
            return self.app(environ, start_response)
        other = host.replace("127.0.0.1", "localhost", 1)
        return _redirect(start_response, _url(environ, other, path))


class VersionsCrossOriginRedirect(CrossOriginRedirect):
    """The versions URL itself is answered 307 to another origin."""

    def redirected(self, path: str) -> bool:
        return path.rstrip("/") == "/ocpi/versions"


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


_SENDER_LIST = re.compile(r"^/ocpi/[^/]+/sender/(?P<module>\w+)/?$")


def _header(headers: Headers, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def _replace_headers(headers: Headers, **values: str | None) -> Headers:
    names = {k.replace("_", "-").lower() for k in values}
    kept = [(k, v) for k, v in headers if k.lower() not in names]
    return kept + [(k.replace("_", "-"), v) for k, v in values.items() if v is not None]


class UpdatedDuringTheWalk:
    """A server whose lists are ordered by last_updated (oldest first) and that is in use: at the
    second page of every walk (a request with an offset after one without) the oldest object of
    the list is updated, so it moves to the end, as it would on a busy real server."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.stamps: dict[str, dict[Any, str]] = {}  # module → object key → newer last_updated
        self.last_offset: dict[str, int] = {}

    @staticmethod
    def _key(obj: dict[str, Any]) -> Any:
        return (obj.get("country_code"), obj.get("party_id"), obj.get("id") or obj.get("uid"))

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        match = _SENDER_LIST.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "GET" or match is None:
            return self.app(environ, start_response)
        module = match["module"]
        params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        try:
            offset = int(params.get("offset", 0))
            asked = int(params["limit"]) if "limit" in params else None
        except ValueError:
            return self.app(environ, start_response)
        whole = {k: v for k, v in params.items() if k not in ("offset", "limit")}
        status, headers, body = _call(self.app, {**environ, "QUERY_STRING": urlencode(whole)})
        envelope = json.loads(body) if status.startswith("200") else None
        if not envelope or not isinstance(envelope.get("data"), list) or _header(headers, "Link"):
            start_response(status, headers)  # an error, or more than one page of the mock's
            return [body]
        newer = self.stamps.setdefault(module, {})
        objects = [{**o, "last_updated": newer.get(self._key(o), o["last_updated"])}
                   for o in envelope["data"]]  # fmt: skip
        objects.sort(key=lambda o: o["last_updated"])
        if offset > 0 and self.last_offset.get(module) == 0 and objects:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            newer[self._key(objects[0])] = stamp
            objects = [*objects[1:], {**objects[0], "last_updated": stamp}]
        self.last_offset[module] = offset
        cap = int(_header(headers, "X-Limit") or len(objects) or 1)
        limit = min(asked, cap) if asked is not None else cap
        page = objects[offset : offset + limit]
        link = None
        if offset + len(page) < len(objects):
            base = f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
            query = urlencode({**params, "offset": offset + len(page), "limit": limit})
            link = f'<{base}?{query}>; rel="next"'
        raw = json.dumps({**envelope, "data": page}).encode()
        start_response(
            status,
            _replace_headers(
                headers, X_Total_Count=str(len(objects)), Link=link, Content_Length=str(len(raw))
            ),
        )
        return [raw]


class NoPageMaximum:
    """A server without a maximum page size: it returns as many objects as asked for and says
    so in X-Limit (the limit asked, else its default page)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = _call(self.app, environ)
        params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        listed = _SENDER_LIST.match(environ.get("PATH_INFO", "")) and status.startswith("200")
        if listed and params.get("limit", "").isdigit() and not _header(headers, "Link"):
            headers = _replace_headers(headers, X_Limit=params["limit"])
        start_response(status, headers)
        return [body]


class OverlappingPages:
    """Every page after the first starts one object early: the last object of the page before
    comes again, unchanged (an off-by-one in the server's offset)."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        offset = params.get("offset", "")
        if _SENDER_LIST.match(environ.get("PATH_INFO", "")) and offset.isdigit() and offset != "0":
            query = urlencode({**params, "offset": int(offset) - 1})
            environ = {**environ, "QUERY_STRING": query}
        return self.app(environ, start_response)


class XLimitCountsThePage:
    """X-Limit read as 2.1.1 words it, the number of objects returned: a short last page says
    how many it holds, not the page size the server uses."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = _call(self.app, environ)
        if _SENDER_LIST.match(environ.get("PATH_INFO", "")) and status.startswith("200"):
            data = json.loads(body).get("data")
            if isinstance(data, list) and data and _header(headers, "X-Limit"):
                headers = _replace_headers(headers, X_Limit=str(len(data)))
        start_response(status, headers)
        return [body]


class SessionPeriodsAcrossTariffChange:
    """Session charging periods are not cut where the Tariff changes: a period and the next one
    that names another Tariff are one period (the Sessions module only recommends the cut)."""

    SUMMED = ("ENERGY", "TIME", "PARKING_TIME", "RESERVATION_TIME")

    def __init__(self, app: App) -> None:
        self.app = app

    def _joined(self, periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
        joined: list[dict[str, Any]] = []
        for period in periods:
            last = joined[-1] if joined else None
            if last is None or last.get("tariff_id") == period.get("tariff_id"):
                joined.append(period)
                continue
            volumes = {d["type"]: d["volume"] for d in period["dimensions"]}
            last["dimensions"] = [
                {**d, "volume": round(d["volume"] + volumes.get(d["type"], 0), 6)}
                if d["type"] in self.SUMMED
                else d
                for d in last["dimensions"]
            ]
        return joined

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = _call(self.app, environ)
        match = _SENDER_LIST.match(environ.get("PATH_INFO", ""))
        if match and match["module"] == "sessions" and status.startswith("200"):
            envelope = json.loads(body)
            for session in envelope.get("data") or []:
                if session.get("charging_periods"):
                    session["charging_periods"] = self._joined(session["charging_periods"])
            body = json.dumps(envelope).encode()
            headers = _replace_headers(headers, Content_Length=str(len(body)))
        start_response(status, headers)
        return [body]


WRAPPERS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        PlainTokenServerError,
        ModulesAcceptUnknownTokens,
        EmptyLinkOnLastPage,
        TrailingSlashRedirect,
        CrossOriginRedirect,
        VersionsCrossOriginRedirect,
        RedirectLoop,
        TimestampWithSpace,
        NoTimestamp,
        TextPlainEverywhere,
        UpdatedDuringTheWalk,
        NoPageMaximum,
        OverlappingPages,
        XLimitCountsThePage,
        SessionPeriodsAcrossTariffChange,
    )
}


def run_wrapped(role: str, name: str, select: str, **options: Any) -> dict[str, Any]:
    """The suite (the checks ``select`` picks) against a mock behind the middleware ``name``."""
    from suite._runner import run_suite

    return run_suite(role, select=select, wrap=lambda app: WRAPPERS[name](app), **options)


def run_faulty(role: str, faults: tuple[str, ...], select: str, **options: Any) -> dict[str, Any]:
    from suite._runner import run_suite

    return run_suite(role, faults, select=select, **options)
