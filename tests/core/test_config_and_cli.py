"""Target files, flags and the command lines, with click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main as conformance_cli
from conformance.config import ConfigError, build_target, load_target
from mock_party.cli import main as mock_cli


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(text)
    return path


def test_target_file_and_flag_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_TOKEN", "from-env")
    path = write(
        tmp_path,
        """
[target]
versions_url = "https://example.com/ocpi/versions"
token_env = "MY_TOKEN"
role = "emsp"
mode = "sandbox"
[quirks]
"auth.error_is_envelope" = "known"
""",
    )
    config = load_target(path, mode="read-only", role=None)
    assert config.token == "from-env"
    assert config.role == "EMSP" and config.mode == "read-only"
    assert config.quirks == {"auth.error_is_envelope": "known"}
    assert config.counterpart_role == "CPO"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[target]\nrole = 'cop'\n", "target.role = 'cop' is not allowed; use one of: cpo, emsp"),
        (
            "[target]\nversion_url = 'x'\n",
            "unknown key(s) in [target]: 'version_url' (did you mean 'versions_url'?)",
        ),
        ("[target\n", "not valid TOML"),
        (
            "[target]\nversions_url='https://x/v'\ntoken_env='NOPE_UNSET'\nrole='cpo'\n",
            "target.token_env names $NOPE_UNSET, which is not set",
        ),
    ],
)
def test_target_file_errors_say_what_to_fix(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_target(write(tmp_path, text))
    assert message in str(info.value)
    assert str(tmp_path / "target.toml") in str(info.value)


def test_missing_values_name_the_flags():
    with pytest.raises(ConfigError, match="missing token, role; give --token, --role"):
        build_target(versions_url="https://x/versions")
    with pytest.raises(ConfigError, match="Did you mean 'sandbox'"):
        build_target(versions_url="https://x/v", token="t", role="cpo", mode="sandbx")


def test_run_with_bad_config_exits_2(tmp_path):
    result = CliRunner().invoke(conformance_cli, ["run", "--config", str(tmp_path / "no.toml")])
    assert result.exit_code == 2
    assert "Target file not found" in result.output


def test_run_without_target_exits_2():
    result = CliRunner().invoke(conformance_cli, ["run"])
    assert result.exit_code == 2
    assert "missing versions_url, token, role" in result.output


def test_run_help_teaches():
    result = CliRunner().invoke(conformance_cli, ["run", "--help"])
    assert result.exit_code == 0
    for words in ("--mock", "read-only", "sandbox", "destructive", "Exit status"):
        assert words in result.output


def test_checks_catalogue_lists_ids_levels_and_sections():
    result = CliRunner().invoke(conformance_cli, ["checks"])
    assert result.exit_code == 0, result.output
    assert "credentials.post.already_registered_405" in result.output
    assert "2.2.1 §7.2.2 Credentials POST" in result.output
    markdown = CliRunner().invoke(conformance_cli, ["checks", "--markdown"]).output
    assert markdown.startswith("| Check id | Level |")


def test_mock_serve_rejects_bad_options():
    result = CliRunner().invoke(mock_cli, ["serve", "--role", "cop", "--port", "0"])
    assert result.exit_code == 2
    expected = "'COP' is not a valid value; allowed: CPO, EMSP, HUB. Did you mean 'CPO'?"
    assert expected in result.output
    result = CliRunner().invoke(mock_cli, ["serve", "--fault", "auth.token_a_stil_valid"])
    assert result.exit_code == 2
    assert "Did you mean 'auth.token_a_still_valid'?" in result.output


def test_mock_faults_are_listed():
    result = CliRunner().invoke(mock_cli, ["faults"])
    assert result.exit_code == 0
    assert "auth.token_a_still_valid" in result.output
    assert "trips: credentials.token_a.revoked" in result.output


def test_mock_register_reports_unreachable_mock():
    result = CliRunner().invoke(
        mock_cli,
        [
            "register",
            "--mock",
            "http://127.0.0.1:9",
            "--to",
            "http://x/versions",
            "--token-a",
            "abc",
        ],
    )
    assert result.exit_code == 3
    assert "cannot reach the mock" in result.output


def test_pricing_tolerance_and_blocked_token_from_the_target_file(tmp_path):
    from decimal import Decimal

    path = write(
        tmp_path,
        """
[target]
versions_url = "https://example.com/ocpi/versions"
token = "t"
role = "emsp"
[pricing]
tolerance = 0.05
[tokens]
blocked_uid = "BLOCKED-1"
""",
    )
    config = load_target(path)
    assert config.pricing_tolerance == Decimal("0.05")
    assert config.blocked_token == "BLOCKED-1"
    bad = write(tmp_path, "[pricing]\ntolerance = -1\n")
    with pytest.raises(ConfigError, match="pricing.tolerance"):
        load_target(bad)


def test_a_check_module_that_cannot_load_is_reported(tmp_path):
    from conformance.progress import ModuleProgress

    lines: list[tuple[str, dict]] = []
    progress = ModuleProgress(lambda text, **kw: lines.append((text, kw)))

    class Report:
        failed = True
        nodeid = "conformance/checks/test_x.py"
        longreprtext = "ImportError: cannot import name 'Client'"

    progress.pytest_collectreport(Report())
    text, options = lines[0]
    assert "Cannot load conformance/checks/test_x.py" in text and "ImportError" in text
    assert options == {"fg": "red", "err": True}


def test_progress_has_a_line_per_file_of_checks_whatever_their_ids():
    from conformance.progress import ModuleProgress

    lines: list[str] = []
    progress = ModuleProgress(lambda text, **kw: lines.append(text))

    def report(nodeid: str, check_id: str, outcome: str) -> pytest.TestReport:
        return pytest.TestReport(
            nodeid, ("", 0, ""), {}, outcome, None, "call", ocpi_check={"id": check_id}
        )

    # the pricing checks judge CDRs and tariffs in turn: still one line for their file
    for check_id in ("cdrs.cost_recomputed", "tariffs.price_components", "cdrs.totals"):
        progress.pytest_runtest_logreport(report("test_pricing.py::t", check_id, "passed"))
    progress.pytest_runtest_logreport(report("test_hub_open_routing.py::t", "hub.x", "failed"))
    progress.pytest_sessionfinish(None)
    text = "".join(lines)
    assert text.count("pricing") == 1 and "3 passed" in text
    assert "hub open routing" in text and "1 FAILED" in text
