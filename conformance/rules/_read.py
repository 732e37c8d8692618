"""Reading a recorded exchange: a header by name, a body as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["body_json", "header"]


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """A header's value, names compared case-insensitively (the last one wins)."""
    found = None
    for key, value in headers:
        if key.lower() == name.lower():
            found = value
    return found


def body_json(text: str | None) -> Any:
    """The parsed body, or ``None`` when there is none or it is not JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
