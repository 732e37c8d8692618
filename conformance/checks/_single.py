"""Single-object GETs on the Locations Sender interface, for a few Locations of the list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from conformance.checks._common import cached, client_for, endpoint_or_skip, full_walk
from conformance.session import Run
from ocpi_core.client import OcpiResponse

__all__ = ["SingleGet", "location_gets", "object_url"]


@dataclass(frozen=True)
class SingleGet:
    """One GET of a Location, EVSE or Connector, with what the list said about it."""

    kind: str  # schema name: Location, EVSE or Connector
    listed: dict[str, Any]
    response: OcpiResponse


def object_url(base: str, *parts: str) -> str:
    return base.rstrip("/") + "".join("/" + quote(str(p), safe="") for p in parts)


def _sample(objects: list[dict[str, Any]], size: int = 3) -> list[dict[str, Any]]:
    if len(objects) <= size:
        return objects
    return [objects[0], objects[len(objects) // 2], objects[-1]]


def location_gets(request: pytest.FixtureRequest, ocpi: Run) -> list[SingleGet]:
    """GETs of the first, middle and last Location, each one's first EVSE and Connector."""
    url = endpoint_or_skip(ocpi, "locations", "SENDER")
    client = client_for(ocpi)

    def build() -> list[SingleGet]:
        found = []
        for location in _sample(full_walk(request, ocpi, "locations").objects):
            location_id = location.get("id")
            if not isinstance(location_id, str):
                continue
            found.append(SingleGet("Location", location, client.get(object_url(url, location_id))))
            evse = next(iter(location.get("evses") or []), None)
            if not isinstance(evse, dict) or not isinstance(evse.get("uid"), str):
                continue
            found.append(
                SingleGet("EVSE", evse, client.get(object_url(url, location_id, evse["uid"])))
            )
            connector = next(iter(evse.get("connectors") or []), None)
            if not isinstance(connector, dict) or not isinstance(connector.get("id"), str):
                continue
            connector_url = object_url(url, location_id, evse["uid"], connector["id"])
            found.append(SingleGet("Connector", connector, client.get(connector_url)))
        return found

    return cached(request, ("location-gets",), build)
