"""Rules every Sender list shares: valid objects, unique ids, no last_updated in the future.

The module checks (test_locations.py, test_sessions.py, …) call these with their module name, so
each module keeps its own check ids while the logic lives here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from conformance.checks._common import (
    CLOCK_TOLERANCE,
    SHOWN,
    data_violations,
    full_walk,
    payload,
    utc_now,
    walked_objects,
)
from conformance.checks._incoming import pushed_objects
from conformance.crossrules import (
    MODULE_OBJECTS,
    conflicting_ids,
    future_last_updated,
    object_key,
)
from conformance.failures import CheckFailure, SchemaFailure
from conformance.session import Run
from ocpi_core.client import OcpiResponse
from ocpi_core.exchange import Exchange

__all__ = [
    "check_ids_unique",
    "check_last_updated_past",
    "check_objects_valid",
    "fail_with",
]


def fail_with(
    problems: list[str],
    title: str,
    *,
    expected: str,
    spec: str,
    exchange: Exchange | None = None,
    hint: str | None = None,
) -> None:
    """Raise one failure for a list of problems (nothing when there are none)."""
    if not problems:
        return
    details = problems[:SHOWN] + (
        [f"… and {len(problems) - SHOWN} more"] if len(problems) > SHOWN else []
    )
    raise CheckFailure(
        title,
        expected=expected,
        actual=problems[0] if len(problems) == 1 else f"{len(problems)} problems",
        spec=spec,
        hint=hint,
        details=details if len(problems) > 1 else (),
        exchange=exchange,
    )


def check_objects_valid(
    request: pytest.FixtureRequest,
    ocpi: Run,
    module: str,
    spec: str,
    extra: Iterable[tuple[OcpiResponse, str]] = (),
) -> None:
    """Every object of the list, of the ``extra`` single-object answers (each with its schema
    name) and of the target's pushes to our counterpart is valid against its schema."""
    name = MODULE_OBJECTS[module]
    title = f"{module} objects that are not valid {name}s"
    result = full_walk(request, ocpi, module)
    result.require_first(title, spec)
    version = ocpi.config.version
    lines: list[str] = []
    first_exchange = None
    for number, (page, data) in enumerate(zip(result.pages, result.data, strict=True), 1):
        violations = data_violations(data, name, version, "$.data")
        if violations:
            first_exchange = first_exchange or page.exchange
            prefix = f"page {number}: " if len(result.pages) > 1 else ""
            lines += [prefix + str(v) for v in violations]
    for response, object_name in extra:
        violations = data_violations(payload(response)[1], object_name, version, "$.data")
        if violations:
            first_exchange = first_exchange or response.exchange
            lines += [f"GET {response.url}: {v}" for v in violations]
    for pushed, object_name in pushed_objects(ocpi, module):
        violations = data_violations(pushed.body, object_name, version, "$")
        if violations:
            first_exchange = first_exchange or pushed.exchange
            lines += [f"{pushed.method} {pushed.exchange.url} to us: {v}" for v in violations]
    if lines:
        raise SchemaFailure(
            title,
            expected=f"every object valid against the {version} {name} schema",
            actual=f"{len(lines)} schema violation(s)",
            spec=spec,
            details=lines[:SHOWN],
            exchange=first_exchange,
        )


def check_ids_unique(request: pytest.FixtureRequest, ocpi: Run, module: str, spec: str) -> None:
    """No two different objects of the list share an id (per owning party)."""
    title = f"{module}: two different objects with one id"
    objects = walked_objects(request, ocpi, module, title, spec)
    conflicts = conflicting_ids(module, objects)
    fail_with(
        [f"id {key} is used by different objects" for key in conflicts],
        title,
        expected="one object per country_code/party_id/id",
        spec=spec,
        exchange=full_walk(request, ocpi, module).first.exchange,
    )


def check_last_updated_past(
    request: pytest.FixtureRequest, ocpi: Run, module: str, spec: str
) -> None:
    """No last_updated lies in the future (beyond a few minutes of clock difference)."""
    title = f"{module}: last_updated in the future"
    objects = walked_objects(request, ocpi, module, title, spec)
    now = utc_now()
    problems = []
    for obj in objects:
        for where in future_last_updated(obj, now, CLOCK_TOLERANCE):
            problems.append(f"{_name(module, obj)}: {where}")
    fail_with(
        problems,
        title,
        expected=f"last_updated not later than now ({now:%Y-%m-%dT%H:%M:%SZ}) plus "
        f"{int(CLOCK_TOLERANCE.total_seconds() // 60)} minutes",
        spec=spec,
        exchange=full_walk(request, ocpi, module).first.exchange,
    )


def _name(module: str, obj: dict[str, Any]) -> str:
    return f"{module[:-1]} " + "/".join(str(p) for p in object_key(module, obj))
