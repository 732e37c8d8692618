"""HTTPS targets with their own CA, without verification, and with mutual TLS: real
``ocpi-conformance run`` processes against the mock served over TLS on loopback (werkzeug, with
a CA and certificates made for the test by trustme)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import conformance
from conformance.cli import main as conformance_cli
from conformance.tls_options import INSECURE_WARNING
from core.cli_runs import CLI, run_against

try:
    from cryptography.hazmat.primitives import serialization

    from core.tls_servers import Pki, make_pki, serve_mock_tls
except ImportError as missing:  # trustme, a test extra: a stale .venv skips, CI fails
    if os.environ.get("CI", "").lower() not in ("", "0", "false") or os.environ.get(
        "OCPI_TEST_POSTGRES"
    ):
        raise
    pytest.skip(f"{missing}: pip install -e '.[test]'", allow_module_level=True)

SELECT = "versions"  # five checks that read the versions endpoints: enough to show TLS works


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _run(versions_url: str, token: str, tmp_path: Path, *flags: str) -> tuple[int, dict, str]:
    return run_against(versions_url, token, tmp_path, "--mode", "sandbox", "-k", SELECT, *flags)


def _passed(results: dict) -> None:
    outcomes = {c["id"]: c["outcome"] for c in results["checks"]}
    assert len(outcomes) == 5 and set(outcomes.values()) == {"pass"}, outcomes


def test_an_untrusted_certificate_stops_the_run_naming_tls_and_the_options(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        code, results, console = _run(mock.versions_url, mock.token_a, tmp_path)
    assert code == 3, console
    assert results["target_reachable"] is False
    line = next(x for x in console.splitlines() if x.startswith("The target could not be"))
    assert "certificate verify failed" in line.lower()
    assert "--ca-cert FILE" in line and "--insecure" in line, line
    assert all(c["message"].startswith("not run:") for c in results["checks"]), console
    assert "Traceback" not in console


def test_ca_cert_trusts_the_targets_own_ca_and_the_checks_pass(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        code, results, console = _run(
            mock.versions_url, mock.token_a, tmp_path, "--ca-cert", str(pki.ca_cert)
        )
    assert code == 0, console
    _passed(results)
    assert results["target"]["tls"] == {
        "verified": True,
        "ca_cert": str(pki.ca_cert),
        "client_cert": None,
    }
    assert results["warnings"] == []
    assert INSECURE_WARNING not in console


def test_ca_cert_replaces_the_default_store(pki, tmp_path):
    """A bundle of another CA is all that is trusted: the target's certificate is refused."""
    other = make_pki(tmp_path)
    with serve_mock_tls(pki) as mock:
        code, _, console = _run(
            mock.versions_url, mock.token_a, tmp_path, "--ca-cert", str(other.ca_cert)
        )
    assert code == 3, console
    assert "certificate verify failed" in console.lower()


