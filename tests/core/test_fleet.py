"""``ocpi-conformance run --fleet``: many targets at once, as a user runs it (the CLI in a
subprocess, each target a process of its own, real loopback HTTP), and the fleet file's errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from conformance.cli import main
from conformance.config import ConfigError
from conformance.fleet import load_fleet
from conformance.fleet_run import worst_exit

CLI = str(Path(sys.executable).parent / "ocpi-conformance")
SELECT = 'select = "versions or credentials"'


def _schema(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        json.loads(resources.files("conformance").joinpath(name).read_text())
    )


def _fleet(tmp_path: Path, text: str, *args: str, env: dict | None = None):
    (tmp_path / "fleet.toml").write_text(text)
    proc = subprocess.run(
        [CLI, "run", "--fleet", "fleet.toml", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    index = tmp_path / "reports" / "results.json"
    return (
        proc.returncode,
        proc.stdout + proc.stderr,
        (json.loads(index.read_text()) if index.exists() else None),
    )


def test_a_fleet_of_three_mocks_writes_a_report_each_and_an_index(tmp_path: Path):
    code, output, index = _fleet(
        tmp_path,
        f"""
[defaults]
{SELECT}

[targets.clean-cpo]
mock = "cpo"

[targets.clean-emsp]
mock = "emsp"

[targets.faulty-cpo]
mock = "cpo"
mock_faults = ["auth.token_a_still_valid"]
""",
        "--jobs",
        "2",
    )
    assert code == 1, output  # the worst: one run failed a MUST check
    assert list(_schema("fleet_index.schema.json").iter_errors(index)) == []
    assert [row["name"] for row in index["targets"]] == ["clean-cpo", "clean-emsp", "faulty-cpo"]
    assert index["exit_code"] == 1
    results_schema = _schema("results.schema.json")
    for row in index["targets"]:
        directory = tmp_path / "reports" / row["name"]
        assert (directory / "report.html").stat().st_size > 0, row
        results = json.loads((directory / "results.json").read_text())
        assert list(results_schema.iter_errors(results)) == []
        summary = results["summary"]
        assert (row["passed"], row["failed"], row["warned"], row["skipped"]) == (
            summary["pass"],
            summary["fail"] + summary["error"],
            summary["warn"],
            summary["skip"],
        )
        assert row["versions_url"] == results["target"]["versions_url"]
        assert row["report"] == f"{row['name']}/report.html"
    rows = {row["name"]: row for row in index["targets"]}
    assert [rows[n]["exit_code"] for n in ("clean-cpo", "clean-emsp", "faulty-cpo")] == [0, 0, 1]
    assert rows["clean-cpo"]["role"] == "CPO" and rows["clean-emsp"]["role"] == "EMSP"
    assert rows["clean-cpo"]["failed"] == rows["clean-emsp"]["failed"] == 0
    assert rows["clean-cpo"]["passed"] > 5 and rows["clean-emsp"]["passed"] > 5
    assert rows["faulty-cpo"]["failed"] == 1
    assert rows["faulty-cpo"]["passed"] == rows["clean-cpo"]["passed"] - 1
    faulty = json.loads((tmp_path / "reports/faulty-cpo/results.json").read_text())
    failed = [r["id"] for r in faulty["checks"] if r["outcome"] in ("fail", "error", "warn")]
    assert failed == ["credentials.token_a.revoked"]
    page = (tmp_path / "reports" / "report.html").read_text()
    for name in rows:
        assert f'href="{name}/report.html"' in page
    for done in ("[1/3]", "[2/3]", "[3/3]"):
        assert done in output
    assert "faulty-cpo: failed (exit 1), " in output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_exit_status_is_the_worst_and_no_token_shows(tmp_path: Path):
    token = "fleet-secret-token-4711"
    code, output, index = _fleet(
        tmp_path,
        f"""
[targets.down]
versions_url = "http://127.0.0.1:{_closed_port()}/ocpi/versions"
role = "emsp"
token_env = "DOWN_TOKEN"
{SELECT}

