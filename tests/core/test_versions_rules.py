"""Version rules as data: what each version has, credentials shapes, spec anchors, applicability,
and the discovery and registration of a 2.1.1 target built by hand on httpx.MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.checks import _objects as make
from conformance.checks._receiver import ShapingClient
from conformance.config import TargetConfig
from conformance.report import applicable_versions
from conformance.session import Run
from conformance.spec_anchors import spec_anchor
from conformance.versions_index import offered_versions, write_index
from ocpi_core.client import OcpiClient
from ocpi_core.schemas import validate
from ocpi_core.versions import (
    VERSIONS,
    credentials_body,
    credentials_hub,
    not_applicable,
    party_records,
    rules,
)

NOW = "2026-01-01T00:00:00Z"


def envelope(data: Any, status_code: int = 1000) -> dict[str, Any]:
    return {"data": data, "status_code": status_code, "timestamp": NOW}


def test_each_version_has_its_rules():
    assert VERSIONS == ("2.1.1", "2.2.1", "2.3.0")
    old, current, new = (rules(v) for v in VERSIONS)
    assert old.token_form == "plain" and current.token_form == new.token_form == "base64"
    assert not old.endpoint_role and current.endpoint_role
    assert "chargingprofiles" not in old.modules and "hubclientinfo" not in old.modules
    assert "payments" in new.modules and "payments" not in current.modules
    assert not old.message_ids and not old.routing_headers and not old.patch_needs_last_updated
    assert new.unknown_fields_ignored and not current.unknown_fields_ignored
    with pytest.raises(ValueError, match="unknown OCPI version '2.2'; use one of: 2.1.1"):
        rules("2.2")


@pytest.mark.parametrize("version", VERSIONS)
def test_our_credentials_are_valid_in_each_version(version):
    body = credentials_body(
        version,
        token="tok-123",
        url="http://127.0.0.1:1/ocpi/versions",
        roles=("EMSP",),
        business_name="us",
        party_id="OCT",
        country_code="NL",
    )
    assert validate(body, version, "Credentials") == []
    assert ("roles" in body) is (version != "2.1.1")
    if version == "2.1.1":
        assert body["party_id"] == "OCT" and body["business_details"] == {"name": "us"}


def _role(role: str, country: str, party: str) -> dict[str, Any]:
    return {
        "role": role,
        "business_details": {"name": party},
        "country_code": country,
        "party_id": party,
    }


def test_a_hub_names_itself_by_role_up_to_2_2_1_and_by_hub_party_id_in_2_3_0():
    behind = [_role("CPO", "DE", "CPB"), _role("EMSP", "BE", "EMB")]
    old = {"token": "t", "url": "http://h/v", "roles": [_role("HUB", "nl", "hub")]}
    new = {"token": "t", "url": "http://h/v", "hub_party_id": "nlHub", "roles": behind}
    assert (
        validate(old, "2.2.1", "Credentials") == [] and validate(new, "2.3.0", "Credentials") == []
    )
    assert credentials_hub("2.2.1", old) == ("NL", "HUB")
    assert credentials_hub("2.3.0", new) == ("NL", "HUB")
    # 2.3.0 has no role HUB and 2.2.1 no hub_party_id: each is read in its own version only
    assert credentials_hub("2.3.0", {**old, "roles": behind}) is None
    assert credentials_hub("2.2.1", {**new}) is None
    assert credentials_hub("2.1.1", old) is None
    for odd in ("N1HUB", "NLHUB!", "NL", 12345, None):
        assert credentials_hub("2.3.0", {**new, "hub_party_id": odd}) is None, odd
    # one model for both: the Hub first, as a role HUB, then the parties behind it
    records = party_records("2.3.0", new)
    assert [(r["role"], r["country_code"], r["party_id"]) for r in records] == [
        ("HUB", "NL", "HUB"), ("CPO", "DE", "CPB"), ("EMSP", "BE", "EMB"),
    ]  # fmt: skip
    assert party_records("2.2.1", old) == old["roles"]
    assert party_records("2.3.0", {**new, "hub_party_id": None}) == behind


def test_checks_that_do_not_apply_say_why():
    assert not_applicable("chargingprofiles.set", None, "2.1.1") == (
        "does not apply to 2.1.1: OCPI 2.1.1 has no chargingprofiles module"
    )
    assert not_applicable("chargingprofiles.set", None, "2.3.0") is None
    assert not_applicable("client.message_ids", ("2.2.1", "2.3.0"), "2.1.1") == (
        "does not apply to 2.1.1 (OCPI 2.2.1, 2.3.0 only)"
    )
    assert applicable_versions("hubclientinfo.objects_valid") == ("2.2.1", "2.3.0")
    assert applicable_versions("auth.plain_accepted", ("2.1.1",)) == ("2.1.1",)


@pytest.mark.parametrize(
    ("spec", "version", "anchor"),
    [
        ("2.2.1 §8.3.1 Location Object", "2.2.1", "2.2.1 §8.3.1 Location Object"),
        ("2.2.1 §8.3.1 Location Object", "2.3.0", "2.3.0 §8.3.1 Location Object"),
        ("2.2.1 §8.3.1 Location Object", "2.1.1", "2.1.1 locations §3.1 Location Object"),
        ("2.2.1 §7.2.2 Credentials POST", "2.1.1", "2.1.1 credentials §1.2 POST Method"),
        ("2.2.1 §12.2.1.2 Receiver PUT Method", "2.1.1", "2.1.1 tokens §2.1.2 PUT Method"),
        ("2.2.1 §8.2.2.2 Receiver PUT Method", "2.1.1", "2.1.1 locations §2.2.2 PUT Method"),
        (
            "2.2.1 §4.1.4.1.2 Paginated Request",
            "2.1.1",
            "2.1.1 transport_and_format: Paginated Request",
        ),
        ("2.2.1 §6.2.6 Version details GET", "2.3.0", "2.3.0 §6.2.6 GET"),
        (
            "2.2.1 §13.1 Flow; §5.2 2xxx: Client errors",
            "2.3.0",
            "2.3.0 §13.1 Flow; §5.2 2xxx: Client errors",
        ),
    ],
)
def test_spec_anchors_follow_the_version(spec, version, anchor):
    assert spec_anchor(spec, version) == anchor


# ---- a hand-built 2.1.1 CPO on MockTransport ---------------------------------------------------


class FakeCounterpart:
    """Stands in for our mock party (which cannot serve 2.1.1 yet) during a handshake."""

    versions_url = "http://127.0.0.1:1/ocpi/versions"

    class config:  # noqa: N801 - the attribute names of MockConfig
        roles = ("EMSP",)
        business_name = "ocpi-conformance counterpart"
        party_id = "OCT"
        country_code = "NL"
        more_parties = ()

    def __init__(self) -> None:
        self.partner: dict[str, Any] = {}

    def expect_partner(self, **fields: Any) -> int:
        self.partner.update(fields)
        return 1

    def update_partner(self, partner_id: int, **fields: Any) -> None:
        self.partner.update(fields)

    def offer_token(self, partner_id: int, token_b: str) -> None:
        self.partner.update(token_in=token_b)

    def settle_token(self, partner_id: int, *, accepted: bool) -> None:
        self.partner.update(token_accepted=accepted)

    def stop(self) -> None:
        pass


def cpo_211(seen: list[httpx.Request]) -> httpx.MockTransport:
    base = "http://cpo.test/ocpi"

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("Authorization") not in ("Token token-a", "Token token-c"):
            return httpx.Response(401, json=envelope(None, 2000))
        path = request.url.path
        if path == "/ocpi/versions":
            return httpx.Response(
                200, json=envelope([{"version": "2.1.1", "url": f"{base}/2.1.1"}])
            )
        if path == "/ocpi/2.1.1":
            endpoints = [
                {"identifier": m, "url": f"{base}/2.1.1/{m}"}
                for m in ("credentials", "locations", "tokens", "commands")
            ]
            return httpx.Response(200, json=envelope({"version": "2.1.1", "endpoints": endpoints}))
        if path == "/ocpi/2.1.1/credentials" and request.method == "POST":
            return httpx.Response(
                200,
                json=envelope(
                    {
                        "token": "token-c",
                        "url": f"{base}/versions",
                        "business_details": {"name": "A CPO"},
                        "party_id": "CPO",
                        "country_code": "DE",
                    }
                ),
            )
        return httpx.Response(404, json=envelope(None, 2000))

    return httpx.MockTransport(handler)


def test_a_211_target_is_discovered_and_registered_in_its_own_shapes():
    seen: list[httpx.Request] = []
    config = TargetConfig(
        versions_url="http://cpo.test/ocpi/versions",
        token="token-a",
        role="cpo",
        version="2.1.1",
        mode="sandbox",
    )
    run = Run.start(config)
    run.http = run.http.__class__(
        token="token-a", version="2.1.1", transport=cpo_211(seen), recorder=run.recorder
    )
    counterpart = FakeCounterpart()
    run._counterpart = counterpart  # type: ignore[assignment]
    discovery = run.discovery
    assert discovery.error is None
    # 2.1.1 endpoints have no role: a CPO's own locations are its Sender, tokens its Receiver
    assert discovery.endpoint("locations", "SENDER") == "http://cpo.test/ocpi/2.1.1/locations"
    assert discovery.endpoint("tokens", "RECEIVER") == "http://cpo.test/ocpi/2.1.1/tokens"
    assert discovery.endpoint("commands", "RECEIVER") is not None
    assert discovery.endpoint("locations", "RECEIVER") is None
    registration = run.registration
    assert registration.ok, registration.error
    post = next(r for r in seen if r.method == "POST")
    assert post.headers["Authorization"] == "Token token-a"  # plain in 2.1.1
    body = json.loads(post.content)
    assert set(body) == {"token", "url", "business_details", "party_id", "country_code"}
    assert validate(body, "2.1.1", "Credentials") == []
    assert run.token == "token-c"
    assert counterpart.partner["roles"] == [
        {
            "role": "CPO",
            "business_details": {"name": "A CPO"},
            "party_id": "CPO",
            "country_code": "DE",
        }
    ]
    assert run.other_versions() == []
    run.http.close()


def test_offered_versions_tries_the_plain_token_after_base64():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] != "Token plain-only":
            return httpx.Response(401, json=envelope(None, 2000))
        return httpx.Response(
            200,
            json=envelope(
                [{"version": "2.1.1", "url": "http://t/2.1.1"}, {"version": "2.0", "url": "x"}]
            ),
        )

    found = offered_versions(
        "http://t/versions", "plain-only", transport=httpx.MockTransport(handler)
    )
    assert found == ["2.1.1", "2.0"]
    refused = offered_versions(
        "http://t/versions",
        "nobody",
        transport=httpx.MockTransport(lambda r: httpx.Response(401)),
    )
    assert refused is None


def test_the_index_has_one_section_per_version(tmp_path: Path):
    summary = {"pass": 3, "fail": 1, "error": 0, "warn": 0, "skip": 2, "xfail": 0}
    results = {
        "2.1.1": {
            "target": {"versions_url": "http://t/versions", "role": "CPO", "mode": "sandbox"},
            "summary": {**summary, "must_failed": 1},
            "checks": [],
        },
        "2.2.1": None,
    }
    write_index(tmp_path, results)
    index = json.loads((tmp_path / "results.json").read_text())
    assert index["format"] == "ocpi-conformance-results-index/1"
    assert index["versions"]["2.1.1"]["report"] == "2.1.1/report.html"
    assert index["versions"]["2.2.1"] == {"report": None, "error": "the run wrote no results"}
    page = (tmp_path / "report.html").read_text()
    assert "<a href='2.1.1/report.html'>OCPI 2.1.1</a>" in page and "FAIL" in page


def test_a_credentials_put_switches_the_connection_to_another_offered_version():
    """Registered on 2.2.1, a PUT to the 2.1.1 credentials endpoint (in 2.1.1's shape, plain
    token) moves the connection; a PUT to 2.2.1's moves it back."""
    seen: list[httpx.Request] = []
    tokens = iter(["c-1", "c-2", "c-3"])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        base = "http://two.test/ocpi"
        path = request.url.path
        if path == "/ocpi/versions":
            return httpx.Response(
                200,
                json=envelope([{"version": v, "url": f"{base}/{v}"} for v in ("2.1.1", "2.2.1")]),
            )
        if path in ("/ocpi/2.1.1", "/ocpi/2.2.1"):
            version = path.rsplit("/", 1)[1]
            endpoint = {"identifier": "credentials", "url": f"{base}/{version}/credentials"}
            if version == "2.2.1":
                endpoint["role"] = "SENDER"
            return httpx.Response(200, json=envelope({"version": version, "endpoints": [endpoint]}))
        return httpx.Response(200, json=envelope({"token": next(tokens)}))

    config = TargetConfig(
        versions_url="http://two.test/ocpi/versions", token="token-a", role="cpo", mode="sandbox"
    )
    run = Run.start(config)
    run.http = run.http.__class__(
        token="token-a",
        version="2.2.1",
        transport=httpx.MockTransport(handler),
        recorder=run.recorder,
    )
    counterpart = FakeCounterpart()
    run._counterpart = counterpart  # type: ignore[assignment]
    assert run.registration.ok and run.token == "c-1"
    assert run.other_versions() == [("2.1.1", "http://two.test/ocpi/2.1.1")]
    switch = run.switch_version("2.1.1", "http://two.test/ocpi/2.1.1")
    put = seen[-1]
    assert put.method == "PUT" and put.url.path == "/ocpi/2.1.1/credentials"
    assert put.headers["Authorization"] == "Token c-1"  # 2.1.1: plain
    assert "business_details" in json.loads(put.content)
    assert switch.response is not None and run.token == "c-2"
    assert counterpart.partner["version"] == "2.1.1"
    back, previous = run.update_credentials()
    assert previous == "c-2" and run.token == "c-3"
    assert seen[-1].url.path == "/ocpi/2.2.1/credentials"
    assert counterpart.partner["version"] == "2.2.1"
    run.http.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_the_objects_we_push_are_valid_in_each_version(version):
    now, us = datetime(2026, 1, 1, tzinfo=UTC), ("NL", "OCT")
    built = {
        "Location": make.location(us, "L1", now),
        "EVSE": make.evse("E1", now),
        "Connector": make.connector("1", now),
        "Token": make.token(us, "U1", now),
        "Tariff": make.tariff(us, "T1", now),
        "Session": make.session(us, "S1", us, now, location_id="L1"),
        "CDR": make.cdr(us, "C1", us, now),
    }
    for kind, body in built.items():
        shaped = make.shape(kind, body, version)
        assert validate(shaped, version, kind) == [], kind
    assert "country_code" not in make.shape("Token", built["Token"], "2.1.1")
    assert make.shape("CDR", built["CDR"], "2.3.0")["total_cost"] == {
        "before_taxes": 3.0,
        "taxes": [{"name": "VAT", "amount": 0.63}],
    }


