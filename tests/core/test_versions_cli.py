"""``run --version``: the version choice, ``--version all`` with its per-version reports and
index, and the skips of checks that do not apply to a version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main as conformance_cli
from conformance.report import check_meta
from mock_party.config import SUPPORTED_VERSIONS


def test_version_all_runs_every_version_the_mock_serves(tmp_path: Path):
    result = CliRunner().invoke(
        conformance_cli,
        [
            "run",
            "--mock",
            "cpo",
            "--version",
            "all",
            "--report-dir",
            str(tmp_path),
            "-k",
            "versions",
        ],
    )
    assert result.exit_code == 0, result.output
    index = json.loads((tmp_path / "results.json").read_text())
    assert list(index["versions"]) == list(SUPPORTED_VERSIONS)
    for version, section in index["versions"].items():
        assert section["target"]["version"] == version
        assert section["summary"]["must_failed"] == 0
        assert (tmp_path / version / "report.html").exists()
    assert "2.2.1/report.html" in (tmp_path / "report.html").read_text()


def test_a_version_the_mock_does_not_serve_is_a_usage_error(tmp_path: Path, monkeypatch):
    import conformance.counterpart

    monkeypatch.setattr(conformance.counterpart, "MOCK_VERSIONS", ("2.2.1",))
    result = CliRunner().invoke(
        conformance_cli,
        ["run", "--mock", "cpo", "--version", "2.1.1", "--report-dir", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "the mock does not serve OCPI 2.1.1 yet (it serves 2.2.1)" in result.output


class _Skips:
    def __init__(self) -> None:
        self.reasons: dict[str, str] = {}
        self.specs: dict[str, str] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            meta = check_meta(item)
            skip = item.get_closest_marker("skip")
            if meta is not None:
                self.specs[meta["id"]] = dict(item.user_properties)["spec"]
                if skip is not None:
                    self.reasons[meta["id"]] = skip.kwargs["reason"]


def _collect(version: str) -> _Skips:
    from conformance.catalogue import checks_args

    skips = _Skips()
    pytest.main(
        [
            *checks_args(),
            "--collect-only",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:terminal",
            "--ocpi-versions-url",
            "http://127.0.0.1:9/versions",
            "--ocpi-token",
            "t",
            "--ocpi-role",
            "cpo",
            "--ocpi-mode",
            "destructive",
            "--ocpi-version",
            version,
        ],
        plugins=[skips],
    )
    return skips


def test_checks_not_applying_to_211_are_skipped_with_the_reason():
    collected = _collect("2.1.1")
    assert collected.reasons["chargingprofiles.set"] == (
        "does not apply to 2.1.1: OCPI 2.1.1 has no chargingprofiles module"
    )
    assert collected.reasons["client.message_ids"] == (
        "does not apply to 2.1.1 (OCPI 2.2.1, 2.3.0 only)"
    )
    assert "auth.plain_accepted" not in collected.reasons
    assert collected.reasons["auth.base64_accepted"].startswith("does not apply to 2.1.1")
    assert collected.specs["locations.objects_valid"] == "2.1.1 locations §3.1 Location Object"


def test_checks_of_230_keep_their_ids_and_get_230_anchors():
    collected = _collect("2.3.0")
    assert collected.reasons["auth.plain_accepted"] == "does not apply to 2.3.0 (OCPI 2.1.1 only)"
    assert "chargingprofiles.set" not in collected.reasons
    assert collected.specs["locations.objects_valid"] == "2.3.0 §8.3.1 Location Object"
