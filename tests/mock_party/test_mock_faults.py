"""Injected faults: each one breaks its rule at its seam, and only when switched on."""

from __future__ import annotations

import json

import pytest
from mock_support import (
    PARTNER_PARTY,
    STAMP,
    OcpiActions,
    assert_envelope,
    location,
    put_own,
    session,
    tariff,
    token,
)

from mock_party.faults import FAULTS
from ocpi_core.schemas import validate

V = "/ocpi/2.2.1"
OURS = ("NL", "MCK")
STAMPS = ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"]

# the ids the issue names; every fault must name checks among these (or the older ones)
KNOWN_CHECKS = {
    "pagination.limit_honoured",
    "pagination.limit_capped",
    "pagination.total_count",
    "pagination.link_present",
    "pagination.link_absolute",
    "pagination.full_walk_unique",
    "pagination.page_unique",
    "pagination.offset_applied",
    "pagination.date_from_inclusive",
    "pagination.date_to_exclusive",
    "pagination.invalid_parameter",
    "transport.envelope_valid",
    "transport.error_is_envelope",
    "transport.timestamp_valid",
    "transport.status_code_consistent",
    "transport.request_id_echoed",
    "transport.correlation_id_echoed",
    "transport.content_type_json",
    "transport.no_server_error",
    "tokens.receiver.patch_requires_last_updated",
    "locations.receiver.patch_requires_last_updated",
    "sessions.receiver.patch_requires_last_updated",
    "cdrs.pricing_reconciles",
    "cdrs.pushed_pricing_reconciles",
    "credentials.token_a.revoked",
    "credentials.post.already_registered_405",
    "credentials.hub_party_id",
    "via_hub.hub_party_id",  # the same fault seen through the Hub (2.3.0)
    "hub.credentials.lists_parties",
    "auth.missing_token_401",
    "auth.unknown_token_401",
} | {f"{m}.objects_valid" for m in ("locations", "sessions", "cdrs", "tariffs", "tokens")}
KNOWN_CHECKS |= {  # demand pricing, unsplit periods, ad-hoc tokens, 2.3.0 Payments
    "cdrs.internally_consistent",
    "cdrs.period_tariff_in_force",
    "sessions.period_tariff_in_force",
    "tariffs.validity_windows_disjoint",
    "tokens.ad_hoc_not_whitelisted",
    "tokens.authorize.location_references",
    "payments.terminals.objects_valid",
    "payments.confirmations.objects_valid",
    "payments.sender.pagination",
    "payments.sender.put_updates",
    "payments.sender.patch_assigns",
    "payments.receiver.confirmation_post_get",
    "payments.capture_matches_cdr",
    "payments.card_cdrs_consistent",
    "pagination.delta_sync",
    "locations.receiver.status_read_back",
    "locations.receiver.status_parent_follows",
    "locations.push.last_updated_monotonic",
    "locations.push.sender_agrees",
}
KNOWN_CHECKS |= {  # the checks of a Hub target (issue 12)
    "hub.forward.routing_headers",
    "hub.forward.ids",
    "hub.forward.once",
    "hub.routing.forwarded",
    "hub.routing.answer_headers",
    "hub.routing.isolation",
    "hub.routing.unknown_party_refused",
    "hub.get_all.answer_headers",
    "hub.broadcast.reaches_parties",
    # the ClientInfo a Hub pushes to our counterpart
    "hub.clientinfo.pushed",
    "hub.clientinfo.push_valid",
    "hub.clientinfo.push_unrouted",
    "hub.clientinfo.push_current",
    # the parties our counterpart hosts behind the Hub, and open routing
    "hub.own_parties.routed",
    "hub.own_parties.isolation",
    "hub.own_parties.broadcast",
    "hub.open_routing.get_one",
    "hub.open_routing.answer_headers",
    # open routing by content: Sessions by cdr_token, commands by Location, authorizations
    "hub.open_routing.session_by_token",
    "hub.open_routing.command_by_location",
    "hub.open_routing.authorize_by_token",
}
HUB_FAULTS = {  # issue 12: forwarded OCPI-from-*, wrong party, broadcast, dropped, duplicated,
    # leaked objects, unknown party answered 200, stale hubclientinfo
    "hub.forward_from_missing",
    "hub.forward_from_hub",
    "hub.routes_to_wrong_party",
    "hub.broadcast_instead_of_routing",
    "hub.response_dropped",
    "hub.forward_duplicated",
    "hub.leaks_other_party",
    "hub.unknown_party_ok",
    "hub.clientinfo_stale",
    "hub.open_routing_broadcasts_content",
    "hub.open_routing_authorize_refused",
}

