"""Census: every field of every table in the spec model is in our schemas, with the same facts.

The spec's tables (``$OCPI_SPEC_MODEL``/<version>.json, extracted from the asciidoc/markdown
tables) are compared field by field with the committed schema files: type, cardinality
(required / nullable / list / non-empty list), max length (``int(n)``: at most n digits), min
length, enum values, open-enum known values. Every difference must be listed in DEVIATIONS
with the clause that justifies it; an unused DEVIATIONS entry fails too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ocpi_core.schemas import VERSIONS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
EXTRA_TABLES = {"2.3.0": ("2.3.0-bookings-module", "2.3.0-ed2-invoice-reconciliation-module")}

# Spec type names that differ from our file names.
RENAMES = {
    "ResponseEnvelope": "Response",  # our envelope file; index.json also maps the spec name
    "Financial Advice Confirmation": "FinancialAdviceConfirmation",  # 2.3.0 mod_payments: no spaces
    # 2.3.0 Bookings tables link these names to the classes Timeslot / BookingToken (digest §5.10)
    "TimeSlot": "Timeslot",
    "BookingTokens": "BookingToken",
}

# (version, type, field, aspect) -> (what our schema has instead, why). "*" = every version.
DEVIATIONS: dict[tuple[str, str, str, str], tuple[object, str]] = {
    ("2.2.1", "Location", "address", "maxlen"): (
        255,
        "erratum release-2.2.1-bugfixes (digest §0.3)",
    ),
    ("2.2.1", "Location", "state", "maxlen"): (45, "erratum release-2.2.1-bugfixes (digest §0.3)"),
    ("2.2.1", "SignedValue", "plain_data", "maxlen"): (
        5000,
        "erratum release-2.2.1-bugfixes (digest §0.3)",
    ),
    ("2.3.0", "Location", "address", "maxlen"): (255, "erratum 2.3.0 edition 2 (digest §0.3)"),
    ("2.3.0", "Location", "state", "maxlen"): (45, "erratum 2.3.0 edition 2 (digest §0.3)"),
    ("2.3.0", "SignedValue", "plain_data", "maxlen"): (
        5000,
        "erratum 2.3.0 edition 2 (digest §0.3)",
    ),
    # The tables type `data` as "Array" with card "* or ?"; transport_and_format says it is a
    # list, an object or a string, and may be absent: we accept any JSON value.
    ("*", "ResponseEnvelope", "data", "type"): ("any", "transport_and_format: Response format"),
    ("*", "ResponseEnvelope", "data", "card"): (
        "optional",
        "transport_and_format: Response format",
    ),
    # int(1) would allow 0..9; the field's text says 1 = Monday .. 7 = Sunday.
    ("*", "RegularHours", "weekday", "maxlen"): (7, "mod_locations RegularHours: weekday 1..7"),
}


@dataclass
class Census:
    types: int = 0
    fields: int = 0
    enum_values: int = 0
    used: set[tuple[str, str, str, str]] = field(default_factory=set)


def _model(model_dir: Path, version: str) -> dict[str, dict[str, Any]]:
    types: dict[str, dict[str, Any]] = {}
    for name in (version, *EXTRA_TABLES.get(version, ())):
        types.update(json.loads((model_dir / f"{name}.json").read_text(encoding="utf-8"))["types"])
    return types


def _schema(version: str, name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / version / f"{RENAMES.get(name, name)}.json"
    assert path.is_file(), f"no schema file for {version} {name}"
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Shape:
    """What a property schema says, in the spec's terms."""

    json_type: str  # string/integer/number/boolean, "ref:<Name>", or "any"
    nullable: bool
    array: bool
    min_items: int
    item: dict[str, Any]


def _shape(prop: dict[str, Any]) -> Shape:
    nullable = False
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b != {"type": "null"}]
        nullable = len(branches) < len(prop["anyOf"])
        assert len(branches) == 1, prop
        prop = branches[0]
    types = prop.get("type")
    if isinstance(types, list):
        nullable = nullable or "null" in types
        (types,) = [t for t in types if t != "null"]
    if types == "array":
        item = prop["items"]
        inner = _shape(item)
        return Shape(inner.json_type, nullable, True, prop.get("minItems", 0), inner.item)
    if "$ref" in prop:
        return Shape("ref:" + prop["$ref"].removesuffix(".json"), nullable, False, 0, prop)
    return Shape(types or "any", nullable, False, 0, prop)


PRIMITIVES = {
    "string": "string",
    "String": "string",
    "CiString": "string",
    "DateTime": "string",
    "URL": "string",
    "int": "integer",
    "number": "number",
    "boolean": "boolean",
}


def _deviation(census: Census, version: str, type_name: str, name: str, aspect: str) -> Any:
    for key in ((version, type_name, name, aspect), ("*", type_name, name, aspect)):
        if key in DEVIATIONS:
            census.used.add(key)
            return DEVIATIONS[key][0]
    return None


