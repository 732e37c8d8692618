"""Demand pricing: tariffs that change while people charge (2.2.1 tariffs, sessions, CDRs).

A CPO changes a price by ending one Tariff (``end_date_time``) and starting another
(``start_date_time``); a connector lists both, and only one Tariff of each type may be active
at a time (2.2.1 §8.3.3 Connector ``tariff_ids``). A charging period names the Tariff relevant
to it (§10.4.6 ChargingPeriod ``tariff_id``, a class Sessions use too), so a period is priced
by the Tariff in force when it starts; a CDR starts a new period at each price change (SHALL),
a Session is advised to (a SHOULD check). The totals themselves
are reconciled by ``cdrs.pricing_reconciles`` and ``sessions.total_cost_matches``, which
price each period with the Tariff it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pytest

from conformance.checks._common import full_walk
from conformance.checks._lists import fail_with
from conformance.crossrules import parse_datetime
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.schemas import validate
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
CPO = ("CPO",)
TARIFF_IDS = "2.2.1 §8.3.3 Connector Object"
CDR_PERIOD = "2.2.1 §10.4.6 ChargingPeriod class"
SESSION_PERIOD = "2.2.1 §10.4.6 ChargingPeriod class"  # Sessions use the CDRs' class
SESSION_NOTES = "2.2.1 §9.3.1 Session Object"
WINDOW = "2.2.1 §11.3.1 Tariff Object"


def _window(tariff: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    return parse_datetime(tariff.get("start_date_time")), parse_datetime(
        tariff.get("end_date_time")
    )


def _windowed(tariff: Mapping[str, Any]) -> bool:
    return bool(tariff.get("start_date_time") or tariff.get("end_date_time"))


def _by_id(tariffs: Iterable[Any]) -> dict[str, Mapping[str, Any]]:
    return {str(t.get("id")).upper(): t for t in tariffs if isinstance(t, dict)}


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    (a_start, a_end), (b_start, b_end) = _window(a), _window(b)
    starts_before_b_ends = a_start is None or b_end is None or a_start < b_end
    b_starts_before_a_ends = b_start is None or a_end is None or b_start < a_end
    return starts_before_b_ends and b_starts_before_a_ends


@check(id="tariffs.validity_windows_disjoint", spec=TARIFF_IDS, roles=CPO, versions=SINCE_2_2)
def test_validity_windows_disjoint(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The Tariffs of one connector that share a type have validity windows
    (start_date_time/end_date_time) that do not overlap: one of each type is in force."""
    # an invalid Tariff (a type that is no TariffType) is tariffs.objects_valid's finding
    version = ocpi.config.version
    tariffs = _by_id(
        t for t in full_walk(request, ocpi, "tariffs").objects if not validate(t, version, "Tariff")
    )
    locations = full_walk(request, ocpi, "locations")
    judged, problems = 0, []
    for location in locations.objects:
        for evse in location.get("evses") or []:
            for connector in evse.get("connectors") or [] if isinstance(evse, dict) else []:
                ids = connector.get("tariff_ids") or [] if isinstance(connector, dict) else []
                known = [tariffs[str(i).upper()] for i in ids if str(i).upper() in tariffs]
                groups: dict[str, list[Mapping[str, Any]]] = {}
                for tariff in known:
                    groups.setdefault(str(tariff.get("type") or "REGULAR"), []).append(tariff)
                for kind, group in groups.items():
                    if len(group) < 2:
                        continue
                    judged += 1
                    for i, a in enumerate(group):
                        for b in group[i + 1 :]:
                            if _overlap(a, b):
                                where = (
                                    f"{location.get('id')}/{evse.get('uid')}/{connector.get('id')}"
                                )
                                problems.append(
                                    f"connector {where}: {kind} tariffs {a.get('id')} "
                                    f"({a.get('start_date_time')} – {a.get('end_date_time')}) and "
                                    f"{b.get('id')} ({b.get('start_date_time')} – "
                                    f"{b.get('end_date_time')}) are in force at once"
                                )
    if not judged:
        skip_could_not_run(
            "no connector lists two Tariffs of one type: no validity windows to compare"
        )
    fail_with(
        problems,
        "Tariffs of one type in force at the same time on a connector",
        expected="at most one Tariff of each type valid at any moment (disjoint windows)",
        spec=f"{TARIFF_IDS}; {WINDOW}",
        exchange=locations.first.exchange if locations.first else None,
    )


