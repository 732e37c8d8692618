"""Per-exchange rules: plain functions judging one recorded exchange, shared by the run's checks
and the proxy.

A rule is an :class:`ExchangeRule`: the check id, spec section and level it belongs to (the check
marker reads them from here, so they live in one place), and a function that takes an exchange
and a :class:`RuleContext` and returns a problem sentence, or ``None`` when the exchange keeps the
rule. ``applies`` says whether the rule has anything to judge on the exchange at all, so the proxy
can count passes and tell "passed" from "not seen".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ocpi_core.exchange import Exchange

__all__ = ["ExchangeRule", "Finding", "RuleContext", "Seen", "detail_line"]


@dataclass(frozen=True)
class Seen:
    """What came before an exchange in the same traffic, for the rules that need it: the
    Tariffs and Locations seen so far, the fingerprints of spent tokens (token A after its
    registration, an old token after a credentials PUT), and this request's token fingerprint."""

    tariffs: Sequence[Mapping[str, Any]] = ()
    locations: Sequence[Mapping[str, Any]] = ()
    spent_tokens: frozenset[str] = frozenset()
    token: str | None = None
    versions_fetches: tuple[tuple[str, str], ...] = ()  # (direction, started_at) of versions GETs


@dataclass(frozen=True)
class RuleContext:
    """What a rule needs to know beyond the exchange itself.

    ``version``: the OCPI version of the exchange; ``module``: the OCPI module its URL belongs to
    (``None`` when unknown); ``role``: that endpoint's interface role (SENDER/RECEIVER; ``None``
    in 2.1.1 or when unknown); ``segments``: the URL path below the endpoint;
    ``clock_tolerance``: how far an envelope timestamp may drift; ``seen``: earlier traffic.
    """

    version: str
    module: str | None = None
    role: str | None = None
    segments: tuple[str, ...] = ()
    clock_tolerance: timedelta = timedelta(minutes=5)
    seen: Seen = field(default_factory=Seen)


Judge = Callable[[Exchange, RuleContext], "str | None"]
Applies = Callable[[Exchange, RuleContext], bool]


@dataclass(frozen=True)
class ExchangeRule:
    """One rule of one check, judged on one exchange at a time."""

    check_id: str
    spec: str
    title: str  # what a failure of the check is called, e.g. "Server errors"
    expected: str
    judge: Judge
    applies: Applies
    level: str = "MUST"
    versions: tuple[str, ...] | None = None  # None: every version
    hint: str | None = None
    cites: str | None = None  # the spec text a failure shows, when longer than ``spec``
    on: str = "response"  # what the rule judges: "response" (the server's) or "request"

    @property
    def cited(self) -> str:
        return self.cites or self.spec

    def applies_to(self, exchange: Exchange, context: RuleContext) -> bool:
        """Whether the rule has anything to judge on ``exchange``."""
        if self.versions is not None and context.version not in self.versions:
            return False
        return self.applies(exchange, context)

    def problem(self, exchange: Exchange, context: RuleContext) -> str | None:
        """The problem with ``exchange``, ``None`` when it keeps the rule or the rule does not
        apply to it."""
        if not self.applies_to(exchange, context):
            return None
        return self.judge(exchange, context)


@dataclass(frozen=True)
class Finding:
    """A rule broken by one exchange, as the proxy reports it.

    ``side`` names who broke it: the party that answered (for rules on responses) or the one
    that sent the request (for rules on requests).
    """

    check_id: str
    spec: str
    level: str
    title: str
    expected: str
    problem: str
    exchange: Exchange
    side: str

    @property
    def line(self) -> str:
        return detail_line(self.exchange, self.problem)


def detail_line(exchange: Exchange, problem: str) -> str:
    """How one broken exchange is listed under a failure, in a run and in the proxy alike."""
    return f"{exchange.method} {exchange.url} → {exchange.status}: {problem}"
