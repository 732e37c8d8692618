"""Message routing headers (OCPI-to-*/OCPI-from-*): what one exchange must carry, as pure rules.

Spec 2.2.1/2.3.0 transport §4.1.8 "Message Routing": functional modules carry the four headers
on requests and responses; configuration modules (versions, credentials, hubclientinfo) carry
none. Which party goes in each header depends on the scenario and on the leg of the exchange
(table "Overview of required/optional routing headers"). ``expected_routing`` gives that table
as data, ``routing_problems`` judges one message's headers against it. The checks, the mock hub
and the proxy share these functions; none of them restates the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "CONFIGURATION_MODULES",
    "LEGS",
    "ROUTING_HEADERS",
    "SCENARIOS",
    "Expected",
    "Party",
    "expected_routing",
    "routing_headers",
    "routing_of",
    "routing_problems",
]

Party = tuple[str, str]  # (country_code, party_id)

ROUTING_HEADERS = (
    "OCPI-to-country-code",
    "OCPI-to-party-id",
    "OCPI-from-country-code",
    "OCPI-from-party-id",
)
CONFIGURATION_MODULES = frozenset({"versions", "credentials", "hubclientinfo"})
ROUTING_SPEC = "2.2.1 §4.1.8 Message Routing"

# direct: party to party without a hub; via_hub: routed by the OCPI-to-* headers; broadcast: a
# push addressed to the hub, sent on to every party of the opposite role; open: the hub decides
# where a request goes (no OCPI-to-* towards the hub); get_all: a Sender list GET the hub answers
# with the objects of all its parties.
SCENARIOS = ("direct", "via_hub", "broadcast", "open", "get_all")
# request: requester to the next hop; forward: hub to the receiving party; reply: the receiving
# party's answer (to the hub, or directly); answer: the hub's answer to the requester.
LEGS = ("request", "forward", "reply", "answer")


@dataclass(frozen=True)
class Expected:
    """The parties one message must name. ``None``: the header pair must be absent.
    ``optional``: the sides ("to", "from") that may also be left out."""

    to: Party | None
    from_: Party | None
    optional: frozenset[str] = frozenset()


def expected_routing(
    scenario: str,
    leg: str,
    *,
    requester: Party,
    receiver: Party | None = None,
    hub: Party | None = None,
) -> Expected:
    """The parties in the OCPI-to/from headers of ``leg`` of a ``scenario`` exchange.

    ``requester`` is the party sending the request, ``receiver`` the party it is meant for
    (unknown to the requester in an open request, every party in a broadcast), ``hub`` the hub
    between them (not needed for ``direct``).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown routing scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    if leg not in LEGS:
        raise ValueError(f"unknown leg {leg!r}; known: {', '.join(LEGS)}")
    if scenario == "direct":
        if leg not in ("request", "reply"):
            raise ValueError("a direct exchange has only the legs request and reply")
        return _pair(leg, requester, receiver)
    if hub is None:
        raise ValueError(f"the scenario {scenario!r} needs the hub's party")
    if scenario == "via_hub":
        return _pair("request" if leg in ("request", "forward") else "reply", requester, receiver)
    if scenario == "open":
        if leg == "request":
            return Expected(to=None, from_=requester)
        return _pair("request" if leg == "forward" else "reply", requester, receiver)
    if scenario == "get_all":
        if leg == "request":
            return Expected(to=hub, from_=requester)
        if leg == "answer":
            return Expected(to=requester, from_=hub)
        raise ValueError("a GET All via a hub is answered by the hub itself: request and answer")
    # broadcast: the requester addresses the hub; the hub pushes as itself to each receiver
    return {
        "request": Expected(to=hub, from_=requester),
        "answer": Expected(to=requester, from_=hub, optional=frozenset({"from"})),
        "forward": Expected(to=receiver, from_=hub),
        "reply": Expected(to=hub, from_=receiver),
    }[leg]


def _pair(leg: str, requester: Party, receiver: Party | None) -> Expected:
    if receiver is None:
        raise ValueError("this exchange needs the receiving party")
    if leg == "request":
        return Expected(to=receiver, from_=requester)
    return Expected(to=requester, from_=receiver)


def routing_of(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """The routing headers among ``headers``, by lower-cased name."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        name.lower(): value
        for name, value in items
        if name.lower().startswith(("ocpi-to-", "ocpi-from-"))
    }


def routing_headers(to: Party | None, from_: Party | None) -> dict[str, str]:
    """The headers naming ``to`` and ``from_`` (a ``None`` side is left out)."""
    headers: dict[str, str] = {}
    if to is not None:
        headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = to
    if from_ is not None:
        headers["OCPI-from-country-code"], headers["OCPI-from-party-id"] = from_
    return headers


def _side_problems(side: str, found: Mapping[str, str], want: Party | None, optional: bool) -> list:
    country = found.get(f"ocpi-{side}-country-code")
    party = found.get(f"ocpi-{side}-party-id")
    if want is None:
        present = [
            f"OCPI-{side}-{name}"
            for name, value in (("country-code", country), ("party-id", party))
            if value
        ]
        return [f"{', '.join(present)} present (must be omitted)"] if present else []
    if country is None and party is None and optional:
        return []
    problems = []
    for name, value, expected in (("country-code", country, want[0]), ("party-id", party, want[1])):
        if value is None:
            problems.append(f"OCPI-{side}-{name} missing (expected {expected!r})")
        elif value.strip().upper() != expected.upper():  # CiString: case-insensitive
            problems.append(f"OCPI-{side}-{name} {value!r} (expected {expected!r})")
    return problems


def routing_problems(
    module: str | None,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    expected: Expected | None = None,
) -> list[str]:
    """What is wrong with the routing headers of one message to or from ``module``.

    Configuration modules (and the versions endpoints, ``module`` None) must carry none;
    a functional module's message must name the parties of ``expected`` (when not given, only
    the presence of all four headers is judged).
    """
    found = routing_of(headers)
    if module is None or module in CONFIGURATION_MODULES:
        if found:
            return [f"routing headers {', '.join(sorted(found))} on a configuration module"]
        return []
    if expected is None:
        missing = [name for name in ROUTING_HEADERS if name.lower() not in found]
        return [f"{name} missing" for name in missing]
    return _side_problems("to", found, expected.to, "to" in expected.optional) + _side_problems(
        "from", found, expected.from_, "from" in expected.optional
    )