[targets.misconfigured]
mock = "cpo"
mock_faults = ["no.such_fault"]
""",
        env={"PATH": str(Path(sys.executable).parent), "DOWN_TOKEN": token},
    )
    rows = {row["name"]: row for row in index["targets"]}
    assert rows["down"]["exit_code"] == 3 and rows["down"]["verdict"] == "unreachable"
    assert rows["misconfigured"]["exit_code"] == 2
    assert "no.such_fault" in rows["misconfigured"]["message"]
    assert code == 2, output  # a configuration error ranks above an unreachable target
    written = [
        p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file()
    ]
    assert all(token not in text for text in [output, *written])
    assert "token_env" not in (tmp_path / "reports/down/target.toml").read_text()


def test_worst_exit_order():
    assert worst_exit([0, 1, 0]) == 1
    assert worst_exit([1, 3]) == 3
    assert worst_exit([3, 2, 1]) == 2
    assert worst_exit([2, 4, 0]) == 4
    assert worst_exit([0, -9]) == 2  # killed: no verdict
    assert worst_exit([]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[targets.acme]\nversions_url = "https://a/v"\nrole = "cpo"\n'
            'token_env = "T"\nrol = 1\n',
            "fleet.toml: unknown key(s) in [targets.acme]: 'rol' (did you mean 'role'?)",
        ),
        (
            '[targets.acme]\nversions_url = "https://a/v"\nrole = "cpo"\n'
            'token_env = "FLEET_TEST_UNSET_VAR"\n',
            "fleet.toml: [targets.acme]: token_env names $FLEET_TEST_UNSET_VAR, which is not set",
        ),
        (
            '[targets.acme]\nmock = "cpo"\n[targets.other]\nmock = "emsp"\n'
            '[targets.acme]\nmock = "emsp"\n',
            "fleet.toml: two targets are named 'acme'",
        ),
        (
            '[targets.acme]\nmock = "cpo"\n[targets.ACME]\nmock = "emsp"\n',
            "targets 'acme' and 'ACME' differ only in case",
        ),
        (
            '[targets.acme]\nmock = "cpo"\nversions_url = "https://a/v"\n',
            "fleet.toml: [targets.acme]: a mock target takes no versions_url",
        ),
        ('[targets.acme]\nrole = "cpo"\n', "[targets.acme]: missing versions_url, token_env"),
        (
            '[targets.acme]\nmock = "cpo"\nparty = "NL/CPA"\n',
            "[targets.acme]: party with mock = 'cpo': a party reached through a Hub is tested "
            'with mock = "hub"',
        ),
        (
            '[targets.acme]\nmock = "hub"\nrole = "cpo"\nvia_hub = true\n',
            """[targets.acme]: mock = "hub" with role = 'cpo' tests a party behind our mock Hub""",
        ),
        (
            '[targets.acme]\nmock = "hub"\nversion = "2.1.1"\n',
            '[targets.acme]: mock = "hub" with version 2.1.1: OCPI 2.1.1 has no hub role',
        ),
        (
            '[targets.acme]\nversions_url = "https://a/v"\nrole = "hub"\ntoken = "t"\n'
            'version = "2.1.1"\n',
            "[targets.acme]: role hub or via_hub with version 2.1.1",
        ),
        ("[defaults]\nmode = 'sandbox'\n", "fleet.toml: (top level): 'targets' is a required"),
    ],
)
def test_fleet_file_errors_name_the_file_target_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLEET_TEST_UNSET_VAR", raising=False)
    Path("fleet.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_fleet("fleet.toml")
    assert message in str(caught.value)
    result = CliRunner().invoke(main, ["run", "--fleet", "fleet.toml"])
    assert result.exit_code == 2 and message in result.output
    assert not Path("reports").exists()  # nothing runs until the whole file is good


def test_fleet_refuses_shared_counterpart_ports_and_single_target_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("T", "tok-zz-99")
    target = 'versions_url = "https://a/v"\nrole = "cpo"\ntoken_env = "T"\n'
    Path("fleet.toml").write_text(
        f"[targets.a]\n{target}[targets.a.counterpart]\nport = 9100\n"
        f"[targets.b]\n{target}[targets.b.counterpart]\nport = 9100\n"
    )
    result = CliRunner().invoke(main, ["run", "--fleet", "fleet.toml", "--jobs", "2"])
    assert result.exit_code == 2
    assert "targets 'a' and 'b' both want counterpart port 9100" in result.output
    result = CliRunner().invoke(main, ["run", "--fleet", "fleet.toml", "--mock", "cpo"])
    assert result.exit_code == 2 and "drop --mock" in result.output
    result = CliRunner().invoke(main, ["run", "--fleet", "fleet.toml", "--party", "NL/CPA"])
    assert result.exit_code == 2 and "drop --party" in result.output
    result = CliRunner().invoke(main, ["run", "--jobs", "2", "--mock", "cpo"])
    assert result.exit_code == 2 and "--jobs needs --fleet" in result.output
    entries = load_fleet("fleet.toml")
    assert entries[0].token == "tok-zz-99" and "tok-zz-99" not in repr(entries)


def test_a_fleet_tests_a_hub_and_parties_behind_it(tmp_path: Path):
    """Our mock Hub, one of its CPOs through it (both mock targets), and a real Hub's eMSP
    reached through it by a target table with via_hub/party: each run gets its routing."""
    from mock_party import MockConfig, create_app
    from mock_party.server import serve_in_thread

    hub = create_app(
        MockConfig(roles=("HUB",), party_id="HUB", database=str(tmp_path / "hub.sqlite"), cdrs=0)
    )
    with serve_in_thread(hub) as server:
        code, output, index = _fleet(
            tmp_path,
            f"""
