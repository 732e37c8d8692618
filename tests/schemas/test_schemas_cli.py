"""``ocpi-conformance validate`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli_validate import validate

CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "power_type": "AC_3_PHASE",
    "max_voltage": 230,
    "max_amperage": 32,
    "last_updated": "2024-01-01T00:00:00Z",
}
EVSE: dict[str, Any] = {
    "uid": "E1",
    "status": "AVAILABLE",
    "connectors": [CONNECTOR],
    "last_updated": "2024-01-01T00:00:00Z",
}


@pytest.fixture
def write(tmp_path: Path) -> Any:
    def _write(name: str, document: Any) -> str:
        path = tmp_path / name
        path.write_text(
            document if isinstance(document, str) else json.dumps(document), encoding="utf-8"
        )
        return str(path)

    return _write


def run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(validate, list(args), input=stdin)


def test_valid_document_prints_ok_and_exits_0(write: Any) -> None:
    path = write("evse.json", EVSE)
    result = run(path, "--object", "EVSE")
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: OK, valid OCPI 2.2.1 EVSE\n"


def test_each_violation_is_one_line_and_exit_1(write: Any) -> None:
    broken = dict(EVSE, status="FOO", connectors=[dict(CONNECTOR, max_voltage="230")])
    path = write("evse.json", broken)
    result = run(path, "--object", "EVSE", "--version", "2.2.1")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: $.status: 'FOO' is not one of ['AVAILABLE', 'BLOCKED', 'CHARGING', "
        "'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN'] "
        "(enum at Status.json#/enum)",
        f"{path}: $.connectors[0].max_voltage: '230' is not of type 'integer' "
        "(type at Connector.json#/properties/max_voltage/type)",
    ]


def test_several_files_worst_exit_code_wins(write: Any) -> None:
    good = write("good.json", EVSE)
    bad = write("bad.json", dict(EVSE, uid=None))
    result = run(good, bad, "--object", "EVSE")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{good}: OK, valid OCPI 2.2.1 EVSE"
    assert lines[1].startswith(f"{bad}: $.uid: None is not of type 'string'")


def test_stdin(write: Any) -> None:
    result = run("-", "--object", "Connector", stdin=json.dumps(CONNECTOR))
    assert result.exit_code == 0
    assert result.output == "<stdin>: OK, valid OCPI 2.2.1 Connector\n"


def test_bad_json_names_line_and_column_and_exits_2(write: Any) -> None:
    path = write("broken.json", '{\n  "uid": "E1",\n  "status": AVAILABLE\n}')
    good = write("good.json", EVSE)
    result = run(path, good, "--object", "EVSE")
    assert result.exit_code == 2
    assert f"{path}: invalid JSON at line 3, column 13: Expecting value" in result.output
    assert f"{good}: OK" in result.output  # the other files are still checked


def test_envelope(write: Any) -> None:
    envelope = {
        "data": [EVSE, dict(EVSE, uid="x" * 37)],
        "status_code": 1000,
        "timestamp": "2024-01-01T00:00:00Z",
    }
    result = run(write("page.json", envelope), "--object", "EVSE", "--envelope")
    assert result.exit_code == 1
    assert (
        "$.data[1].uid: 'xxxxxxxx" in result.output and "(maxLength at EVSE.json#" in result.output
    )
    envelope["data"].pop()
    result = run(write("page.json", envelope), "--object", "EVSE", "--envelope")
    assert result.exit_code == 0
    assert result.output.endswith("OK, valid OCPI 2.2.1 EVSE in a response envelope (1 item)\n")


def test_envelope_hint_when_flag_forgotten(write: Any) -> None:
    envelope = {"data": EVSE, "status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}
    result = run(write("r.json", envelope), "--object", "EVSE")
    assert result.exit_code == 1
    assert "hint: this looks like a response envelope; add --envelope" in result.output


def test_without_object_lists_candidates(write: Any) -> None:
    path = write("c.json", CONNECTOR)
    result = run(path)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == f"{path}: valid as OCPI 2.2.1 Connector"


def test_without_object_nothing_fits_points_to_closest(write: Any) -> None:
    path = write("c.json", dict(CONNECTOR, power_type="AC"))
    result = run(path, "--version", "2.2.1")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: matches no OCPI 2.2.1 object or class",
        f"{path}: closest: Connector (1 violation); see them with --object NAME",
    ]


def test_open_enum_values_accepted_in_2_3_0(write: Any) -> None:
    path = write("c.json", dict(CONNECTOR, standard="BRAND_NEW_PLUG"))
    assert run(path, "--object", "Connector", "--version", "2.3.0").exit_code == 0
    assert run(path, "--object", "Connector", "--version", "2.2.1").exit_code == 1


def test_unknown_object_is_a_usage_error_with_suggestion(write: Any) -> None:
    result = run(write("x.json", {}), "--object", "Conector")
    assert result.exit_code == 2
    assert "'Conector' is not an OCPI 2.2.1 schema. Did you mean Connector" in result.output


def test_unknown_version_is_a_usage_error(write: Any) -> None:
    result = run(write("x.json", {}), "--version", "2.2", "--object", "EVSE")
    assert result.exit_code == 2
    assert "'2.2' is not one of '2.1.1', '2.2.1', '2.3.0'" in result.output


def test_missing_file_is_a_usage_error() -> None:
    result = run("/nonexistent/file.json", "--object", "EVSE")
    assert result.exit_code == 2


def test_help_explains_usage() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for text in ("--object NAME", "--envelope", "--version", "- for standard input", "Exit status"):
        assert text in result.output
