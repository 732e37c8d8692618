"""Bounds on what a client may send: body size (``max_body``) and JSON nesting depth.

Checked before any view parses a body, so a hostile request is refused with an OCPI envelope
instead of exhausting memory or the parser's recursion.
"""

from __future__ import annotations

import re

from flask import Flask, request

from mock_party.ocpi import OcpiError

__all__ = ["MAX_JSON_DEPTH", "init_app", "json_depth", "waitress_body_limit"]

MAX_JSON_DEPTH = 64
# A JSON string (escapes included) or one bracket; strings are skipped whole, so brackets
# inside them do not count.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(data: bytes, stop_above: int = MAX_JSON_DEPTH) -> int:
    """How deep ``data`` nests arrays and objects; stops counting once above ``stop_above``."""
    if data.count(b"[") + data.count(b"{") <= stop_above:
        return 0 if not data else min(data.count(b"[") + data.count(b"{"), stop_above)
    depth = deepest = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _check_depth() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.content_length:
        return
    data = request.get_data(cache=True)  # over max_body: Flask answers 413 here
    if json_depth(data) > MAX_JSON_DEPTH:
        raise OcpiError(
            f"The JSON body is nested too deep (more than {MAX_JSON_DEPTH} levels)",
            status_code=2001,
            http_status=400,
        )


def waitress_body_limit(max_body: int) -> int:
    """waitress's own cap, above ours: the app answers 413 as an envelope; waitress only stops
    a body (chunked, say) that would go on far past it."""
    return max_body * 2 + 65_536


def init_app(app: Flask, max_body: int) -> None:
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.before_request(_check_depth)