ASKED_FOR = {
    "pagination.no_link",
    "pagination.wrong_total_count",
    "pagination.limit_echoed",
    "pagination.offset_ignored",
    "pagination.date_from_ignored",
    "pagination.date_to_inclusive",
    "envelope.missing_timestamp",
    "envelope.status_code_mismatch",
    "envelope.not_an_envelope",
    "schema.required_field_dropped",
    "schema.overlong_string",
    "schema.datetime_offset",
    "schema.bad_enum",
    "receiver.patch_without_last_updated_accepted",
    "pricing.cdr_total_mismatch",
    "transport.slow",
    "transport.http_500",
    "transport.truncated_json",
    "transport.rate_limited",
    "auth.token_a_still_valid",
    "credentials.repeat_post_accepted",
    "auth.any_token_accepted",
    "auth.forbidden_instead_of_unauthorized",
}


def test_the_fault_list_is_complete_and_names_known_checks():
    assert set(FAULTS) >= ASKED_FOR | HUB_FAULTS
    for fault in FAULTS.values():
        assert fault.description.endswith("."), fault.id
        if not fault.id.startswith(("auth.", "credentials.")):  # those belong to the auth work
            assert set(fault.trips) <= KNOWN_CHECKS, fault.id
    every_check_tripped = {check for fault in FAULTS.values() for check in fault.trips}
    assert every_check_tripped >= KNOWN_CHECKS


@pytest.fixture
def cpo(make_app) -> OcpiActions:
    app = make_app(page_limit=2, slow_delay=0.2)
    put_own(app, "locations", *(location(OURS, f"LOC-{i}", s) for i, s in enumerate(STAMPS)))
    put_own(app, "tariffs", *(tariff(OURS, f"T-{i}", s) for i, s in enumerate(STAMPS)))
    put_own(app, "sessions", *(session(OURS, f"S-{i}", s) for i, s in enumerate(STAMPS)))
    actions = OcpiActions(app.test_client(), app)
    actions.register()
    return actions


def switch(actions: OcpiActions, *ids: str) -> None:
    response = actions.client.post("/admin/faults", json={"faults": list(ids)})
    assert response.status_code == 200, response.json


def listed(actions: OcpiActions, query: str = "") -> tuple[list[str], dict]:
    response = actions.get(f"{V}/sender/locations{query}")
    return [o["id"] for o in response.json["data"]], response.headers


def test_clean_lists_first(cpo):
    found, headers = listed(cpo, "?limit=1&offset=1")
    assert found == ["LOC-1"]
    assert headers["X-Total-Count"] == "3" and headers["X-Limit"] == "2"
    assert headers["Link"].startswith("<http://localhost/")


@pytest.mark.parametrize(
    ("fault", "query", "expect"),
    [
        ("pagination.no_link", "?limit=1", lambda ids, h: "Link" not in h),
        ("pagination.relative_link", "?limit=1", lambda ids, h: h["Link"].startswith("</ocpi/")),
        ("pagination.wrong_total_count", "", lambda ids, h: h["X-Total-Count"] == "4"),
        ("pagination.limit_echoed", "?limit=1000", lambda ids, h: h["X-Limit"] == "1000"),
        ("pagination.limit_ignored", "?limit=1", lambda ids, h: len(ids) == 2),
        ("pagination.offset_ignored", "?offset=2", lambda ids, h: ids == ["LOC-0", "LOC-1"]),
        (
            "pagination.duplicates_in_page",
            "",
            lambda ids, h: (
                ids == ["LOC-0", "LOC-1", "LOC-0", "LOC-0"] and h["X-Total-Count"] == "3"
            ),
        ),
        (
            "pagination.date_from_ignored",
            "?date_from=2024-01-03T00:00:00Z",
            lambda ids, h: ids == ["LOC-0", "LOC-1"],
        ),
        (
            "pagination.date_to_inclusive",
            "?date_to=2024-01-02T00:00:00Z",
            lambda ids, h: ids == ["LOC-0", "LOC-1"],
        ),
        ("pagination.invalid_parameter_accepted", "?limit=many", lambda ids, h: len(ids) == 2),
    ],
)
def test_pagination_faults(cpo, fault, query, expect):
    switch(cpo, fault)
    found, headers = listed(cpo, query)
    assert expect(found, headers), (found, dict(headers))


