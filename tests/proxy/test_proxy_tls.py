"""The proxy in front of an HTTPS platform with its own CA, or one asking for a client
certificate: real ``ocpi-conformance proxy`` processes, the mock served over TLS on loopback."""

from __future__ import annotations

import base64
import json
import os

import httpx
import pytest
from click.testing import CliRunner

from conformance.cli import main as conformance_cli
from conformance.tls_options import INSECURE_PROXY_WARNING
from proxy.proxy_support import start_proxy

try:
    from core.tls_servers import Pki, make_pki, serve_mock_tls
except ImportError as missing:  # trustme, a test extra: a stale .venv skips, CI fails
    if os.environ.get("CI", "").lower() not in ("", "0", "false") or os.environ.get(
        "OCPI_TEST_POSTGRES"
    ):
        raise
    pytest.skip(f"{missing}: pip install -e '.[test]'", allow_module_level=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _versions(url: str, token: str) -> httpx.Response:
    auth = "Token " + base64.b64encode(token.encode()).decode()
    return httpx.get(url, headers={"Authorization": auth}, timeout=30)


def test_without_the_ca_the_proxy_answers_502_naming_tls_and_the_option(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        process, url = start_proxy(mock.versions_url, tmp_path)
        try:
            response = _versions(url, mock.token_a)
        finally:
            process.stop()
    assert response.status_code == 502
    message = response.json()["status_message"]
    assert "certificate verify failed" in message.lower() and "--ca-cert FILE" in message


def test_ca_cert_lets_the_proxy_reach_the_platform(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        process, url = start_proxy(mock.versions_url, tmp_path, "--ca-cert", str(pki.ca_cert))
        try:
            response = _versions(url, mock.token_a)
        finally:
            process.stop()
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["url"].startswith(url.removesuffix("/ocpi/versions"))


def test_insecure_proxy_says_so_in_console_results_and_report(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        process, url = start_proxy(mock.versions_url, tmp_path, "--insecure")
        try:
            process.wait_for(r"WARNING: --insecure")
            assert _versions(url, mock.token_a).status_code == 200
        finally:
            assert process.interrupt() in (0, 1)
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["warnings"] == [INSECURE_PROXY_WARNING]
    report = (tmp_path / "reports" / "report.html").read_text()
    assert "the proxy did NOT verify" in report


def test_mutual_tls_upstream_needs_the_client_certificate(pki, tmp_path):
    ca = ("--ca-cert", str(pki.ca_cert))
    for folder in ("none", "with"):
        (tmp_path / folder).mkdir()
    with serve_mock_tls(pki, require_client_cert=True) as mock:
        process, url = start_proxy(mock.versions_url, tmp_path / "none", *ca)
        try:
            refused = _versions(url, mock.token_a)
        finally:
            process.stop()
        cert = ("--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key))
        process, url = start_proxy(mock.versions_url, tmp_path / "with", *ca, *cert)
        try:
            accepted = _versions(url, mock.token_a)
        finally:
            process.stop()
    assert refused.status_code == 502
    assert "--client-cert FILE" in refused.json()["status_message"]
    assert accepted.status_code == 200, accepted.text


def test_proxy_tls_input_errors_are_usage_errors(pki, tmp_path):
    upstream = ("proxy", "--upstream", "https://127.0.0.1:9/ocpi/versions", "--listen", ":0")
    result = CliRunner().invoke(
        conformance_cli, [*upstream, "--insecure", "--ca-cert", str(pki.ca_cert)]
    )
    assert result.exit_code == 2, result.output
    assert "--insecure (insecure) cannot be combined with --ca-cert" in result.output
    result = CliRunner().invoke(conformance_cli, [*upstream, "--client-key", str(pki.client_key)])
    assert result.exit_code == 2 and "--client-key (client_key): needs client_cert" in result.output
