"""Shared fixtures for the schema tests: where the spec's tables and examples are."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO))

SCHEMA_DIR = REPO / "schemas"


def _spec_dir(env: str, default: str) -> Path:
    return (REPO / os.environ.get(env, default)).resolve()


MODEL_DIR = _spec_dir("OCPI_SPEC_MODEL", "../shared/ocpi-spec/model")
EXAMPLES_DIR = _spec_dir("OCPI_SPEC_EXAMPLES", "../shared/ocpi-spec/examples")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    if not MODEL_DIR.is_dir():
        pytest.skip(f"spec field tables not found at {MODEL_DIR}; set OCPI_SPEC_MODEL")
    return MODEL_DIR


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    if not EXAMPLES_DIR.is_dir():
        pytest.skip(f"spec examples not found at {EXAMPLES_DIR}; set OCPI_SPEC_EXAMPLES")
    return EXAMPLES_DIR


ID_BASE = "https://ocpi-conformance.dev/schemas"
# Strings tried, in order, for a pattern-constrained field; the first that fits is used.
SAMPLE_STRINGS = (
    "2024-01-01T00:00:00Z",
    "https://example.com/ocpi/versions",
    "08:00",
    "2024-01-01",
    "51.047599",
    "EUR",
    "en",
    "AB",
)


def contents(version: str, name: str) -> dict[str, Any]:
    """The schema file ``name`` of ``version`` as loaded in the registry."""
    from ocpi_core.schemas import load_registry

    return load_registry(version).contents(f"{ID_BASE}/{version}/{name}.json")


def resolve(version: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Follow $refs and drop the ``null`` branch of a nullable wrapper."""
    while "$ref" in schema:
        schema = contents(version, schema["$ref"].removesuffix(".json"))
    if "anyOf" in schema:
        (schema,) = [b for b in schema["anyOf"] if b != {"type": "null"}]
        return resolve(version, schema)
    return schema


def main_type(schema: dict[str, Any]) -> str:
    types = schema.get("type", "any")
    if isinstance(types, list):
        (types,) = [t for t in types if t != "null"]
    return str(types)


def sample(version: str, schema: dict[str, Any], *, full: bool = False, deep: bool = False) -> Any:
    """A value valid against ``schema``: required fields only, or every field with ``full``
    (on the top level only, unless ``deep``)."""
    schema = resolve(version, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "examples" in schema:
        return schema["examples"][0]
    kind = main_type(schema)
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 100)
        for text in SAMPLE_STRINGS:
            if low <= len(text) <= high and re.search(schema.get("pattern", ""), text):
                return text
        raise AssertionError(f"no sample string for {schema}")
    if kind == "integer":
        return max(schema.get("minimum", 0), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True  # Hours 2.2+: twentyfourseven=false would need regular_hours
    if kind == "array":
        count = max(schema.get("minItems", 0), 1 if full else 0)
        return [sample(version, schema["items"], full=full, deep=deep) for _ in range(count)]
    if kind == "object":
        props = schema.get("properties", {})
        names = list(props) if full else list(schema.get("required", []))
        if "oneOf" in schema:  # 2.1.1 Hours: keep only the first alternative
            first = schema["oneOf"][0]["required"]
            others = {n for alt in schema["oneOf"][1:] for n in alt["required"]}
            names = [n for n in names if n not in others] + [n for n in first if n not in names]
        if len(names) < schema.get("minProperties", 0):  # PATCH bodies without required fields
            names += [n for n in props if n not in names][: schema["minProperties"]]
        inner = full and deep
        return {name: sample(version, props[name], full=inner, deep=deep) for name in names}
    return None


class Samples:
    """The helpers above, for tests (fixtures are how a conftest shares code)."""

    contents = staticmethod(contents)
    resolve = staticmethod(resolve)
    main_type = staticmethod(main_type)
    sample = staticmethod(sample)


@pytest.fixture(scope="session")
def samples() -> Samples:
    return Samples()
