"""Compare two ``results.json`` files: what got fixed, what regressed, what is new."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Comparison", "compare_results", "load_results"]

_BAD = ("fail", "error", "warn")


def load_results(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(document, dict) or not str(document.get("format", "")).startswith(
        "ocpi-conformance-results/"
    ):
        raise ValueError(f"{path}: not an ocpi-conformance results.json")
    return document


@dataclass
class Comparison:
    fixed: list[tuple[str, str, str]] = field(default_factory=list)
    regressed: list[tuple[str, str, str]] = field(default_factory=list)
    still_failing: list[tuple[str, str, str]] = field(default_factory=list)
    new: list[tuple[str, str, str]] = field(default_factory=list)
    removed: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out: list[str] = []
        for title, rows in (
            ("Regressed", self.regressed),
            ("Fixed", self.fixed),
            ("Still failing", self.still_failing),
            ("New checks", self.new),
            ("No longer run", self.removed),
        ):
            if rows:
                out.append(f"{title} ({len(rows)}):")
                out += [f"  {check_id}: {old} → {new}" for check_id, old, new in rows]
        return out or ["No differences in outcome."]


def compare_results(old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    before = {r["id"]: r["outcome"] for r in old.get("checks", [])}
    after = {r["id"]: r["outcome"] for r in new.get("checks", [])}
    result = Comparison()
    for check_id in sorted(set(before) | set(after)):
        was, now = before.get(check_id, "-"), after.get(check_id, "-")
        row = (check_id, was, now)
        if check_id not in before:
            result.new.append(row)
        elif check_id not in after:
            result.removed.append(row)
        elif was in _BAD and now not in _BAD and now != "skip":
            result.fixed.append(row)
        elif was not in _BAD and now in _BAD:
            result.regressed.append(row)
        elif was in _BAD and now in _BAD:
            result.still_failing.append(row)
    return result