[defaults]
mode = "sandbox"

[targets.our-hub]
mock = "hub"
select = "test_hub"

[targets.cpo-behind-our-hub]
mock = "hub"
role = "cpo"
via_hub = true
party = "DE/CPB"
select = "via_hub or locations"

[targets.emsp-behind-a-hub]
versions_url = "{server.url}/ocpi/versions"
token_env = "HUB_TOKEN"
role = "emsp"
via_hub = true
party = "NL/EMA"
select = "via_hub or tokens"
""",
            "--jobs",
            "2",
            env={"PATH": str(Path(sys.executable).parent), "HUB_TOKEN": hub.config["OCPI_TOKEN_A"]},
        )
    assert code == 0, output
    assert list(_schema("fleet_index.schema.json").iter_errors(index)) == []
    rows = {row["name"]: row for row in index["targets"]}
    assert {n: (r["role"], r["party"], r["mock"]) for n, r in rows.items()} == {
        "our-hub": ("HUB", None, "hub"),
        "cpo-behind-our-hub": ("CPO", "DE/CPB", "hub"),
        "emsp-behind-a-hub": ("EMSP", "NL/EMA", None),
    }
    results_schema = _schema("results.schema.json")
    found = {}
    for name, row in rows.items():
        assert row["exit_code"] == 0 and row["failed"] == row["warned"] == 0, row
        results = json.loads((tmp_path / "reports" / name / "results.json").read_text())
        assert list(results_schema.iter_errors(results)) == []
        found[name] = {r["id"]: r["outcome"] for r in results["checks"]}
        assert row["passed"] == list(found[name].values()).count("pass")
    assert found["our-hub"]["hub.routing.forwarded"] == "pass"
    assert found["our-hub"]["hub.forward.routing_headers"] == "pass"
    for behind in ("cpo-behind-our-hub", "emsp-behind-a-hub"):
        assert found[behind]["via_hub.answers_routed"] == "pass", behind
        assert not any(i.startswith("hub.") for i in found[behind])
    assert found["cpo-behind-our-hub"]["locations.objects_valid"] == "pass"
    assert found["emsp-behind-a-hub"]["tokens.objects_valid"] == "pass"
    config = (tmp_path / "reports/emsp-behind-a-hub/target.toml").read_text()
    assert '"via_hub" = true' in config and '"party" = "NL/EMA"' in config
