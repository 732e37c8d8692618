"""Delta sync under churn: a client that pulls a Sender list in full once and then only what
changed (``date_from`` = when it last pulled) stays in step with the target while its data
changes (2.2.1 §4.1.4.1.2: date_from inclusive, date_to exclusive, so that sequential pulls
neither overlap nor leave gaps; §8.2.1.1.1 for Locations: a change to an EVSE or Connector
moves the Location's last_updated).

While the target's data changes, every Sender list is pulled in full at T0, then incrementally
with ``date_from=T0`` (polled until a change shows and at least two seconds of changes can be
judged, or ``--churn-wait`` runs out: T1), then in full again (T2). T0 and T1 are the target's
own clock: the envelope ``timestamp`` of an answer received before the pull (its HTTP Date when
the timestamp is unusable). Read-only: only GETs. For our own mock (``--mock cpo``) the suite
switches the mock's status churn on for the length of this check; any other target must change
by itself, or the check skips with that reason. It runs after the module checks, so the changes
it waits for do not race with their walks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from conformance import counterpart
from conformance.checks._common import Walk, client_for, list_params, sender_lists, walk
from conformance.crossrules import describe_key, object_key, parse_datetime
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.exchange import Exchange

check = pytest.mark.check
SPEC = "2.2.1 §4.1.4.1.2 Paginated Request; 2.2.1 §8.2.1.1.1 GET List: Request Parameters"
# how long a change may take from its last_updated stamp to being readable (a commit, a
# replica): changes stamped this close before an incremental pull may miss it
ALLOWANCE = timedelta(seconds=1)
POLL = 0.5
# the least span of time [T0, T1 - ALLOWANCE) whose changes are judged before polling stops
# early: with a span of a moment, a target that drops most changes could pass on the one it kept
JUDGED_SPAN = timedelta(seconds=2)
DELETABLE = ("tariffs",)  # a CPO may DELETE a Tariff (2.2.1 §11.2.2): it may leave the list
Key = tuple[Any, ...]


class _NotApplicable(Exception):
    """This list cannot take part (unreadable, no usable timestamp)."""


def _server_time(walked: Walk, last: bool = False) -> datetime | None:
    """The target's clock at a page: its envelope timestamp, or, when that is unusable
    (transport.timestamp_valid's finding), the HTTP Date header, to the second."""
    page = walked.pages[-1 if last else 0] if walked.pages else None
    if page is None:
        return None
    body = page.body
    stamp = parse_datetime(body.get("timestamp")) if isinstance(body, dict) else None
    return stamp or _http_date(page.headers.get("date"))


def _http_date(value: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _stamp(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{moment.microsecond // 1000:03d}Z" if moment.microsecond else "Z")


@dataclass
class _List:
    """One Sender list through the three pulls."""

    module: str
    url: str
    full_t0: Walk
    t0: datetime
    last_answer: datetime  # the target's time of the latest answer on this list
    incremental: Walk | None = None
    t1: datetime | None = None  # the target's time before the incremental pull was sent
    full_t2: Walk | None = None
    findings: list[str] = field(default_factory=list)

    def changes_in(self, result: Walk) -> list[dict[str, Any]]:
        """Objects of ``result`` stamped at or after T0 and new or changed since the full pull
        at T0 (an object stamped in T0's second may already be in that pull as it is)."""
        before = {object_key(self.module, o): o.get("last_updated") for o in self.full_t0.objects}
        return [
            o
            for o in result.objects
            if (stamp := _lu(o)) is not None
            and stamp >= self.t0
            and before.get(object_key(self.module, o)) != o.get("last_updated")
        ]

    def judged_change(self) -> bool:
        """Whether the latest incremental pull holds a change old enough to be required, and
        the changes of at least JUDGED_SPAN are judged."""
        assert self.incremental is not None and self.t1 is not None
        if self.t1 - ALLOWANCE - self.t0 < JUDGED_SPAN:
            return False
        return any(_lu(o) < self.t1 - ALLOWANCE for o in self.changes_in(self.incremental))


def _lu(obj: dict[str, Any]) -> datetime | None:
    return parse_datetime(obj.get("last_updated"))


def _readable(result: Walk, what: str) -> Walk:
    if result.first is None or result.problem is not None:
        raise _NotApplicable(f"{what} cannot be read to its end ({result.problem or result.skip})")
    return result


@contextmanager
def _churning(ocpi: Run, wait: float) -> Iterator[None]:
    """Our own mock under test churns while the block runs; other targets change by
    themselves."""
    url = ocpi.config.churn_control
    if url is None:
        yield
        return
    try:
        counterpart.drive_churn(url, counterpart.DEMO_CHURN_RATE, minutes=(wait + 60) / 60)
    except ValueError as exc:
        skip_could_not_run(f"the status churn of the mock at {url} could not be switched on: {exc}")
    try:
        yield
    finally:
        with suppress(ValueError):  # it stops by itself at its end
            counterpart.drive_churn(url, 0)


def _start(ocpi: Run, module: str, url: str) -> _List:
    client = client_for(ocpi, module=module)
    full = _readable(walk(client, module, url, list_params(module)), "the full pull at T0")
    t0 = _server_time(full)
    if t0 is None:
        raise _NotApplicable(
            "its answers carry no usable clock to take T0 from: no envelope timestamp (see "
            "transport.timestamp_valid) nor HTTP Date header"
        )
    return _List(module, url, full, t0, _server_time(full, last=True) or t0)


def _poll(ocpi: Run, item: _List) -> None:
    client = client_for(ocpi, module=item.module)
    params = list_params(item.module, date_from=_stamp(item.t0))
    before = item.last_answer
    result = _readable(walk(client, item.module, item.url, params), "the incremental pull")
    item.incremental, item.t1 = result, before
    item.last_answer = _server_time(result, last=True) or before


def _repeated(result: Walk, module: str) -> list[Key]:
    counts = Counter(object_key(module, o) for o in result.objects)
    return [k for k, n in counts.items() if n > 1]


def _judge(item: _List) -> None:
    """The findings of one list (see the module docstring)."""
    module, t0, t1 = item.module, item.t0, item.t1
    assert item.incremental is not None and item.full_t2 is not None and t1 is not None
    full_t0 = {object_key(module, o): o for o in item.full_t0.objects}
    incremental = {object_key(module, o): o for o in item.incremental.objects}
    full_t2 = {object_key(module, o): o for o in item.full_t2.objects}
    shown_t0 = _stamp(t0)
    for name, result in (
        ("the incremental pull", item.incremental),
        ("the full pull at T0", item.full_t0),
        ("the full pull at T2", item.full_t2),
    ):
        for key in _repeated(result, module)[:3]:
            item.findings.append(f"{name} returned {describe_key(key)} more than once")
    for key, obj in full_t2.items():
        stamp = _lu(obj)
        if stamp is None:
            continue
        if t0 <= stamp < t1 - ALLOWANCE and key not in incremental:
            item.findings.append(
                f"{describe_key(key)} changed at {obj.get('last_updated')} (after "
                f"date_from={shown_t0}, before the incremental pull) but the incremental pull "
                "left it out"
            )
        elif stamp < t0 and key not in full_t0:
            item.findings.append(
                f"{describe_key(key)} (last_updated {obj.get('last_updated')}, before T0) is "
                "missing from the full pull at T0"
            )
    for key in incremental:
        if key not in full_t2:
            item.findings.append(
                f"{describe_key(key)} came in the incremental pull but is missing from the "
                "full pull at T2"
            )
    if module not in DELETABLE:
        for key in full_t0:
            if key not in full_t2:
                item.findings.append(
                    f"{describe_key(key)} was in the full pull at T0 but is missing from the "
                    "full pull at T2"
                )


def _changed(item: _List) -> bool:
    assert item.incremental is not None and item.full_t2 is not None
    if item.changes_in(item.incremental):
        return True
    before = {object_key(item.module, o): o.get("last_updated") for o in item.full_t0.objects}
    after = {object_key(item.module, o): o.get("last_updated") for o in item.full_t2.objects}
    return before != after


def _exchange(item: _List) -> Exchange | None:
    walked = item.incremental or item.full_t0
    return walked.pages[-1].exchange if walked.pages else None


@check(id="pagination.delta_sync", spec=SPEC)
def test_delta_sync(ocpi: Run) -> None:
    """While the data changes, a full pull, an incremental pull from its time and a second full
    pull agree: every object changed after T0 is in the incremental pull, none comes twice,
    none is missing from a full pull."""
    wait = ocpi.config.churn_wait
    if wait <= 0:
        skip_not_applicable("--churn-wait is 0: the target's data is not watched for changes")
    lists = sender_lists(ocpi)
    if not lists:
        skip_not_applicable("the target offers no paginated Sender list")
    skipped: list[str] = []
    with _churning(ocpi, wait):
        deadline = time.monotonic() + wait
        watched: list[_List] = []
        for module, url in lists:
            try:
                watched.append(_start(ocpi, module, url))
            except _NotApplicable as exc:
                skipped.append(f"{module}: {exc}")
        while watched:
            for item in list(watched):
                try:
                    _poll(ocpi, item)
                except _NotApplicable as exc:
                    skipped.append(f"{item.module}: {exc}")
                    watched.remove(item)
            if any(i.judged_change() for i in watched) or time.monotonic() >= deadline:
                break
            time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
        for item in list(watched):
            client = client_for(ocpi, module=item.module)
            try:
                item.full_t2 = _readable(
                    walk(client, item.module, item.url, list_params(item.module)),
                    "the full pull at T2",
                )
            except _NotApplicable as exc:
                skipped.append(f"{item.module}: {exc}")
                watched.remove(item)
    if not watched:
        skip_could_not_run("; ".join(skipped) or "no list could be watched")
    changed = [item for item in watched if _changed(item)]
    if not changed:
        names = ", ".join(item.module for item in watched)
        skip_could_not_run(
            f"the target's data did not change within --churn-wait {wait:g} s ({names} "
            "watched); run it against a target whose data changes, or wait longer"
        )
    for item in changed:
        _judge(item)
    broken = [item for item in changed if item.findings]
    if broken:
        details = [f"{item.module}: {text}" for item in broken for text in item.findings]
        raise CheckFailure(
            f"Delta sync loses or repeats changes ({', '.join(i.module for i in broken)})",
            expected="every object changed after date_from in the incremental pull, each once; "
            "every object in both full pulls",
            actual=details[0] if len(details) == 1 else f"{len(details)} problems",
            spec=SPEC,
            hint="filter date_from on the last_updated the list shows, stamp it when the change "
            "is stored, and page in a stable order (not by last_updated)",
            details=details[:10] if len(details) > 1 else (),
            exchange=_exchange(broken[0]),
        )
