"""Status churn of a mock CPO: its EVSEs change status by themselves, as a live network's do.

One :func:`churn_step` moves one EVSE a step along a plausible path: AVAILABLE → CHARGING →
AVAILABLE, now and then AVAILABLE → OUTOFORDER → AVAILABLE, or a reservation first planned in
the EVSE's ``status_schedule`` (a RESERVED period), then taken (status RESERVED, the schedule
emptied) and ended (CHARGING or AVAILABLE). The change is stored with ``last_updated`` moving
on the EVSE and on its Location (spec 2.2.1 §8.3.1/§8.3.2), so the Sender list and its
``date_from`` filter show it, and it is PATCHed on the EVSE to every registered partner
(§8.2.2.3; the whole Location, PUT, to a partner that answers 404), in its version's shape.

The churn settings (rate, end, when the next change is due, how many were made) live in the
store's state (``Objects.state``), not in process memory: every process serving the same store
shares one schedule, and a restart resumes it. A ticker thread per process makes the due
changes and ends when the churn is off; in each worker of a shared mock (``serve --workers
N``) it stays for the worker's life, so a churn switched on through whichever worker took the
request runs in all of them, each change claimed by one, and goes on when a worker dies.
:func:`set_churn` (``POST /admin/churn``, ``MockConfig.status_churn``, ``ocpi-mock
serve/simulate --status-churn N/min``) switches it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app

from mock_party.config import MockConfig
from mock_party.objects import SENDER, Objects, format_datetime, get_objects, sort_key
from mock_party.push import Delivery, object_path, push
from mock_party.store import get_store

__all__ = [
    "ChurnSettings",
    "StatusChange",
    "churn_settings",
    "churn_step",
    "churned_since",
    "parse_rate",
    "request_churn",
    "resume_churn",
    "set_churn",
]

log = logging.getLogger(__name__)

STATE_KEY = "status_churn"
LOG_KEY = "status_churn_log"  # the latest changes: [location id, last_updated], newest last
LOG_SIZE = 1000
TICK = 0.1  # the longest a ticker sleeps before it looks at the settings again
IDLE = 1.0  # ... while the churn is off, in a shared mock's worker (its ticker stays)
_TICKER = "ocpi_churn_ticker"
_LOCK = "ocpi_churn_lock"
_FOREVER = "ocpi_churn_ticker_stays"  # set once in a shared mock's worker
_PLAN = "PLAN_RESERVATION"  # not a status: a RESERVED period put in the status_schedule

# next step from each status: (what, weight)
_NEXT: dict[str, tuple[tuple[str, int], ...]] = {
    "AVAILABLE": (("CHARGING", 6), ("OUTOFORDER", 1), (_PLAN, 2)),
    "CHARGING": (("AVAILABLE", 1),),
    "OUTOFORDER": (("AVAILABLE", 1),),
    "RESERVED": (("CHARGING", 1), ("AVAILABLE", 1)),
    "BLOCKED": (("AVAILABLE", 1),),
    "INOPERATIVE": (("AVAILABLE", 1),),
    "UNKNOWN": (("AVAILABLE", 1),),
}
_BUSY_SESSIONS = ("ACTIVE", "PENDING", "RESERVATION")


def _now() -> datetime:
    return datetime.now(UTC)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


@dataclass(frozen=True)
class ChurnSettings:
    """The churn as stored: ``per_minute`` changes a minute (0: off) until ``until`` (None:
    until switched off); ``next_at`` is when the next change is due; ``changes`` counts them."""

    per_minute: float = 0.0
    until: str | None = None
    next_at: str | None = None
    changes: int = 0

    def active(self, now: datetime) -> bool:
        return self.per_minute > 0 and (self.until is None or now < _parse(self.until))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "active": self.active(_now())}


@dataclass(frozen=True)
class StatusChange:
    """One change made by the churn, and how the partners took its push."""

    location_id: str
    evse_uid: str
    before: str
    patch: dict[str, Any]
    deliveries: tuple[Delivery, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "location_id": self.location_id,
            "evse_uid": self.evse_uid,
            "before": self.before,
            "patch": self.patch,
            "deliveries": [d.as_dict() for d in self.deliveries],
        }


def parse_rate(text: str) -> float:
    """``"6/min"``, ``"6"``, ``"0.5/s"``, ``"30/h"`` or ``"off"`` as changes per minute."""
    cleaned = text.strip().lower()
    if cleaned in ("off", "none"):
        return 0.0
    value, _, unit = cleaned.partition("/")
    per = {"": 1.0, "min": 1.0, "m": 1.0, "s": 60.0, "sec": 60.0, "h": 1 / 60}.get(unit.strip())
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if per is None or not rate >= 0 or rate == float("inf"):
        raise ValueError(f"{text!r} is not a rate: give changes per minute, e.g. 6/min or 0.5/s")
    return rate * per


def churn_settings(objects: Objects) -> ChurnSettings:
    raw = objects.state(STATE_KEY)
    if not raw:
        return ChurnSettings()
    try:
        return ChurnSettings(**json.loads(raw))
    except (TypeError, ValueError):
        log.warning("unreadable churn settings in the store: %r", raw[:200])
        return ChurnSettings()


def _log(objects: Objects) -> list[list[str]]:
    raw = objects.state(LOG_KEY)
    try:
        entries = json.loads(raw) if raw else []
    except ValueError:
        return []
    return entries if isinstance(entries, list) else []


def churned_since(objects: Objects, moment: str) -> set[str]:
    """Ids of the Locations the churn changed at or after ``moment`` (an OCPI DateTime)."""
    since = sort_key(moment)
    return {
        str(entry[0]).upper()
        for entry in _log(objects)
        if isinstance(entry, list) and len(entry) == 2 and sort_key(entry[1]) >= since
    }


def _save(objects: Objects, settings: ChurnSettings) -> None:
    objects.set_state(STATE_KEY, json.dumps(asdict(settings)))


# ---- one change ------------------------------------------------------------------------------


def _busy(objects: Objects) -> set[tuple[str, str]]:
    """(location id, EVSE uid) of the running Sessions: the churn leaves their EVSEs alone."""
    return {
        (str(s.body.get("location_id", "")).upper(), str(s.body.get("evse_uid", "")).upper())
        for s in objects.iter("sessions", SENDER)
        if s.body.get("status") in _BUSY_SESSIONS
    }


def _next_patch(evse: dict[str, Any], rnd: random.Random, now: datetime) -> dict[str, Any]:
    status = evse.get("status", "UNKNOWN")
    planned = [s for s in evse.get("status_schedule") or [] if s.get("status") == "RESERVED"]
    if status == "AVAILABLE" and planned:
        return {"status": "RESERVED", "status_schedule": []}  # the planned reservation begins
    options = _NEXT[status]
    step = rnd.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
    if step != _PLAN:
        return {"status": step}
    begin = now + timedelta(minutes=rnd.randint(10, 60))
    period = {
        "period_begin": format_datetime(begin),
        "period_end": format_datetime(begin + timedelta(minutes=30)),
        "status": "RESERVED",
    }
    return {"status_schedule": [period]}


def churn_step(rnd: random.Random | None = None) -> StatusChange | None:
    """Change one EVSE (see the module docstring), store it and push it; None when no EVSE
    can change. Needs an app context."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    objects = get_objects()
    with get_store().transaction():
        settings = churn_settings(objects)
        rnd = rnd or random.Random(f"{config.seed}:{settings.changes}")
        busy = _busy(objects)
        candidates = [
            (stored, evse)
            for stored in objects.iter("locations", SENDER)
            for evse in stored.body.get("evses") or []
            if evse.get("status") in _NEXT
            and (stored.key.id.upper(), str(evse.get("uid", "")).upper()) not in busy
        ]
        if not candidates:
            return None
        # among the EVSEs of the Locations changed longest ago: changes spread over the
        # network instead of one Location flapping
        candidates.sort(key=lambda c: sort_key(c[0].body["last_updated"]))
        oldest = sort_key(candidates[(len(candidates) - 1) // 2][0].body["last_updated"])
        stored, evse = rnd.choice(
            [c for c in candidates if sort_key(c[0].body["last_updated"]) <= oldest]
        )
        before = evse.get("status", "UNKNOWN")
        now = _now()
        patch = {**_next_patch(evse, rnd, now), "last_updated": format_datetime(now)}
        evse.update(patch)
        stored.body["last_updated"] = patch["last_updated"]  # the parent follows its EVSE
        objects.put(stored.key, stored.body)
        _save(objects, ChurnSettings(**{**asdict(settings), "changes": settings.changes + 1}))
        log_ = [*_log(objects), [stored.key.id, patch["last_updated"]]][-LOG_SIZE:]
        objects.set_state(LOG_KEY, json.dumps(log_))
    location = stored.body
    path = object_path(config.country_code, config.party_id, location["id"])
    deliveries = push(
        get_store(),
        config,
        "locations",
        "PATCH",
        path + object_path(evse["uid"]),
        patch,
        fallback=(path, location),
    )
    return StatusChange(location["id"], evse["uid"], before, patch, tuple(deliveries))


# ---- the schedule ----------------------------------------------------------------------------


def set_churn(
    app: Flask, per_minute: float, minutes: float | None = None, *, start: bool = True
) -> ChurnSettings:
    """Churn ``per_minute`` changes a minute (0: stop) for ``minutes`` (None: until stopped);
    the first change is due one interval from now. ``start=False`` stores it only (each worker
    of a pre-fork server starts its own ticker)."""
    if per_minute < 0 or (minutes is not None and minutes <= 0):
        raise ValueError("per_minute must be 0 or more and minutes more than 0")
    now = _now()
    with app.app_context():
        objects = get_objects()
        with get_store().transaction():
            old = churn_settings(objects)
            settings = ChurnSettings(
                per_minute=per_minute,
                until=format_datetime(now + timedelta(minutes=minutes)) if minutes else None,
                next_at=format_datetime(now + timedelta(seconds=60 / per_minute))
                if per_minute
                else None,
                changes=old.changes,
            )
            _save(objects, settings)
    if start and settings.active(now):
        _ensure_ticker(app)
    return settings


def resume_churn(app: Flask, *, forever: bool = False) -> None:
    """Start this process's ticker when the stored churn is on (a restart); ``forever`` (each
    worker of a shared mock): start it at once and keep it while the process lives, looking
    at the stored settings, so a churn switched on through any worker runs in every worker
    (each change still made by one of them, see :func:`_due`) and outlives any of them."""
    if forever:
        _ensure_ticker(app, forever=True)
        return
    with app.app_context():
        settings = churn_settings(get_objects())
    if settings.active(_now()):
        _ensure_ticker(app)


def _due() -> bool:
    """Claim the next due change, if one is due: move ``next_at`` on by one interval, in one
    transaction, so tickers of several processes never make the same change twice. The
    settings are read first outside it: most ticks find nothing due and take no write lock."""
    objects = get_objects()
    seen = churn_settings(objects)
    if not seen.active(_now()) or seen.next_at is None or _now() < _parse(seen.next_at):
        return False
    with get_store().transaction():
        settings = churn_settings(objects)
        now = _now()
        if not settings.active(now) or settings.next_at is None:
            return False
        due = _parse(settings.next_at)
        if now < due:
            return False
        interval = timedelta(seconds=60 / settings.per_minute)
        following = max(due + interval, now)  # after a pause, do not catch up in a burst
        _save(objects, ChurnSettings(**{**asdict(settings), "next_at": format_datetime(following)}))
        return True


def _ensure_ticker(app: Flask, *, forever: bool = False) -> None:
    lock = app.extensions.setdefault(_LOCK, threading.Lock())
    with lock:
        if forever:
            app.extensions[_FOREVER] = True
        ticker = app.extensions.get(_TICKER)
        if ticker is not None and ticker.is_alive():
            return
        ticker = threading.Thread(target=_tick, args=(app,), name="ocpi-mock-churn", daemon=True)
        app.extensions[_TICKER] = ticker
        ticker.start()


def _tick(app: Flask) -> None:
    """Make the due changes. A ticker that is not ``forever`` ends when the churn is off, or
    after 20 failures in a row (a dead store); a ``forever`` one (a shared mock's worker)
    waits IDLE seconds between looks while the churn is off and goes on through failures
    (PostgreSQL restarting), so the churn resumes when the store is back."""

    def stays() -> bool:
        return bool(app.extensions.get(_FOREVER))

    failures = 0
    wait = TICK
    stop = threading.Event()
    while not stop.wait(wait):
        wait = TICK
        try:
            with app.app_context():
                if _due():
                    churn_step()
                elif not churn_settings(get_objects()).active(_now()):
                    if stays():
                        wait = IDLE
                        continue
                    with app.extensions[_LOCK]:
                        if not stays() and not churn_settings(get_objects()).active(_now()):
                            app.extensions.pop(_TICKER, None)
                            return
            failures = 0
        except Exception:  # a failed step must not end the churn; a dead store does
            failures += 1
            if stays():
                if failures == 1 or failures % 100 == 0:
                    log.exception("status churn step failed (%d in a row)", failures)
                wait = IDLE
                continue
            log.exception("status churn step failed")
            if failures >= 20:
                app.extensions.pop(_TICKER, None)
                return


# ---- a running mock's churn, for the CLI and the suite --------------------------------------


def request_churn(
    mock_url: str, per_minute: float, minutes: float | None = None, *, timeout: float = 10.0
) -> dict[str, Any]:
    """``POST /admin/churn`` on a running mock at ``mock_url``: the stored settings; a
    ValueError with the mock's message when it refuses or cannot be reached."""
    import httpx

    body: dict[str, Any] = {"per_minute": per_minute}
    if minutes is not None:
        body["minutes"] = minutes
    try:
        response = httpx.post(f"{mock_url.rstrip('/')}/admin/churn", json=body, timeout=timeout)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ValueError(f"the mock at {mock_url} did not take the churn: {exc}") from exc
    if response.status_code != 200 or not isinstance(answer, dict) or "data" not in answer:
        message = answer.get("status_message") if isinstance(answer, dict) else None
        raise ValueError(message or f"HTTP {response.status_code} from {mock_url}")
    return answer["data"]
