"""A check that crashes with the run (and its tokens) in its message leaks no token into any
output: the console, results.json, junit.xml, report.html, the HAR.

The crash is planted: a check module of our own that puts the run fixture's repr, the tokens
themselves and a printed token into its failure, next to the real handshake with a mock on
loopback (so tokens A, B and C all exist).
"""

from __future__ import annotations

import base64
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import fields

from conformance.config import TargetConfig
from conformance.session import Registration
from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread

TOKEN_A = "planted-token-A-0123456789abcdef"

CRASHING_CHECKS = textwrap.dedent(
    """
    import pytest

    @pytest.mark.check(id="planted.repr", spec="2.2.1 credentials §1", mode="sandbox")
    def test_repr_in_an_assertion(ocpi):
        registration = ocpi.registration
        assert registration is None, (ocpi, registration, ocpi.config)

    @pytest.mark.check(id="planted.raise", spec="2.2.1 credentials §1", mode="sandbox")
    def test_tokens_in_an_exception(ocpi):
        reg = ocpi.registration
        raise RuntimeError(f"{reg.token_a} {reg.token_b} {reg.token_c} {ocpi.token}")

    @pytest.mark.check(id="planted.print", spec="2.2.1 credentials §1", mode="sandbox")
    def test_tokens_printed(ocpi):
        print("token C is", ocpi.registration.token_c)
        print("token A is", ocpi.config.token)
        raise KeyError(ocpi.config)
    """
)


def _secrets(database: str) -> set[str]:
    found = {TOKEN_A}
    with sqlite3.connect(database) as db:
        for token_in, token_out in db.execute("SELECT token_in, token_out FROM partners"):
            found |= {t for t in (token_in, token_out) if t}
    assert len(found) >= 3, found  # A, and B and C of the handshake
    return found | {base64.b64encode(s.encode()).decode() for s in found}


def test_planted_crash_leaks_no_token(tmp_path):
    app = create_app(MockConfig(database=str(tmp_path / "mock.sqlite"), token_a=TOKEN_A))
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_planted.py").write_text(CRASHING_CHECKS)
    reports = tmp_path / "reports"
    with serve_in_thread(app) as server:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(tmp_path / "checks"),
                "--rootdir",
                str(tmp_path / "checks"),
                "--confcutdir",
                str(tmp_path / "checks"),
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "-rA",
                "-vv",
                f"--ocpi-versions-url={server.url}/ocpi/versions",
                f"--ocpi-token={TOKEN_A}",
                "--ocpi-role=CPO",
                "--ocpi-mode=sandbox",
                f"--ocpi-results={reports / 'results.json'}",
                f"--ocpi-har={reports / 'exchanges.har'}",
                f"--junitxml={reports / 'junit.xml'}",
                f"--html={reports / 'report.html'}",
                "--self-contained-html",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    console = proc.stdout + proc.stderr
    assert proc.returncode == 1, console
    outputs = {
        name: (reports / name).read_text()
        for name in ("results.json", "junit.xml", "report.html", "exchanges.har")
    }
    outputs["console"] = console
    assert "RuntimeError" in outputs["results.json"]  # the crashes are reported …
    assert "****" in outputs["junit.xml"]  # … with their tokens masked
    for secret in _secrets(app.config["OCPI_DATABASE"]):
        leaks = [name for name, text in outputs.items() if secret in text]
        assert not leaks, f"a token ({secret[:6]}…) in clear in {leaks}"


def test_no_token_field_in_a_repr():
    target = TargetConfig(versions_url="http://x/ocpi/versions", token=TOKEN_A, role="CPO")
    registration = Registration(token_a=TOKEN_A, token_b="tok-b-123456", credentials_url=None)
    registration.token_c = "tok-c-123456"
    assert TOKEN_A not in repr(target)
    for token in (TOKEN_A, "tok-b-123456", "tok-c-123456"):
        assert token not in repr(registration)
    mock = MockConfig(token_a=TOKEN_A)
    assert TOKEN_A not in repr(mock)
    hidden = {
        f.name
        for cls in (TargetConfig, Registration, MockConfig)
        for f in fields(cls)
        if "token" in f.name and not f.repr
    }
    assert {"token", "token_a", "token_b", "token_c"} <= hidden
