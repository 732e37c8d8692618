"""WSGI middleware around the mock hub that breaks one hub rule in its answers, to prove each
hub check fails on it. A tamper gets the request's environ, the HTTP status, the JSON body and
the headers, and gives them back changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

Headers = list[tuple[str, str]]
Change = Callable[[dict[str, Any], str, Any, Headers], tuple[str, Any, Headers]]


def _routed_to(environ: dict[str, Any]) -> str | None:
    return environ.get("HTTP_OCPI_TO_PARTY_ID")


def _set(headers: Headers, name: str, value: str) -> Headers:
    return [(k, v) for k, v in headers if k.lower() != name.lower()] + [(name, value)]


def _is_list(environ: dict[str, Any], module: str) -> bool:
    return environ.get("PATH_INFO", "").rstrip("/").endswith(f"/sender/{module}")


def _answer_from_hub(environ: dict, status: str, body: Any, headers: Headers) -> tuple:
    # a routed answer that names the hub, not the party that answered
    if _routed_to(environ) in ("CPA", "EMA"):
        headers = _set(headers, "OCPI-from-party-id", "MCK")
    return status, body, headers


def _foreign_location(environ: dict, status: str, body: Any, headers: Headers) -> tuple:
    if _routed_to(environ) == "CPA" and _is_list(environ, "locations") and body.get("data"):
        body["data"][0].update(country_code="XX", party_id="FOR")
    return status, body, headers


def _unknown_as_ok(environ: dict, status: str, body: Any, headers: Headers) -> tuple:
    if isinstance(body, dict) and body.get("status_code") == 4001:
        return "200 OK", {**body, "status_code": 1000, "data": []}, headers
    return status, body, headers


def _clientinfo_routed(environ: dict, status: str, body: Any, headers: Headers) -> tuple:
    if _is_list(environ, "hubclientinfo"):
        headers = _set(headers, "OCPI-from-party-id", "MCK")
        headers = _set(headers, "OCPI-from-country-code", "NL")
    return status, body, headers


class HubTamper:
    """Applies ``change`` to every JSON answer of the wrapped WSGI app."""

    def __init__(self, app: Callable[..., Iterable[bytes]], change: Change) -> None:
        self.app = app
        self.change = change

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable:
            captured.update(status=status, headers=list(headers))
            return lambda data: None

        raw = b"".join(self.app(environ, capture))
        status, headers = captured["status"], captured["headers"]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            status, body, headers = self.change(environ, status, body, headers)
            raw = json.dumps(body).encode()
            headers = _set(headers, "Content-Length", str(len(raw)))
        start_response(status, headers)
        return [raw]


def _wrap(change: Change) -> Callable[[Callable], HubTamper]:
    return lambda app: HubTamper(app, change)


answer_from_hub = _wrap(_answer_from_hub)
foreign_location = _wrap(_foreign_location)
unknown_as_ok = _wrap(_unknown_as_ok)
clientinfo_routed = _wrap(_clientinfo_routed)
