"""Reading recorded exchanges: headers, JSON bodies, and which module a URL belongs to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from conformance.failures import CheckFailure
from conformance.rules import ExchangeRule, RuleContext, detail_line
from conformance.rules._read import body_json, header
from conformance.rules.transport import CONFIGURATION_MODULES
from conformance.session import Run
from ocpi_core.exchange import Exchange

__all__ = [
    "CONFIGURATION_MODULES",
    "body_json",
    "fail_on",
    "fail_on_rule",
    "rule_context",
    "header",
    "module_of",
    "outgoing",
]

_SHOWN = 10


def outgoing(ocpi: Run) -> list[Exchange]:
    """Every exchange of ours with the target that got a response."""
    return [e for e in ocpi.recorder if e.direction == "outgoing" and e.status is not None]


def module_of(ocpi: Run, url: str) -> str | None:
    """The module a target URL belongs to, from the versions URL and the endpoints listed."""
    path = url.split("?", 1)[0].rstrip("/")
    discovery = ocpi.discovery
    if path == ocpi.config.versions_url.rstrip("/"):
        return "versions"
    if discovery.details_url and path == discovery.details_url.rstrip("/"):
        return "versions"
    best: tuple[int, str | None] = (0, None)
    for endpoint in discovery.endpoints:
        base = str(endpoint.get("url") or "").rstrip("/")
        if base and (path == base or path.startswith(base + "/")) and len(base) > best[0]:
            best = (len(base), endpoint.get("identifier"))
    return best[1]


def fail_on(
    findings: Sequence[tuple[Exchange, str]],
    title: str,
    *,
    expected: str,
    spec: str,
    hint: str | None = None,
) -> None:
    """Raise one failure listing the exchanges that break a rule, if any do."""
    if not findings:
        return
    first_exchange, first_text = findings[0]
    details = [detail_line(e, text) for e, text in findings[:_SHOWN]]
    if len(findings) > _SHOWN:
        details.append(f"… and {len(findings) - _SHOWN} more")
    raise CheckFailure(
        f"{title} ({len(findings)} of the run's exchanges)",
        expected=expected,
        actual=first_text,
        spec=spec,
        hint=hint,
        details=details,
        exchange=first_exchange,
    )


def rule_context(ocpi: Run, exchange: Exchange) -> RuleContext:
    """What a per-exchange rule needs to know about an exchange of the run."""
    return RuleContext(version=ocpi.config.version, module=module_of(ocpi, exchange.url))


def fail_on_rule(ocpi: Run, rule: ExchangeRule, exchanges: Iterable[Exchange]) -> None:
    """Judge every exchange by ``rule``; raise one failure listing those that break it."""
    findings = []
    for exchange in exchanges:
        problem = rule.problem(exchange, rule_context(ocpi, exchange))
        if problem is not None:
            findings.append((exchange, problem))
    fail_on(findings, rule.title, expected=rule.expected, spec=rule.cited, hint=rule.hint)
