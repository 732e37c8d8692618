"""Negative cases generated from the schemas themselves.

For every object, class and PATCH body a minimal valid instance is built from its schema
(required fields only); it must validate. Then, one change at a time, it must be rejected when
a required field is removed, a string exceeds its maxLength by one, an int(n) gets n+1 digits,
a closed-enum field gets an unknown value, or a field gets the wrong JSON type. Open enums
(2.3.0) must accept an unknown value.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ocpi_core.schemas import VERSIONS, load_registry, schema_names, validate

ID_BASE = "https://ocpi-conformance.dev/schemas"
KINDS = ("object", "class", "patch")


def _kind(version: str, name: str) -> Any:
    return load_registry(version).contents(f"{ID_BASE}/{version}/{name}.json")["x-ocpi-kind"]


def _targets() -> list[Any]:
    params = []
    for version in VERSIONS:
        for name in schema_names(version):
            if name != "ResponseEnvelope" and _kind(version, name) in KINDS:
                params.append(pytest.param(version, name, id=f"{version}/{name}"))
    return params


def _wrong_type(kind: str) -> Any:
    return 12345 if kind in ("string", "array", "object", "boolean") else "text"


@pytest.mark.parametrize(("version", "name"), _targets())
def test_minimal_instance_valid_and_each_break_rejected(
    version: str, name: str, samples: Any
) -> None:
    schema = samples.contents(version, name)
    base = samples.sample(version, schema)
    assert validate(base, version, name) == [], f"minimal {name} should be valid: {base}"

    def rejected(document: Any, path: str, keyword: str, what: str) -> list[str]:
        found = validate(document, version, name)
        if any(v.json_path == path and v.keyword == keyword for v in found):
            return []
        return [f"{what}: expected {keyword} at {path}, got {[str(v) for v in found]}"]

    problems: list[str] = []
    for field in schema.get("required", []):
        doc = copy.deepcopy(base)
        del doc[field]
        problems += rejected(doc, "$", "required", f"without {field}")

    for field, prop in schema.get("properties", {}).items():
        item_schema = samples.resolve(version, prop)
        is_list = samples.main_type(item_schema) == "array"
        if is_list:
            item_schema = samples.resolve(version, item_schema["items"])
        path = f"$.{field}[0]" if is_list else f"$.{field}"

        def put(value: Any, field: str = field, is_list: bool = is_list) -> dict[str, Any]:
            doc = copy.deepcopy(base)
            doc[field] = [value] if is_list else value
            return doc

        if "maxLength" in item_schema:
            too_long = "A" * (item_schema["maxLength"] + 1)
            problems += rejected(put(too_long), path, "maxLength", f"{field} too long")
        if "maximum" in item_schema:
            problems += rejected(
                put(item_schema["maximum"] + 1), path, "maximum", f"{field} too big"
            )
        if "enum" in item_schema:
            problems += rejected(put("NOT_AN_OCPI_VALUE"), path, "enum", f"{field} unknown enum")
        if "examples" in item_schema:  # open enum: unknown values are fine
            found = validate(put("NEW_CUSTOM_VALUE"), version, name)
            if found:
                problems.append(f"{field}: open enum rejected a new value: {found[0]}")
        if item_schema.get("type") is not None:
            problems += rejected(
                put(_wrong_type(samples.main_type(item_schema))),
                path,
                "type",
                f"{field} wrong type",
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("version", "name"), _targets())
def test_optional_fields_take_null_and_lists_take_empty(
    version: str, name: str, samples: Any
) -> None:
    schema = samples.contents(version, name)
    base = samples.sample(version, schema)
    # A PATCH cannot remove data: fields required in the full object stay non-null there.
    full = samples.contents(version, name.removesuffix("Patch"))
    required = set(schema.get("required", [])) | set(full.get("required", []))
    for field, prop in schema.get("properties", {}).items():
        if field in required:
            continue
        doc = dict(base, **{field: None})
        if "oneOf" in schema and any(field in alt["required"] for alt in schema["oneOf"]):
            continue  # 2.1.1 Hours choice members are governed by oneOf
        assert validate(doc, version, name) == [], f"{field}: null must be accepted"
        if samples.main_type(samples.resolve(version, prop)) == "array":
            assert validate(dict(base, **{field: []}), version, name) == []


@pytest.mark.parametrize(("version", "name"), _targets())
def test_unknown_fields_are_accepted(version: str, name: str, samples: Any) -> None:
    base = samples.sample(version, samples.contents(version, name))
    assert validate(dict(base, vendor_extension_field={"any": 1}), version, name) == []
