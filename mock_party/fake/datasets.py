"""Data sets: objects one at a time for large volumes (:func:`iter_locations`, …) and the
consistent set of one party (:func:`generate_dataset`) in which connectors reference the tariffs
and sessions and CDRs the locations, tokens and tariffs; each object from its own sub-seed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from faker import Faker

from mock_party.fake.countries import locale_for
from mock_party.fake.helpers import (
    _DAY,
    SUPPORTED_VERSIONS,
    Json,
    _clean,
    _epoch,
    _scope,
    _subseed,
)
from mock_party.fake.provider import OcpiProvider, make_faker
from mock_party.fake.sessions import Charge
from mock_party.fake.tariffs import _restricts


@dataclass(frozen=True)
class Dataset:
    """A consistent OCPI data set of one party: JSON-ready dicts in id order (``LOC000001``, …)."""

    locations: tuple[Json, ...]
    tariffs: tuple[Json, ...]
    tokens: tuple[Json, ...]
    sessions: tuple[Json, ...]
    cdrs: tuple[Json, ...]
    seed: int = 0
    version: str = "2.2.1"

    def module(self, name: str) -> tuple[Json, ...]:
        """The objects of an OCPI module (``locations``, ``tariffs``, ``tokens``, ``sessions``,
        ``cdrs``)."""
        if name not in _MODULES:
            raise ValueError(f"no objects for module {name!r}; use one of {', '.join(_MODULES)}")
        objects: tuple[Json, ...] = getattr(self, name)
        return objects


_MODULES = ("locations", "tariffs", "tokens", "sessions", "cdrs")

# The first objects of a data set cover every token type and whitelist, and every session status.
_TOKEN_PLAN: tuple[tuple[str, str, bool], ...] = (
    ("RFID", "ALLOWED", True),
    ("APP_USER", "NEVER", True),
    ("AD_HOC_USER", "NEVER", True),
    ("OTHER", "ALWAYS", True),
    ("RFID", "ALLOWED_OFFLINE", True),
    ("RFID", "ALLOWED", False),
)

_CREDIT_AT = 3  # the fourth CDR credits the third, so small data sets have a credit CDR too

_SESSION_PLAN = ("COMPLETED", "ACTIVE", "COMPLETED", "PENDING", "RESERVATION", "INVALID")

_SESSION_WEIGHTS = {"COMPLETED": 60, "ACTIVE": 20, "PENDING": 5, "RESERVATION": 7, "INVALID": 8}

_UNUSABLE = frozenset({"PLANNED", "REMOVED"})


def _ocpi(fake: Faker) -> OcpiProvider:
    for provider in fake.get_providers():
        if isinstance(provider, OcpiProvider):
            return provider
    raise ValueError("this Faker has no OcpiProvider; build it with make_faker()")


def _start(
    seed: int, country_code: str, now: datetime, fake: Faker | None
) -> tuple[Faker, OcpiProvider, int]:
    fake = fake or make_faker(seed, locale_for(country_code))
    return fake, _ocpi(fake), _epoch(now)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")


def _brand(fake: Faker, scope: str, role: str) -> str:
    fake.seed_instance(_subseed(scope, role, 0))
    return _clean(fake.company(), 64)


def iter_tariffs(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    count: int = 5,
    fake: Faker | None = None,
) -> Iterator[Json]:
    """Tariffs ``T001-ENERGY``, … : the first is a plain energy tariff, the next ones walk
    through every kind (time of day, power, current, kWh, duration, promotion, reservation,
    time, ad hoc, charging profile, free) from a seed-dependent starting point."""
    _check_counts(count=count)
    fake, ocpi, now_s = _start(seed, country_code, now, fake)
    scope = _scope(seed, country_code, party_id)
    kinds = tuple(ocpi.tariff_kinds)
    offset = _subseed(scope, "tariff-kinds", 0) % (len(kinds) - 1)
    for i in range(count):
        kind = "energy" if i == 0 else kinds[1 + (i - 1 + offset) % (len(kinds) - 1)]
        fake.seed_instance(_subseed(scope, "tariff", i))
        tariff_id = f"T{i + 1:03d}-{kind.upper().replace('_', '-')}"
        yield ocpi.tariff(
            tariff_id=tariff_id, now=now_s, country_code=country_code, party_id=party_id, kind=kind
        )


def iter_tokens(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    count: int = 20,
    fake: Faker | None = None,
) -> Iterator[Json]:
    """Tokens of every type and whitelist, most valid, some not (blocked or expired)."""
    _check_counts(count=count)
    fake, ocpi, now_s = _start(seed, country_code, now, fake)
    scope = _scope(seed, country_code, party_id)
    issuer = _brand(fake, scope, "emsp")
    seen: set[tuple[str, str]] = set()
    for i in range(count):
        for attempt in range(100):
            fake.seed_instance(_subseed(scope, "token", i, attempt))
            planned = _TOKEN_PLAN[i] if i < len(_TOKEN_PLAN) else (None, None, None)
            token = ocpi.token(
                now=now_s,
                country_code=country_code,
                party_id=party_id,
                token_type=planned[0],
                whitelist=planned[1],
                valid=planned[2],
                issuer=issuer if ocpi._chance(0.8) else None,
            )
            key = (token["uid"].upper(), token["type"])
            if key not in seen:
                break
        seen.add(key)
        yield token


def iter_locations(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    count: int = 20,
    tariffs: Sequence[Mapping[str, Any]] = (),
    tokens: Sequence[Mapping[str, Any]] = (),
    fake: Faker | None = None,
) -> Iterator[Json]:
    """Locations ``LOC000001``, … one at a time (for large volumes).

    With the same ``tariffs`` and ``tokens`` they are the locations of :func:`generate_dataset`.
    ``fake`` (from :func:`make_faker`, for the country's locale) saves building a Faker; it is
    reseeded for every object.
    """
    _check_counts(count=count)
    fake, ocpi, now_s = _start(seed, country_code, now, fake)
    scope = _scope(seed, country_code, party_id)
    name = _brand(fake, scope, "cpo")
    operator = ocpi.business_details(name, logo=True)
    for i in range(count):
        fake.seed_instance(_subseed(scope, "location", i))
        yield ocpi.location(
            location_id=f"LOC{i + 1:06d}",
            now=now_s,
            country_code=country_code,
            party_id=party_id,
            station=i + 1,
            tariffs=tariffs,
            tokens=tokens,
            operator=operator,
        )


@dataclass
class _Places:
    """Where sessions can happen: connectors of EVSEs in service that have an evse_id."""

    priced: list[tuple[Json, Json, Json]] = field(default_factory=list)
    unpriced: list[tuple[Json, Json, Json]] = field(default_factory=list)

    @classmethod
    def of(cls, locations: Sequence[Json]) -> _Places:
        places = cls()
        for loc in locations:
            for evse in loc.get("evses") or ():
                if evse["status"] in _UNUSABLE or "evse_id" not in evse:
                    continue
                for connector in evse["connectors"]:
                    target = places.priced if connector.get("tariff_ids") else places.unpriced
                    target.append((loc, evse, connector))
        return places

    def pick(self, rnd: Any) -> tuple[Json, Json, Json]:
        pool = self.priced if self.priced and (not self.unpriced or rnd.random() < 0.97) else None
        return rnd.choice(pool or self.unpriced)


def _session_tariff(
    connector: Mapping[str, Any], token: Mapping[str, Any], by_id: Mapping[str, Json]
) -> Json | None:
    """The tariff a session is charged under: ad hoc for ad hoc users, the token's profile when
    the connector offers it, else the regular one."""
    candidates = [by_id[i] for i in connector.get("tariff_ids") or () if i in by_id]
    if not candidates:
        return None
    by_type = {t.get("type"): t for t in candidates}
    if token["type"] == "AD_HOC_USER" and "AD_HOC_PAYMENT" in by_type:
        return by_type["AD_HOC_PAYMENT"]
    profile = token.get("default_profile_type")
    if profile and f"PROFILE_{profile}" in by_type:
        return by_type[f"PROFILE_{profile}"]
    regular = [t for t in candidates if t.get("type", "REGULAR") == "REGULAR"]
    return regular[0] if regular else candidates[0]


@dataclass
class _Sessions:
    """Draws charges for sessions and CDRs from one data set's locations, tokens and tariffs."""

    ocpi: OcpiProvider
    now: int
    places: _Places
    tokens: list[Json]
    tariffs: dict[str, Json]
    country_code: str
    party_id: str

    def _token(self) -> Json:
        rnd = self.ocpi.generator.random
        valid = [t for t in self.tokens if t["valid"]] or self.tokens
        if valid:
            return rnd.choice(valid)
        return self.ocpi.token(
            now=self.now, country_code=self.country_code, party_id=self.party_id, valid=True
        )

    def charge(self, status: str) -> tuple[Charge, str, str | None]:
        """A charge in ``status``, with its auth method and authorization reference."""
        ocpi, rnd, now = self.ocpi, self.ocpi.generator.random, self.now
        loc, evse, connector = self.places.pick(rnd)
        token = self._token()
        tariff = _session_tariff(connector, token, self.tariffs)
        reservable = _restricts(tariff, ("reservation",)) and "RESERVABLE" in evse.get(
            "capabilities", ()
        )
        common = {"location": loc, "evse": evse, "connector": connector, "token": token}
        if status in ("COMPLETED", "INVALID"):
            start = now - rnd.randint(_DAY, 60 * _DAY)
            charge = ocpi.charge(
                **common,
                tariff=tariff,
                start=start,
                reservation=reservable and ocpi._chance(0.7),
                charging=status == "COMPLETED",
            )
        elif status == "ACTIVE":
            start = now - rnd.randint(600, 3 * 3600)
            until = now - rnd.randint(0, 60)
            charge = ocpi.charge(**common, tariff=tariff, start=start, until=until)
        elif status == "RESERVATION":
            start = now - rnd.randint(60, 1200)
            charge = ocpi.charge(
                **common, tariff=tariff, start=start, until=now, reservation=True, charging=False
            )
        else:  # PENDING: authorized, nothing measured yet
            start = now - rnd.randint(10, 300)
            charge = ocpi.charge(**common, tariff=tariff, start=start, until=start)
        method = ocpi.auth_method(token)
        reference = None
        if method != "WHITELIST" and ocpi._chance(0.8):
            reference = ocpi._alnum(rnd.randint(8, 36))
        return charge, method, reference


def generate_dataset(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    locations: int = 20,
    tariffs: int = 5,
    tokens: int = 20,
    sessions: int = 10,
    cdrs: int = 10,
    version: str = "2.2.1",
) -> Dataset:
    """A consistent data set: connectors reference the tariffs, sessions and CDRs the locations,
    EVSEs, connectors, tokens and tariffs, every CDR of a completed session names it, and all
    ``last_updated`` values lie before ``now``.

    The same arguments give byte-identical ``json.dumps(..., sort_keys=True)`` output. Other
    versions than 2.2.1 get the 2.2.1 data set in their shape (``mock_party.shapes``).
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(
            f"no fake data for OCPI {version!r}; use one of {', '.join(SUPPORTED_VERSIONS)}"
        )
    _check_counts(locations=locations, tariffs=tariffs, tokens=tokens, sessions=sessions, cdrs=cdrs)
    country_code, party_id = country_code.upper(), party_id.upper()
    fake = make_faker(seed, locale_for(country_code))
    common: dict[str, Any] = {
        "seed": seed, "now": now, "country_code": country_code, "party_id": party_id, "fake": fake,
    }  # fmt: skip
    tariff_list = tuple(iter_tariffs(**common, count=tariffs))
    token_list = tuple(iter_tokens(**common, count=tokens))
    with _cyclic_gc_paused(locations >= 1000):
        location_list = tuple(
            iter_locations(**common, count=locations, tariffs=tariff_list, tokens=token_list)
        )
    places = _Places.of(location_list)
    if (sessions or cdrs) and not (places.priced or places.unpriced):
        raise ValueError(
            "sessions and CDRs need at least one location with an EVSE in service; "
            "raise the number of locations"
        )
    ocpi, now_s = _ocpi(fake), _epoch(now)
    scope = _scope(seed, country_code, party_id)
    draw = _Sessions(
        ocpi=ocpi,
        now=now_s,
        places=places,
        tokens=list(token_list),
        tariffs={t["id"]: t for t in tariff_list},
        country_code=country_code,
        party_id=party_id,
    )
    session_list: list[Json] = []
    finished: list[tuple[Json, Charge, str, str | None]] = []
    ids: set[str] = set()
    for i in range(sessions):
        fake.seed_instance(_subseed(scope, "session", i))
        status = _SESSION_PLAN[i] if i < len(_SESSION_PLAN) else ocpi._pick(_SESSION_WEIGHTS)
        charge, method, reference = draw.charge(status)
        session_id = _unique(lambda: str(fake.uuid4()), ids)
        session = ocpi.session(
            session_id=session_id,
            charge=charge,
            status=status,
            now=now_s,
            auth_method=method,
            authorization_reference=reference,
        )
        session_list.append(session)
        if status == "COMPLETED":
            finished.append((session, charge, method, reference))

    cdr_list: list[Json] = []
    credited: set[str] = set()
    for j in range(cdrs):
        fake.seed_instance(_subseed(scope, "cdr", j))
        last = cdr_list[-1] if cdr_list else None
        wanted = j == _CREDIT_AT or ocpi._chance(0.04)
        if wanted and last and not last.get("credit") and last["id"] not in credited:
            credited.add(last["id"])
            cdr_list.append(ocpi.credit_cdr(last, now=now_s))
            continue
        if finished:
            session, charge, method, reference = finished.pop(0)
            session_id: str | None = session["id"]
        else:
            charge, method, reference = draw.charge("COMPLETED")
            session_id = str(fake.uuid4()) if ocpi._chance(0.9) else None
        cdr_id = _unique(lambda: f"CDR{fake.hexify('^' * 12, upper=True)}", ids)
        cdr_list.append(
            ocpi.cdr(
                cdr_id=cdr_id,
                charge=charge,
                now=now_s,
                session_id=session_id,
                auth_method=method,
                authorization_reference=reference,
            )
        )
    dataset = Dataset(
        locations=location_list,
        tariffs=tariff_list,
        tokens=token_list,
        sessions=tuple(session_list),
        cdrs=tuple(cdr_list),
        seed=seed,
    )
    return dataset if version == "2.2.1" else dataset_in(dataset, version)


def dataset_in(dataset: Dataset, version: str) -> Dataset:
    """A 2.2.1 data set in the shape of ``version`` (see ``mock_party.shapes.to_version``)."""
    from mock_party.shapes import to_version

    by_id = {
        (module, str(o["id"]).upper()): o
        for module in ("locations", "tariffs")
        for o in getattr(dataset, module)
    }

    def lookup(module: str, object_id: str) -> Json | None:
        return by_id.get((module, object_id.upper()))

    shaped = {
        module: tuple(to_version(module, o, version, lookup) for o in getattr(dataset, module))
        for module in _MODULES
    }
    return Dataset(**shaped, seed=dataset.seed, version=version)


@contextmanager
def _cyclic_gc_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large data set is built.

    The objects are plain, acyclic JSON, so the collector frees nothing here; it only walks the
    ever larger heap again and again (about a third of the time for 10,000 locations).
    """
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


def _unique(make: Any, seen: set[str]) -> str:
    for _ in range(100):
        value = make()
        if value not in seen:
            seen.add(value)
            return str(value)
    raise RuntimeError("could not draw a unique id")  # pragma: no cover