def _period_problems(
    document: Mapping[str, Any], known: dict[str, Mapping[str, Any]], label: str
) -> tuple[bool, list[str], list[str]]:
    """(whether a period names a windowed Tariff, periods naming a Tariff not in force at their
    start, periods running past the end of the Tariff they name)."""
    given = document.get("tariffs")  # of a wrong type: the schema checks report it
    own = _by_id(given if isinstance(given, list) else [])
    given = document.get("charging_periods")
    periods = [p for p in given if isinstance(p, dict)] if isinstance(given, list) else []
    end = parse_datetime(document.get("end_date_time"))
    windowed, problems, unsplit = False, [], []
    for index, period in enumerate(periods):
        tariff_id = str(period.get("tariff_id") or "").upper()
        tariff = own.get(tariff_id) or known.get(tariff_id)
        start = parse_datetime(period.get("start_date_time"))
        if tariff is None or start is None or not _windowed(tariff):
            continue
        windowed = True
        begins, ends = _window(tariff)
        name = f"{label} period {index} ({period.get('start_date_time')})"
        if (begins is not None and start < begins) or (ends is not None and start >= ends):
            problems.append(
                f"{name}: tariff {tariff.get('id')} is not in force then "
                f"({tariff.get('start_date_time')} – {tariff.get('end_date_time')})"
            )
            continue
        following = periods[index + 1].get("start_date_time") if index + 1 < len(periods) else None
        until = parse_datetime(following) if following else end
        if ends is not None and until is not None and until > ends:
            unsplit.append(
                f"{name}: runs past {tariff.get('end_date_time')}, where tariff "
                f"{tariff.get('id')} ends (a new period starts at a price change)"
            )
    return windowed, problems, unsplit


def _judge(
    ocpi: Run,
    request: pytest.FixtureRequest,
    module: str,
    spec: str,
    *,
    in_force: bool = True,
    split: bool = True,
) -> None:
    known = _by_id(full_walk(request, ocpi, "tariffs").objects)
    walked = full_walk(request, ocpi, module)
    seen, problems = False, []
    for document in walked.objects:
        label = f"{module[:-1]} {document.get('id')}"
        windowed, wrong, unsplit = _period_problems(document, known, label)
        seen = seen or windowed
        problems += (wrong if in_force else []) + (unsplit if split else [])
    if not seen:
        skip_could_not_run(f"no {module[:-1]} period names a Tariff with a validity window")
    expected = {
        (True, True): "each period names the Tariff valid at its start and ends at a price change",
        (True, False): "each period names the Tariff valid at its start",
        (False, True): "a new period at each price change (a period ends where its Tariff does)",
    }[(in_force, split)]
    fail_with(
        problems,
        f"{module}: charging periods not priced by the Tariff in force"
        if in_force
        else f"{module}: charging periods run past a price change",
        expected=expected,
        spec=f"{spec}; {WINDOW}",
        exchange=walked.first.exchange if walked.first else None,
    )


@check(id="cdrs.period_tariff_in_force", spec=CDR_PERIOD, roles=CPO, versions=SINCE_2_2)
def test_cdr_period_tariff_in_force(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A CDR across a price change prices each period with the Tariff valid at its start, and
    starts a new period at the change (the CPO SHALL, 2.2.1 §10.3 ChargingPeriod)."""
    _judge(ocpi, request, "cdrs", CDR_PERIOD)


@check(id="sessions.period_tariff_in_force", spec=SESSION_PERIOD, roles=CPO, versions=SINCE_2_2)
def test_session_period_tariff_in_force(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Session's periods name the Tariff in force at their start, so its running total
    follows it. Whether a period ends at the price change is the SHOULD check below."""
    _judge(ocpi, request, "sessions", SESSION_PERIOD, split=False)


@check(
    id="sessions.period_split_at_tariff_change",
    spec=SESSION_NOTES,
    level="SHOULD",
    roles=CPO,
    versions=SINCE_2_2,
)
def test_session_period_split_at_tariff_change(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Session starts a new period where its Tariff changes. The Sessions module only
    recommends it (2.2.1 §9.3.1); the CDR is where the CPO SHALL (cdrs.period_tariff_in_force)."""
    _judge(ocpi, request, "sessions", SESSION_NOTES, in_force=False)
