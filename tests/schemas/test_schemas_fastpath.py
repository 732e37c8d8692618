"""jsonschema-rs and jsonschema agree on validity, document for document.

``ocpi_core.schemas`` answers "valid?" with jsonschema-rs and asks jsonschema (python) only for
the violations of invalid documents. If the two disagreed on validity, an invalid document could
pass, or an invalid one be reported with no violation. These tests compare them on the spec's
examples, on every single-field change of a full sample of every object, on the mock's Faker data
and its mutations, and on random mutations (hypothesis).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_party.fake import generate_dataset
from ocpi_core import schemas
from ocpi_core.schemas import VERSIONS, load_registry, schema_names, validate

ID_BASE = "https://ocpi-conformance.dev/schemas"
KINDS = ("object", "class", "patch", "envelope")
PROBES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    7,
    100000,
    2.5,
    5.0,
    "",
    "A" * 37,
    "x\n",
    "tab\there",
    "AVAILABLE",
    "EUR",
    "eur",
    "en",
    "NOT_A_VALUE",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00.123",
    "2024-01-01T00:00:00+00:00",
    "2024-13-01T00:00:00Z",
    "51.047599",
    "51.04759",
    "24:00",
    "https://example.com/ocpi",
    "no url",
    [],
    [None],
    ["x"],
    {},
    {"twentyfourseven": False},
)


def _targets() -> list[tuple[str, str]]:
    return [
        (version, name)
        for version in VERSIONS
        for name in schema_names(version)
        if name != "ResponseEnvelope"
        and load_registry(version).contents(f"{ID_BASE}/{version}/{name}.json")["x-ocpi-kind"]
        in KINDS
    ]


TARGETS = _targets()


def _agree(version: str, name: str, document: Any) -> None:
    fast = schemas._fast(version, name)(document)
    slow = schemas._validator(version, name).is_valid(document)
    assert fast == slow, f"{version} {name}: rust={fast} python={slow} for {document!r}"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(document)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


@pytest.mark.parametrize(("version", "name"), [pytest.param(*t, id="/".join(t)) for t in TARGETS])
def test_every_field_change_agrees(version: str, name: str, samples: Any) -> None:
    """Each field of a sample with every field set (nested objects minimal: they get their own
    run) is replaced by each probe value, and removed."""
    schema = samples.contents(version, name)
    if name == "Response":
        full = {
            "data": [],
            "status_code": 1000,
            "status_message": "ok",
            "timestamp": "2024-01-01T00:00:00Z",
        }
    else:
        full = samples.sample(version, schema, full=True)
    _agree(version, name, full)
    assert schemas._fast(version, name)(full), f"full sample of {name} should be valid: {full}"
    for probe in PROBES:
        _agree(version, name, probe)
    for path in (p for p in _paths(full) if len(p) <= 2):
        for probe in PROBES:
            _agree(version, name, _replace(full, path, probe))
        parent = _replace(full, path, None)
        # removing the field instead of replacing it
        container = parent
        for key in path[:-1]:
            container = container[key]
        if isinstance(container, dict):
            del container[path[-1]]
            _agree(version, name, parent)


MODULE_OBJECTS = {
    "locations": "Location",
    "tariffs": "Tariff",
    "tokens": "Token",
    "sessions": "Session",
    "cdrs": "CDR",
}


@pytest.mark.parametrize("version", VERSIONS)
def test_generated_data_and_its_mutations_agree(version: str) -> None:
    """The mock's data sets in every version are valid to both libraries; each object with a
    field replaced by a probe value is judged alike, and validate() reports violations for
    exactly the documents they both call invalid."""
    rng = random.Random(version)
    now = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
    invalid = valid = 0
    for seed in range(4):
        dataset = generate_dataset(
            seed=seed, now=now, version=version, locations=5, tariffs=6, tokens=6, sessions=6
        )
        for module, name in MODULE_OBJECTS.items():
            for document in dataset.module(module):
                assert schemas._fast(version, name)(document), f"{version} {name} {document}"
                _agree(version, name, document)
                paths = list(_paths(document))
                for _ in range(4):
                    mutated = _replace(document, rng.choice(paths), rng.choice(PROBES))
                    _agree(version, name, mutated)
                    ok = schemas._fast(version, name)(mutated)
                    assert (validate(mutated, version, name) == []) is ok
                    valid, invalid = valid + ok, invalid + (not ok)
    # The probes break most fields but not all: both outcomes are exercised.
    assert invalid > 200 and valid > 20, (valid, invalid)


def test_references_outside_our_files_are_never_fetched() -> None:
    with pytest.raises(Exception, match="nothing is fetched"):
        schemas.jsonschema_rs.validator_for(
            {"$ref": "https://elsewhere.example/Location.json"},
            registry=schemas._rs_registry("2.2.1"),
            retriever=schemas._refuse,
        )


def test_examples_agree(examples_dir: Path) -> None:
    checked = 0
    for version in VERSIONS:
        names = [n for v, n in TARGETS if v == version]
        for path in sorted((examples_dir / version).rglob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            nodes = [document, *(d for d in _nested(document) if isinstance(d, dict))]
            for node in nodes[:40]:
                for name in names:
                    _agree(version, name, node)
                    checked += 1
    assert checked > 10_000


def _nested(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield value
            yield from _nested(value)
    elif isinstance(node, list):
        for value in node:
            yield value
            yield from _nested(value)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from([p for p in PROBES if isinstance(p, str)]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_mutations_agree(data: st.DataObject, samples: Any) -> None:
    version, name = data.draw(st.sampled_from([t for t in TARGETS if t[1] != "Response"]))
    document = samples.sample(
        version, samples.contents(version, name), full=data.draw(st.booleans())
    )
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(document))
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        document = _replace(document, path, data.draw(JSON))
    _agree(version, name, document)
