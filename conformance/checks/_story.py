"""The charging story the suite plays with a CPO target, once per run, before the lists are read.

START_SESSION at an available EVSE with our token and a ``response_url`` on our counterpart;
the CommandResult; the Session that follows; a charging profile set, read and cleared on it
(when the target offers ChargingProfiles); STOP_SESSION and its CommandResult. The commands and
chargingprofiles checks judge what happened; running it all first means the Sender lists are
stable (and contain the new Session and CDR) when the pagination and object checks read them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    list_params,
    our_party,
    payload,
    utc_now,
)
from conformance.checks._incoming import counterpart_endpoint, settle, wait_for_request
from conformance.checks._single import object_url
from conformance.session import Run
from conformance.skips import NOT_APPLICABLE, SkipReason, skip_not_applicable
from ocpi_core.client import OcpiClient, OcpiClientError, OcpiResponse
from ocpi_core.exchange import Exchange

__all__ = ["Async", "Story", "result_url", "story", "wait_timeout"]

MAX_WAIT = 30.0  # seconds we wait for an asynchronous result, whatever timeout the CPO gives


@dataclass
class Async:
    """A request answered at once, whose outcome comes later to ``response_url``."""

    response: OcpiResponse
    response_url: str
    result: Exchange | None = None

    @property
    def accepted(self) -> bool:
        data = payload(self.response)[1]
        return (
            self.response.http_status == 200
            and isinstance(data, dict)
            and (data.get("result") == "ACCEPTED")
        )


@dataclass
class Story:
    token: dict[str, Any]
    start: Async | None = None
    session_id: str | None = None
    profiles: dict[str, Async] = field(default_factory=dict)  # set, get, clear
    stop: Async | None = None
    skip: SkipReason | None = None  # why the story stopped early


def wait_timeout(response: OcpiResponse) -> float:
    data = payload(response)[1]
    timeout = data.get("timeout") if isinstance(data, dict) else None
    if isinstance(timeout, int | float) and timeout > 0:
        return min(float(timeout), MAX_WAIT)
    return MAX_WAIT


def result_url(ocpi: Run, kind: str) -> str:
    """A response_url on our counterpart, unique for one request.

    Command results go to the counterpart's commands Sender endpoint (the mock eMSP receives
    CommandResults there). The counterpart has no endpoint for charging profile results, so
    those go to a path it answers 404 to; the request is recorded all the same, and the checks
    judge what the target sent.
    """
    if kind in make.COMMANDS:
        base = counterpart_endpoint(ocpi, "commands", "SENDER")
        if base is not None:
            return f"{base.rstrip('/')}/{kind}/{uuid.uuid4().hex}"
    base = f"{ocpi.counterpart.public_url}/ocpi/{ocpi.config.version}/results"
    return f"{base}/{kind}/{uuid.uuid4().hex}"


def _charge_point(client: OcpiClient, url: str) -> tuple[str, str | None, str | None] | None:
    """An AVAILABLE EVSE (and its first connector) of the first page of locations."""
    try:
        response = client.get(url, params={"limit": 50})
    except OcpiClientError:
        return None
    locations = payload(response)[1] if response.http_status == 200 else None
    for location in locations if isinstance(locations, list) else []:
        for evse in location.get("evses") or []:
            connectors = evse.get("connectors") or []
            capabilities = evse.get("capabilities") or []
            if (
                evse.get("status") == "AVAILABLE"
                and connectors
                and (not capabilities or "REMOTE_START_STOP_CAPABLE" in capabilities)
            ):
                return location.get("id"), evse.get("uid"), connectors[0].get("id")
    return None


def _find_session(ocpi: Run, client: OcpiClient, token: dict[str, Any], since: str) -> str | None:
    url = ocpi.discovery.endpoint("sessions", "SENDER")
    if url is None:
        return None
    deadline = time.monotonic() + 5.0
    while True:
        try:
            response = client.get(url, params=list_params("sessions", date_from=since))
        except OcpiClientError:
            return None
        sessions = payload(response)[1]
        for session in sessions if isinstance(sessions, list) else []:
            # 2.1.1 Sessions name the token by its auth_id (our contract_id), 2.2+ by cdr_token
            by_uid = (session.get("cdr_token") or {}).get("uid") == token["uid"]
            if by_uid or (
                "cdr_token" not in session and session.get("auth_id") == token.get("contract_id")
            ):
                return session.get("id")
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def _await(ocpi: Run, requests: list[Async]) -> None:
    waiting = [r for r in requests if r.accepted]
    if not waiting:
        return
    timeout = max(wait_timeout(r.response) for r in waiting)
    got = wait_for_request(ocpi, [r.response_url for r in waiting], timeout)
    for r in waiting:
        r.result = got.get(r.response_url)


def _play(ocpi: Run) -> Story:
    client = client_for(ocpi)
    commands = ocpi.discovery.endpoint("commands", "RECEIVER")
    now = utc_now()
    story = Story(token=make.token(our_party(ocpi), make.new_id("TOK"), now, whitelist="ALLOWED"))
    locations = ocpi.discovery.endpoint("locations", "SENDER")
    if commands is None or locations is None:
        story.skip = SkipReason(
            "the target offers no commands RECEIVER or locations SENDER interface", NOT_APPLICABLE
        )
        return story
    point = _charge_point(client, locations)
    if point is None:
        story.skip = SkipReason(
            "no AVAILABLE EVSE that can be started remotely on the first locations page"
        )
        return story
    location_id, evse_uid, connector_id = point
    since = make.ocpi_time(now - timedelta(minutes=1))
    url = result_url(ocpi, "START_SESSION")
    body = {
        "response_url": url,
        "token": make.shape("Token", story.token, ocpi.config.version),
        "location_id": location_id,
        "evse_uid": evse_uid,
        "connector_id": connector_id,
    }
    story.start = Async(client.post(object_url(commands, "START_SESSION"), body), url)
    _await(ocpi, [story.start])
    if story.start.result is None:
        story.skip = SkipReason("START_SESSION was not carried out (see commands.start_session.*)")
        return story
    story.session_id = _find_session(ocpi, client, story.token, since)
    if story.session_id is None:
        story.skip = SkipReason("no Session with our token appeared in the sessions list")
        settle(ocpi)
        return story
    _profiles(ocpi, client, story)
    url = result_url(ocpi, "STOP_SESSION")
    stop_body = {"response_url": url, "session_id": story.session_id}
    story.stop = Async(client.post(object_url(commands, "STOP_SESSION"), stop_body), url)
    _await(ocpi, [story.stop])
    settle(ocpi)
    return story


def _profiles(ocpi: Run, client: OcpiClient, story: Story) -> None:
    base = ocpi.discovery.endpoint("chargingprofiles", "RECEIVER")
    if base is None or story.session_id is None:
        return
    url = object_url(base, story.session_id)
    set_url, get_url, clear_url = (result_url(ocpi, k) for k in ("set", "get", "clear"))
    set_body = {"charging_profile": make.charging_profile(), "response_url": set_url}
    story.profiles["set"] = Async(client.put(url, set_body), set_url)
    get_params = {"duration": 900, "response_url": get_url}
    story.profiles["get"] = Async(client.get(url, params=get_params), get_url)
    story.profiles["clear"] = Async(
        client.delete(url, params={"response_url": clear_url}), clear_url
    )
    _await(ocpi, list(story.profiles.values()))


def story(request: pytest.FixtureRequest, ocpi: Run) -> Story:
    """The run's charging story (played on first use; sandbox mode, CPO target)."""
    if ocpi.config.mode == "read-only":
        skip_not_applicable("read-only mode: commands change the target's state")
    return cached(request, ("story",), lambda: _play(ocpi))
