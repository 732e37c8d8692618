"""The pager: every Sender list GET, paginated as spec 2.2.1 §4.1.4.1 says.

Request parameters ``offset``, ``limit``, ``date_from`` (inclusive) and ``date_to`` (exclusive);
response headers ``X-Total-Count``, ``X-Limit`` (the server's maximum, ``page_limit``) and
``Link: <absolute url>; rel="next"`` only while objects remain, carrying the date filters.
Invalid parameters are refused with HTTP 400 and OCPI 2001.

This is also the seam where the ``pagination.*`` faults act.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request

from mock_party import faults
from mock_party.config import MockConfig
from mock_party.objects import (
    SENDER,
    Objects,
    active_object_faults,
    own_lookup,
    serialize,
    sort_key,
)
from mock_party.ocpi import OcpiError, ocpi_timestamp
from mock_party.scoping import SCOPED_MODULES, caller_foreign, visible
from mock_party.shapes import BASE_VERSION
from mock_party.urls import base_url

__all__ = ["PageRequest", "json_envelope", "page_request", "paginated"]


@dataclass(frozen=True)
class PageRequest:
    """What the client asked for, checked. ``limit`` is already capped at the server maximum."""

    offset: int
    limit: int
    asked_limit: int | None
    date_from: str | None  # as the client wrote it
    date_to: str | None


MAX_INTEGER = 2**62  # SQLite integers are signed 64-bit: offset + limit must still fit
_MAX_DIGITS = len(str(MAX_INTEGER))
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _invalid(message: str) -> OcpiError:
    return OcpiError(message, status_code=2001, http_status=400)


def _int_parameter(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    # ASCII only: str.isdigit() and int() also take '²' and Arabic-Indic digits
    if len(value) > _MAX_DIGITS or not _ASCII_DIGITS.fullmatch(value):
        raise _invalid(f"{name}: {value[:40]!r} is not a non-negative integer")
    number = int(value)
    if number > MAX_INTEGER:
        raise _invalid(f"{name}: {value} is above the largest value served ({MAX_INTEGER})")
    return number


def _datetime_parameter(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    try:
        sort_key(value, strict=True)
    except ValueError:
        raise _invalid(
            f"{name}: {value!r} is not an OCPI DateTime (UTC, e.g. 2024-01-31T12:00:00Z)"
        ) from None
    return value


def page_request(args: Mapping[str, str], server_max: int) -> PageRequest:
    """The pagination parameters of ``args``; an OcpiError 2001 when one is invalid."""
    lenient = faults.active("pagination.invalid_parameter_accepted")
    values: dict[str, object] = {}
    for name, parse in (
        ("offset", _int_parameter),
        ("limit", _int_parameter),
        ("date_from", _datetime_parameter),
        ("date_to", _datetime_parameter),
    ):
        try:
            values[name] = parse(args, name)
        except OcpiError:
            if not lenient:
                raise
            values[name] = None
    asked = values["limit"]
    limit = server_max if asked is None else min(int(asked), server_max)  # type: ignore[arg-type]
    return PageRequest(
        offset=int(values["offset"] or 0),  # type: ignore[call-overload]
        limit=limit,
        asked_limit=asked,  # type: ignore[arg-type]
        date_from=values["date_from"],  # type: ignore[arg-type]
        date_to=values["date_to"],  # type: ignore[arg-type]
    )


def json_envelope(
    data_json: str, *, status_code: int = 1000, message: str = "Success", http_status: int = 200
) -> Response:
    """An envelope around ``data_json`` (already JSON text), built without re-encoding it."""
    import json

    text = (
        f'{{"data":{data_json},"status_code":{status_code},'
        f'"status_message":{json.dumps(message)},"timestamp":"{ocpi_timestamp()}"}}'
    )
    return current_app.response_class(text, status=http_status, mimetype="application/json")


def _next_link(page: PageRequest, next_offset: int) -> str:
    query = {"offset": next_offset, "limit": page.limit}
    if page.date_from is not None:
        query["date_from"] = page.date_from  # type: ignore[assignment]
    if page.date_to is not None:
        query["date_to"] = page.date_to  # type: ignore[assignment]
    path = f"{request.path}?{urlencode(query)}"
    if faults.active("pagination.relative_link"):
        return path
    return base_url() + path


def _without_churned(
    objects: Objects, side: str, date_from: str, offset: int, limit: int, window: dict
) -> tuple[list[str], int]:
    """The page as a stale cache of the list would answer it: without the Locations whose
    EVSE status the churn changed since ``date_from`` (the pagination.delta_drops_changes
    fault)."""
    import json

    from mock_party.churn import churned_since

    changed = churned_since(objects, date_from)
    every, _ = objects.page("locations", side, offset=0, limit=MAX_INTEGER, **window)
    kept = [body for body in every if str(json.loads(body).get("id", "")).upper() not in changed]
    return kept[offset : offset + limit], len(kept)


def _own_only(
    objects: Objects,
    module: str,
    side: str,
    foreign: set[tuple[str, str]],
    offset: int,
    limit: int,
    window: dict[str, Any],
) -> tuple[list[str], int]:
    """The page of a Sessions or CDRs list without those of other eMSP partners' tokens (read
    in full and filtered: only when another eMSP partner is registered)."""
    import json

    every, _ = objects.page(module, side, offset=0, limit=MAX_INTEGER, **window)
    kept = [body for body in every if visible(json.loads(body), foreign)]
    return kept[offset : offset + limit], len(kept)


def _duplicates(module: str) -> bool:
    """The pagination.duplicates_in_page fault, on pages read with the server's page size."""
    return faults.active("pagination.duplicates_in_page")