def test_a_receiver_client_shapes_complete_objects_by_url():
    sent: list[Any] = []

    class Recording:
        def put(self, url: str, json_body: Any = None, **kwargs: Any) -> None:
            sent.append(json_body)

    client = ShapingClient(Recording(), "locations", "http://t/ocpi/2.1.1/locations", "2.1.1")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    client.put("http://t/ocpi/2.1.1/locations/NL/OCT/L1", make.location(("NL", "OCT"), "L1", now))
    client.put("http://t/ocpi/2.1.1/locations/NL/OCT/L1/E1/1", make.connector("1", now))
    client.put("http://t/ocpi/2.1.1/locations/NL/OCT/L1", {"name": "partial"})
    assert sent[0]["type"] == "ON_STREET" and "country_code" not in sent[0]
    assert sent[1]["voltage"] == 230 and "max_voltage" not in sent[1]
    assert sent[2] == {"name": "partial"}


def test_a_211_connector_names_its_one_tariff_id():
    from conformance.crossrules import missing_tariff_ids

    connectors = [{"id": "1", "tariff_id": "T9"}, {"id": "2", "tariff_id": "T1"}]
    locations = [{"id": "L", "evses": [{"uid": "E", "connectors": connectors}]}]
    assert missing_tariff_ids(locations, [{"id": "T1"}]) == [
        "location L, EVSE E, connector 1: tariff 'T9'"
    ]


def test_a_response_knows_the_version_it_was_asked_in():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=envelope([]))

    with OcpiClient(token="t", version="2.1.1", transport=httpx.MockTransport(handler)) as client:
        assert client.get("http://t/versions").version == "2.1.1"
