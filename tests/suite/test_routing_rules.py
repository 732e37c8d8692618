"""The routing-header rules of conformance.routing: the spec's scenario table and the judge."""

from __future__ import annotations

import pytest

from conformance.routing import (
    Expected,
    expected_routing,
    routing_headers,
    routing_of,
    routing_problems,
)

CPO = ("NL", "CPA")
EMSP = ("DE", "EMB")
HUB = ("NL", "HUB")


@pytest.mark.parametrize(
    ("scenario", "leg", "to", "from_"),
    [
        ("direct", "request", EMSP, CPO),
        ("direct", "reply", CPO, EMSP),
        ("via_hub", "request", EMSP, CPO),
        ("via_hub", "forward", EMSP, CPO),
        ("via_hub", "reply", CPO, EMSP),
        ("via_hub", "answer", CPO, EMSP),
        ("open", "request", None, CPO),
        ("open", "forward", EMSP, CPO),
        ("open", "answer", CPO, EMSP),
        ("get_all", "request", HUB, CPO),
        ("get_all", "answer", CPO, HUB),
        ("broadcast", "request", HUB, CPO),
        ("broadcast", "answer", CPO, HUB),
        ("broadcast", "forward", EMSP, HUB),
        ("broadcast", "reply", HUB, EMSP),
    ],
)
def test_the_scenario_table(scenario, leg, to, from_) -> None:
    expected = expected_routing(scenario, leg, requester=CPO, receiver=EMSP, hub=HUB)
    assert (expected.to, expected.from_) == (to, from_)


def test_impossible_legs_are_refused() -> None:
    with pytest.raises(ValueError, match="direct"):
        expected_routing("direct", "forward", requester=CPO, receiver=EMSP)
    with pytest.raises(ValueError, match="hub"):
        expected_routing("via_hub", "request", requester=CPO, receiver=EMSP)
    with pytest.raises(ValueError, match="unknown routing scenario"):
        expected_routing("multicast", "request", requester=CPO)


def test_matching_headers_pass_case_insensitively() -> None:
    headers = routing_headers(to=("nl", "cpa"), from_=EMSP)
    assert routing_problems("locations", headers, Expected(to=CPO, from_=EMSP)) == []


def test_wrong_and_missing_headers_are_named() -> None:
    headers = {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "XXX", "Other": "1"}
    problems = routing_problems("sessions", headers, Expected(to=CPO, from_=EMSP))
    assert problems == [
        "OCPI-to-party-id 'XXX' (expected 'CPA')",
        "OCPI-from-country-code missing (expected 'DE')",
        "OCPI-from-party-id missing (expected 'EMB')",
    ]


def test_an_open_request_must_not_name_a_receiver() -> None:
    expected = expected_routing("open", "request", requester=CPO, hub=HUB)
    assert routing_problems("commands", routing_headers(EMSP, CPO), expected) == [
        "OCPI-to-country-code, OCPI-to-party-id present (must be omitted)"
    ]
    assert routing_problems("commands", routing_headers(None, CPO), expected) == []


def test_the_hub_may_leave_out_its_own_party_when_answering_a_broadcast() -> None:
    expected = expected_routing("broadcast", "answer", requester=CPO, hub=HUB)
    assert routing_problems("locations", routing_headers(CPO, None), expected) == []
    assert routing_problems("locations", routing_headers(CPO, EMSP), expected) != []


def test_configuration_modules_carry_none() -> None:
    routed = list(routing_headers(CPO, EMSP).items())
    for module in ("credentials", "hubclientinfo", None):
        assert routing_problems(module, routed) != []
        assert routing_problems(module, [("X-Request-ID", "1")]) == []


def test_without_expectation_only_presence_is_judged() -> None:
    assert routing_problems("tokens", routing_headers(CPO, None)) == [
        "OCPI-from-country-code missing",
        "OCPI-from-party-id missing",
    ]
    assert routing_of([("ocpi-TO-party-id", "X"), ("Accept", "y")]) == {"ocpi-to-party-id": "X"}
