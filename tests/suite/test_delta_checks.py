"""pagination.delta_sync against real mocks on loopback: the demo CPO (whose churn the suite
switches on) and a CPO that churns by itself pass, in 2.2.1 and 2.1.1; a target whose data does
not change and the eMSP demo skip with the reason; the mock's stale-cache fault fails it with
the changed Locations the incremental pull left out; --churn-wait and [churn] wait reach it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.config import load_target
from suite._runner import run_suite

CHECK = "pagination.delta_sync"


def _record(results: dict) -> dict:
    return next(r for r in results["checks"] if r["id"] == CHECK)


@pytest.mark.parametrize("version", ["2.2.1", "2.1.1"])
def test_the_demo_cpo_churns_and_passes(version: str) -> None:
    record = _record(run_suite("CPO", select="delta", version=version))
    assert record["outcome"] == "pass", record["message"]


def test_a_cpo_changing_by_itself_passes_without_being_driven() -> None:
    results = run_suite("CPO", select="delta", mock={"status_churn": 360}, churn=(5, False))
    record = _record(results)
    assert record["outcome"] == "pass", record["message"]


def test_a_target_whose_data_stays_still_skips_with_the_reason() -> None:
    results = run_suite("CPO", select="delta", churn=(1, False))
    record = _record(results)
    assert record["outcome"] == "skip"
    assert "did not change within --churn-wait 1 s" in record["message"]
    assert "locations" in record["message"]
    emsp = _record(run_suite("EMSP", select="delta"))
    assert emsp["outcome"] == "skip" and "did not change" in emsp["message"]
    off = _record(run_suite("CPO", select="delta", churn=(0, True)))
    assert off["outcome"] == "skip" and "--churn-wait is 0" in off["message"]


def test_a_stale_incremental_pull_fails_naming_what_it_left_out() -> None:
    results = run_suite("CPO", ("pagination.delta_drops_changes",), select="delta")
    record = _record(results)
    assert record["outcome"] == "fail"
    message = record["message"]
    assert "Delta sync loses or repeats changes (locations)" in message
    assert "but the incremental pull left it out" in message
    assert "§4.1.4.1.2" in message


def test_churn_wait_from_the_cli_and_the_target_file(tmp_path: Path) -> None:
    target = tmp_path / "target.toml"
    target.write_text(
        '[target]\nversions_url = "http://127.0.0.1:9/ocpi/versions"\ntoken = "t"\n'
        'role = "cpo"\n[churn]\nwait = 42.5\n'
    )
    assert load_target(target).churn_wait == 42.5
    assert load_target(target, churn_wait=3).churn_wait == 3
    target.write_text(target.read_text().replace("42.5", "-1"))
    with pytest.raises(ValueError, match="wait"):
        load_target(target)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ocpi-conformance"),
            "run",
            "--mock",
            "cpo",
            "-k",
            "delta",
            "--churn-wait",
            "0",
            "--report-dir",
            "reports",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    record = _record(results)
    assert record["outcome"] == "skip" and "--churn-wait is 0" in record["message"], done.stdout
