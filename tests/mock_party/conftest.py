"""Fixtures for the mock party's tests: an app on a temporary SQLite file, its test client,
real loopback servers, and ``OcpiActions`` to act as a registered partner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from mock_support import NO_DATA, OcpiActions
from postgres_support import database_url, postgres_server, postgres_url  # noqa: F401

from mock_party import MockConfig, create_app
from mock_party.server import ServerThread, serve_in_thread


@pytest.fixture
def make_app(tmp_path) -> Callable[..., Flask]:
    """``make_app(**config)``: a mock on ``tmp_path / "mock.sqlite"`` (the same file each call)."""

    def make(**changes: Any) -> Flask:
        values: dict[str, Any] = {
            "database": str(tmp_path / "mock.sqlite"),
            "token_a": "token-A-1234",
            **NO_DATA,
        }
        values.update(changes)
        return create_app(MockConfig(**values))

    return make


@pytest.fixture
def app(make_app) -> Flask:
    """A mock CPO without generated data (tests put what they need)."""
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ocpi(client, app) -> OcpiActions:
    actions = OcpiActions(client, app)
    actions.register()
    return actions


@pytest.fixture
def served() -> Iterator[Callable[[Flask], ServerThread]]:
    """``served(app)`` serves an app on a free loopback port (waitress) until the test ends."""
    servers: list[ServerThread] = []

    def serve(app: Flask) -> ServerThread:
        server = serve_in_thread(app)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()
