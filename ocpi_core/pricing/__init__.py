"""The OCPI tariff engine: what a session costs under its tariff(s), and why.

>>> from ocpi_core.pricing import price_cdr
>>> result = price_cdr(cdr, tariffs, version="2.2.1", time_zone="Europe/Amsterdam")
>>> result.total_cost
Money(excl_vat=Decimal('9.00'), incl_vat=Decimal('10.30'))

Money is Decimal throughout. The semantics, the options and their defaults, and where we differ
from the spec's own worked examples are described in ``docs/pricing.md``.
"""

from __future__ import annotations

from ocpi_core.pricing._checks import (
    Comparison,
    check_cdr_consistency,
    check_tariff_sanity,
    compare_with_cdr,
    unsplit_period_findings,
)
from ocpi_core.pricing._engine import price_cdr, price_session, resolve_time_zone
from ocpi_core.pricing._model import (
    OPTION_CHOICES,
    ROUNDINGS,
    BreakdownLine,
    ComponentSummary,
    Finding,
    Money,
    PriceResult,
    PricingError,
    PricingOptions,
)
from ocpi_core.pricing._parse import load_json, to_decimal, unwrap_list, unwrap_object
from ocpi_core.pricing._render import (
    format_breakdown,
    format_comparison,
    format_findings,
    format_result,
    format_totals,
)
from ocpi_core.pricing._session import SessionDescription, SessionSample

__all__ = [
    "BreakdownLine",
    "Comparison",
    "ComponentSummary",
    "Finding",
    "Money",
    "OPTION_CHOICES",
    "PriceResult",
    "PricingError",
    "PricingOptions",
    "ROUNDINGS",
    "SessionDescription",
    "SessionSample",
    "check_cdr_consistency",
    "check_tariff_sanity",
    "compare_with_cdr",
    "format_breakdown",
    "format_comparison",
    "format_findings",
    "format_result",
    "format_totals",
    "load_json",
    "price_cdr",
    "price_session",
    "resolve_time_zone",
    "to_decimal",
    "unwrap_list",
    "unsplit_period_findings",
    "unwrap_object",
]
