"""Pure helpers of the Faker factories: JSON numbers, OCPI DateTimes, prices excl. and incl.
VAT, one-line texts, sub-seeds, cumulative weights and time zones. No randomness lives here.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.1.1", "2.2.1", "2.3.0")

Json = dict[str, Any]

_Q4 = Decimal("0.0001")

_Q2 = Decimal("0.01")

_Q1 = Decimal("0.1")

_HOUR = Decimal(3600)

_DAY = 86400

# Durations are whole multiples of 9 s, so hours (seconds / 3600) have at most 4 decimals and the
# CDR totals are exact sums of the periods.
_TICK = 9


def to_json_number(value: Decimal | int | float, places: int = 4) -> int | float:
    """A number for JSON: rounded half-up to ``places`` decimals, an int when it is whole."""
    quantized = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if quantized == quantized.to_integral_value():
        return int(quantized)
    return float(quantized)


def format_datetime(moment: datetime | int) -> str:
    """An OCPI DateTime (``YYYY-MM-DDTHH:MM:SSZ``, UTC) from a datetime or epoch seconds."""
    if isinstance(moment, datetime):
        moment = _epoch(moment)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _utc_date(epoch: int) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def price_excl_vat(price_incl_vat: Decimal, vat: Decimal | None) -> Decimal:
    """The excl.-VAT unit price (4 decimals) behind a consumer price such as 0.39 incl. 21 %."""
    if vat is None:
        return price_incl_vat.quantize(_Q4)
    return (price_incl_vat / (1 + vat / 100)).quantize(_Q4, rounding=ROUND_HALF_UP)


def price_component(dimension: str, price: Decimal, step_size: int, vat: Decimal | None) -> Json:
    """A PriceComponent: price per unit excl. VAT with at most 4 decimals, VAT only when given."""
    component: Json = {
        "type": dimension,
        "price": to_json_number(price),
        "step_size": int(step_size),
    }
    if vat is not None:
        component["vat"] = to_json_number(vat, 2)
    return component


def _price(excl_vat: Decimal, vat: Decimal | None) -> Json:
    """A Price object; ``incl_vat`` only where VAT applies."""
    price: Json = {"excl_vat": to_json_number(excl_vat)}
    if vat is not None:
        price["incl_vat"] = to_json_number(excl_vat * (1 + vat / 100), 2)
    return price


def _clean(text: str, limit: int) -> str:
    """``text`` on one line (no control characters), cut to ``limit`` at a word boundary."""
    text = " ".join(text.replace("\n", ", ").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",")
    return cut if cut else text[:limit]


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / _HOUR).quantize(_Q4)


def _scope(seed: int, country_code: str, party_id: str) -> str:
    """What sub-seeds derive from: two parties with one seed still get different data."""
    return f"{seed}/{country_code.upper()}/{party_id.upper()}"


def _subseed(scope: str, kind: str, index: int, attempt: int = 0) -> int:
    digest = hashlib.blake2b(f"{scope}/{kind}/{index}/{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


_WEIGHTS: dict[int, tuple[Mapping[Any, float], tuple[Any, ...], tuple[float, ...]]] = {}


def _weighted(options: Mapping[Any, float]) -> tuple[tuple[Any, ...], tuple[float, ...]]:
    """Keys and cumulative weights of ``options``, remembered for the constant tables."""
    known = _WEIGHTS.get(id(options))
    if known is not None and known[0] is options:
        return known[1], known[2]
    keys = tuple(options)
    total = 0.0
    cumulative = []
    for key in keys:
        total += options[key]
        cumulative.append(total)
    _WEIGHTS[id(options)] = (options, keys, tuple(cumulative))
    return keys, tuple(cumulative)


def _copy(document: Any) -> Any:
    """A deep copy of a JSON document, so no two objects of a data set share a dict."""
    return json.loads(json.dumps(document))


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_day(year: int, month: int, day: int, zone: ZoneInfo) -> Json:
    """An ExceptionalPeriod covering one local calendar day, in UTC."""
    begin = datetime(year, month, day, tzinfo=zone)
    end = begin + timedelta(days=1)
    return {"period_begin": format_datetime(begin), "period_end": format_datetime(end)}


def _parse_epoch(value: str) -> int:
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
