"""The admin API of the status churn (not OCPI; see mock_party.churn): ``GET /admin/churn``
shows it, ``POST /admin/churn`` switches it or makes changes at once.

``POST`` takes ``{"per_minute": N, "minutes": M}`` (``per_minute`` 0 stops it, ``minutes`` ends
it by itself) and/or ``{"steps": K}``: K changes right now, each pushed, listed in the answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from mock_party.churn import churn_settings, churn_step, set_churn
from mock_party.objects import get_objects
from mock_party.ocpi import OcpiError, envelope

bp = Blueprint("admin_churn", __name__, url_prefix="/admin")

_KNOWN = ("per_minute", "minutes", "steps")


def _bad(message: str) -> OcpiError:
    return OcpiError(message, status_code=2001, http_status=400)


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _bad(f"{name}: {value!r} must be a number from {low:g} to {high:g}")
    return float(value)


@bp.get("/churn")
def show_churn():
    return envelope(churn_settings(get_objects()).as_dict())


@bp.post("/churn")
def change_churn():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise _bad(f"Expected a JSON object with one or more of: {', '.join(_KNOWN)}")
    unknown = sorted(set(body) - set(_KNOWN))
    if unknown:
        raise _bad(f"Unknown field(s): {', '.join(unknown)}; known: {', '.join(_KNOWN)}")
    if "CPO" not in current_app.config["OCPI_MOCK"].roles:
        raise OcpiError(
            "Status churn needs the CPO role (it changes our EVSEs)",
            status_code=2001,
            http_status=409,
        )
    per_minute = _number(body, "per_minute", 0, 60_000)
    minutes = _number(body, "minutes", 0.001, 100_000)
    steps = _number(body, "steps", 1, 1000)
    if minutes is not None and per_minute is None:
        raise _bad("minutes goes with per_minute")
    if steps is not None and steps != int(steps):
        raise _bad(f"steps: {body['steps']!r} must be a whole number")
    changes = [c for c in (churn_step() for _ in range(int(steps or 0))) if c is not None]
    if per_minute is not None:
        set_churn(current_app._get_current_object(), per_minute, minutes)  # type: ignore[attr-defined]
    settings = churn_settings(get_objects()).as_dict()
    return envelope({**settings, "made": [c.as_dict() for c in changes]})
