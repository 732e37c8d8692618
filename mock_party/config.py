"""The mock's configuration: one frozen dataclass, passed to ``create_app``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "COMMAND_RESULTS",
    "DEFAULT_VERSIONS",
    "ConfigError",
    "MockConfig",
    "ROLES",
    "SUPPORTED_VERSIONS",
]

ROLES = ("CPO", "EMSP", "HUB")
SUPPORTED_VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
DEFAULT_VERSIONS = ("2.2.1",)
# CommandResultType (spec 2.2.1 commands §"CommandResultType")
COMMAND_RESULTS = (
    "ACCEPTED",
    "CANCELED_RESERVATION",
    "EVSE_OCCUPIED",
    "EVSE_INOPERATIVE",
    "FAILED",
    "NOT_SUPPORTED",
    "REJECTED",
    "TIMEOUT",
    "UNKNOWN_RESERVATION",
)


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names key, value and choices."""


def _choice_error(key: str, value: object, allowed: tuple[str, ...]) -> ConfigError:
    close = difflib.get_close_matches(str(value), allowed, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"{key}: {value!r} is not a valid value; allowed: {', '.join(allowed)}.{hint}"
    )


@dataclass(frozen=True)
class MockConfig:
    """Everything a mock party needs to know.

    roles: the OCPI roles it plays (``CPO``, ``EMSP`` or both).
    versions: OCPI versions served (2.1.1, 2.2.1, 2.3.0; several at once).
    country_code, party_id: its identity in every role.
    more_parties: other parties this platform hosts, (role, country_code, party_id) each
        (2.2+: a platform may host several parties, spec 2.2.1 §4.1.8.1): named in its
        credentials roles after its own identity, and a request addressed to one of them by
        OCPI-to-* is answered with that party in OCPI-from-*.
    database: a SQLite file or a PostgreSQL DSN (``postgresql://…``); ``None`` means a
        temporary SQLite file made by ``create_app``.
    base_url: public base URL put in versions/endpoint URLs; ``None`` derives it from requests.
    token_a: the registration token offered to partners; ``None`` generates one at start.
    seed: Faker seed of its data set.
    page_limit: the server's maximum page size (``X-Limit``).
    accept_plain_tokens: 2.2+ compatibility switch: also accept un-encoded tokens.
    faults: ids of injected faults (see ``mock_party.faults``).
    locations, tariffs, tokens, sessions, cdrs: how many objects of each the first start of a
        fresh database generates (only for the modules the roles own: CPO locations, tariffs,
        sessions, CDRs; eMSP tokens).
    command_delay: seconds between a command's CommandResponse and its CommandResult POST.
    command_result: the CommandResultType sent for accepted commands (``ACCEPTED`` by default).
    slow_delay: seconds each functional-module answer waits with the ``transport.slow`` fault.
    push: whether changes to our own objects are pushed to registered partners.
    status_churn: EVSE status changes a minute the mock (a CPO) makes by itself from its start
        (0: none); see ``mock_party.churn``.
    max_body: the largest request body accepted, in bytes (larger ones get HTTP 413).
    ui: whether the inspector (``/admin/ui``) is served and exchanges are recorded for it.
    exchanges_kept: how many of the latest exchanges the store keeps for the inspector (0:
        none are recorded).
    admin_token: when set, every ``/admin/…`` request must carry it (``X-Admin-Token``, or
        the inspector's cookie); ``ocpi-mock serve`` sets one whenever it listens on
        anything but loopback. ``None``: the admin API is open.
    """

    roles: tuple[str, ...] = ("CPO",)
    versions: tuple[str, ...] = DEFAULT_VERSIONS
    country_code: str = "NL"
    party_id: str = "MCK"
    business_name: str = "OCPI Mock Party"
    database: str | None = None
    base_url: str | None = None
    token_a: str | None = field(default=None, repr=False)
    seed: int = 0
    page_limit: int = 50
    accept_plain_tokens: bool = False
    faults: tuple[str, ...] = ()
    http_timeout: float = 10.0
    locations: int = 24
    tariffs: int = 6
    tokens: int = 24
    sessions: int = 24
    cdrs: int = 24
    command_delay: float = 0.2
    command_result: str = "ACCEPTED"
    slow_delay: float = 2.0
    push: bool = True
    status_churn: float = 0.0
    hub_parties: tuple[str, ...] = ()
    more_parties: tuple[tuple[str, str, str], ...] = ()
    max_body: int = 32_000_000
    ui: bool = True
    exchanges_kept: int = 1000
    admin_token: str | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        roles = tuple(r.upper() for r in self.roles)
        for role in roles:
            if role not in ROLES:
                raise _choice_error("roles", role, ROLES)
        if not roles:
            raise ConfigError("roles: at least one role is needed (CPO, EMSP)")
        object.__setattr__(self, "roles", roles)
        if "HUB" in roles and len(roles) > 1:
            raise ConfigError("roles: HUB is played alone (its parties are set by hub_parties)")
        for version in self.versions:
            if version not in SUPPORTED_VERSIONS:
                raise _choice_error("versions", version, SUPPORTED_VERSIONS)
        if not self.versions:
            raise ConfigError(f"versions: at least one is needed ({', '.join(SUPPORTED_VERSIONS)})")
        object.__setattr__(self, "versions", tuple(dict.fromkeys(self.versions)))
        if "HUB" in roles and "2.1.1" in self.versions:
            raise ConfigError(
                "versions: OCPI 2.1.1 has no hub role (message routing came with 2.2); "
                "serve a hub with 2.2.1 and/or 2.3.0"
            )
        if self.hub_parties:
            from mock_party.hub.parties import parse_parties

            parse_parties(self.hub_parties)
        if len(self.country_code) != 2 or not self.country_code.isalpha():
            raise ConfigError(
                f"country_code: {self.country_code!r} must be two letters (ISO 3166-1 alpha-2)"
            )
        if not (1 <= len(self.party_id) <= 3) or not self.party_id.isalnum():
            raise ConfigError(f"party_id: {self.party_id!r} must be 1 to 3 letters or digits")
        seen = {(self.country_code.upper(), self.party_id.upper())}
        for role, country, party in self.more_parties:
            if role not in ("CPO", "EMSP") or (country.upper(), party.upper()) in seen:
                raise ConfigError(
                    f"more_parties: {role}/{country}/{party}: a role CPO or EMSP and a party "
                    "of its own (not the mock's, nor named twice)"
                )
            seen.add((country.upper(), party.upper()))
        if self.max_body < 1:
            raise ConfigError(f"max_body: {self.max_body} must be at least 1 byte")
        if not 0 <= self.exchanges_kept <= 1_000_000:
            raise ConfigError(
                f"exchanges_kept: {self.exchanges_kept} must be 0 to 1000000 exchanges"
            )
        if self.admin_token is not None and len(self.admin_token) < 8:
            raise ConfigError("admin_token: must be at least 8 characters")
        if self.page_limit < 1:
            raise ConfigError(f"page_limit: {self.page_limit} must be at least 1")
        for name in ("locations", "tariffs", "tokens", "sessions", "cdrs"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}: {getattr(self, name)} must be 0 or more")
        if self.command_result not in COMMAND_RESULTS:
            raise _choice_error("command_result", self.command_result, COMMAND_RESULTS)
        if not 0 <= self.status_churn <= 60_000:
            raise ConfigError(f"status_churn: {self.status_churn} must be 0 to 60000 a minute")
        for name in ("command_delay", "slow_delay"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}: {getattr(self, name)} seconds must be 0 or more")
        from mock_party.faults import check_fault_ids

        check_fault_ids(self.faults)

    def replace(self, **changes: Any) -> MockConfig:
        return replace(self, **changes)
