"""``ocpi-mock serve`` and ``ocpi-mock register`` as a developer uses them."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from mock_party import MockConfig, create_app
from mock_party.cli import main as mock_cli
from mock_party.server import serve_in_thread

MOCK = str(Path(sys.executable).parent / "ocpi-mock")


def test_serve_prints_versions_url_and_token_a(tmp_path):
    database = tmp_path / "dev.sqlite"
    proc = subprocess.Popen(
        [
            MOCK,
            "serve",
            "--role",
            "emsp",
            "--port",
            "0",
            "--database",
            str(database),
            "--party-id",
            "DEV",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        text = "".join(lines)
        assert "OCPI mock EMSP serving 2.2.1" in text
        url = re.search(r"versions URL: (\S+)", text).group(1)
        token = re.search(r"token A:\s+(\S+)", text).group(1)
        encoded = base64.b64encode(token.encode()).decode()
        response = httpx.get(url, headers={"Authorization": f"Token {encoded}"}, timeout=10)
        assert response.status_code == 200
        assert response.json()["data"][0]["version"] == "2.2.1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert database.exists()


def test_register_command_joins_another_party(tmp_path):
    cpo = create_app(MockConfig(database=str(tmp_path / "c.sqlite"), token_a="their-token-A"))
    emsp = create_app(MockConfig(roles=("EMSP",), database=str(tmp_path / "e.sqlite")))
    with serve_in_thread(cpo) as cpo_server, serve_in_thread(emsp) as emsp_server:
        result = CliRunner().invoke(
            mock_cli,
            [
                "register",
                "--mock",
                emsp_server.url,
                "--to",
                f"{cpo_server.url}/ocpi/versions",
                "--token-a",
                "their-token-A",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "Registered on OCPI 2.2.1" in result.output
        again = CliRunner().invoke(
            mock_cli,
            [
                "register",
                "--mock",
                emsp_server.url,
                "--to",
                f"{cpo_server.url}/ocpi/versions",
                "--token-a",
                "their-token-A",
            ],
        )
    assert again.exit_code == 1
    assert "Registration failed" in again.output and "401" in again.output


def test_serve_volume_flags_reach_the_data_set(tmp_path):
    import sqlite3

    database = tmp_path / "big.sqlite"
    proc = subprocess.Popen(
        [
            MOCK,
            "serve",
            "--port",
            "0",
            "--database",
            str(database),
            "--locations",
            "31",
            "--tokens",
            "0",
            "--sessions",
            "2",
            "--cdrs",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "versions URL" in "".join(proc.stdout.readline() for _ in range(2))
        db = sqlite3.connect(database)
        counts = dict(db.execute("SELECT module, count(*) FROM objects GROUP BY module"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert counts["locations"] == 31
    # plus the data set's session and CDR across a price change (mock_party.demand)
    assert counts["sessions"] == 3 and counts["cdrs"] == 4


def test_simulate_command_runs_a_session_that_reaches_the_emsp(tmp_path):
    cpo = create_app(MockConfig(database=str(tmp_path / "c.sqlite"), token_a="cpo-token-A-sim"))
    emsp = create_app(MockConfig(roles=("EMSP",), database=str(tmp_path / "e.sqlite")))
    with serve_in_thread(cpo) as cpo_server, serve_in_thread(emsp) as emsp_server:
        httpx.post(
            f"{emsp_server.url}/admin/register",
            timeout=30,
            json={
                "versions_url": f"{cpo_server.url}/ocpi/versions",
                "token_a": "cpo-token-A-sim",
            },
        ).raise_for_status()
        result = CliRunner().invoke(
            mock_cli, ["simulate", "--mock", cpo_server.url, "--updates", "1"]
        )
        assert result.exit_code == 0, result.output
        received = httpx.get(
            f"{emsp_server.url}/admin/objects/cdrs?side=receiver", timeout=10
        ).json()["data"]
    assert received, "the simulated session's CDR did not reach the eMSP"
    refused = CliRunner().invoke(mock_cli, ["simulate", "--mock", "http://127.0.0.1:9"])
    assert refused.exit_code == 1 and "Network error" in refused.output


def test_server_thread_stops_cleanly(tmp_path):
    app = create_app(MockConfig(database=str(tmp_path / "s.sqlite")))
    with serve_in_thread(app) as server:
        assert httpx.get(f"{server.url}/ocpi/versions", timeout=5).status_code == 401
    assert not server.thread.is_alive()
    try:
        httpx.get(f"{server.url}/ocpi/versions", timeout=2)
        raise AssertionError("the port still answers after stop()")
    except httpx.ConnectError:
        pass
