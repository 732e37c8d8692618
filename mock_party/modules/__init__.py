"""One blueprint per OCPI module, and the table of what the mock offers per role."""

from __future__ import annotations

from dataclasses import dataclass

from mock_party.config import MockConfig

__all__ = ["Offer", "offers"]


@dataclass(frozen=True)
class Offer:
    identifier: str
    role: str  # InterfaceRole: SENDER or RECEIVER
    interface: str | None  # URL segment ("sender"/"receiver"), None for credentials


# Which interface of which module a party of each role implements (2.2.1).
_BY_ROLE: dict[str, tuple[Offer, ...]] = {
    "CPO": (),
    "EMSP": (),
}


def offers(config: MockConfig, version: str) -> list[Offer]:
    """The endpoints listed in version details, credentials first, without duplicates."""
    result = [Offer("credentials", "SENDER", None)]
    for role in config.roles:
        for offer in _BY_ROLE[role]:
            if offer not in result:
                result.append(offer)
    return result
