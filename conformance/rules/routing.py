"""Routing headers on the requests a party sends (2.2.1 §4.1.8): none on configuration
modules (``client.config_modules_unrouted``), all four on functional modules between two parties
(``client.routing_headers``). The judging is ``conformance.routing.routing_problems``, the one
owner of the spec's routing table, shared with the checks and the mock hub.
"""

from __future__ import annotations

from conformance.routing import CONFIGURATION_MODULES, routing_problems
from conformance.rules import ExchangeRule, RuleContext
from ocpi_core.exchange import Exchange
from ocpi_core.versions import SINCE_2_2

__all__ = ["REQUEST_ROUTED", "REQUEST_UNROUTED", "RULES"]

ROUTING = "2.2.1 §4.1.8.2 Message Routing Headers"
DIRECT = "2.2.1 §4.1.8.6.1 Party to Party (without Hub)"


def _configuration(exchange: Exchange, context: RuleContext) -> bool:
    return context.module in CONFIGURATION_MODULES


def _functional(exchange: Exchange, context: RuleContext) -> bool:
    return context.module is not None and context.module not in CONFIGURATION_MODULES


def _problems(exchange: Exchange, context: RuleContext) -> str | None:
    problems = routing_problems(context.module, exchange.request_headers)
    return "; ".join(problems) if problems else None


REQUEST_UNROUTED = ExchangeRule(
    check_id="client.config_modules_unrouted",
    spec=ROUTING,
    title="Configuration-module requests with routing headers",
    expected="no OCPI-to-*/OCPI-from-* headers on versions, credentials, hubclientinfo",
    judge=_problems,
    applies=_configuration,
    versions=SINCE_2_2,
    on="request",
)
REQUEST_ROUTED = ExchangeRule(
    check_id="client.routing_headers",
    spec=DIRECT,
    title="Functional-module requests without routing headers",
    expected="OCPI-from-* naming the sender, OCPI-to-* naming the receiver",
    judge=_problems,
    applies=_functional,
    level="SHOULD",
    versions=SINCE_2_2,
    on="request",
)
RULES: tuple[ExchangeRule, ...] = (REQUEST_UNROUTED, REQUEST_ROUTED)
