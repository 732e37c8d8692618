"""The token lifecycle seen in traffic (2.2.1 §7.2.2, §7.2.3): a token spent by a successful
credentials POST (token A) or replaced by a PUT must not open any module afterwards
(``credentials.token_a.revoked``). The party that still accepts it broke the rule. And the
handshake's order: the receiver of a credentials POST reads the sender's versions before it
answers (``credentials.post.fetched_our_versions``).
"""

from __future__ import annotations

from conformance.rules import ExchangeRule, RuleContext
from conformance.rules._read import body_json
from ocpi_core.exchange import Exchange
from ocpi_core.versions import SINCE_2_2

__all__ = ["FETCHED_VERSIONS", "RULES", "SPENT_TOKEN_REFUSED", "spends_token"]

REGISTRATION = "2.2.1 §7.1.1 Registration"


def spends_token(exchange: Exchange, module: str | None) -> bool:
    """Whether ``exchange`` is a successful credentials POST or PUT: the token it was sent with
    is spent from then on."""
    if module != "credentials" or exchange.method not in ("POST", "PUT"):
        return False
    body = body_json(exchange.response_body)
    code = body.get("status_code") if isinstance(body, dict) else None
    return exchange.status == 200 and code == 1000


def _uses_spent(exchange: Exchange, context: RuleContext) -> bool:
    token = context.seen.token
    return exchange.status is not None and token is not None and token in context.seen.spent_tokens


def _accepted(exchange: Exchange, context: RuleContext) -> str | None:
    if exchange.status in (401, 403) or (exchange.status or 0) >= 400:
        return None
    return f"a spent token was accepted: HTTP {exchange.status}"


SPENT_TOKEN_REFUSED = ExchangeRule(
    check_id="credentials.token_a.revoked",
    spec=REGISTRATION,
    title="A spent token still accepted",
    expected="HTTP 401 for a token spent by a registration (token A) or replaced by a PUT",
    judge=_accepted,
    applies=_uses_spent,
    versions=SINCE_2_2,
)


def _registration(exchange: Exchange, context: RuleContext) -> bool:
    return exchange.method == "POST" and spends_token(exchange, context.module)


def _fetched(exchange: Exchange, context: RuleContext) -> str | None:
    back = "→".join(reversed(exchange.direction.split("→")))
    if any(
        direction == back and started >= exchange.started_at
        for direction, started in context.seen.versions_fetches
    ):
        return None
    return "answered without reading the caller's versions and version details"


FETCHED_VERSIONS = ExchangeRule(
    check_id="credentials.post.fetched_our_versions",
    spec=REGISTRATION,
    title="POST credentials: the receiver did not read the sender's versions before answering",
    expected="GET of the sender's versions URL and version details during the POST, with the "
    "token the sender gave",
    judge=_fetched,
    applies=_registration,
)
RULES: tuple[ExchangeRule, ...] = (SPENT_TOKEN_REFUSED, FETCHED_VERSIONS)