def paginated(objects: Objects, module: str, side: str) -> Response:
    """GET of a Sender list: the page asked for, with the pagination headers."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    page = page_request(request.args, config.page_limit)
    limit = page.limit
    if faults.active("pagination.limit_ignored"):
        limit = config.page_limit
    offset = 0 if faults.active("pagination.offset_ignored") else page.offset
    date_from = None if faults.active("pagination.date_from_ignored") else page.date_from
    window = {
        "date_from": sort_key(date_from) if date_from else None,
        "date_to": sort_key(page.date_to) if page.date_to else None,
        "date_to_inclusive": faults.active("pagination.date_to_inclusive"),
    }
    foreign = caller_foreign() if module in SCOPED_MODULES and side == SENDER else set()
    if date_from and module == "locations" and faults.active("pagination.delta_drops_changes"):
        bodies, total = _without_churned(objects, side, date_from, offset, limit, window)
    elif foreign:
        bodies, total = _own_only(objects, module, side, foreign, offset, limit, window)
    else:
        bodies, total = objects.page(module, side, offset=offset, limit=limit, **window)
    active = active_object_faults()
    version = (request.view_args or {}).get("version", BASE_VERSION)
    if active or version != BASE_VERSION:
        # our objects are kept in the 2.2.1 shape: other versions get theirs on the way out
        lookup = own_lookup(objects, config.country_code, config.party_id)
        items = [serialize(module, body, active, version, lookup) for body in bodies]
    else:
        items = bodies
    if items and page.offset == 0 and page.asked_limit is None and _duplicates(module):
        items = [*items, items[0], items[0]]  # the first object twice more on the first page
    response = json_envelope("[" + ",".join(items) + "]")
    next_offset = page.offset + len(items)
    if next_offset < total and items and not faults.active("pagination.no_link"):
        response.headers["Link"] = f'<{_next_link(page, next_offset)}>; rel="next"'
    shown_total = total + 1 if faults.active("pagination.wrong_total_count") else total
    response.headers["X-Total-Count"] = str(shown_total)
    x_limit = config.page_limit
    if faults.active("pagination.limit_echoed") and page.asked_limit is not None:
        x_limit = page.asked_limit
    response.headers["X-Limit"] = str(x_limit)
    return response
