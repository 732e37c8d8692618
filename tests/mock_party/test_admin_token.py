"""The admin API and the inspector behind the admin token: real ``ocpi-mock serve`` processes,
one listening on every interface (0.0.0.0: the token is printed and required, reached over
loopback and over the machine's own non-loopback address when it has one), one on 127.0.0.1
(open, and without the inspector when started with --no-ui)."""

from __future__ import annotations

import base64
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mock_party.admin_auth import is_loopback
from mock_party.cli import main as mock_cli

MOCK = str(Path(sys.executable).parent / "ocpi-mock")


def _own_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) or address == "0.0.0.0" else address


def _serve(tmp_path: Path, *options: str, after: int = 0) -> Iterator[tuple[int, str]]:
    """A served mock's port and its start text (``after``: the lines printed after the admin
    API line)."""
    proc = subprocess.Popen(
        [MOCK, "serve", "--port", "0", "--database", str(tmp_path / "m.sqlite"), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        while not any(line.startswith("  admin API") for line in lines):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        for _ in range(after):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        port = int(re.search(r"versions URL: http://[^:]+:(\d+)/", text).group(1))
        yield port, text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def everywhere(tmp_path) -> Iterator[tuple[int, str]]:
    yield from _serve(tmp_path, "--host", "0.0.0.0", "--token-a", "served-token-A-1234", after=2)


def test_off_loopback_every_admin_request_needs_the_printed_token(everywhere):
    port, text = everywhere
    token = re.search(r"admin token:\s+(\S+)", text).group(1)
    assert f"inspector:    http://0.0.0.0:{port}/admin/ui" in text
    hosts = ["127.0.0.1"] + ([_own_address()] if _own_address() else [])
    for host in hosts:
        base = f"http://{host}:{port}"
        for path in ("/admin/faults", "/admin/partners", "/admin/ui/live.json"):
            refused = httpx.get(base + path, timeout=10)
            assert refused.status_code == 401, (host, path)
            assert refused.json()["status_code"] == 2000
            assert "admin token" in refused.json()["status_message"]
            wrong = httpx.get(base + path, headers={"X-Admin-Token": "x" * 32}, timeout=10)
            assert wrong.status_code == 401
            assert "a wrong one" in wrong.json()["status_message"]
            assert httpx.get(base + path, headers={"X-Admin-Token": token}).status_code == 200
        turned = httpx.post(f"{base}/admin/faults", json={"faults": ["transport.http_500"]})
        assert turned.status_code == 401
        # OCPI itself is not behind the admin token
        token_a = base64.b64encode(b"served-token-A-1234").decode()
        versions = httpx.get(f"{base}/ocpi/versions", headers={"Authorization": f"Token {token_a}"})
        assert versions.status_code == 200

    base = f"http://127.0.0.1:{port}"
    # a browser: the page asks for the token, then keeps it in a cookie
    asked = httpx.get(f"{base}/admin/ui", timeout=10)
    assert asked.status_code == 401 and 'name="admin_token"' in asked.text
    assert token not in asked.text
    assert httpx.get(f"{base}/admin/ui/static/inspector.css").status_code == 200
    wrong = httpx.post(f"{base}/admin/ui/sign-in", data={"admin_token": "nope"})
    assert wrong.status_code == 401 and "not this mock" in wrong.text
    with httpx.Client(base_url=base, timeout=10) as browser:
        signed_in = browser.post("/admin/ui/sign-in", data={"admin_token": token})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/admin/ui"
        assert "HttpOnly" in signed_in.headers["set-cookie"]
        page = browser.get("/admin/ui")
        assert page.status_code == 200 and "Exchanges" in page.text
        assert token not in page.text
        assert browser.get("/admin/ui/live.json").status_code == 200
    with httpx.Client(base_url=base, timeout=10) as browser:
        linked = browser.get("/admin/ui", params={"admin_token": token, "module": "locations"})
        assert linked.status_code == 303
        assert linked.headers["location"] == "/admin/ui?module=locations"
        assert browser.get("/admin/ui?module=locations").status_code == 200


def test_on_loopback_the_admin_api_is_open_and_no_ui_turns_the_page_off(tmp_path):
    for port, text in _serve(tmp_path, "--host", "127.0.0.1", "--no-ui"):
        assert "admin token" not in text and "inspector" not in text
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/admin/faults", timeout=10).status_code == 200
        page = httpx.get(f"{base}/admin/ui", timeout=10)
        assert page.status_code == 404 and page.json()["status_code"] == 2000


def test_help_says_when_the_admin_token_is_needed():
    result = CliRunner().invoke(mock_cli, ["serve", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "on any other --host" in text and "X-Admin-Token" in text
    assert "--no-ui" in text and "--keep-exchanges" in text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("mock.example.org", False),
    ],
)
def test_which_listen_addresses_count_as_loopback(host, loopback):
    assert is_loopback(host) is loopback
