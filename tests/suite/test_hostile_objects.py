"""The suite's cross-object rules (conformance.crossrules) against objects spoiled the way the
hostile target spoils them (tests/suite/_hostile_data.py, driven from our schemas): whatever
field holds whatever JSON type, a rule answers with findings, never with an exception.

Property-based (hypothesis) over the mock's own Faker data, derandomized so CI serves the same
examples every run. The hand-picked cases are the crashes the hostile target found first.
"""

from __future__ import annotations

import copy
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import crossrules as rules
from conformance.crossrules import describe_key
from mock_party.fake.datasets import generate_dataset
from suite import _hostile_data as hd

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DATA = generate_dataset(seed=16, now=NOW, locations=3, tariffs=3, tokens=3, sessions=3, cdrs=3)
SCHEMAS = {"locations": "Location", "tariffs": "Tariff", "tokens": "Token"}
SCHEMAS |= {"sessions": "Session", "cdrs": "CDR"}
SETTINGS = settings(
    max_examples=int(os.environ.get("OCPI_HOSTILE_EXAMPLES", "200")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


def _candidates(module: str, value: dict[str, Any]) -> list[hd.Mutation | None]:
    schema = hd.load("2.2.1", SCHEMAS[module])
    found: list[hd.Mutation | None] = [None]
    for site in hd.sites("2.2.1", value, schema):
        holder: Any = value
        for step in site.path:
            holder = holder[step]
        found += hd.mutations(site, holder)
    return found


@st.composite
def spoiling(draw: st.DrawFn) -> tuple[str, int, list[hd.Mutation | None]]:
    """(module, which object, one to three schema-driven inputs put into it in turn)."""
    module = draw(st.sampled_from(sorted(SCHEMAS)))
    index = draw(st.integers(0, len(DATA.module(module)) - 1))
    candidates = _candidates(module, DATA.module(module)[index])
    return module, index, draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3))


def _spoiled(module: str, index: int, inputs: list[hd.Mutation | None]) -> dict[str, list]:
    objects = {name: [copy.deepcopy(o) for o in DATA.module(name)] for name in SCHEMAS}
    schema = hd.load("2.2.1", SCHEMAS[module])
    value = objects[module][index]
    for mutation in inputs:
        try:
            if mutation is None:
                value = hd.nulls_everywhere("2.2.1", value, schema)
            else:
                value = hd.apply(value, mutation)
        except (KeyError, IndexError, TypeError):  # an earlier input removed that field
            continue
    objects[module][index] = value
    return objects


def _every_rule(objects: dict[str, list[dict[str, Any]]]) -> None:
    locations, tariffs = objects["locations"], objects["tariffs"]
    for module, items in objects.items():
        rules.repeated_keys(module, items)
        rules.conflicting_ids(module, items)
        for item in items:
            rules.future_last_updated(item, NOW, timedelta(minutes=5))
            rules.differences(item, DATA.module(module)[0])
            rules.pushed_differences(DATA.module(module)[0], item)
    for location in locations:
        rules.duplicate_evse_uids(location)
        rules.duplicate_connector_ids(location)
        rules.stale_parents(location)
    rules.missing_tariff_ids(locations, tariffs)
    for session in objects["sessions"]:
        rules.session_location_problems(session, locations)
    for cdr in objects["cdrs"]:
        rules.cdr_location_problems(cdr, locations)
        rules.cdr_session_problems(cdr, objects["sessions"])


@SETTINGS
@given(spoiling())
def test_cross_object_rules_never_raise_on_spoiled_objects(case) -> None:
    _every_rule(_spoiled(*case))


# (module, what the hostile target put there): the crashes it found first
FIRST_CRASHES = [
    ("tokens", lambda o: o.update(uid=["A1"])),  # tokens.ids_unique: unhashable key
    ("locations", lambda o: o.update(id={"id": "L1"})),  # pagination.page_unique
    ("sessions", lambda o: o.update(country_code=["NL"])),  # pagination.delta_sync
    ("cdrs", lambda o: o.update(cdr_token=[o["cdr_token"]])),  # cdrs.session_consistent
    ("cdrs", lambda o: o.update(cdr_location="hostile")),
]


@pytest.mark.parametrize(("module", "spoil"), FIRST_CRASHES)
def test_the_first_crashes_are_findings_or_nothing(module, spoil) -> None:
    objects = {name: [copy.deepcopy(o) for o in DATA.module(name)] for name in SCHEMAS}
    spoil(objects[module][0])
    _every_rule(objects)
    key = rules.object_key(module, objects[module][0])
    assert hash(key) is not None


@pytest.mark.parametrize("item", ["hostile", 7, None, ["L1"]])
def test_a_page_item_that_is_no_object_has_a_key(item) -> None:
    # pagination.offset_applied compared the keys of raw page items
    assert describe_key(rules.object_key("tokens", item)).startswith("(not an object)")
