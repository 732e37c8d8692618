"""The suite per OCPI version: against the clean mock every version the mock serves passes, and
the mock's faults trip, in that version, the checks of theirs that apply to it and nothing else.

2.2.1 has its full matrix in test_fault_matrix.py; this file covers the other versions as the
mock learns to serve them (a version it does not serve yet is skipped). To keep the project's
test time down, only a sample of faults runs per version unless OCPI_FULL_VERSION_MATRIX=1.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from mock_party.config import SUPPORTED_VERSIONS
from mock_party.faults import FAULTS
from suite._runner import failed, run_suite

pytestmark = pytest.mark.slow

OTHER_VERSIONS = ("2.1.1", "2.3.0")
CLEAN = "(no fault)"
FULL = os.environ.get("OCPI_FULL_VERSION_MATRIX") == "1"
# a fault of a rule every version has, and one of a rule 2.1.1 does not have
SAMPLE = ("credentials.repeat_post_accepted", "transport.request_id_not_echoed")


def _catalogue() -> dict[str, dict[str, Any]]:
    from conformance.catalogue import collect_checks

    return {check["id"]: check for check in collect_checks()}


def _faults() -> list[str]:
    return sorted(FAULTS) if FULL else [f for f in SAMPLE if f in FAULTS]


def _jobs(version: str, catalogue: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    jobs = [(CLEAN, "CPO"), (CLEAN, "EMSP")]
    for fault_id in _faults():
        trips = [catalogue[t] for t in FAULTS[fault_id].trips if t in catalogue]
        roles = {r for t in trips if version in t["versions"] for r in t["roles"][:1]} or {"CPO"}
        jobs += [(fault_id, role) for role in sorted(roles)]
    return jobs


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict[str, Any]]:
    return _catalogue()


@pytest.fixture(scope="module")
def matrix(catalogue: dict[str, dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(version, fault, role) → results.json, for every version the mock serves besides 2.2.1."""
    jobs = [
        (version, fault, role)
        for version in OTHER_VERSIONS
        if version in SUPPORTED_VERSIONS
        for fault, role in _jobs(version, catalogue)
    ]
    if not jobs:
        return {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {
            job: pool.submit(
                run_suite,
                job[2],
                () if job[1] == CLEAN else (job[1],),
                version=job[0],
                mock={} if job[1] == CLEAN else dict(FAULTS[job[1]].config),
            )
            for job in jobs
        }
        return {job: future.result() for job, future in futures.items()}


def _served(version: str) -> None:
    if version not in SUPPORTED_VERSIONS:
        pytest.skip(f"the mock does not serve OCPI {version} yet")


@pytest.mark.parametrize("version", OTHER_VERSIONS)
@pytest.mark.parametrize("role", ["CPO", "EMSP"])
def test_clean_mock_passes_in_each_version(matrix: dict, version: str, role: str) -> None:
    _served(version)
    results = matrix[(version, CLEAN, role)]
    assert results["target"]["version"] == version
    assert failed(results) == {}
    assert results["summary"]["pass"] > 0


@pytest.mark.parametrize("version", OTHER_VERSIONS)
@pytest.mark.parametrize("fault_id", _faults())
def test_fault_trips_its_checks_of_the_version_and_nothing_else(
    matrix: dict, catalogue: dict[str, dict[str, Any]], version: str, fault_id: str
) -> None:
    _served(version)
    applying = {
        t for t in FAULTS[fault_id].trips if t in catalogue and version in catalogue[t]["versions"]
    }
    tripped: set[str] = set()
    for (v, fault, _), results in matrix.items():
        if v == version and fault == fault_id:
            tripped |= set(failed(results))
    assert tripped <= applying, f"{fault_id} in {version} also tripped {tripped - applying}"
    if applying:
        assert tripped, f"{fault_id} in {version} tripped none of {sorted(applying)}"
