"""The one seam between the suite and the mock party: our counterpart, and the embedded demo mock.

Nothing else in ``conformance`` imports ``mock_party``; a test reads every import to keep it so.
Our own party during a run is a mock_party app on a local port, so the target can call back.

The target calls it during the handshake (our versions and version details, with token B) and
later for pushes and command results. Every call it receives is recorded as an ``incoming``
exchange.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from conformance.config import TargetConfig
from mock_party.app import create_app
from mock_party.churn import request_churn
from mock_party.config import SUPPORTED_VERSIONS, MockConfig
from mock_party.modules import offers
from mock_party.server import ServerThread, serve_in_thread
from mock_party.store import Store
from mock_party.urls import module_url
from ocpi_core.exchange import ExchangeRecorder
from ocpi_core.versions import rules

__all__ = [
    "DEMO_CHURN_RATE",
    "DEMO_CHURN_WAIT",
    "MOCK_VERSIONS",
    "Counterpart",
    "RecordingMiddleware",
    "start_counterpart",
    "demo_churn",
    "drive_churn",
    "mock_versions",
    "start_demo_mock",
]

#: the OCPI versions the mock party can serve
MOCK_VERSIONS: tuple[str, ...] = tuple(SUPPORTED_VERSIONS)


def mock_versions(role: str) -> tuple[str, ...]:
    """The OCPI versions our mock of ``role`` serves: a hub none before 2.2.1 (2.1.1 has no
    message routing, so no Hub role)."""
    hub = role.upper() == "HUB"
    return tuple(v for v in MOCK_VERSIONS if not hub or rules(v).routing_headers)


#: EVSE status changes a minute of the demo mock CPO during pagination.delta_sync, and the
#: longest that check waits for a change in the demo (an eMSP mock does not churn: it skips)
DEMO_CHURN_RATE = 360.0
DEMO_CHURN_WAIT = {"CPO": 3.0, "EMSP": 1.0}


class RecordingMiddleware:
    """WSGI middleware recording each request and response as an incoming exchange."""

    def __init__(self, app: Callable[..., Any], recorder: ExchangeRecorder) -> None:
        self.app = app
        self.recorder = recorder

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable:
        started_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        start = time.perf_counter()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        request_headers = [
            (key[5:].replace("_", "-").title(), value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            request_headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        captured: dict[str, Any] = {}

        def _start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, _start_response))
        query = environ.get("QUERY_STRING")
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        url = f"{scheme}://{host}{environ.get('PATH_INFO', '')}" + (f"?{query}" if query else "")
        self.recorder.record(
            method=environ["REQUEST_METHOD"],
            url=url,
            request_headers=request_headers,
            request_body=body,
            status=captured.get("status"),
            response_headers=captured.get("headers", []),
            response_body=b"".join(chunks),
            started_at=started_at,
            elapsed=time.perf_counter() - start,
            direction="incoming",
        )
        return chunks


@dataclass
class Counterpart:
    """A running counterpart: its app, server and public URL."""

    app: Flask
    server: ServerThread
    public_url: str
    config: MockConfig

    @property
    def versions_url(self) -> str:
        return f"{self.public_url}/ocpi/versions"

    def _store(self) -> Store:
        return Store(self.app.config["OCPI_DATABASE"])

    def expect_partner(self, *, token_b: str, versions_url: str) -> int:
        """Let the target in with token B before it has answered our registration."""
        store = self._store()
        try:
            return store.add_partner(versions_url=versions_url, token_in=token_b)
        finally:
            store.close()

    def update_partner(self, partner_id: int, **fields: Any) -> None:
        store = self._store()
        try:
            store.update_partner(partner_id, **fields)
        finally:
            store.close()

    def offer_token(self, partner_id: int, token_b: str) -> None:
        """A credentials PUT with ``token_b`` is about to go to the target: let it in with the
        new token and, until :meth:`settle_token`, with the one it holds now. A target may call
        us with either while it handles the PUT (a hub pushing ClientInfo, say)."""
        store = self._store()
        try:
            partner = store.partner(partner_id)
            held = partner.token_in if partner is not None else None
            store.update_partner(partner_id, token_in=token_b, token_in_previous=held)
        finally:
            store.close()

    def settle_token(self, partner_id: int, *, accepted: bool) -> None:
        """The target answered the PUT: keep only the new token when it took our credentials,
        only the old one when it did not."""
        store = self._store()
        try:
            partner = store.partner(partner_id)
            if partner is None:
                return
            if accepted or partner.token_in_previous is None:
                store.update_partner(partner_id, token_in_previous=None)
            else:
                store.update_partner(
                    partner_id, token_in=partner.token_in_previous, token_in_previous=None
                )
        finally:
            store.close()

    def endpoints(self, version: str) -> list[tuple[str, str, str]]:
        """(identifier, role, url) of every endpoint we list in our version details."""
        with self.app.test_request_context(base_url=self.public_url):
            return [
                (o.identifier, o.role, module_url(version, o.identifier, o.interface))
                for o in offers(self.config, version)
            ]

    def issued_tokens(self) -> list[str]:
        """Every token we hold for a partner (the ones we gave out, so the target may use them)."""
        store = self._store()
        try:
            return [p.token_in for p in store.partners() if p.token_in]
        finally:
            store.close()

    def stop(self) -> None:
        self.server.stop()


def start_counterpart(target: TargetConfig, recorder: ExchangeRecorder) -> Counterpart:
    """Start a mock party of the role opposite to the target's, on a free local port."""
    config = MockConfig(
        roles=(target.counterpart_role,),
        # every version we can serve, so the target can switch the connection to another one
        versions=SUPPORTED_VERSIONS if target.version in SUPPORTED_VERSIONS else (target.version,),
        country_code="NL",
        party_id="OCT",
        more_parties=target.hosted_parties,
        business_name="ocpi-conformance counterpart",
        base_url=target.counterpart_url,
        http_timeout=target.timeout,
    )
    app = create_app(config)
    recorder.masker.add(app.config["OCPI_TOKEN_A"])
    server = serve_in_thread(
        RecordingMiddleware(app.wsgi_app, recorder),
        host=target.counterpart_host,
        port=target.counterpart_port,
    )
    public_url = (target.counterpart_url or server.url).rstrip("/")
    return Counterpart(app=app, server=server, public_url=public_url, config=config)


def start_demo_mock(
    role: str,
    faults: tuple[str, ...],
    versions: tuple[str, ...],
    hub_parties: tuple[str, ...] = (),
) -> tuple[Any, str, str]:
    """A fresh mock party for the embedded demo: (server context manager, token A, role).
    A hub plays ``hub_parties`` (``ROLE/CC/PID`` each; none: the mock's default ones).

    Raises ValueError for a configuration the mock refuses (an unknown fault, say).
    """
    config = MockConfig(
        roles=(role.upper(),), versions=versions, faults=faults, hub_parties=hub_parties
    )
    app = create_app(config)
    return serve_in_thread(app), app.config["OCPI_TOKEN_A"], role.upper()


def demo_churn(role: str, mock_url: str) -> tuple[float, str | None]:
    """(churn wait, churn control URL) for a run against the demo mock of ``role`` at
    ``mock_url``: a mock CPO churns when pagination.delta_sync asks it to."""
    role = role.upper()
    return DEMO_CHURN_WAIT.get(role, 1.0), (mock_url if role == "CPO" else None)


def drive_churn(mock_url: str, per_minute: float, minutes: float | None = None) -> None:
    """Switch the status churn of the mock at ``mock_url`` (0 stops it); ValueError when the
    mock refuses or cannot be reached."""
    request_churn(mock_url, per_minute, minutes)
