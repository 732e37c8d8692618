"""Tokens: the provider methods that draw a Token of each type (RFID, app user, ad hoc user,
other) with its contract id and whitelist, and the CdrToken of a Token.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from faker.providers import ElementsType

from mock_party.fake.countries import country_info
from mock_party.fake.helpers import (
    _DAY,
    Json,
    _clean,
    _epoch,
)
from mock_party.fake.shared import SharedProvider


class TokensProvider(SharedProvider):
    """Faker methods for the OCPI Tokens module (Token, CdrToken, contract ids)."""

    token_types: ElementsType[str] = ("RFID", "APP_USER", "AD_HOC_USER", "OTHER")
    whitelist_types: ElementsType[str] = ("ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER")
    profile_types: ElementsType[str] = ("CHEAP", "FAST", "GREEN", "REGULAR")

    def contract_id(self, country_code: str, party_id: str) -> str:
        """An eMA ID (``NL-MCK-C12345678``) without the optional check digit."""
        return f"{country_code.upper()}-{party_id.upper()}-C{self._alnum(8)}"

    def token(
        self,
        *,
        now: datetime | int,
        country_code: str = "NL",
        party_id: str = "MCK",
        token_type: str | None = None,
        whitelist: str | None = None,
        valid: bool | None = None,
        issuer: str | None = None,
    ) -> Json:
        """A Token of ``token_type`` (random when None), mostly valid."""
        rnd = self.generator.random
        info = country_info(country_code)
        now_s = now if isinstance(now, int) else _epoch(now)
        token_type = token_type or self._pick(
            {"RFID": 70, "APP_USER": 15, "AD_HOC_USER": 10, "OTHER": 5}
        )
        if token_type == "RFID":
            uid = self._hex(rnd.choice((8, 14, 14)))
        elif token_type == "APP_USER":
            uid = str(self.generator.uuid4())
        elif token_type == "AD_HOC_USER":
            uid = "ADHOC" + self._hex(16)
        else:  # e.g. a vehicle's MAC address for plug-and-charge-like "Autocharge"
            uid = self._hex(12)
        if whitelist is None:
            if token_type in ("APP_USER", "AD_HOC_USER"):
                whitelist = "NEVER"
            else:
                whitelist = self._pick(
                    {"ALLOWED": 50, "ALWAYS": 20, "ALLOWED_OFFLINE": 20, "NEVER": 10}
                )
        token: Json = {
            "country_code": country_code.upper(),
            "party_id": party_id.upper(),
            "uid": uid,
            "type": token_type,
            "contract_id": self.contract_id(country_code, party_id),
        }
        if token_type == "RFID" and self._chance(0.8):
            token["visual_number"] = (
                f"{country_code.upper()}-{party_id.upper()}-"
                f"{rnd.randint(0, 999999):06d}-{rnd.randint(0, 9)}"
            )
        token["issuer"] = _clean(issuer or self.generator.company(), 64)
        if self._chance(0.3):
            token["group_id"] = f"GRP{rnd.randint(100, 99999)}"
        token["valid"] = self._chance(0.88) if valid is None else valid
        token["whitelist"] = whitelist
        if self._chance(0.5):
            token["language"] = info.language
        if self._chance(0.3 if token_type == "APP_USER" else 0.05):
            token["default_profile_type"] = rnd.choice(self.profile_types)
        if self._chance(0.1):
            contract: Json = {"supplier_name": _clean(self.generator.company() + " Energy", 64)}
            if self._chance(0.6):
                contract["contract_id"] = f"EC{rnd.randint(10**7, 10**8 - 1)}"
            token["energy_contract"] = contract
        token["last_updated"] = self.ocpi_datetime(now_s - 2 * 365 * _DAY, now_s)
        return token

    def cdr_token(self, token: Mapping[str, Any]) -> Json:
        """The CdrToken of a Token."""
        return {
            key: token[key] for key in ("country_code", "party_id", "uid", "type", "contract_id")
        }