def test_insecure_runs_and_says_so_in_console_results_and_report(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        code, results, console = _run(mock.versions_url, mock.token_a, tmp_path, "--insecure")
    assert code == 0, console
    _passed(results)
    # at the start and again in the summary
    assert console.count(INSECURE_WARNING) == 2, console
    assert console.splitlines()[1].strip() == INSECURE_WARNING  # right under "Testing …"
    assert results["warnings"] == [INSECURE_WARNING]
    schema = json.loads((Path(conformance.__file__).parent / "results.schema.json").read_text())
    jsonschema.validate(results, schema)
    assert results["target"]["tls"]["verified"] is False
    report = (tmp_path / "reports" / "report.html").read_text()
    assert "NOT verified (--insecure)" in report
    assert INSECURE_WARNING.replace("'", "&#x27;") in report


def test_mutual_tls_fails_without_a_client_certificate_and_passes_with_one(pki, tmp_path):
    ca = ("--ca-cert", str(pki.ca_cert))
    with serve_mock_tls(pki, require_client_cert=True) as mock:
        code, results, console = _run(mock.versions_url, mock.token_a, tmp_path / "none", *ca)
        assert code == 3, console
        assert results["target_reachable"] is False
        # said once, as a handshake failure, before any check judged the target
        assert results["stopped"].startswith("the target could not be reached: TLS handshake")
        assert all(c["message"].startswith("not run:") for c in results["checks"]), console
        assert "FAIL" not in console
        line = next(x for x in console.splitlines() if x.startswith("The target could not be"))
        assert "certificate required" in line and "--client-cert FILE" in line, line
        apart = ("--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key))
        code, results, console = _run(
            mock.versions_url, mock.token_a, tmp_path / "apart", *ca, *apart
        )
        assert code == 0, console
        _passed(results)
        assert results["target"]["tls"]["client_cert"] == str(pki.client_cert)
    with serve_mock_tls(pki, require_client_cert=True) as mock:  # a fresh token A
        code, results, console = _run(
            mock.versions_url,
            mock.token_a,
            tmp_path / "both",
            *ca,
            "--client-cert",
            str(pki.client_both),
        )
    assert code == 0, console
    _passed(results)


def test_target_file_keys_with_paths_relative_to_the_file(pki, tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    for name in ("ca.pem", "client-both.pem"):
        source = pki.ca_cert if name == "ca.pem" else pki.client_both
        (folder / name).write_bytes(source.read_bytes())
    with serve_mock_tls(pki, require_client_cert=True) as mock:
        (folder / "target.toml").write_text(
            "[target]\n"
            f'versions_url = "{mock.versions_url}"\ntoken = "{mock.token_a}"\n'
            'role = "cpo"\nmode = "sandbox"\n'
            'ca_cert = "ca.pem"\nclient_cert = "client-both.pem"\n'
        )
        proc = subprocess.run(
            [CLI, "run", "--config", "conf/target.toml", "-k", SELECT, "--report-dir", "r"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    console = proc.stdout + proc.stderr
    assert proc.returncode == 0, console
    _passed(json.loads((tmp_path / "r" / "results.json").read_text()))


def _usage(tmp_path: Path, *flags: str) -> str:
    args = ["run", "--versions-url", "https://127.0.0.1:9/ocpi/versions", "--token", "t-1234"]
    result = CliRunner().invoke(
        conformance_cli, [*args, "--role", "cpo", "--report-dir", str(tmp_path / "r"), *flags]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_bad_tls_input_is_a_usage_error_naming_the_option(pki, tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("this is not a certificate\n")
    missing = str(tmp_path / "missing.pem")
    assert "--ca-cert (ca_cert)" in _usage(tmp_path, "--ca-cert", missing)
    assert "no such file" in _usage(tmp_path, "--ca-cert", missing)
    out = _usage(tmp_path, "--ca-cert", str(garbage))
    assert "--ca-cert" in out and "no PEM CA certificate" in out
    out = _usage(tmp_path, "--client-cert", str(garbage))
    assert "--client-cert" in out and "not a PEM certificate" in out
    out = _usage(tmp_path, "--client-cert", str(pki.client_cert))  # its key is elsewhere
    assert "--client-cert" in out and "--client-key" not in out.split("--client-cert", 1)[0]
    assert "client_key" in out
    out = _usage(tmp_path, "--client-key", str(pki.client_key))
    assert "--client-key (client_key): needs client_cert" in out
    out = _usage(tmp_path, "--client-cert", str(pki.client_cert), "--client-key", str(garbage))
    assert "--client-key" in out
    key = serialization.load_pem_private_key(pki.client_key.read_bytes(), None)
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    out = _usage(tmp_path, "--client-cert", str(pki.client_cert), "--client-key", str(encrypted))
    assert "--client-key (client_key): the private key is encrypted" in out  # no prompt
    out = _usage(tmp_path, "--insecure", "--ca-cert", str(pki.ca_cert))
    assert "--insecure (insecure) cannot be combined with --ca-cert" in out
    assert not (tmp_path / "r" / "results.json").exists()


def test_target_file_tls_errors_name_the_file_and_key(pki, tmp_path):
    (tmp_path / "t.toml").write_text(
        '[target]\nversions_url = "https://x.test/ocpi/versions"\ntoken = "t-1"\nrole = "cpo"\n'
        'ca_cert = "nowhere.pem"\n'
    )
    result = CliRunner().invoke(conformance_cli, ["run", "--config", str(tmp_path / "t.toml")])
    assert result.exit_code == 2, result.output
    assert (
        f"{tmp_path / 't.toml'}: --ca-cert (ca_cert): {tmp_path / 'nowhere.pem'}" in result.output
    )
    (tmp_path / "t.toml").write_text(
        '[target]\nversions_url = "https://x.test/ocpi/versions"\ntoken = "t-1"\nrole = "cpo"\n'
        'insecure = "yes"\n'
    )
    result = CliRunner().invoke(conformance_cli, ["run", "--config", str(tmp_path / "t.toml")])
    assert result.exit_code == 2 and "insecure" in result.output, result.output


def test_a_fleet_takes_tls_keys_from_defaults_and_targets(pki, tmp_path):
    """[defaults] ca_cert (relative to the fleet file) reaches a real target's run; a mock
    target next to it, on plain HTTP, is not given it; a client certificate per target."""
    folder = tmp_path / "fleet"
    (folder / "pki").mkdir(parents=True)
    for source in (pki.ca_cert, pki.client_both):
        (folder / "pki" / source.name).write_bytes(source.read_bytes())
    with serve_mock_tls(pki, require_client_cert=True) as mock:
        (folder / "fleet.toml").write_text(
            '[defaults]\nca_cert = "pki/ca.pem"\nmode = "sandbox"\n'
            f'select = "{SELECT}"\n\n'
            f'[targets.staging]\nversions_url = "{mock.versions_url}"\nrole = "cpo"\n'
            'token_env = "STAGING_TOKEN"\nclient_cert = "pki/client-both.pem"\n\n'
            '[targets.reference]\nmock = "cpo"\n'
        )
        proc = subprocess.run(
            [CLI, "run", "--fleet", "fleet/fleet.toml", "--report-dir", "r", "--jobs", "2"],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
            env={**os.environ, "STAGING_TOKEN": mock.token_a},
        )
    console = proc.stdout + proc.stderr
    assert proc.returncode == 0, console + (tmp_path / "r/staging/console.txt").read_text()
    _passed(json.loads((tmp_path / "r" / "staging" / "results.json").read_text()))
    written = (tmp_path / "r" / "staging" / "target.toml").read_text()
    assert str(folder / "pki" / "ca.pem") in written
    assert "ca_cert" not in (tmp_path / "r" / "reference" / "console.txt").read_text()
    refused = CliRunner().invoke(
        conformance_cli, ["run", "--fleet", str(folder / "fleet.toml"), "--insecure"]
    )
    assert refused.exit_code == 2 and "drop --insecure" in refused.output, refused.output


def test_every_version_run_reads_the_versions_list_with_the_tls_options(pki, tmp_path):
    with serve_mock_tls(pki) as mock:
        code, _, console = _run(
            mock.versions_url,
            mock.token_a,
            tmp_path,
            "--version",
            "all",
            "--ca-cert",
            str(pki.ca_cert),
        )
    assert code == 0, console
    assert "Testing every version offered, one after another: 2.2.1" in console
    _passed(json.loads((tmp_path / "reports" / "2.2.1" / "results.json").read_text()))
