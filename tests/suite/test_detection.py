"""Rules the mock has no fault for, broken by a WSGI middleware around the mock's answers: the
check that owns the rule fails (or warns) and no other selected check does."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from suite._runner import failed
from suite._tamper import run_tampered

pytestmark = pytest.mark.slow

# tamper → (target role, checks selected with -k, the checks that must fail or warn)
CASES: dict[str, tuple[str, str, set[str]]] = {
    "duplicate_evse_uid": ("CPO", "test_locations", {"locations.evse_uids_unique"}),
    "duplicate_connector_id": ("CPO", "test_locations", {"locations.connector_ids_unique"}),
    "future_last_updated": ("CPO", "test_locations", {"locations.last_updated_not_future"}),
    "stale_parent": ("CPO", "test_locations", {"locations.parent_last_updated"}),
    "dangling_tariff": ("CPO", "test_locations", {"locations.tariff_ids_exist"}),
    "id_conflict": ("CPO", "test_locations", {"locations.ids_unique"}),
    "single_get_differs": ("CPO", "test_locations", {"locations.get_matches_list"}),
    "cdr_wrong_evse_id": ("CPO", "test_cdrs", {"cdrs.location_consistent"}),
    "cdr_other_token": ("CPO", "test_commands or test_cdrs", {"cdrs.session_consistent"}),
    "session_unknown_connector": ("CPO", "test_sessions", {"sessions.location_consistent"}),
    "routed_versions": ("EMSP", "test_transport", {"transport.config_modules_unrouted"}),
    "stale_timestamp": ("EMSP", "test_transport or test_pagination", {"transport.timestamp_valid"}),
    "locations_as_receiver": (
        "CPO",
        "test_discovery",
        {"discovery.roles_fit", "discovery.typical_modules"},
    ),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {
            name: pool.submit(run_tampered, role, name, select)
            for name, (role, select, _) in CASES.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_rule_fails_its_check_only(runs: dict[str, dict[str, Any]], name: str) -> None:
    expected = CASES[name][2]
    bad = failed(runs[name])
    assert set(bad) == expected, bad
