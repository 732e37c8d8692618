"""Pushing to a target's Receiver interface and reading back what it stored."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    endpoint_or_skip,
    expect_ok,
    our_party,
    refusal_problem,
    skip_reason,
    utc_now,
)
from conformance.checks._single import object_url
from conformance.crossrules import pushed_differences
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiClient, OcpiResponse

__all__ = [
    "FOREIGN_PARTY",
    "PUSHED",
    "Pushed",
    "ShapingClient",
    "expect_refused",
    "expect_stored",
    "pushed_location",
    "pushed_once",
    "receiver",
]

PUSHED = (200, 201)  # 201 for a new object, 200 for a replaced one (a SHOULD; both accepted)
FOREIGN_PARTY = ("ZZ", "ZZZ")  # a party that is not us, for the wrong-party checks


_KINDS = {
    "locations": ("Location", "EVSE", "Connector"),
    "tokens": ("Token",),
    "tariffs": ("Tariff",),
    "sessions": ("Session",),
    "cdrs": ("CDR",),
}


class ShapingClient:
    """The client of a Receiver: complete objects we PUT or POST (and compare with what we read
    back) are turned from the 2.2.1 shape our factories build into the run's version's."""

    def __init__(self, client: OcpiClient, module: str, base: str, version: str) -> None:
        self.client = client
        self.module = module
        self.base = base.rstrip("/")
        self.version = version

    def shaped(self, url: str, body: Any) -> Any:
        kinds = _KINDS.get(self.module)
        complete = isinstance(body, dict) and "last_updated" in body
        if not kinds or not complete or self.version == "2.2.1":
            return body
        depth = len([p for p in url.split("?")[0].removeprefix(self.base).split("/") if p])
        kind = kinds[min(max(depth - 3, 0), len(kinds) - 1)]
        return make.shape(kind, body, self.version)

    def get(self, url: str, **kwargs: Any) -> OcpiResponse:
        return self.client.get(url, **kwargs)

    def put(self, url: str, json_body: Any = None, **kwargs: Any) -> OcpiResponse:
        return self.client.put(url, self.shaped(url, json_body), **kwargs)

    def post(self, url: str, json_body: Any = None, **kwargs: Any) -> OcpiResponse:
        return self.client.post(url, self.shaped(url, json_body), **kwargs)

    def patch(self, url: str, json_body: Any = None, **kwargs: Any) -> OcpiResponse:
        return self.client.patch(url, json_body, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> OcpiResponse:
        return self.client.delete(url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> OcpiResponse:
        return self.client.request(method, url, **kwargs)


@dataclass(frozen=True)
class Receiver:
    client: OcpiClient | ShapingClient
    base: str  # the module's Receiver endpoint
    party: tuple[str, str]  # our country_code and party_id

    def url(self, *parts: str, party: tuple[str, str] | None = None) -> str:
        return object_url(self.base, *(party or self.party), *parts)


def receiver(ocpi: Run, module: str) -> Receiver:
    base = endpoint_or_skip(ocpi, module, "RECEIVER")
    client = ShapingClient(client_for(ocpi), module, base, ocpi.config.version)
    return Receiver(client=client, base=base, party=our_party(ocpi))


@dataclass(frozen=True)
class Pushed:
    """An object we pushed once for the run, with the answer to the push."""

    url: str
    body: dict[str, Any]
    response: OcpiResponse

    @property
    def ok(self) -> bool:
        return self.response.http_status in PUSHED

    def require(self, check_id: str) -> Pushed:
        """This push, or a skip when it did not succeed (``check_id`` reports why)."""
        reason = skip_reason(self.response)
        if reason is not None:
            skip_could_not_run(reason)
        if not self.ok:
            skip_could_not_run(f"our first push was refused, see {check_id}")
        return self


def pushed_once(request: pytest.FixtureRequest, key: str, push: Callable[[], Pushed]) -> Pushed:
    """The run's one push of ``key``; later checks build on the same object."""
    return cached(request, ("pushed", key), push)


def expect_stored(
    client: OcpiClient | ShapingClient,
    url: str,
    sent: Mapping[str, Any],
    title: str,
    *,
    spec: str,
) -> OcpiResponse:
    """GET ``url`` answers the object with every field as we pushed it."""
    if isinstance(client, ShapingClient):
        sent = client.shaped(url, sent)
    response = client.get(url)
    data = expect_ok(response, title, spec=spec, needs_data=True)
    found = pushed_differences(sent, data)
    if found:
        raise CheckFailure(
            title,
            expected="GET returns the object as pushed",
            actual=found[0] if len(found) == 1 else f"{len(found)} differences",
            spec=spec,
            details=found if len(found) > 1 else (),
            exchange=response.exchange,
        )
    return response


def expect_refused(
    response: OcpiResponse,
    title: str,
    *,
    spec: str,
    expected: str,
    codes: range | tuple[int, ...] | None = None,
    hint: str | None = None,
) -> None:
    reason = skip_reason(response)
    if reason is not None:
        skip_could_not_run(reason)
    problem = refusal_problem(response, codes)
    if problem is not None:
        raise CheckFailure(
            title,
            expected=expected,
            actual=problem,
            spec=spec,
            hint=hint,
            exchange=response.exchange,
        )


def pushed_location(ocpi: Run, request: pytest.FixtureRequest) -> Pushed:
    """The Location we push once to the target's Locations Receiver (sessions and CDRs we push
    name it, so a target that checks references finds it)."""
    target = receiver(ocpi, "locations")

    def push() -> Pushed:
        body = make.location(target.party, make.new_id("LOC"), utc_now() - timedelta(minutes=2))
        url = target.url(body["id"])
        return Pushed(url, body, target.client.put(url, body))

    return pushed_once(request, "location", push)
