"""Judging the exchanges the proxy forwards, one at a time, by the run's own rules.

:class:`Judge` learns from the traffic what a run knows from its discovery: which module and
OCPI version each URL belongs to (from the versions and version details answers it forwards),
and the tokens to mask. It applies every per-exchange rule of :mod:`conformance.rules` and keeps
the tally the matrix is made of: for each check, how often it passed and failed.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from conformance.rules import (
    ExchangeRule,
    Finding,
    RuleContext,
    Seen,
    credentials,
    objects,
    pagination,
    pricing,
    routing,
    transport,
)
from conformance.rules._read import body_json
from ocpi_core.exchange import Exchange, Masker

__all__ = ["ALL_RULES", "Endpoint", "Judge", "Side"]

ALL_RULES: tuple[ExchangeRule, ...] = (
    *transport.RULES,
    *objects.RULES,
    *pagination.RULES,
    *routing.RULES,
    *credentials.RULES,
    *pricing.RULES,
)
_KEPT = {"tariffs": "tariffs", "locations": "locations"}


@dataclass(frozen=True)
class Side:
    """One of the two platforms: ``name`` ("A" or "B") and what it is, for the reports."""

    name: str
    label: str


@dataclass(frozen=True)
class Endpoint:
    """A module endpoint learned from a version details answer."""

    url: str
    module: str
    version: str
    role: str | None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass
class Judge:
    """Applies ``rules`` to each exchange; thread-safe (waitress serves on several threads)."""

    default_version: str = "2.2.1"
    rules: tuple[ExchangeRule, ...] = ALL_RULES
    masker: Masker = field(default_factory=Masker)
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    _endpoints: dict[str, Endpoint] = field(default_factory=dict)
    _versions_urls: dict[str, str | None] = field(default_factory=dict)  # url → version
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _objects: dict[str, dict[tuple, dict]] = field(default_factory=dict)  # tariffs, locations
    _spent: set[str] = field(default_factory=set)
    _fetches: list[tuple[str, str]] = field(default_factory=list)

    # ---- what the traffic teaches --------------------------------------------------------

    def versions_url(self, url: str) -> None:
        """``url`` is a versions endpoint (the upstream's, or one named in credentials)."""
        with self._lock:
            self._versions_urls.setdefault(_path(url), None)

    def learn(self, exchange: Exchange) -> None:
        """Read versions lists, version details and credentials from a forwarded exchange."""
        body = body_json(exchange.response_body)
        data = body.get("data") if isinstance(body, dict) else None
        with self._lock:
            if isinstance(data, list) and all(
                isinstance(v, dict) and "version" in v and "url" in v for v in data
            ):
                self._versions_urls.setdefault(_path(exchange.url), None)
                for v in data:
                    self._versions_urls[_path(str(v["url"]))] = str(v["version"])
            if isinstance(data, dict) and isinstance(data.get("endpoints"), list):
                version = str(data.get("version") or self.default_version)
                self._versions_urls[_path(exchange.url)] = version
                for e in data["endpoints"]:
                    if isinstance(e, dict) and e.get("url") and e.get("identifier"):
                        url = _path(str(e["url"]))
                        self._endpoints[url] = Endpoint(
                            url, str(e["identifier"]), version, e.get("role")
                        )
        self._learn_tokens(exchange)

    def _learn_tokens(self, exchange: Exchange) -> None:
        for body in (exchange.request_body, exchange.response_body):
            document = body_json(body)
            data = document.get("data", document) if isinstance(document, dict) else None
            if isinstance(data, dict) and isinstance(data.get("token"), str):
                self.masker.add(data["token"])
                if isinstance(data.get("url"), str):
                    self.versions_url(data["url"])

    def learn_authorization(self, value: str | None) -> None:
        """Remember the token of an Authorization header so it is masked everywhere."""
        if not value:
            return
        scheme, _, credential = value.partition(" ")
        self.masker.add(credential or scheme)
        try:
            import base64

            decoded = base64.b64decode(credential, validate=True).decode()
        except ValueError:
            return
        self.masker.add(decoded)

    # ---- where an exchange belongs --------------------------------------------------------

    def endpoint(self, url: str) -> tuple[Endpoint | None, str]:
        """The endpoint ``url`` is under (longest match) and the rest of its path."""
        path = _path(url)
        with self._lock:
            endpoints = list(self._endpoints.values())
        best = None
        for e in endpoints:
            if (path == e.url or path.startswith(e.url + "/")) and (
                best is None or len(e.url) > len(best.url)
            ):
                best = e
        rest = path[len(best.url) :].strip("/") if best else ""
        return best, rest

    def context(self, exchange: Exchange, token: str | None = None) -> RuleContext:
        seen = self._seen(token)
        path = _path(exchange.url)
        with self._lock:
            if path in self._versions_urls:
                version = self._versions_urls[path] or self._latest()
                return RuleContext(version=version, module="versions", seen=seen)
        found, rest = self.endpoint(exchange.url)
        if found is None:
            return RuleContext(version=self._latest(), seen=seen)
        segments = tuple(unquote(p) for p in rest.split("/")) if rest else ()
        return RuleContext(
            version=found.version,
            module=found.module,
            role=found.role,
            segments=segments,
            seen=seen,
        )

    def _seen(self, token: str | None) -> Seen:
        with self._lock:
            return Seen(
                tariffs=tuple(self._objects.get("tariffs", {}).values()),
                locations=tuple(self._objects.get("locations", {}).values()),
                spent_tokens=frozenset(self._spent),
                token=token,
                versions_fetches=tuple(self._fetches),
            )

    def _keep_objects(self, exchange: Exchange, context: RuleContext) -> None:
        """Tariffs and Locations in list pages and full pushes, for the pricing rules."""
        if context.module not in _KEPT:
            return
        found: list[object] = []
        if exchange.method == "GET" and exchange.status == 200 and not context.segments:
            body = body_json(exchange.response_body)
            data = body.get("data") if isinstance(body, dict) else None
            found = data if isinstance(data, list) else []
        elif exchange.method == "PUT" and len(context.segments) == 3:
            found = [body_json(exchange.request_body)]
        with self._lock:
            kept = self._objects.setdefault(context.module, {})
            for obj in found:
                if isinstance(obj, dict):
                    key = (obj.get("country_code"), obj.get("party_id"), obj.get("id"))
                    kept[key] = obj

    def _latest(self) -> str:
        with self._lock:
            known = [e.version for e in self._endpoints.values()]
        return known[-1] if known else self.default_version

    # ---- judging ---------------------------------------------------------------------------

    def judge(
        self, exchange: Exchange, server: Side, client: Side, token: str | None = None
    ) -> list[Finding]:
        """Every finding on ``exchange``; ``server`` answered it, ``client`` sent it with the
        token whose fingerprint is ``token``."""
        self.learn(exchange)
        context = self.context(exchange, token)
        found = []
        for rule in self.rules:
            if not rule.applies_to(exchange, context):
                continue
            problem = rule.judge(exchange, context)
            side = client if rule.on == "request" else server
            with self._lock:
                if problem is None:
                    self.passed[rule.check_id] += 1
                    continue
                self.failed[rule.check_id] += 1
            found.append(
                Finding(
                    check_id=rule.check_id,
                    spec=rule.cited,
                    level=rule.level,
                    title=rule.title,
                    expected=rule.expected,
                    problem=problem,
                    exchange=exchange,
                    side=side.name,
                )
            )
        self._keep_objects(exchange, context)
        if context.module == "versions" and exchange.method == "GET" and exchange.status == 200:
            with self._lock:
                self._fetches.append((exchange.direction, exchange.started_at))
        if token is not None and credentials.spends_token(exchange, context.module):
            with self._lock:
                self._spent.add(token)
        with self._lock:
            self.findings += found
        return found

    def catalogue(self) -> list[ExchangeRule]:
        """One rule per check id (a check may own a rule on responses and one on requests)."""
        seen: dict[str, ExchangeRule] = {}
        for rule in self.rules:
            seen.setdefault(rule.check_id, rule)
        return list(seen.values())