@pytest.mark.parametrize(
    "fault",
    [
        "schema.required_field_dropped",
        "schema.overlong_string",
        "schema.datetime_offset",
        "schema.bad_enum",
    ],
)
@pytest.mark.parametrize(
    ("module", "name"), [("locations", "Location"), ("tariffs", "Tariff"), ("sessions", "Session")]
)
def test_schema_faults_make_objects_invalid(cpo, fault, module, name):
    clean = cpo.get(f"{V}/sender/{module}").json["data"]
    assert all(not validate(o, "2.2.1", name) for o in clean)
    switch(cpo, fault)
    broken = cpo.get(f"{V}/sender/{module}").json["data"]
    assert broken and all(validate(o, "2.2.1", name) for o in broken)


def test_schema_faults_reach_single_objects_and_tokens(make_app):
    app = make_app(roles=("EMSP",))
    app.test_client().put("/admin/objects/tokens", json=token(OURS))
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="CPO")
    switch(actions, "schema.bad_enum")
    listed_token = actions.get(f"{V}/sender/tokens").json["data"][0]
    assert validate(listed_token, "2.2.1", "Token")
    info = actions.post(f"{V}/sender/tokens/TOK-1/authorize").json["data"]
    assert validate(info["token"], "2.2.1", "Token")


def test_envelope_faults(cpo):
    switch(cpo, "envelope.missing_timestamp")
    body = cpo.get(f"{V}/sender/locations").json
    assert "timestamp" not in body and body["status_code"] == 1000
    switch(cpo, "envelope.status_code_mismatch")
    ok = cpo.get(f"{V}/sender/locations")
    assert ok.status_code == 200 and ok.json["status_code"] == 2001
    bad = cpo.get(f"{V}/sender/locations?limit=x")
    assert bad.status_code == 400 and bad.json["status_code"] == 1000
    switch(cpo, "envelope.not_an_envelope")
    assert isinstance(cpo.get(f"{V}/sender/locations").json, list)


def test_envelope_faults_spare_configuration_modules_and_401s(cpo):
    switch(cpo, "envelope.not_an_envelope", "transport.http_500", "transport.truncated_json")
    assert_envelope(cpo.client.get("/ocpi/versions", headers=cpo.headers()), 1000)
    refused = cpo.client.get(f"{V}/sender/locations")
    assert refused.status_code == 401
    assert_envelope(refused, 2000)


def test_transport_faults(cpo):
    switch(cpo, "transport.http_500")
    response = cpo.get(f"{V}/sender/locations")
    assert response.status_code == 500 and response.json["status_code"] == 3000
    switch(cpo, "transport.rate_limited")
    response = cpo.get(f"{V}/sender/locations")
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    switch(cpo, "transport.truncated_json")
    with pytest.raises(ValueError):
        json.loads(cpo.get(f"{V}/sender/locations").get_data())
    switch(cpo, "transport.content_type_not_json")
    assert cpo.get(f"{V}/sender/locations").headers["Content-Type"].startswith("text/plain")
    switch(cpo, "transport.request_id_not_echoed", "transport.correlation_id_not_echoed")
    response = cpo.client.get(
        f"{V}/sender/locations",
        headers={**cpo.headers(), "X-Request-ID": "req-1", "X-Correlation-ID": "cor-1"},
    )
    assert response.headers["X-Request-ID"] != "req-1"
    assert response.headers["X-Correlation-ID"] != "cor-1"


def test_slow_fault_waits(cpo):
    import time

    switch(cpo, "transport.slow")
    start = time.perf_counter()
    assert cpo.get(f"{V}/sender/locations").status_code == 200
    assert time.perf_counter() - start >= 0.2


def test_receiver_patch_fault(cpo):
    url = f"{V}/receiver/tokens/DE/PRT/TOK-1"
    cpo.put(url, token(PARTNER_PARTY))
    assert cpo.patch(url, {"valid": False}).status_code == 400
    switch(cpo, "receiver.patch_without_last_updated_accepted")
    assert cpo.patch(url, {"valid": False}).status_code == 200
    assert cpo.get(url).json["data"]["valid"] is False


def test_faults_off_again(cpo):
    switch(cpo, "pagination.no_link")
    switch(cpo)
    assert "Link" in listed(cpo, "?limit=1")[1]
    assert STAMP  # the fixtures' stamp stays a valid OCPI DateTime


def test_docs_describe_every_fault():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "mock.md").read_text()
    for fault_id in FAULTS:
        if not fault_id.startswith(("auth.", "credentials.")):
            assert f"`{fault_id}`" in text, fault_id
