"""Sessions and CDRs: a simulated charge (:class:`Charge`: reservation, charging periods as
the battery fills, parking) and the provider methods that turn it into a Session, a CDR, a credit
CDR and OCMF signed data, priced by :mod:`ocpi_core.pricing`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from faker.providers import ElementsType

from mock_party.fake.countries import country_info
from mock_party.fake.helpers import (
    _DAY,
    _HOUR,
    _Q1,
    _Q2,
    _Q4,
    _TICK,
    Json,
    _copy,
    _epoch,
    _hours,
    _parse_epoch,
    format_datetime,
    to_json_number,
)
from mock_party.fake.sites import (
    _PHASES,
)
from mock_party.fake.tariffs import _priced_dimensions, _restricts
from mock_party.fake.tokens import TokensProvider
from mock_party.price_changes import split_at_price_changes

_REMARKS = (
    "Session stopped by the EV.",
    "Session stopped remotely by the eMSP.",
    "Session ended after a communication loss with the charge point.",
    "Charging stopped: battery full.",
)

# CdrDimensionTypes that the spec allows in Sessions only, never in CDRs.
_SESSION_ONLY = frozenset({"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"})


class SessionsProvider(TokensProvider):
    """Faker methods for the OCPI Sessions and CDRs modules (a session uses its CdrToken)."""

    session_statuses: ElementsType[str] = (
        "COMPLETED", "ACTIVE", "PENDING", "RESERVATION", "INVALID",
    )  # fmt: skip

    def charge(
        self,
        *,
        location: Mapping[str, Any],
        evse: Mapping[str, Any],
        connector: Mapping[str, Any],
        token: Mapping[str, Any],
        tariff: Mapping[str, Any] | None,
        start: int,
        until: int | None = None,
        reservation: bool = False,
        charging: bool = True,
    ) -> Charge:
        """Simulate a charging session from ``start``: an optional reservation, charging in
        periods as the battery fills, then maybe parking. With ``until`` the simulation stops
        there (a session still going on)."""
        rnd = self.generator.random
        tariff_id = tariff["id"] if tariff else None
        dc = connector["power_type"] == "DC"
        rated = Decimal(connector.get("max_electric_power") or _nominal(connector)) / 1000
        car = Decimal(rnd.choice((50, 100, 150, 250)) if dc else rnd.choice((3.7, 7.4, 11, 22)))
        power = min(rated, car) * Decimal(rnd.randint(70, 100)) / 100
        capacity = Decimal(rnd.choice((40, 58, 64, 77, 82, 100)))
        soc = Decimal(rnd.randint(5, 60))
        target = Decimal(rnd.choice((80, 80, 90, 100)))
        length = 900 if dc else rnd.choice((900, 1800, 3600))
        limit = until if until is not None else start + 12 * 3600
        voltage = Decimal(connector["max_voltage"])
        dims = _DimensionChoice(
            power=self._chance(0.6),
            current=self._chance(0.4) or _restricts(tariff, ("min_current", "max_current")),
            average=self._chance(0.5),
            soc=dc and self._chance(0.5),
        )
        periods: list[Json] = []
        moment = start
        reserved = 0
        if reservation:
            reserved = self._ticks(300, 1500)
            if until is not None:
                reserved = min(reserved, max(_TICK, (until - start) // _TICK * _TICK))
            periods.append(_period(moment, [("RESERVATION_TIME", _hours(reserved))], tariff_id))
            moment += reserved
        energy = Decimal(0)
        seconds_charged = 0
        while charging and soc < target and moment < limit and seconds_charged < 12 * 3600:
            taper = Decimal(1) if soc < (60 if dc else 90) else (Decimal(100) - soc) / 40
            now_power = max(power * taper, Decimal("1.4"))
            needed = (target - soc) / 100 * capacity
            seconds = min(length, limit - moment)
            if now_power * Decimal(seconds) / _HOUR > needed:
                seconds = int(needed / now_power * _HOUR)
            seconds = max(_TICK, seconds // _TICK * _TICK)
            kwh = (now_power * Decimal(seconds) / _HOUR).quantize(_Q4)
            soc = min(target, soc + kwh / capacity * 100)
            values: list[tuple[str, Decimal]] = [("ENERGY", kwh), ("TIME", _hours(seconds))]
            # MIN_/MAX_ values suit CDRs too; the averages and the state of charge are for
            # Sessions only (Charge.cdr_periods leaves them out).
            if dims.power:
                values.append(("MAX_POWER", (now_power * Decimal("1.05")).quantize(_Q2)))
                values.append(("MIN_POWER", (now_power * Decimal("0.9")).quantize(_Q2)))
                if dims.average:
                    values.append(("POWER", now_power.quantize(_Q2)))
            if dims.current:
                amperes = now_power * 1000 / voltage  # summed over the phases
                values.append(("MAX_CURRENT", (amperes * Decimal("1.05")).quantize(_Q1)))
                values.append(("MIN_CURRENT", (amperes * Decimal("0.9")).quantize(_Q1)))
                if dims.average:
                    values.append(("CURRENT", amperes.quantize(_Q1)))
            if dims.soc:
                values.append(("STATE_OF_CHARGE", soc.quantize(Decimal("0.1"))))
            periods.append(_period(moment, values, tariff_id))
            energy += kwh
            seconds_charged += seconds
            moment += seconds
        parked = 0
        if moment < limit and self._chance(0.55):
            parked = self._ticks(180, 4 * 3600)
            if until is not None:
                parked = max(0, min(parked, (until - moment) // _TICK * _TICK))
            if parked:
                periods.append(_period(moment, [("PARKING_TIME", _hours(parked))], tariff_id))
                moment += parked
        # A new period wherever the tariff's price can change inside one (2.2.1 ChargingPeriod).
        periods = split_at_price_changes(
            periods,
            [tariff] if tariff else [],
            time_zone=location["time_zone"],
            end=moment,
            session_start=start + reserved,
            reservation_start=start,
        )
        return Charge(
            location=location,
            evse=evse,
            connector=connector,
            token=token,
            tariff=tariff,
            start=start,
            end=moment,
            periods=periods,
            energy=energy,
            charging_seconds=seconds_charged,
            parking_seconds=parked,
            reservation_seconds=reserved,
        )

    def auth_method(self, token: Mapping[str, Any]) -> str:
        if token["type"] in ("APP_USER", "AD_HOC_USER"):
            return "COMMAND" if token["type"] == "APP_USER" or self._chance(0.5) else "AUTH_REQUEST"
        if token.get("whitelist") == "ALWAYS":
            return "WHITELIST"
        if token.get("whitelist") == "NEVER":
            return "AUTH_REQUEST"
        return self.generator.random.choice(("WHITELIST", "AUTH_REQUEST", "AUTH_REQUEST"))

    def session(
        self,
        *,
        session_id: str,
        charge: Charge,
        status: str,
        now: datetime | int,
        auth_method: str | None = None,
        authorization_reference: str | None = None,
    ) -> Json:
        """A Session for a simulated charge, priced with its tariff."""
        rnd = self.generator.random
        now_s = now if isinstance(now, int) else _epoch(now)
        loc, evse = charge.location, charge.evse
        info = country_info(loc["country_code"])
        # A Session starts when it became ACTIVE, after any reservation (a CDR starts with the
        # reservation); while PENDING or RESERVATION it starts when it was created.
        became_active = status in ("ACTIVE", "COMPLETED") and charge.charging_seconds > 0
        start = charge.start + (charge.reservation_seconds if became_active else 0)
        session: Json = {
            "country_code": loc["country_code"],
            "party_id": loc["party_id"],
            "id": session_id,
            "start_date_time": format_datetime(start),
        }
        finished = status in ("COMPLETED", "INVALID")
        if finished:
            session["end_date_time"] = format_datetime(charge.end)
        session["kwh"] = to_json_number(charge.energy)
        session["cdr_token"] = self.cdr_token(charge.token)
        auth_method = auth_method or self.auth_method(charge.token)
        session["auth_method"] = auth_method
        if authorization_reference:
            session["authorization_reference"] = authorization_reference
        session["location_id"] = loc["id"]
        unassigned = status == "RESERVATION" and self._chance(0.3)
        session["evse_uid"] = "#NA" if unassigned else evse["uid"]
        session["connector_id"] = "#NA" if unassigned else charge.connector["id"]
        if self._chance(0.3):
            session["meter_id"] = f"MTR-{self._alnum(10)}"
        session["currency"] = info.currency
        if charge.periods or self._chance(0.5):
            session["charging_periods"] = charge.periods
        if charge.tariff is not None and status in ("ACTIVE", "COMPLETED") and self._chance(0.7):
            result = charge.price
            session["total_cost"] = _money(result.total_cost, info.vat is not None)
        session["status"] = status
        # A CDR comes a minute or more after its session's last update.
        last = charge.end if not finished else charge.end + rnd.randint(1, 59)
        session["last_updated"] = format_datetime(min(max(last, charge.start), now_s))
        return session

    def cdr(
        self,
        *,
        cdr_id: str,
        charge: Charge,
        now: datetime | int,
        session_id: str | None = None,
        auth_method: str | None = None,
        authorization_reference: str | None = None,
    ) -> Json:
        """A CDR for a finished charge; its totals add up its periods and its costs are what
        :func:`ocpi_core.pricing.price_cdr` says under its tariff."""
        rnd = self.generator.random
        now_s = now if isinstance(now, int) else _epoch(now)
        loc, evse, connector = charge.location, charge.evse, charge.connector
        info = country_info(loc["country_code"])
        with_vat = info.vat is not None
        cdr: Json = {
            "country_code": loc["country_code"],
            "party_id": loc["party_id"],
            "id": cdr_id,
            "start_date_time": format_datetime(charge.start),
            "end_date_time": format_datetime(charge.end),
        }
        if session_id:
            cdr["session_id"] = session_id
        cdr["cdr_token"] = self.cdr_token(charge.token)
        cdr["auth_method"] = auth_method or self.auth_method(charge.token)
        if authorization_reference:
            cdr["authorization_reference"] = authorization_reference
        where: Json = {"id": loc["id"]}
        if "name" in loc:
            where["name"] = loc["name"]
        where["address"] = loc["address"][:45]
        where["city"] = loc["city"]
        if "postal_code" in loc:
            where["postal_code"] = loc["postal_code"]
        if "state" in loc:
            where["state"] = loc["state"][:20]
        where["country"] = loc["country"]
        where["coordinates"] = dict(loc["coordinates"])
        where["evse_uid"] = evse["uid"]
        where["evse_id"] = evse["evse_id"]
        where["connector_id"] = connector["id"]
        where["connector_standard"] = connector["standard"]
        where["connector_format"] = connector["format"]
        where["connector_power_type"] = connector["power_type"]
        cdr["cdr_location"] = where
        if self._chance(0.3):
            cdr["meter_id"] = f"MTR-{self._alnum(10)}"
        cdr["currency"] = info.currency
        if charge.tariff is not None and self._chance(0.6):
            cdr["tariffs"] = [_copy(charge.tariff)]
        cdr["charging_periods"] = charge.cdr_periods()
        if self._chance(0.15):
            cdr["signed_data"] = self.signed_data(charge, meter=f"MTR-{self._alnum(10)}")
        result = charge.price
        cdr["total_cost"] = _money(result.total_cost, with_vat)
        priced = _priced_dimensions(charge.tariff)
        for key, money, dimension in (
            ("total_fixed_cost", result.total_fixed_cost, "FLAT"),
            ("total_energy", None, None),
            ("total_energy_cost", result.total_energy_cost, "ENERGY"),
            ("total_time", None, None),
            ("total_time_cost", result.total_time_cost, "TIME"),
            ("total_parking_time", None, None),
            ("total_parking_cost", result.total_parking_cost, "PARKING_TIME"),
            ("total_reservation_cost", result.total_reservation_cost, "RESERVATION"),
        ):
            if key == "total_energy":
                cdr[key] = to_json_number(charge.energy)
            elif key == "total_time":
                cdr[key] = to_json_number(_hours(charge.charging_seconds + charge.parking_seconds))
            elif key == "total_parking_time":
                if charge.parking_seconds or self._chance(0.5):
                    cdr[key] = to_json_number(_hours(charge.parking_seconds))
            elif self._chance(0.85 if dimension in priced else 0.25):
                cdr[key] = _money(money, with_vat)
        if self._chance(0.1):
            cdr["remark"] = rnd.choice(_REMARKS)
        if self._chance(0.2):
            cdr["invoice_reference_id"] = f"INV-{rnd.randint(10**7, 10**8 - 1)}"
        if self._chance(0.2):
            cdr["credit"] = False
        if self._chance(0.1):
            cdr["home_charging_compensation"] = False
        cdr["last_updated"] = format_datetime(min(charge.end + rnd.randint(60, 7200), now_s))
        return cdr

    def credit_cdr(self, original: Mapping[str, Any], *, now: datetime | int) -> Json:
        """A Credit CDR for ``original``: its id with ``-C`` appended, all of its data, and (as
        the spec says: "only the values in the total_cost field") total_cost negated."""
        now_s = now if isinstance(now, int) else _epoch(now)
        credit: Json = _copy({k: v for k, v in original.items() if k != "last_updated"})
        credit["id"] = f"{original['id']}-C"
        credit["total_cost"] = {k: -v if v else v for k, v in original["total_cost"].items()}
        credit["credit"] = True
        credit["credit_reference_id"] = original["id"]
        issued = _parse_epoch(original["last_updated"])
        moment = self._moment(issued, min(now_s, issued + 14 * _DAY))
        credit["last_updated"] = format_datetime(moment)
        return credit

    def signed_data(self, charge: Charge, *, meter: str) -> Json:
        """SignedData in the OCMF shape (signatures are random bytes, not real signatures)."""
        rnd = self.generator.random
        start_reading = Decimal(rnd.randint(1000, 90000)) + Decimal(rnd.randint(0, 999)) / 1000
        values = []
        for nature, moment, reading in (
            ("Start", charge.start, start_reading),
            ("End", charge.end, start_reading + charge.energy),
        ):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S,000+0000", time.gmtime(moment))
            payload = (
                f'OCMF|{{"FV":"1.0","GI":"{charge.location["party_id"]}","GS":"{meter}",'
                f'"PG":"T{rnd.randint(1, 9999)}","RD":[{{"TM":"{stamp} S",'
                f'"RV":{reading.quantize(_Q4)},"RI":"1-b:1.8.0","RU":"kWh","ST":"G"}}]}}'
            )
            signature = base64.b64encode(rnd.getrandbits(512).to_bytes(64, "big")).decode()
            values.append({"nature": nature, "plain_data": payload, "signed_data": signature})
        signed: Json = {"encoding_method": "OCMF"}
        if self._chance(0.5):
            signed["encoding_method_version"] = 1
        key = base64.b64encode(rnd.getrandbits(520).to_bytes(65, "big")).decode()
        signed["public_key"] = key
        signed["signed_values"] = values
        if self._chance(0.3):
            signed["url"] = f"https://transparenz.example.com/verify/{self._hex(16)}"
        return signed


@dataclass(frozen=True)
class Charge:
    """A simulated charging session, before it becomes a Session or a CDR."""

    location: Mapping[str, Any]
    evse: Mapping[str, Any]
    connector: Mapping[str, Any]
    token: Mapping[str, Any]
    tariff: Mapping[str, Any] | None
    start: int
    end: int
    periods: list[Json]
    energy: Decimal
    charging_seconds: int
    parking_seconds: int
    reservation_seconds: int

    def cdr_periods(self) -> list[Json]:
        """The charging periods without the dimensions OCPI allows in Sessions only."""
        return [
            {
                **period,
                "dimensions": [
                    dict(d) for d in period["dimensions"] if d["type"] not in _SESSION_ONLY
                ],
            }
            for period in self.periods
        ]

    @cached_property
    def price(self) -> Any:
        """What :func:`ocpi_core.pricing.price_cdr` says the charge costs until its end."""
        return _price_charge(self)


@dataclass(frozen=True)
class _DimensionChoice:
    power: bool
    current: bool
    average: bool
    soc: bool


def _period(start: int, values: Sequence[tuple[str, Decimal]], tariff_id: str | None) -> Json:
    period: Json = {
        "start_date_time": format_datetime(start),
        "dimensions": [{"type": kind, "volume": to_json_number(v)} for kind, v in values],
    }
    if tariff_id is not None:
        period["tariff_id"] = tariff_id
    return period


def _nominal(connector: Mapping[str, Any]) -> int:
    phases = _PHASES[connector["power_type"]]
    return int(connector["max_voltage"]) * int(connector["max_amperage"]) * phases


def _price_charge(charge: Charge) -> Any:
    # Imported here so that merely generating locations does not load the pricing engine.
    from ocpi_core.pricing import price_cdr

    document = {
        "start_date_time": format_datetime(charge.start),
        "end_date_time": format_datetime(charge.end),
        "currency": country_info(charge.location["country_code"]).currency,
        "charging_periods": charge.cdr_periods(),
    }
    tariffs = [charge.tariff] if charge.tariff is not None else []
    return price_cdr(document, tariffs, time_zone=charge.location["time_zone"])


def _money(money: Any, with_vat: bool) -> Json:
    price: Json = {"excl_vat": to_json_number(money.excl_vat)}
    if with_vat and money.incl_vat is not None:
        price["incl_vat"] = to_json_number(money.incl_vat)
    return price
