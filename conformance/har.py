"""``exchanges.har``: every exchange of a run as HAR 1.2, loadable in a browser's network panel.

Tokens were masked when the exchanges were recorded; this writer only reformats them.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from conformance import __version__
from conformance.report import KEEP_FIRST, kept_exchanges, left_out_text
from ocpi_core.exchange import ExchangeRecorder

__all__ = ["HarWriter", "to_har_entry"]


def _headers(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers.items()]


def _mime(headers: dict[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value
    return "application/json"


def _location(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "location"), "")


def to_har_entry(exchange: dict[str, Any], check_id: str | None = None) -> dict[str, Any]:
    """One HAR entry from an exchange dict (``Exchange.as_dict()``)."""
    request_headers = exchange["request_headers"]
    response_headers = exchange["response_headers"]
    status = exchange["status"]
    elapsed_ms = round(exchange["elapsed"] * 1000, 3)
    request: dict[str, Any] = {
        "method": exchange["method"],
        "url": exchange["url"],
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(request_headers),
        "queryString": [
            {"name": k, "value": v} for k, v in parse_qsl(urlsplit(exchange["url"]).query)
        ],
        "headersSize": -1,
        "bodySize": len((exchange["request_body"] or "").encode()),
    }
    if exchange["request_body"] is not None:
        request["postData"] = {"mimeType": _mime(request_headers), "text": exchange["request_body"]}
    body = exchange["response_body"] or ""
    try:
        status_text = HTTPStatus(status).phrase if status else ""
    except ValueError:
        status_text = ""
    entry: dict[str, Any] = {
        "startedDateTime": exchange["started_at"],
        "time": elapsed_ms,
        "request": request,
        "response": {
            "status": status or 0,
            "statusText": status_text,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _headers(response_headers),
            "content": {
                "size": len(body.encode()),
                "mimeType": _mime(response_headers),
                "text": body,
            },
            "redirectURL": _location(response_headers) if exchange.get("redirect") else "",
            "headersSize": -1,
            "bodySize": len(body.encode()) if status else -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed_ms, "receive": 0},
    }
    comments = []
    if check_id:
        comments.append(f"check {check_id}")
    if exchange.get("direction") == "incoming":
        comments.append("incoming: the target called our counterpart")
    if exchange.get("redirect"):
        comments.append(f"redirect {exchange['redirect']}")
    if exchange.get("error"):
        comments.append(f"no response: {exchange['error']}")
        entry["response"]["_error"] = exchange["error"]
    if comments:
        entry["comment"] = "; ".join(comments)
    return entry


class HarWriter:
    """Collects the exchanges of each check's report; writes the HAR file at session end.

    With the run's ``recorder``, the exchanges no check's report holds are written too: the
    calls the target makes to our counterpart by itself (a Hub's ClientInfo pushes after our
    registration, a late command result) may come between two checks or after the last."""

    def __init__(self, path: str | Path, recorder: ExchangeRecorder | None = None) -> None:
        self.path = Path(path)
        self.recorder = recorder
        self.entries: list[dict[str, Any]] = []
        self.spans: list[tuple[int, int]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        span = getattr(report, "ocpi_exchanges_span", None)
        if span is not None:
            self.spans.append(span)
        meta = getattr(report, "ocpi_check", None)
        left_out = getattr(report, "ocpi_exchanges_left_out", 0)
        for number, exchange in enumerate(getattr(report, "ocpi_exchanges", None) or []):
            entry = to_har_entry(exchange, meta["id"] if meta else None)
            if left_out and number == KEEP_FIRST:
                entry["comment"] = (
                    f"{entry.get('comment', '')}; {left_out_text(left_out)} before this one"
                )
            self.entries.append(entry)

    def _between_checks(self) -> list[dict[str, Any]]:
        """The exchanges outside every check's span, as many as a check keeps of its own."""
        if self.recorder is None:
            return []
        held = set().union(*(range(start, end) for start, end in self.spans))
        outside = [e for index, e in enumerate(self.recorder) if index not in held]
        kept, left_out = kept_exchanges(outside)
        entries = []
        for number, exchange in enumerate(kept):
            entry = to_har_entry(exchange.as_dict())
            notes = [entry.get("comment"), "recorded between checks: no check's report holds it"]
            if left_out and number == KEEP_FIRST:
                notes.append(f"{left_out_text(left_out)} before this one")
            entry["comment"] = "; ".join(n for n in notes if n)
            entries.append(entry)
        return entries

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.entries += self._between_checks()
        self.entries.sort(key=lambda e: e["startedDateTime"])
        document = {
            "log": {
                "version": "1.2",
                "creator": {"name": "ocpi-conformance", "version": __version__},
                "entries": self.entries,
            }
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
