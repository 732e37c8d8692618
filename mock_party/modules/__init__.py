"""One blueprint per OCPI module, and the table of what the mock offers per role."""

from __future__ import annotations

from dataclasses import dataclass

from mock_party.config import MockConfig
from mock_party.versions import profile

__all__ = ["Offer", "offers"]


@dataclass(frozen=True)
class Offer:
    identifier: str
    role: str  # InterfaceRole: SENDER or RECEIVER
    interface: str | None  # URL segment ("sender"/"receiver"), None for credentials


# Which interface of which module a party of each role implements (2.2.1 §2.3.1 "Typical OCPI
# implementations per Role"), in the order of the version details.
_BY_ROLE: dict[str, tuple[Offer, ...]] = {
    "CPO": (
        Offer("locations", "SENDER", "sender"),
        Offer("sessions", "SENDER", "sender"),
        Offer("cdrs", "SENDER", "sender"),
        Offer("tariffs", "SENDER", "sender"),
        Offer("tokens", "RECEIVER", "receiver"),
        Offer("commands", "RECEIVER", "receiver"),
        Offer("chargingprofiles", "RECEIVER", "receiver"),
        Offer("hubclientinfo", "RECEIVER", "receiver"),
        Offer("payments", "RECEIVER", "receiver"),  # 2.3.0 only
    ),
    "EMSP": (
        Offer("locations", "RECEIVER", "receiver"),
        Offer("sessions", "RECEIVER", "receiver"),
        Offer("cdrs", "RECEIVER", "receiver"),
        Offer("tariffs", "RECEIVER", "receiver"),
        Offer("tokens", "SENDER", "sender"),
        Offer("commands", "SENDER", "sender"),
        Offer("hubclientinfo", "RECEIVER", "receiver"),
        Offer("payments", "SENDER", "sender"),  # 2.3.0 only: the eMSP plays the PTP too
    ),
}
# A hub is Sender and Receiver of every functional module (it forwards both ways) and the
# Sender of ClientInfo (2.2.1 §15).
_ROUTED = ("locations", "sessions", "cdrs", "tariffs", "tokens", "commands", "chargingprofiles")
_BY_ROLE["HUB"] = (
    *(Offer(m, r, r.lower()) for m in (*_ROUTED, "payments") for r in ("SENDER", "RECEIVER")),
    Offer("hubclientinfo", "SENDER", "sender"),
)


def offers(config: MockConfig, version: str) -> list[Offer]:
    """The endpoints listed in ``version``'s details, credentials first, without duplicates:
    those of the modules the version has."""
    modules = profile(version).modules
    result = [Offer("credentials", "SENDER", None)]
    for role in config.roles:
        for offer in _BY_ROLE[role]:
            if offer not in result and offer.identifier in modules:
                result.append(offer)
    return result
