"""The spec's own examples: the valid ones validate, the broken ones fail for the documented reason.

Each ``examples/<version>/INDEX.md`` lists every example file, the object it shows and the
result of a check against the spec tables ("OK" or "FAIL: <path>: <reason>; ..."). This test
reads those tables, maps each row to one of our schemas (MAPPING below) and, for a FAIL row,
turns every documented reason into the violation we must report (path + keyword). The example
files themselves are never copied into this repository (CC BY-ND): they are read from
``$OCPI_SPEC_EXAMPLES``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ocpi_core.schemas import SchemaViolation, validate

EXAMPLES = (
    Path(__file__).resolve().parents[2]
    / os.environ.get("OCPI_SPEC_EXAMPLES", "../shared/ocpi-spec/examples")
).resolve()

# "checked as" column -> our schema name.
MAPPING = {
    "ResponseEnvelope": "Response",
    "Financial Advice Confirmation": "FinancialAdviceConfirmation",
}
# 2.1.1 rows do not say "(partial/PATCH)"; these are the blocks printed under a PATCH heading
# that INDEX.md checks as partial objects (25 says PUT in its request line but sits under
# "2.2.3 PATCH Method" and is partial).
PATCH_2_1_1 = {"10", "11", "12", "14", "20", "25", "32"}
# Fragments the extraction wrapped in {} ("fragment wrapped in {} to make it a JSON object").
FRAGMENT_KEYS = {"energy_mix", "opening_times"}

# Rows we do not check, with the reason.
NOT_CHECKED = {
    ("2.3.0", "bookings", "booking_request_patch_example_timeslot.json"): (
        "not used by the spec text; BookingRequest has no PATCH interface"
    ),
    ("2.3.0", "bookings", "booking_request_patch_example_tokens.json"): (
        "not used by the spec text; BookingRequest has no PATCH interface"
    ),
}


@dataclass(frozen=True)
class Row:
    version: str
    folder: str
    file: str
    checked_as: str
    source: str
    validation: str

    @property
    def id(self) -> str:
        return "/".join(p for p in (self.version, self.folder, self.file) if p)


def _rows(version: str) -> list[Row]:
    index = EXAMPLES / version / "INDEX.md"
    if not index.is_file():
        return []
    folders = [p.name for p in (EXAMPLES / version).iterdir() if p.is_dir()]
    folder, rows = "", []
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            folder = next((f for f in folders if f"{f}/" in line), "")
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or not cells[0].endswith((".json", ".txt")):
            continue
        rows.append(Row(version, folder, cells[0], cells[1], " ".join(cells[2:-1]), cells[-1]))
    return rows


ROWS = [row for version in ("2.1.1", "2.2.1", "2.3.0") for row in _rows(version)]


def _target(row: Row) -> tuple[str, str]:
    """(schema name, mode) where mode is one of: object, envelope-or-object, list."""
    checked = row.checked_as
    patch = "(partial/PATCH)" in checked or (
        row.version == "2.1.1" and row.folder == "" and row.file[:2] in PATCH_2_1_1
    )
    name = re.sub(r" \(.*\)$| in envelope( list)?$| list$", "", checked).strip()
    name = MAPPING.get(name, name) + ("Patch" if patch else "")
    mode = "list" if checked.endswith(" list") and "envelope" not in checked else "object"
    return name, mode


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".INVALID.txt"):
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
        # The repair INDEX.md describes: drop trailing commas, wrap a bare fragment.
        text = re.sub(r",(\s*[}\]])", r"\1", text)
        if text.lstrip().startswith('"'):
            text = "{" + text + "}"
    document = json.loads(text)
    if isinstance(document, dict) and len(document) == 1 and set(document) <= FRAGMENT_KEYS:
        document = next(iter(document.values()))
    return document


def _check(row: Row, document: Any) -> list[SchemaViolation]:
    name, mode = _target(row)
    if name == "Response":
        return validate(document, row.version, name)
    if isinstance(document, dict) and "status_code" in document and "timestamp" in document:
        return validate(document, row.version, name, envelope=True)
    if mode == "list" or isinstance(document, list):
        assert isinstance(document, list), row
        found: list[SchemaViolation] = []
        for i, item in enumerate(document):
            found += [
                SchemaViolation(
                    f"$[{i}]" + v.json_path[1:], v.message, v.keyword, v.schema_location
                )
                for v in validate(item, row.version, name)
            ]
        return found
    return validate(document, row.version, name)


@dataclass(frozen=True)
class Expected:
    """A violation a documented reason must produce (or None: accepted by our policy)."""

    json_path: str
    keyword: str
    mentions: str = ""


# Documented reason (after "<path>: ") -> the violation it must produce.
REASONS: list[tuple[str, Any]] = [
    # Unknown fields are accepted by policy (schemas/README.md, "Unknown fields"); 2.3.0
    # transport_and_format even forbids rejecting them.
    (r"unknown field '(?P<f>[^']+)' for \w+", None),
    (r"missing required field '(?P<f>[^']+)'", lambda p, m: Expected(p, "required", m["f"])),
    (r"value '[^']*' not in \w+", lambda p, m: Expected(p, "enum")),
    (
        r"country '[^']*' is not ISO 3166-1 alpha-3",
        lambda p, m: Expected(p + ".country", "pattern"),
    ),
    (
        r"(?P<f>latitude|longitude) '[^']*' fails regex",
        lambda p, m: Expected(f"{p}.{m['f']}", "pattern"),
    ),
    (r"(bad DateTime|DateTime out of range) '[^']*'", lambda p, m: Expected(p, "pattern")),
    (r"expected (number|string|list|object \w+), got .*", lambda p, m: Expected(p, "type")),
    (r"length \d+ > max \d+", lambda p, m: Expected(p, "maxLength")),
    (r"2\.1\.1 Hours is a choice: .*", lambda p, m: Expected(p, "oneOf")),
]


def _expected(validation: str) -> tuple[list[Expected], int]:
    """Violations the documented reasons require, and how many reasons our policy accepts."""
    reasons = re.sub(r"\(JSON invalid as printed:[^)]*\);?", "", validation.removeprefix("FAIL:"))
    reasons = re.sub(r"INVALID JSON: .*", "", reasons)  # checked by _load
    wanted: list[Expected] = []
    accepted = 0
    for reason in filter(None, (r.strip() for r in reasons.split("; "))):
        path, _, text = reason.partition(": ")
        for pattern, make in REASONS:
            match = re.fullmatch(pattern, text)
            if match:
                if make is None:
                    accepted += 1
                else:
                    wanted.append(make(path, match))
                break
        else:
            raise AssertionError(f"documented reason not understood by this test: {reason!r}")
    return wanted, accepted


@pytest.mark.skipif(
    not ROWS, reason=f"spec examples not found at {EXAMPLES}; set OCPI_SPEC_EXAMPLES"
)
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_example(row: Row) -> None:
    if (row.version, row.folder, row.file) in NOT_CHECKED:
        pytest.skip(NOT_CHECKED[(row.version, row.folder, row.file)])
    path = EXAMPLES / row.version / row.folder / row.file
    document = _load(path)
    found = _check(row, document)
    shown = "\n".join(map(str, found))
    if row.validation.startswith("OK"):
        assert not found, f"{row.id} is valid per INDEX.md but:\n{shown}"
        return
    wanted, accepted = _expected(row.validation)
    if not wanted and not path.name.endswith(".INVALID.txt"):
        # Every documented problem is one our policy accepts (unknown fields).
        assert accepted and not found, shown
        return
    for want in wanted:
        hits = [
            v
            for v in found
            if v.json_path == want.json_path
            and v.keyword == want.keyword
            and want.mentions in v.message
        ]
        assert hits, f"{row.id}: expected {want} among:\n{shown}"


def test_index_rows_found(examples_dir: Path) -> None:
    """Guards the INDEX.md parser: every example file on disk is covered by a row."""
    listed = {(r.version, r.folder, r.file) for r in ROWS}
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        for path in (examples_dir / version).rglob("*"):
            if path.suffix in (".json", ".txt") and path.name != "INDEX.md":
                folder = path.parent.relative_to(examples_dir / version).as_posix()
                key = (version, "" if folder == "." else folder, path.name)
                assert key in listed, key
