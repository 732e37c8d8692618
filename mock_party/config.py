"""The mock's configuration: one frozen dataclass, passed to ``create_app``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["ConfigError", "MockConfig", "ROLES", "SUPPORTED_VERSIONS"]

ROLES = ("CPO", "EMSP")
SUPPORTED_VERSIONS = ("2.2.1",)


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
    versions: OCPI versions served.
    country_code, party_id: its identity in every role.
    database: SQLite file; ``None`` means a temporary file made by ``create_app``.
    base_url: public base URL put in versions/endpoint URLs; ``None`` derives it from requests.
    token_a: the registration token offered to partners; ``None`` generates one at start.
    seed: Faker seed of its data set.
    page_limit: the server's maximum page size (``X-Limit``).
    accept_plain_tokens: 2.2+ compatibility switch: also accept un-encoded tokens.
    faults: ids of injected faults (see ``mock_party.faults``).
    """

    roles: tuple[str, ...] = ("CPO",)
    versions: tuple[str, ...] = SUPPORTED_VERSIONS
    country_code: str = "NL"
    party_id: str = "MCK"
    business_name: str = "OCPI Mock Party"
    database: str | None = None
    base_url: str | None = None
    token_a: str | None = None
    seed: int = 0
    page_limit: int = 50
    accept_plain_tokens: bool = False
    faults: tuple[str, ...] = ()
    http_timeout: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        roles = tuple(r.upper() for r in self.roles)
        for role in roles:
            if role not in ROLES:
                raise _choice_error("roles", role, ROLES)
        if not roles:
            raise ConfigError("roles: at least one role is needed (CPO, EMSP)")
        object.__setattr__(self, "roles", roles)
        for version in self.versions:
            if version not in SUPPORTED_VERSIONS:
                raise _choice_error("versions", version, SUPPORTED_VERSIONS)
        if len(self.country_code) != 2 or not self.country_code.isalpha():
            raise ConfigError(
                f"country_code: {self.country_code!r} must be two letters (ISO 3166-1 alpha-2)"
            )
        if not (1 <= len(self.party_id) <= 3) or not self.party_id.isalnum():
            raise ConfigError(f"party_id: {self.party_id!r} must be 1 to 3 letters or digits")
        if self.page_limit < 1:
            raise ConfigError(f"page_limit: {self.page_limit} must be at least 1")
        from mock_party.faults import check_fault_ids

        check_fault_ids(self.faults)

    def replace(self, **changes: Any) -> MockConfig:
        return replace(self, **changes)
