"""Whether the target is reached through a Hub, and which parties a routed message names.

A CPO or eMSP behind a Hub is tested at the Hub's versions URL: its credentials are the Hub's,
and every functional request must name the target in OCPI-to-* (2.2.1 §4.1.8). The run is "via
hub" when the target file says so (``via_hub``) or when the credentials we got back name a Hub:
on 2.2.1 a HUB role and none of the target's role; on 2.3.0 a ``hub_party_id``, whatever the
roles (a 2.3.0 Hub lists the parties reachable through it there, 2.3.0 §7.3.1). The roles are
``ocpi_core.versions.party_records``: a 2.3.0 ``hub_party_id`` is their first record, of role
HUB. Pure functions of the config and those roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.config import TargetConfig
from conformance.routing import Party
from ocpi_core.versions import rules

__all__ = ["HubRoute", "hub_party", "hub_route"]


@dataclass(frozen=True)
class HubRoute:
    """How a run reaches its target through a Hub.

    target: the target's own party (``None`` when detected but not named in the config);
    hub: the Hub's party from its credentials (``None`` before or without a registration);
    declared: via_hub came from the config rather than from the credentials' roles.
    """

    target: Party | None
    hub: Party | None
    declared: bool


def hub_party(roles: Iterable[Mapping[str, Any]]) -> Party | None:
    """The (country_code, party_id) of the first HUB role among ``roles``."""
    for role in roles:
        if str(role.get("role") or "").upper() == "HUB":
            country, party = role.get("country_code"), role.get("party_id")
            if country and party:
                return str(country).upper(), str(party).upper()
    return None


def hub_route(config: TargetConfig, roles: Iterable[Mapping[str, Any]]) -> HubRoute | None:
    """The hub route of a run, or ``None`` when the target is reached directly.

    ``roles``: the credentials roles the target answered our registration with (empty when
    we did not register, as in read-only mode).
    """
    roles = list(roles)
    hub = hub_party(roles)
    if config.via_hub:
        return HubRoute(target=config.party, hub=hub, declared=True)
    if config.role == "HUB":
        return None  # the Hub is the target itself
    own_role = any(str(r.get("role") or "").upper() == config.role for r in roles)
    if hub is not None and (not own_role or rules(config.version).hub_party_id):
        return HubRoute(target=config.party, hub=hub, declared=False)
    return None
