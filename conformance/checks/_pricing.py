"""Pricing in the suite: which tariffs and time zone price a target's CDR or Session, our totals
next to its own, and how a mismatch reads.

Pure functions over the target's JSON documents; ``test_pricing.py`` fetches the documents. The
engine (``ocpi_core.pricing``) does the arithmetic; this module only chooses its inputs and
words the outcome.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conformance.crossrules import parse_datetime
from ocpi_core.pricing import (
    Comparison,
    Finding,
    PriceResult,
    PricingError,
    PricingOptions,
    check_cdr_consistency,
    check_tariff_sanity,
    compare_with_cdr,
    format_breakdown,
    price_cdr,
    price_session,
    unsplit_period_findings,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "TOLERANCE_ENV",
    "VAT_COUNTRIES",
    "Reconciliation",
    "TariffChoice",
    "choose_tariffs",
    "consistency_findings",
    "describe",
    "find_object",
    "first_difference",
    "location_id",
    "mismatch_details",
    "owner_of",
    "pricing_tolerance",
    "reconcile_cdr",
    "reconcile_session",
    "render_reconciliation",
    "sanity_findings",
    "time_zone_for",
    "vat_findings",
]

TOLERANCE_ENV = "OCPI_PRICING_TOLERANCE"
DEFAULT_TOLERANCE = Decimal("0.01")
SHOWN = 3  # documents shown in full in a failure
BREAKDOWN_LINES = 12  # of our breakdown table, per document shown

# Countries that levy a value-added tax (VAT, or GST in Australia and New Zealand) on charging:
# the EU, the EEA, Switzerland and the United Kingdom, Australia and New Zealand. Alpha-2 (Tariff
# country_code) to alpha-3 (Location country).
VAT_COUNTRIES: Mapping[str, str] = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "HR": "HRV", "CY": "CYP", "CZ": "CZE", "DK": "DNK",
    "EE": "EST", "FI": "FIN", "FR": "FRA", "DE": "DEU", "GR": "GRC", "HU": "HUN", "IE": "IRL",
    "IT": "ITA", "LV": "LVA", "LT": "LTU", "LU": "LUX", "MT": "MLT", "NL": "NLD", "PL": "POL",
    "PT": "PRT", "RO": "ROU", "SK": "SVK", "SI": "SVN", "ES": "ESP", "SE": "SWE",
    "IS": "ISL", "LI": "LIE", "NO": "NOR", "CH": "CHE", "GB": "GBR",
    "AU": "AUS", "NZ": "NZL",
}  # fmt: skip
_ALPHA2 = {alpha3: alpha2 for alpha2, alpha3 in VAT_COUNTRIES.items()}


def pricing_tolerance(environ: Mapping[str, str] | None = None) -> Decimal:
    """The money tolerance per dimension: ``OCPI_PRICING_TOLERANCE``, default 0.01.

    Raises ValueError naming the variable and the bad value.
    """
    environ = os.environ if environ is None else environ
    text = environ.get(TOLERANCE_ENV, "").strip()
    if not text:
        return DEFAULT_TOLERANCE
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise ValueError(
            f"{TOLERANCE_ENV}: {text!r} is not an amount of 0 or more; "
            f"give a decimal string such as {DEFAULT_TOLERANCE}"
        )
    return value


# ---- references between documents ------------------------------------------------------------


def _ci(value: Any) -> str:
    return str(value).upper() if value is not None else ""


def owner_of(document: Mapping[str, Any]) -> tuple[str, str] | None:
    cc, pid = document.get("country_code"), document.get("party_id")
    return (_ci(cc), _ci(pid)) if cc and pid else None


def describe(document: Mapping[str, Any], kind: str) -> str:
    """``CDR NL/MCK/CDR1`` (or ``CDR CDR1`` when it names no owner)."""
    owner = owner_of(document)
    name = str(document.get("id"))
    return f"{kind} {'/'.join(owner)}/{name}" if owner else f"{kind} {name}"


def find_object(
    objects: Iterable[Mapping[str, Any]], object_id: Any, owner: tuple[str, str] | None = None
) -> Mapping[str, Any] | None:
    """The object with ``object_id`` (CiString), preferring one of ``owner``."""
    matches = [o for o in objects if _ci(o.get("id")) == _ci(object_id)]
    if owner is not None:
        for match in matches:
            if owner_of(match) == owner:
                return match
    return matches[0] if matches else None


def location_id(document: Mapping[str, Any]) -> str | None:
    """The id of the Location a CDR (``cdr_location``; 2.1.1 ``location``) or Session
    (``location_id``; 2.1.1 ``location``) took place at."""
    for key in ("cdr_location", "location"):
        place = document.get(key)
        if isinstance(place, Mapping) and place.get("id") is not None:
            return str(place["id"])
    value = document.get("location_id")
    return str(value) if value is not None else None


def _embedded_zone(document: Mapping[str, Any]) -> str | None:
    for key in ("location", "cdr_location"):
        place = document.get(key)
        if isinstance(place, Mapping) and place.get("time_zone"):
            return str(place["time_zone"])
    return None


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def time_zone_for(
    document: Mapping[str, Any], location: Mapping[str, Any] | None
) -> tuple[str, str | None]:
    """The time zone tariff restrictions are read in, and a note when it is a fallback.

    The document's own (2.1.1 embeds its Location), else the target's Location's, else UTC.
    """
    zone = _embedded_zone(document)
    where = location_id(document)
    if zone is None and location is not None and location.get("time_zone"):
        zone = str(location["time_zone"])
    if zone is not None:
        if _valid_zone(zone):
            return zone, None
        return "UTC", f"time_zone {zone!r} of Location {where} is not an IANA name: read in UTC"
    if where is None:
        reason = "names no Location"
    elif location is None:
        reason = f"Location {where} is not among the target's Locations"
    else:
        reason = f"Location {where} has no time_zone"
    return "UTC", f"{reason}: tariff restrictions read in UTC"


def _unique(values: Iterable[Any]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value is not None and _ci(value) not in seen:
            seen[_ci(value)] = str(value)
    return list(seen.values())


def connector_tariff_ids(
    document: Mapping[str, Any], location: Mapping[str, Any] | None
) -> list[str]:
    """The tariff ids of the connector the document names in ``location`` (every connector of
    the location when it names none, as a 2.1.1 CDR's embedded Location)."""
    if location is None:
        return []
    place = document.get("cdr_location")
    place = place if isinstance(place, Mapping) else {}
    evse_uid = place.get("evse_uid", document.get("evse_uid"))
    connector_id = place.get("connector_id", document.get("connector_id"))
    ids: list[Any] = []
    for evse in location.get("evses") or []:
        if not isinstance(evse, Mapping):
            continue
        if evse_uid is not None and _ci(evse.get("uid")) != _ci(evse_uid):
            continue
        for connector in evse.get("connectors") or []:
            if not isinstance(connector, Mapping):
                continue
            if connector_id is not None and _ci(connector.get("id")) != _ci(connector_id):
                continue
            ids += connector.get("tariff_ids") or [connector.get("tariff_id")]
    return _unique(ids)


@dataclass(frozen=True)
class TariffChoice:
    """The tariff sets to price a document with, tried in order, and where they came from."""

    candidates: tuple[tuple[Mapping[str, Any], ...], ...]
    source: str
    missing: tuple[str, ...] = ()
    from_list: bool = False

    @property
    def problem(self) -> str | None:
        """Why the document cannot be priced, or None."""
        if self.candidates:
            return None
        if self.missing:
            return (
                f"its tariff(s) {', '.join(self.missing)} ({self.source}) are not in the "
                "target's tariffs list"
            )
        return "it embeds no tariffs, its charging periods name none and its connector lists none"


def choose_tariffs(
    document: Mapping[str, Any],
    tariffs: Sequence[Mapping[str, Any]],
    location: Mapping[str, Any] | None,
) -> TariffChoice:
    """The tariffs a CDR embeds; else those of the target's list its charging periods name
    (``tariff_id``); else those its connector lists (each tried alone when there are several,
    since the document does not say which one applied)."""
    embedded = document.get("tariffs")
    if isinstance(embedded, list) and any(isinstance(t, Mapping) for t in embedded):
        found = tuple(t for t in embedded if isinstance(t, Mapping))
        return TariffChoice((found,), "embedded in the CDR")
    periods = document.get("charging_periods")
    periods = periods if isinstance(periods, list) else []
    named = _unique(p.get("tariff_id") for p in periods if isinstance(p, Mapping))
    source = "named by its charging periods"
    if not named:
        named = connector_tariff_ids(document, location)
        source = "listed by its connector"
    owner = owner_of(document)
    looked_up = [(tariff_id, find_object(tariffs, tariff_id, owner)) for tariff_id in named]
    got = tuple(t for _, t in looked_up if t is not None)
    missing = tuple(i for i, t in looked_up if t is None)
    if not got:
        return TariffChoice((), source, missing, True)
    if source == "listed by its connector" and len(got) > 1:
        return TariffChoice(tuple((t,) for t in got), source, missing, True)
    return TariffChoice((got,), source, missing, True)


# ---- reconciliation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """A document's money totals next to ours. ``unverifiable`` says why it was not priced."""

    label: str
    rows: tuple[Comparison, ...] = ()
    result: PriceResult | None = None
    source: str = ""
    notes: tuple[str, ...] = ()
    unverifiable: str | None = None

    @property
    def differs(self) -> bool:
        return self.unverifiable is None and _differs(self.rows)


def _differs(rows: Iterable[Comparison]) -> bool:
    return any(row.ok is False for row in rows)


def _money_rows(
    result: PriceResult, document: Mapping[str, Any], version: str, tolerance: Decimal
) -> tuple[Comparison, ...]:
    rows = compare_with_cdr(result, document, version=version, money_tolerance=tolerance)
    # money rows of the totals the document gives (the quantities are the consistency check's)
    return tuple(row for row in rows if "." in row.field and row.field.split(".")[0] in document)


def _changed_after(tariffs: Iterable[Mapping[str, Any]], document: Mapping[str, Any]) -> list[str]:
    start = parse_datetime(document.get("start_date_time"))
    if start is None:
        return []
    return [
        f"{t.get('id')} (last_updated {t.get('last_updated')})"
        for t in tariffs
        if (moment := parse_datetime(t.get("last_updated"))) is not None and moment > start
    ]


def _reconcile(
    document: Mapping[str, Any],
    label: str,
    choice: TariffChoice,
    location: Mapping[str, Any] | None,
    *,
    version: str,
    tolerance: Decimal,
    compare_to: Mapping[str, Any],
    price: Callable[..., PriceResult],
) -> Reconciliation:
    if choice.problem is not None:
        return Reconciliation(label, source=choice.source, unverifiable=choice.problem)
    zone, zone_note = time_zone_for(document, location)
    notes = [zone_note] if zone_note else []
    if choice.missing:
        notes.append(f"tariff(s) {', '.join(choice.missing)} not in the target's tariffs list")
    tried: list[tuple[tuple[Mapping[str, Any], ...], PriceResult, tuple[Comparison, ...]]] = []
    for tariffs in choice.candidates:
        try:
            result = price(document, list(tariffs), version=version, time_zone=zone)
        except PricingError as exc:
            return Reconciliation(label, source=choice.source, unverifiable=f"unreadable: {exc}")
        rows = _money_rows(result, compare_to, version, tolerance)
        if _differs(rows):
            # other calculators price a period wholly as at its start; accept that reading too
            # (the unsplit period is cdrs.internally_consistent's finding)
            try:
                whole = price(
                    document,
                    list(tariffs),
                    version=version,
                    time_zone=zone,
                    options=PricingOptions(split_periods=False),
                )
            except PricingError:
                whole = None
            if whole is not None:
                whole_rows = _money_rows(whole, compare_to, version, tolerance)
                if not _differs(whole_rows):
                    notes.append(
                        "its totals are those of pricing each charging period wholly as at its "
                        "start: a period spans a price change it should have been split at "
                        "(see cdrs.internally_consistent)"
                    )
                    result, rows = whole, whole_rows
        tried.append((tariffs, result, rows))
        if not _differs(rows):
            break
    tariffs, result, rows = next((t for t in tried if not _differs(t[2])), tried[0])
    ids = ", ".join(str(t.get("id")) for t in tariffs)
    source = f"{ids} ({choice.source})"
    if len(choice.candidates) > 1:
        outcome = "none gives its totals; the first is shown" if _differs(rows) else f"{ids} does"
        notes.append(
            f"the document names no tariff and its connector lists {len(choice.candidates)}: "
            f"each was tried, {outcome}"
        )
    notes += result.notes
    changed = _changed_after(tariffs, document) if choice.from_list else []
    # a mismatch we may have caused by pricing with other tariffs than the target did
    if _differs(rows) and (changed or choice.missing):
        why = (
            f"its tariff changed after the session began: {', '.join(changed)}"
            if changed
            else f"its tariff(s) {', '.join(choice.missing)} are not in the target's tariffs list"
        )
        return Reconciliation(
            label,
            rows,
            result,
            source,
            tuple(notes),
            unverifiable=f"{why}; it does not embed the tariff it was priced with",
        )
    return Reconciliation(label, rows, result, source, tuple(notes))


def reconcile_cdr(
    cdr: Mapping[str, Any],
    *,
    tariffs: Sequence[Mapping[str, Any]],
    location: Mapping[str, Any] | None,
    version: str,
    tolerance: Decimal,
) -> Reconciliation:
    """The CDR's money totals next to what its tariffs give for its charging periods."""
    choice = choose_tariffs(cdr, tariffs, location)
    return _reconcile(
        cdr,
        describe(cdr, "CDR"),
        choice,
        location,
        version=version,
        tolerance=tolerance,
        compare_to=cdr,
        price=price_cdr,
    )


def reconcile_session(
    session: Mapping[str, Any],
    *,
    tariffs: Sequence[Mapping[str, Any]],
    location: Mapping[str, Any] | None,
    version: str,
    tolerance: Decimal,
) -> Reconciliation | None:
    """The Session's ``total_cost`` next to what its tariff gives so far; None without one."""
    if session.get("total_cost") is None:
        return None
    label = describe(session, "Session")
    if not session.get("charging_periods"):
        return Reconciliation(label, unverifiable="it has no charging periods to price")
    return _reconcile(
        session,
        label,
        choose_tariffs(session, tariffs, location),
        location,
        version=version,
        tolerance=tolerance,
        compare_to={"total_cost": session["total_cost"]},
        price=price_session,
    )


# ---- how a mismatch reads --------------------------------------------------------------------


def _amount(value: Decimal | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        value = value.quantize(Decimal("0.0001"))
    text = format(value, "f")
    return f"+{text}" if sign and value > 0 else text


def _pair(rows: Sequence[Comparison], pick: str) -> str:
    values = []
    for row in rows:
        value = {"theirs": row.theirs, "ours": row.ours, "diff": row.difference}[pick]
        values.append(_amount(value, sign=pick == "diff"))
    return " / ".join(values)


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def render_reconciliation(rec: Reconciliation, theirs: str = "CDR says") -> str:
    """Title line, the side-by-side table (excl. / incl. VAT per dimension), our breakdown and
    notes."""
    zone = rec.result.time_zone if rec.result is not None else "-"
    currency = rec.result.currency if rec.result is not None else ""
    lines = [f"{rec.label} ({currency}; tariff {rec.source}; restrictions read in {zone})"]
    by_dimension: dict[str, list[Comparison]] = {}
    for row in rec.rows:
        by_dimension.setdefault(row.field.split(".")[0], []).append(row)
    table = [["dimension", theirs, "we compute", "difference", ""]]
    for dimension, rows in by_dimension.items():
        if dimension != "total_cost" and all(row.theirs is None for row in rows):
            continue
        verdict = "DIFFERS" if any(row.ok is False for row in rows) else ""
        table.append(
            [dimension, _pair(rows, "theirs"), _pair(rows, "ours"), _pair(rows, "diff"), verdict]
        )
    lines += ["  " + line for line in _columns(table)]
    if rec.result is not None:
        breakdown = format_breakdown(rec.result, why=False).splitlines()
        if len(breakdown) > BREAKDOWN_LINES:
            more = len(breakdown) - BREAKDOWN_LINES
            breakdown = [*breakdown[:BREAKDOWN_LINES], f"… ({more} more lines)"]
        lines += ["  our breakdown:", *("    " + line for line in breakdown)]
    lines += [f"  note: {note}" for note in rec.notes]
    return "\n".join(lines)


def mismatch_details(
    recs: Sequence[Reconciliation], theirs: str = "CDR says", shown: int = SHOWN
) -> list[str]:
    """The first ``shown`` differing documents in full, a count of the rest, and what could not
    be priced."""
    differing = [r for r in recs if r.differs]
    details = [render_reconciliation(r, theirs) for r in differing[:shown]]
    rest = differing[shown:]
    if rest:
        names = ", ".join(r.label for r in rest[:10]) + (", …" if len(rest) > 10 else "")
        details.append(f"… and {len(rest)} more that differ: {names}")
    skipped = [r for r in recs if r.unverifiable]
    if skipped:
        details.append(f"not priced ({len(skipped)}):")
        details += [f"  {r.label}: {r.unverifiable}" for r in skipped[:shown]]
        if len(skipped) > shown:
            details.append(f"  … and {len(skipped) - shown} more")
    return details


def first_difference(rec: Reconciliation, theirs: str = "CDR says") -> str:
    row = next(row for row in rec.rows if row.ok is False)
    return (
        f"{rec.label} {row.field}: {theirs} {_amount(row.theirs)}, we compute {_amount(row.ours)}"
    )


# ---- internal consistency and tariff sanity --------------------------------------------------


def consistency_findings(
    cdr: Mapping[str, Any],
    choice: TariffChoice,
    version: str,
    location: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Where the CDR contradicts itself or its tariffs' currency (the engine's rules), and its
    charging periods inside which another price component becomes active.

    A tariff_id the target's list lacks is not a contradiction within the CDR, so it is left
    out when the tariffs came from the list; so is the currency when the connector offers
    several tariffs and the CDR does not say which. Unsplit periods are looked for only with the
    one tariff set that applies and the Location's own time zone (a guessed zone would move
    every time-of-day boundary).
    """
    tariffs = choice.candidates[0] if len(choice.candidates) == 1 else ()
    findings = check_cdr_consistency(cdr, tariffs, version=version)
    if choice.from_list:
        findings = [f for f in findings if f.code != "cdr.unknown_tariff_id"]
    zone, zone_note = time_zone_for(cdr, location)
    if len(choice.candidates) == 1 and zone_note is None:
        findings += unsplit_period_findings(cdr, list(tariffs), version=version, time_zone=zone)
    return findings


def tariff_countries(tariff: Mapping[str, Any], locations: Iterable[Mapping[str, Any]]) -> set[str]:
    """Alpha-2 codes of the VAT countries a tariff is used in: those of the Locations whose
    connectors list it, else the tariff owner's country."""
    owner = owner_of(tariff)
    used: set[str] = set()
    referenced = False
    for location in locations:
        if owner is not None and owner_of(location) not in (owner, None):
            continue
        if any(_ci(i) == _ci(tariff.get("id")) for i in connector_tariff_ids({}, location)):
            referenced = True
            country = _ALPHA2.get(_ci(location.get("country")))
            if country:
                used.add(country)
    if not referenced and _ci(tariff.get("country_code")) in VAT_COUNTRIES:
        used.add(_ci(tariff.get("country_code")))
    return used


def _listed(value: Any) -> list[Any]:
    """A JSON array as it is; anything else (the engine reports it) as empty."""
    return value if isinstance(value, list) else []


def vat_findings(tariff: Mapping[str, Any], countries: set[str], version: str) -> list[Finding]:
    """A warning when a tariff used in a VAT country says no VAT applies to a priced component
    (``vat`` omitted; 2.3.0 also ``tax_included: N/A``). 2.1.1 has no VAT field."""
    if version == "2.1.1" or not countries:
        return []
    where = ", ".join(sorted(countries))
    if version == "2.3.0" and tariff.get("tax_included") == "N/A":
        return [
            Finding(
                "tariff.vat_missing",
                f"tax_included is N/A (no taxes apply) but the tariff is used in {where}, "
                "which levies VAT",
                "$.tax_included",
                "warning",
            )
        ]
    paths = []
    for i, element in enumerate(_listed(tariff.get("elements"))):
        if not isinstance(element, Mapping):
            continue
        for j, component in enumerate(_listed(element.get("price_components"))):
            if not isinstance(component, Mapping) or component.get("vat") is not None:
                continue
            price = component.get("price")
            if isinstance(price, int | float | Decimal) and price == 0:
                continue
            paths.append(f"elements[{i}].price_components[{j}]")
    if not paths:
        return []
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return [
        Finding(
            "tariff.vat_missing",
            f"no vat on {shown}: omitted vat means no VAT applies, but the tariff is used in "
            f"{where}, which levies VAT (give the rate, or 0 where it is 0 %)",
            "$.elements",
            "warning",
        )
    ]


def sanity_findings(
    tariff: Mapping[str, Any], *, version: str, locations: Iterable[Mapping[str, Any]] = ()
) -> list[Finding]:
    """The engine's tariff sanity findings plus our VAT rule."""
    findings = check_tariff_sanity(tariff, version=version)
    return findings + vat_findings(tariff, tariff_countries(tariff, locations), version)
