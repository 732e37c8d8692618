"""Helpers of the hub tests: a hub on a temporary database, a platform registered in it, and
a mock platform in a process of its own."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from flask import Flask
from flask.testing import FlaskClient

from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread
from mock_party.store import get_store

SMALL = dict(locations=3, tariffs=1, tokens=2, sessions=1, cdrs=1)


def make_hub(tmp_path, data: dict[str, int] = SMALL, **changes: Any) -> Flask:
    """A mock hub HUB on ``tmp_path / "hub.sqlite"`` with token A ``hub-token-A``: ``data`` the
    sizes of its generated data (``{}``: the mock's defaults), ``changes`` any other setting."""
    values: dict[str, Any] = dict(
        roles=("HUB",),
        party_id="HUB",
        database=str(tmp_path / "hub.sqlite"),
        token_a="hub-token-A",
        **data,
    )
    values.update(changes)
    return create_app(MockConfig(**values))


@dataclass
class Platform:
    """A platform as the hub knows it after registration (made directly in the hub's store:
    these tests are about routing, the handshake has its own tests)."""

    client: FlaskClient
    token: str
    role: str
    country_code: str
    party_id: str

    def headers(self, to: tuple[str, str] | None = None, **extra: str) -> dict[str, str]:
        headers = {
            "Authorization": "Token " + base64.b64encode(self.token.encode()).decode(),
            "OCPI-from-country-code": self.country_code,
            "OCPI-from-party-id": self.party_id,
            **extra,
        }
        if to is not None:
            headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = to
        return headers

    def get(self, path: str, to: tuple[str, str] | None = None, **kwargs: Any):
        return self.client.get(path, headers=self.headers(to), **kwargs)

    def put(self, path: str, body: Any, to: tuple[str, str] | None = None):
        return self.client.put(path, json=body, headers=self.headers(to))


def platform(hub: Flask, role: str, country_code: str, party_id: str) -> Platform:
    token = f"token-{country_code}-{party_id}"
    with hub.app_context():
        store = get_store()
        partner_id = store.add_partner(
            versions_url=f"http://platform.invalid/{party_id}",
            token_in=token,
            version="2.2.1",
            roles=[
                {
                    "role": role,
                    "country_code": country_code,
                    "party_id": party_id,
                    "business_details": {"name": party_id},
                }
            ],
            registered=True,
        )
        store.update_partner(partner_id, token_out="not-used")
    return Platform(hub.test_client(), token, role, country_code, party_id)


def routing(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers if k.lower().startswith("ocpi-")}


T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def connected_parties(hub_url: str) -> set[tuple[str, str]]:
    """(country_code, party_id) of every party the hub at ``hub_url`` lists as CONNECTED."""
    try:
        data = httpx.get(f"{hub_url}/admin/hub/parties", timeout=2).json()["data"]
    except (httpx.HTTPError, KeyError, ValueError):
        return set()
    return {(p["country_code"], p["party_id"]) for p in data if p["status"] == "CONNECTED"}


@dataclass
class RegisteredEmsp:
    """A mock eMSP on loopback, registered with a hub: its app, its server and the token it
    sends the hub (token C)."""

    app: Flask
    url: str
    token_to_hub: str


@contextmanager
def emsp_registered(
    tmp_path,
    hub_url: str,
    token_a: str,
    party: tuple[str, str],
    version: str | None = None,
    tokens: int = 0,
) -> Iterator[RegisteredEmsp]:
    """A mock eMSP ``party`` (its database in ``tmp_path``, named by its party id; ``tokens``
    of its own; only ``version`` when given) that registers with the hub at ``hub_url`` with
    ``token_a``, as an operator does with ``POST /admin/register``; stopped on leaving."""
    settings: dict[str, Any] = {"versions": (version,)} if version else {}
    app = create_app(
        MockConfig(
            roles=("EMSP",),
            country_code=party[0],
            party_id=party[1],
            database=str(tmp_path / f"emsp-{party[1].lower()}.sqlite"),
            tokens=tokens,
            **settings,
        )
    )
    server = serve_in_thread(app)
    try:
        registered = httpx.post(
            f"{server.url}/admin/register",
            json={"versions_url": f"{hub_url}/ocpi/versions", "token_a": token_a},
            timeout=30,
        )
        assert registered.status_code == 200, registered.text
        with app.app_context():
            (partner,) = get_store().partners()
        yield RegisteredEmsp(app=app, url=server.url, token_to_hub=partner.token_out or "")
    finally:
        server.stop()


@contextmanager
def mock_process(*args: str) -> Iterator[str]:
    """``ocpi-mock serve ARGS`` on a free loopback port in a process of its own; its URL."""
    port = free_port()
    command = [
        os.path.join(os.path.dirname(sys.executable), "ocpi-mock"), "serve",
        "--port", str(port), *args,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    popen = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        popen.terminate()
        try:
            popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            popen.kill()
