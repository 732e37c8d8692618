"""CDR pricing reconciliation on the traffic: each CDR seen (in a Sender list page, or pushed
to a Receiver) priced by the tariff engine with the Tariffs seen earlier in the same traffic,
and its totals compared (``cdrs.pricing_reconciles``, ``cdrs.pushed_pricing_reconciles``).

The reconciliation itself is the run's (``checks._pricing.reconcile_cdr``, the same tolerance
and wording); only where the Tariffs come from differs: the proxy knows those it has seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.checks._pricing import (
    find_object,
    first_difference,
    location_id,
    owner_of,
    pricing_tolerance,
    reconcile_cdr,
)
from conformance.rules import ExchangeRule, RuleContext
from conformance.rules._read import body_json
from ocpi_core.exchange import Exchange

__all__ = ["PRICING_RECONCILES", "PUSHED_PRICING_RECONCILES", "RULES"]

CDR = "2.2.1 §10.3.1 CDR Object"
TARIFF = "2.2.1 §11.3.1 Tariff Object"
RECONCILE = f"{CDR}; {TARIFF}"
PUSHED = f"2.2.1 §10.1.2 Push model; {TARIFF}"


def _listed_cdrs(exchange: Exchange, context: RuleContext) -> list[Mapping[str, Any]]:
    if exchange.method != "GET" or exchange.status != 200 or context.segments:
        return []
    if context.module != "cdrs" or context.role not in ("SENDER", None):
        return []
    body = body_json(exchange.response_body)
    data = body.get("data") if isinstance(body, dict) else None
    return [c for c in data if isinstance(c, dict)] if isinstance(data, list) else []


def _pushed_cdrs(exchange: Exchange, context: RuleContext) -> list[Mapping[str, Any]]:
    if exchange.method != "POST" or context.module != "cdrs" or context.role != "RECEIVER":
        return []
    if context.segments or exchange.status is None or exchange.status >= 300:
        return []
    body = body_json(exchange.request_body)
    return [body] if isinstance(body, dict) else []


def _location(cdr: Mapping[str, Any], context: RuleContext) -> Mapping[str, Any] | None:
    embedded = cdr.get("location")
    if isinstance(embedded, Mapping):
        return embedded
    where = location_id(cdr)
    return find_object(context.seen.locations, where, owner_of(cdr)) if where else None


def _reconciled(cdrs: list[Mapping[str, Any]], context: RuleContext) -> list[Any]:
    tolerance = pricing_tolerance()
    recs = [
        reconcile_cdr(
            cdr,
            tariffs=list(context.seen.tariffs),
            location=_location(cdr, context),
            version=context.version,
            tolerance=tolerance,
        )
        for cdr in cdrs
    ]
    return [r for r in recs if r.unverifiable is None]


def _rule(check_id: str, spec: str, title: str, cdrs_of: Any, on: str) -> ExchangeRule:
    def applies(exchange: Exchange, context: RuleContext) -> bool:
        cdrs = cdrs_of(exchange, context)
        return bool(cdrs) and bool(_reconciled(cdrs, context))

    def judge(exchange: Exchange, context: RuleContext) -> str | None:
        priced = _reconciled(cdrs_of(exchange, context), context)
        differing = [r for r in priced if r.differs]
        if not differing:
            return None
        return f"{len(differing)} of {len(priced)} CDRs differ; {first_difference(differing[0])}"

    return ExchangeRule(
        check_id=check_id,
        spec=spec,
        title=title,
        expected=f"each total_*_cost within {pricing_tolerance()} of what the CDR's tariffs "
        "give for its charging periods",
        judge=judge,
        applies=applies,
        on=on,
    )


PRICING_RECONCILES = _rule(
    "cdrs.pricing_reconciles",
    RECONCILE,
    "CDR totals differ from what their tariffs give",
    _listed_cdrs,
    "response",
)
PUSHED_PRICING_RECONCILES = _rule(
    "cdrs.pushed_pricing_reconciles",
    PUSHED,
    "CDRs pushed with totals other than their tariffs give",
    _pushed_cdrs,
    "request",
)
RULES: tuple[ExchangeRule, ...] = (PRICING_RECONCILES, PUSHED_PRICING_RECONCILES)
