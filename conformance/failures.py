"""What a failed check says, in one format for every output.

A check raises :class:`CheckFailure` (or a subclass); ``str(failure)`` is the only formatter, so the
terminal, JUnit, the HTML report and ``results.json`` show the same text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ocpi_core.client import reason_phrase
from ocpi_core.exchange import Exchange

__all__ = ["CheckFailure", "StatusMismatch", "SchemaFailure", "format_body"]

_BODY_LINES = 20
_BODY_CHARS = 2_000


def format_body(
    body: str | None, *, max_lines: int = _BODY_LINES, max_chars: int = _BODY_CHARS
) -> str:
    """A body for people: pretty JSON, shortened to ``max_lines`` and ``max_chars``."""
    if body is None or body == "":
        return "<EMPTY>"
    try:
        text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        text = body
    lines = text.splitlines()
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… ({len(lines) - max_lines} more lines)"]
    text = "\n".join(lines)
    if len(text) > max_chars:
        text = text[:max_chars] + "…"
    return text


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


class CheckFailure(AssertionError):
    """A conformance requirement not met.

    ``check_id``, ``spec`` and ``level`` are filled in from the check's marker by the plugin when
    the check does not give them.
    """

    def __init__(
        self,
        title: str,
        *,
        expected: Any = None,
        actual: Any = None,
        spec: str | None = None,
        exchange: Exchange | None = None,
        hint: str | None = None,
        details: Sequence[str] = (),
        check_id: str | None = None,
        level: str | None = None,
    ) -> None:
        super().__init__(title)
        self.title = title
        self.expected = expected
        self.actual = actual
        self.spec = spec
        self.exchange = exchange
        self.hint = hint
        self.details = tuple(details)
        self.check_id = check_id
        self.level = level

    def __str__(self) -> str:
        lines = [self.title, ""]
        if self.expected is not None:
            lines.append(f"    Expected: {self.expected}")
        if self.actual is not None:
            lines.append(f"    Got: {self.actual}")
        if self.spec:
            lines.append(f"    Spec: {self.spec}")
        for detail in self.details:
            lines.append(_indent(detail))
        if self.hint:
            lines.append(f"    Fix: {self.hint}")
        if self.exchange is not None:
            ex = self.exchange
            lines.append("")
            lines.append(f"{ex.method} {ex.url}")
            if ex.status is None:
                lines.append(f"[no response] {ex.error}")
            else:
                lines.append(f"[{ex.status}] {reason_phrase(ex.status)}")
                lines.append(_indent(format_body(ex.response_body)))
        return "\n".join(lines).rstrip()


class StatusMismatch(CheckFailure):
    """An HTTP or OCPI status other than the one the spec asks for."""


class SchemaFailure(CheckFailure):
    """A body that does not validate against its JSON Schema; ``details`` holds one line per
    violation in the ``path: message (rule)`` form."""
