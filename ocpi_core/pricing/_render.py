"""Pricing results as plain-text tables, for the ``price`` command and for check failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ocpi_core.pricing._checks import Comparison
from ocpi_core.pricing._model import KINDS, BreakdownLine, Finding, PriceResult, format_decimal

__all__ = [
    "format_breakdown",
    "format_comparison",
    "format_findings",
    "format_result",
    "format_totals",
]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _clock(hours: Decimal) -> str:
    """Hours as ``H:MM:SS`` (fractions of a second rounded)."""
    seconds = int((hours * 3600).to_integral_value())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _quantity(line: BreakdownLine, value: Decimal) -> str:
    if line.unit == "h":
        return _clock(value)
    if line.unit == "kWh":
        return f"{format_decimal(value, 4)} kWh"
    return format_decimal(value, 4)


def _money(value: Decimal | None, places: int = 4) -> str:
    """An amount as given (``2.50`` stays ``2.50``), cut to ``places`` decimals when longer."""
    if value is None:
        return "-"
    if value.as_tuple().exponent < -places:  # type: ignore[operator]
        return format_decimal(value, places)
    return format(value, "f")


def _local(moment: datetime, zone: str) -> str:
    try:
        return moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")
    except (ValueError, KeyError):
        return moment.strftime("%Y-%m-%d %H:%MZ")


def format_breakdown(result: PriceResult, *, why: bool = True) -> str:
    """The breakdown lines as a table; with ``why``, each line's reason below it."""
    headers = ["#", "period", "local start", "kind", "dimension", "applied", "price",
               "volume", "billed", "excl", "incl"]  # fmt: skip
    rows = []
    for n, line in enumerate(result.breakdown, 1):
        applied = (
            f"{line.tariff_id} {line.component_path}"
            if line.element_index is not None
            else (line.tariff_id or "-") + (" (limit)" if line.kind == "limit" else " (none)")
        )
        rows.append(
            [
                str(n),
                "-" if line.period_index is None else str(line.period_index),
                _local(line.start, result.time_zone),
                line.kind,
                line.dimension,
                applied,
                _money(line.price),
                _quantity(line, line.volume),
                _quantity(line, line.billed_volume),
                _money(line.cost.excl_vat),
                _money(line.cost.incl_vat),
            ]
        )
    table = _table(headers, rows, right={0, 1, 6, 7, 8, 9, 10})
    if not why:
        return "\n".join(table)
    out = table[:2]
    for n, line in enumerate(result.breakdown):
        out.append(table[n + 2])
        out.append(f"    why: {line.why}")
    return "\n".join(out)


def format_totals(result: PriceResult) -> str:
    rows = [
        [kind, _money(result.cost_of(kind).excl_vat, 10), _money(result.cost_of(kind).incl_vat, 10)]
        for kind in KINDS
    ]
    rows.append(
        ["total", _money(result.total_cost.excl_vat, 10), _money(result.total_cost.incl_vat, 10)]
    )
    excl, incl = ("excl. VAT", "incl. VAT")
    if result.version == "2.3.0":
        excl, incl = ("before taxes", "after taxes")
    return "\n".join(_table([f"cost ({result.currency})", excl, incl], rows, right={1, 2}))


def format_result(result: PriceResult, *, why: bool = True) -> str:
    """Header, breakdown, totals, quantities and notes: what ``price`` prints."""
    parts = [
        f"OCPI {result.version} pricing in {result.currency or '?'}; tariff restrictions read "
        f"in {result.time_zone}",
        "",
        format_breakdown(result, why=why),
        "",
        format_totals(result),
        "",
        f"used: {format_decimal(result.total_energy, 4)} kWh; time {_clock(result.total_time)} "
        f"(parking {_clock(result.total_parking_time)}); reservation "
        f"{_clock(result.total_reservation_time)}",
    ]
    if result.notes:
        parts += ["", "notes:", *(f"  - {note}" for note in result.notes)]
    return "\n".join(parts)


def format_comparison(rows: Sequence[Comparison]) -> str:
    """Our figures next to the target's, with the difference and a verdict per row."""
    verdict = {True: "ok", False: "DIFFERS", None: "-"}
    table = [
        [
            row.field,
            _money(row.ours, 10),
            _money(row.theirs, 10),
            _money(row.difference, 10),
            verdict[row.ok],
        ]
        for row in rows
    ]
    return "\n".join(
        _table(["field", "ours", "theirs", "theirs - ours", ""], table, right={1, 2, 3})
    )


def format_findings(findings: Sequence[Finding]) -> str:
    return "\n".join(f"  {f.level:7} {f.code}: {f}" for f in findings)