def _check_field(
    census: Census, version: str, type_name: str, spec: dict[str, Any], schema: dict[str, Any]
) -> list[str]:
    name = spec["name"]
    where = f"{version} {type_name}.{name}"
    props = schema.get("properties", {})
    if name not in props:
        return [f"{where}: missing from {schema['title']}.json"]
    problems: list[str] = []
    shape = _shape(props[name])
    required = name in schema.get("required", [])
    card = spec["card"]

    if _deviation(census, version, type_name, name, "card") is None:
        if spec.get("choice_group"):
            expected = {"required": [name]}
            if expected not in schema.get("oneOf", []):
                problems.append(f"{where}: choice group member not in oneOf")
            required = card in ("1", "+")  # the choice stands in for `required`
        want = {
            "1": (True, False, False, 0),
            "?": (False, True, False, 0),
            "*": (False, True, True, 0),
            "+": (True, False, True, 1),
        }[card]
        got = (required, shape.nullable, shape.array, shape.min_items)
        if got != want:
            problems.append(
                f"{where}: card {card} wants (required, nullable, list, minItems)={want}, got {got}"
            )

    spec_type = spec["type"]
    if _deviation(census, version, type_name, name, "type") is None:
        expected_type = PRIMITIVES.get(spec_type) or "ref:" + RENAMES.get(spec_type, spec_type)
        if shape.json_type != expected_type:
            problems.append(
                f"{where}: type {spec_type} expects {expected_type}, got {shape.json_type}"
            )
        if spec_type in ("DateTime", "URL", "CiString"):
            primitive = _schema(version, spec_type)
            for key in ("pattern", "maxLength"):
                if key in primitive and key not in spec and shape.item.get(key) != primitive[key]:
                    problems.append(f"{where}: {key} differs from {spec_type}.json")

    if "maxlen" in spec:
        limit = _deviation(census, version, type_name, name, "maxlen")
        if spec_type == "int":
            expected_max, got = 10 ** spec["maxlen"] - 1, shape.item.get("maximum")
        else:
            expected_max, got = spec["maxlen"], shape.item.get("maxLength")
        if got != (limit if limit is not None else expected_max):
            problems.append(f"{where}: max {expected_max} (deviation {limit}) but schema has {got}")
    if "minlen" in spec and shape.item.get("minLength") != spec["minlen"]:
        problems.append(f"{where}: minLength {spec['minlen']} expected")
    return problems


def _check_type(census: Census, version: str, name: str, spec: dict[str, Any]) -> list[str]:
    schema = _schema(version, name)
    census.types += 1
    kind = spec["kind"]
    expected_kind = "envelope" if name == "ResponseEnvelope" else kind
    if schema.get("x-ocpi-kind") != expected_kind:
        return [f"{version} {name}: kind {kind}, schema says {schema.get('x-ocpi-kind')}"]
    if kind in ("enum", "openenum"):
        census.enum_values += len(spec["values"])
        if kind == "enum" and schema.get("enum") != spec["values"]:
            return [
                f"{version} {name}: enum values differ: {schema.get('enum')} != {spec['values']}"
            ]
        if kind == "openenum" and ("enum" in schema or schema.get("examples") != spec["values"]):
            return [f"{version} {name}: open enum must list known values as examples only"]
        return []
    problems: list[str] = []
    for field_spec in spec["fields"]:
        census.fields += 1
        problems += _check_field(census, version, name, field_spec, schema)
    extra = set(schema.get("properties", {})) - {f["name"] for f in spec["fields"]}
    if extra:
        problems.append(f"{version} {name}: properties not in the spec table: {sorted(extra)}")
    return problems


@pytest.mark.parametrize("version", VERSIONS)
def test_census(
    version: str,
    model_dir: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    census = Census()
    model = _model(model_dir, version)
    problems: list[str] = []
    for name, spec in model.items():
        problems += _check_type(census, version, name, spec)

    # Every spec-named schema we ship comes from the tables (others are PATCH bodies, scalar
    # types and the envelope, which the census does not cover).
    ours = {p.stem for p in (SCHEMA_DIR / version).glob("*.json")} - {"index"}
    named = {RENAMES.get(n, n) for n in model}
    extras = {n for n in ours - named if not n.endswith("Patch")}
    assert extras <= {"string", "CiString", "DateTime", "URL"}, extras

    assert not problems, "\n".join(problems)
    summary = (
        f"census {version}: {census.types} types, {census.fields} fields and "
        f"{census.enum_values} enum values match the spec tables; "
        f"{len(census.used)} documented deviations"
    )
    request.node.user_properties.append(("census", summary))
    with capsys.disabled():  # shown with or without -s
        print(f"\n{summary}")
    unused = {k for k in DEVIATIONS if k[0] in (version, "*")} - census.used
    assert not {k for k in unused if k[0] == version}, f"unused deviations: {unused}"


def test_every_wildcard_deviation_is_used(model_dir: Path) -> None:
    census = Census()
    for version in VERSIONS:
        for name, spec in _model(model_dir, version).items():
            _check_type(census, version, name, spec)
    assert {k for k in DEVIATIONS if k[0] == "*"} <= census.used
