"""A target reached through a Hub: [target] via_hub/party, --via-hub/--party, and the usage
error for 2.1.1, which has no hub role."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conformance.cli import main as conformance_cli
from conformance.config import ConfigError, build_target, load_target

URL = "http://127.0.0.1:9/ocpi/versions"  # never reached: these fail before any request


def _target_file(tmp_path, lines: str):
    path = tmp_path / "target.toml"
    path.write_text(f'[target]\nversions_url = "{URL}"\ntoken = "t"\nrole = "cpo"\n{lines}')
    return path


def test_via_hub_and_party_from_the_target_file(tmp_path):
    target = load_target(_target_file(tmp_path, 'via_hub = true\nparty = "nl*cpa"\n'))
    assert target.via_hub is True and target.party == ("NL", "CPA")
    assert load_target(_target_file(tmp_path, "")).via_hub is False


def test_flags_win_over_the_file(tmp_path):
    path = _target_file(tmp_path, 'party = "NL/CPA"\n')
    target = load_target(path, via_hub=True, party="DE/CPB")
    assert target.via_hub and target.party == ("DE", "CPB")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"via_hub": True}, "via_hub needs the target's own party"),
        ({"via_hub": True, "party": "NLCPA"}, "is not COUNTRY_CODE/PARTY_ID"),
        ({"party": "N/CPA"}, "is not COUNTRY_CODE/PARTY_ID"),
        ({"via_hub": True, "party": "NL/CPA", "version": "2.1.1"}, "2.1.1 has no hub role"),
        ({"role": "hub", "version": "2.1.1"}, "2.1.1 has no hub role"),
    ],
)
def test_bad_hub_settings_say_what_to_fix(values, message):
    given = {"versions_url": URL, "token": "t", "role": "cpo", **values}
    with pytest.raises(ConfigError, match=message):
        build_target(**given)


def test_the_target_file_rejects_a_malformed_party(tmp_path):
    with pytest.raises(ConfigError, match="party"):
        load_target(_target_file(tmp_path, 'party = "Netherlands"\n'))


def test_via_hub_on_2_1_1_is_a_usage_error_exit_2(tmp_path):
    base = ["run", "--versions-url", URL, "--token", "t", "--role", "cpo", "--version", "2.1.1"]
    result = CliRunner().invoke(conformance_cli, [*base, "--via-hub", "--party", "NL/CPA"])
    assert result.exit_code == 2, result.output
    assert "OCPI 2.1.1 has no hub role" in result.output
    from_file = CliRunner().invoke(
        conformance_cli,
        ["run", "--config", str(_target_file(tmp_path, 'via_hub = true\nparty = "NL/CPA"\n'))]
        + ["--version", "2.1.1"],
    )
    assert from_file.exit_code == 2, from_file.output
    assert "via_hub with version 2.1.1: OCPI 2.1.1 has no hub role" in from_file.output


def test_role_hub_on_2_1_1_is_a_usage_error_exit_2():
    args = ["run", "--versions-url", URL, "--token", "t", "--role", "hub", "--version", "2.1.1"]
    result = CliRunner().invoke(conformance_cli, args)
    assert result.exit_code == 2, result.output
    assert "role hub with version 2.1.1: OCPI 2.1.1 has no hub role" in result.output


def test_run_help_names_the_hub_options():
    text = CliRunner().invoke(conformance_cli, ["run", "--help"]).output
    assert "--via-hub" in text and "--party CC/PID" in text
