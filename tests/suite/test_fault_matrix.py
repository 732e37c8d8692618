"""The fault matrix: for every fault the mock can inject, the suite fails (or warns on) the checks
that target that rule, and nothing else; the clean mock passes without a failure or a warning.

Every run is the whole suite, in process (pytest.main with --ocpi-results), against a fresh mock
on a loopback port; the runs share two worker processes. A fault is run against the role(s) whose
checks it trips: CPO for most, eMSP too when a tripped check applies to eMSP targets only, a mock
Hub for the checks of Hub targets, the hub's CPO NL/CPA through a mock Hub ("VIA_HUB") for the
via_hub checks of a target reached through a Hub. A fault whose checks exist in another version
only (the 2.3.0 Payments module) runs in that version.
"""

from __future__ import annotations

import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from mock_party.faults import FAULTS, Fault
from suite._runner import failed, run_suite, run_via_hub

pytestmark = pytest.mark.slow

CLEAN = "(no fault)"
VIA_HUB = "VIA_HUB"  # a CPO behind a mock Hub: the Hub's faults seen through it
VIA_HUB_PARTY = "NL/CPA"  # one of the hub's own CPOs (mock_party.hub.parties)

# Checks that fail with a fault besides its declared trips, because the fault breaks more than
# its one rule; mock_party/faults.py should list them as trips (then they can go from here).


BASE = "2.2.1"


def _catalogue() -> dict[str, tuple[str, ...]]:
    from conformance.catalogue import collect_checks

    return {check["id"]: tuple(check["roles"]) for check in collect_checks()}


@functools.cache
def _versions() -> dict[str, tuple[str, ...]]:
    from conformance.catalogue import collect_checks

    return {check["id"]: tuple(check["versions"]) for check in collect_checks()}


def _version(fault: Fault, versions: dict[str, tuple[str, ...]]) -> str:
    """2.2.1, unless none of the fault's known checks applies to it."""
    applying = [versions[t] for t in fault.trips if t in versions]
    if not applying or any(BASE in v for v in applying):
        return BASE
    return applying[0][0]


def _known(fault: Fault, catalogue: dict[str, tuple[str, ...]], version: str) -> set[str]:
    versions = _versions()
    return {t for t in fault.trips if t in catalogue and version in versions[t]}


def _roles(fault: Fault, catalogue: dict[str, tuple[str, ...]]) -> list[str]:
    known = [t for t in _known(fault, catalogue, _version(fault, _versions())) if t in catalogue]
    roles = set()
    if any(t.startswith("via_hub.") for t in known):
        roles.add(VIA_HUB)
        known = [t for t in known if not t.startswith("via_hub.")]
        if not known:
            return sorted(roles)
    if not known or any("CPO" in catalogue[t] for t in known):
        roles.add("CPO")
    if any("CPO" not in catalogue[t] and "EMSP" in catalogue[t] for t in known):
        roles.add("EMSP")
    if any(catalogue[t] == ("HUB",) for t in known):
        roles.add("HUB")
    return sorted(roles)


@pytest.fixture(scope="module")
def catalogue() -> dict[str, tuple[str, ...]]:
    return _catalogue()


@pytest.fixture(scope="module")
def matrix(catalogue: dict[str, tuple[str, ...]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every run of the matrix: (fault, role) → results.json."""
    jobs = [(CLEAN, "CPO"), (CLEAN, "EMSP"), (CLEAN, "HUB")]
    versions = _versions()
    for fault in FAULTS.values():
        if not fault.trips or any(t in catalogue for t in fault.trips):
            jobs += [(fault.id, role) for role in _roles(fault, catalogue)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {job: _submit(pool, *job, versions) for job in jobs}
        return {job: future.result() for job, future in futures.items()}


def _submit(pool: ProcessPoolExecutor, fault_id: str, role: str, versions: dict) -> Any:
    faults = () if fault_id == CLEAN else (fault_id,)
    version = BASE if fault_id == CLEAN else _version(FAULTS[fault_id], versions)
    mock = {} if fault_id == CLEAN else dict(FAULTS[fault_id].config)
    if role == VIA_HUB:
        return pool.submit(run_via_hub, "CPO", VIA_HUB_PARTY, faults, version=version, mock=mock)
    return pool.submit(run_suite, role, faults, version=version, mock=mock)


@pytest.mark.parametrize("role", ["CPO", "EMSP", "HUB"])
def test_clean_mock_passes(matrix: dict, role: str) -> None:
    results = matrix[(CLEAN, role)]
    assert failed(results) == {}
    assert results["summary"]["pass"] > 0


@pytest.mark.parametrize("fault_id", sorted(FAULTS))
def test_fault_trips_its_checks_and_nothing_else(
    matrix: dict, catalogue: dict[str, tuple[str, ...]], fault_id: str
) -> None:
    fault = FAULTS[fault_id]
    known = _known(fault, catalogue, _version(fault, _versions()))
    if fault.trips and not known:
        pytest.skip(f"none of the checks it trips exists yet: {', '.join(fault.trips)}")
    allowed = set(fault.trips)
    tripped: set[str] = set()
    for role in _roles(fault, catalogue):
        results = matrix[(fault_id, role)]
        bad = failed(results)
        unrelated = {k: v for k, v in bad.items() if k not in allowed}
        assert not unrelated, f"{fault_id} against a mock {role} also fails: {unrelated}"
        tripped |= set(bad)
    missed = known - tripped
    assert not missed, f"{fault_id} does not trip {sorted(missed)}"
