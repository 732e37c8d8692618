"""WSGI middleware that breaks one OCPI rule in the mock's answers, for rules the mock has no
fault for. Each tamper is a named function of (path, body, headers); the names travel to worker
processes, the functions do not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

Headers = list[tuple[str, str]]
Change = Callable[[str, Any, Headers], tuple[Any, Headers]]

_LIST = re.compile(r"^/ocpi/[^/]+/sender/(?P<module>\w+)/?$")
_LOCATION = re.compile(r"^/ocpi/[^/]+/sender/locations/(?P<parts>.+)$")


def _objects(path: str, body: Any, module: str) -> list[dict[str, Any]]:
    """The objects of ``module`` in a list answer at ``path`` (none for other answers)."""
    match = _LIST.match(path)
    if not match or match["module"] != module or not isinstance(body, dict):
        return []
    data = body.get("data")
    return [o for o in data if isinstance(o, dict)] if isinstance(data, list) else []


def _nth(objects: list[dict[str, Any]], index: int) -> dict[str, Any] | None:
    return objects[index] if len(objects) > index else None


def duplicate_evse_uid(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    # not the first Location: the single-object GETs sample that one
    for location in _objects(path, body, "locations")[1:]:
        evses = location.get("evses") or []
        if len(evses) >= 2:
            evses[1]["uid"] = evses[0]["uid"]
            break
    return body, headers


def duplicate_connector_id(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    location = _nth(_objects(path, body, "locations"), 1)
    if location:
        evse = location["evses"][0]
        evse["connectors"] = evse["connectors"] + [dict(evse["connectors"][0])]
    return body, headers


def future_last_updated(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    location = _nth(_objects(path, body, "locations"), 1)
    if location:
        location["last_updated"] = "2099-01-01T00:00:00Z"
    return body, headers


def stale_parent(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    location = _nth(_objects(path, body, "locations"), 1)
    if location:
        location["last_updated"] = "2001-01-01T00:00:00Z"
    return body, headers


def dangling_tariff(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    location = _nth(_objects(path, body, "locations"), 1)
    if location:
        location["evses"][0]["connectors"][0]["tariff_ids"] = ["NO-SUCH-TARIFF"]
    return body, headers


def id_conflict(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    objects = _objects(path, body, "locations")
    if len(objects) > 2:
        objects[1]["id"] = objects[2]["id"]
    return body, headers


def single_get_differs(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    match = _LOCATION.match(path)
    if match and "/" not in match["parts"] and isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, dict):
            data["name"] = "Not the name in the list"
    return body, headers


def cdr_wrong_evse_id(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    cdr = _nth(_objects(path, body, "cdrs"), 0)
    if cdr:
        cdr["cdr_location"]["evse_id"] = "XX*NOT*THIS*EVSE"
    return body, headers


def cdr_other_token(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    # the newest CDR: the one of the session our START_SESSION made (the seeded CDRs name
    # sessions that are not in the list)
    cdrs = _objects(path, body, "cdrs")
    cdr = cdrs[-1] if cdrs else None
    if cdr:
        cdr["cdr_token"]["uid"] = "SOMEONE-ELSE"
    return body, headers


def session_unknown_connector(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    session = _nth(_objects(path, body, "sessions"), 0)
    if session:
        session["connector_id"] = "no-such-connector"
    return body, headers


def routed_versions(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    if path.rstrip("/").endswith("/ocpi/versions"):
        headers = headers + [("OCPI-from-country-code", "NL"), ("OCPI-from-party-id", "MCK")]
    return body, headers


def stale_timestamp(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    if _LIST.match(path) and isinstance(body, dict) and "timestamp" in body:
        body["timestamp"] = "2001-01-01T00:00:00Z"
    return body, headers


def locations_as_receiver(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    data = body.get("data") if isinstance(body, dict) else None
    if re.match(r"^/ocpi/[^/]+/?$", path) and isinstance(data, dict):
        for endpoint in data.get("endpoints") or []:
            if endpoint.get("identifier") == "locations":
                endpoint["role"] = "RECEIVER"
    return body, headers


def _with_second_version(body: Any) -> list[dict[str, Any]]:
    """The versions list with a second version the suite knows, sharing 2.2.1's details (a
    version the mock does not serve yet; the mock's own entries are kept)."""
    entries = [v for v in body.get("data") or [] if isinstance(v, dict)]
    current = next((v for v in entries if v.get("version") == "2.2.1"), None)
    offered = {v.get("version") for v in entries}
    extra = next((v for v in ("2.3.0", "2.1.1") if v not in offered), None)
    if current is not None and extra is not None:
        entries.append({"version": extra, "url": current["url"]})
    return entries


def second_version(path: str, body: Any, headers: Headers) -> tuple[Any, Headers]:
    if path.rstrip("/").endswith("/ocpi/versions") and isinstance(body, dict):
        body["data"] = _with_second_version(body)
    return body, headers


def second_version_without_credentials(
    path: str, body: Any, headers: Headers
) -> tuple[Any, Headers]:
    if path.rstrip("/").endswith("/ocpi/versions") and isinstance(body, dict):
        entries = _with_second_version(body)
        for entry in entries:
            if entry.get("version") != "2.2.1":
                # its "details" are the versions list: no credentials endpoint there
                entry["url"] = entry["url"].rsplit("/", 1)[0] + "/versions"
        body["data"] = entries
    return body, headers


TAMPERS: dict[str, Change] = {
    change.__name__: change
    for change in (
        duplicate_evse_uid,
        duplicate_connector_id,
        future_last_updated,
        stale_parent,
        dangling_tariff,
        id_conflict,
        single_get_differs,
        cdr_wrong_evse_id,
        cdr_other_token,
        session_unknown_connector,
        routed_versions,
        stale_timestamp,
        locations_as_receiver,
        second_version,
        second_version_without_credentials,
    )
}


class Tamper:
    """Applies the tamper ``name`` to every JSON answer of the wrapped WSGI app."""

    def __init__(self, app: Callable[..., Iterable[bytes]], name: str) -> None:
        self.app = app
        self.change = TAMPERS[name]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        captured: dict[str, Any] = {}

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable:
            captured.update(status=status, headers=list(headers))
            return lambda data: None

        raw = b"".join(self.app(environ, capture))
        headers: Headers = captured["headers"]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if body is not None:
            body, headers = self.change(environ.get("PATH_INFO", ""), body, headers)
            raw = json.dumps(body).encode()
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(raw))))
        start_response(captured["status"], headers)
        return [raw]


def run_tampered(role: str, name: str, select: str) -> dict[str, Any]:
    """The suite (the checks ``select`` picks) against a mock whose answers ``name`` breaks."""
    from suite._runner import run_suite

    return run_suite(role, select=select, wrap=lambda app: Tamper(app, name))
