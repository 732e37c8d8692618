"""OCPI JSON Schema registry and validation with readable errors.

The schemas live in the ``ocpi_schemas`` package (the repository's ``schemas/`` folder), one
folder per OCPI version, one file per object/class/enum, plus ``index.json``. A registry is built
once per version and validators once per (version, object); both are immutable.

Validation has two stages. A compiled predicate (the JSON Schema keywords these files use,
turned into closures) answers "valid?" quickly; only when it says no does jsonschema run, to
produce the violations. jsonschema stays the reference: a schema using any other keyword is
checked by jsonschema alone, and tests/schemas/test_schemas_fastpath.py keeps the two in
agreement.
"""

from __future__ import annotations

import difflib
import functools
import json
import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import referencing
import referencing.exceptions
from jsonschema import validators
from jsonschema.exceptions import ValidationError, relevance
from jsonschema.protocols import Validator
from referencing.jsonschema import DRAFT202012

__all__ = [
    "VERSIONS",
    "SchemaViolation",
    "candidates",
    "load_registry",
    "schema_names",
    "validate",
]

VERSIONS: tuple[str, ...] = ("2.1.1", "2.2.1", "2.3.0")

_ID_BASE = "https://ocpi-conformance.dev/schemas"
_CANDIDATE_KINDS = ("object", "class")
_MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class SchemaViolation:
    """One way a document breaks a schema, in the suite's ``path: message (rule)`` form."""

    json_path: str
    message: str
    keyword: str
    schema_location: str
    value: object = None

    def __str__(self) -> str:
        return f"{self.json_path}: {self.message} ({self.keyword} at {self.schema_location})"


def _schema_root() -> Traversable:
    try:
        return resources.files("ocpi_schemas")
    except ModuleNotFoundError:
        # A source checkout used without `pip install -e .`: the package's folder is ../schemas.
        return Path(__file__).resolve().parent.parent / "schemas"


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(_unknown("OCPI version", version, VERSIONS))


def _unknown(what: str, given: str, choices: Sequence[str]) -> str:
    message = f"unknown {what} {given!r}"
    close = difflib.get_close_matches(given, choices, n=3)
    if close:
        message += f". Did you mean {' or '.join(repr(c) for c in close)}?"
    return f"{message} Valid choices: {', '.join(choices)}"


def _retrieve(uri: str) -> referencing.Resource[Any]:
    # Every schema is in the registry already; anything else is a typo, never a download.
    raise referencing.exceptions.NoSuchResource(ref=uri)


@functools.cache
def _index(version: str) -> dict[str, str]:
    _check_version(version)
    text = (_schema_root() / version / "index.json").read_text(encoding="utf-8")
    index: dict[str, str] = json.loads(text)
    return index


@functools.cache
def load_registry(version: str) -> referencing.Registry[Any]:
    """All schemas of one OCPI version, crawled, under their ``$id``s."""
    _check_version(version)
    folder = _schema_root() / version
    resources_: list[tuple[str, referencing.Resource[Any]]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json") or entry.name == "index.json":
            continue
        contents = json.loads(entry.read_text(encoding="utf-8"))
        resource = DRAFT202012.create_resource(contents)
        resources_.append((contents["$id"], resource))
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=_retrieve)
    return registry.with_resources(resources_).crawl()


def schema_names(version: str) -> list[str]:
    """Every name ``validate`` accepts for this version (objects, classes, enums, bodies...)."""
    return sorted(_index(version))


def _uri(version: str, name: str) -> str:
    index = _index(version)
    if name not in index:
        raise ValueError(_unknown(f"OCPI {version} object", name, sorted(index)))
    return f"{_ID_BASE}/{version}/{index[name]}"


@functools.cache
def _validator(version: str, name: str) -> Validator:
    registry = load_registry(version)
    schema = registry.contents(_uri(version, name))
    cls = validators.validator_for(schema)
    return cls(schema, registry=registry)


_Check = Callable[[Any], bool]
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "x-ocpi-kind",
        "x-ocpi-format",
    }
)


class _Unsupported(Exception):
    """A keyword the fast checker does not implement: use jsonschema alone for that schema."""


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def _is_integer(v: Any) -> bool:
    if isinstance(v, float):
        return v.is_integer()
    return isinstance(v, int) and not isinstance(v, bool)


_TYPE_TESTS: dict[str, _Check] = {
    "string": lambda v: type(v) is str or isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _compile(schema: Any, resolver: Any, memo: dict[str, _Check]) -> _Check:
    """Compile the keyword subset our schemas use into one predicate (valid -> True).

    Same semantics as jsonschema's Draft 2020-12 validator for these keywords; a differential
    test (tests/schemas) holds the two together. Only ever used to say "valid": errors always
    come from jsonschema.
    """
    if schema is True:
        return lambda v: True
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS.keys() if isinstance(schema, dict) else {0}
    if unknown:
        raise _Unsupported(f"keywords {sorted(map(str, unknown))}")
    special = _specialized(schema, resolver, memo)
    if special is not None:
        return special
    builders = list(dict.fromkeys(_KEYWORDS[k] for k in schema if k in _KEYWORDS))
    checks = [build(schema, resolver, memo) for build in builders if build is not _none]
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(check(v) for check in checks)


def _specialized(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check | None:
    """Single closures for the shapes that make up most of an OCPI document (speed only)."""
    keys = set(schema) - _ANNOTATIONS
    declared = schema.get("type")
    names = tuple(declared) if isinstance(declared, list) else (declared,)
    nullable = "null" in names
    names = tuple(n for n in names if n != "null")

    if keys == {"anyOf"} and len(schema["anyOf"]) == 2 and schema["anyOf"][1] == {"type": "null"}:
        inner = _compile(schema["anyOf"][0], resolver, memo)
        return lambda v: v is None or inner(v)

    if "enum" in schema and keys <= {"enum", "type"} and names in ((None,), ("string",)):
        allowed = frozenset(schema["enum"])
        if all(isinstance(x, str) for x in allowed) and not nullable:
            return lambda v: isinstance(v, str) and v in allowed

    if names == ("string",) and keys <= {"type", "maxLength", "minLength", "pattern"}:
        low, high = schema.get("minLength", 0), schema.get("maxLength", -1)
        search = re.compile(schema["pattern"]).search if "pattern" in schema else None

        def string(v: Any) -> bool:
            if not isinstance(v, str):
                return nullable and v is None
            if high >= 0 and len(v) > high or len(v) < low:
                return False
            return search is None or search(v) is not None

        return string

    if names == ("integer",) and keys <= {"type", "minimum", "maximum"}:
        low, high = schema.get("minimum"), schema.get("maximum")

        def integer(v: Any) -> bool:
            if type(v) is not int and not _is_integer(v):
                return nullable and v is None
            return (low is None or v >= low) and (high is None or v <= high)

        return integer

    if names == ("array",) and keys <= {"type", "items", "minItems"}:
        items = _compile(schema.get("items", True), resolver, memo)
        min_items = schema.get("minItems", 0)

        def array(v: Any) -> bool:
            if not isinstance(v, list):
                return nullable and v is None
            if len(v) < min_items:
                return False
            for x in v:  # noqa: SIM110 -- a plain loop is measurably faster here
                if not items(x):
                    return False
            return True

        return array

    if names == ("object",) and not nullable and keys <= {"type", *_OBJECT_KEYWORDS}:
        rest = {k: v for k, v in schema.items() if k not in ("type", *_FIELD_KEYWORDS)}
        extra = _compile(rest, resolver, memo) if set(rest) - _ANNOTATIONS else None
        fields = _object_checks(schema, resolver, memo)
        if extra is None:
            return lambda v: isinstance(v, dict) and fields(v)
        return lambda v: isinstance(v, dict) and fields(v) and extra(v)
    return None


_FIELD_KEYWORDS = ("properties", "required", "minProperties")
_OBJECT_KEYWORDS = (*_FIELD_KEYWORDS, "oneOf", "if", "then", "else")


def _ref(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    resolved = resolver.lookup(schema["$ref"])
    key = str(id(resolved.contents))
    if key not in memo:
        slot: list[_Check] = []
        memo[key] = lambda v: slot[0](v)  # a recursive schema reaches itself through this
        slot.append(_compile(resolved.contents, resolved.resolver, memo))
        memo[key] = slot[0]
    return memo[key]


def _type(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    tests = [_TYPE_TESTS[n] for n in names]
    if names == ["string"]:
        return lambda v: isinstance(v, str)
    if names == ["string", "null"]:
        return lambda v: v is None or isinstance(v, str)
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _string_checks(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None

    def check(v: Any) -> bool:
        if not isinstance(v, str):
            return True
        n = len(v)
        if n < low or (high is not None and n > high):
            return False
        return search is None or search(v) is not None

    return check


def _enum(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    values = schema["enum"]
    if not all(isinstance(x, str) for x in values):
        raise _Unsupported("enum with non-string values")
    allowed = frozenset(values)
    return lambda v: isinstance(v, str) and v in allowed


def _const(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    value = schema["const"]
    if isinstance(value, bool) or value is None:
        return lambda v: v is value
    if isinstance(value, str):
        return lambda v: isinstance(v, str) and v == value
    raise _Unsupported("const")


def _bounds(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    low, high = schema.get("minimum"), schema.get("maximum")
    return lambda v: (
        not _is_number(v) or ((low is None or v >= low) and (high is None or v <= high))
    )


def _object_checks(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    props = {
        name: _compile(sub, resolver, memo) for name, sub in schema.get("properties", {}).items()
    }
    required = frozenset(schema.get("required", ()))
    min_props = schema.get("minProperties", 0)
    lookup = props.get

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        if len(v) < min_props or not required <= v.keys():
            return False
        for name, value in v.items():
            sub = lookup(name)
            if sub is not None and not sub(value):
                return False
        return True

    return check


def _array_checks(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    items = _compile(schema["items"], resolver, memo) if "items" in schema else None
    min_items = schema.get("minItems", 0)

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        if len(v) < min_items:
            return False
        return items is None or all(items(x) for x in v)

    return check


def _any_of(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    subs = [_compile(s, resolver, memo) for s in schema["anyOf"]]
    return lambda v: any(sub(v) for sub in subs)


def _one_of(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    subs = [_compile(s, resolver, memo) for s in schema["oneOf"]]
    return lambda v: sum(1 for sub in subs if sub(v)) == 1


def _if_then_else(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    condition = _compile(schema["if"], resolver, memo)
    then = _compile(schema.get("then", True), resolver, memo)
    otherwise = _compile(schema.get("else", True), resolver, memo)
    return lambda v: then(v) if condition(v) else otherwise(v)


def _none(schema: dict[str, Any], resolver: Any, memo: dict[str, _Check]) -> _Check:
    return lambda v: True


# Keyword -> builder; keywords that share a builder are compiled together, once.
_KEYWORDS: dict[str, Callable[[dict[str, Any], Any, dict[str, _Check]], _Check]] = {
    "$ref": _ref,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "maxLength": _string_checks,
    "minLength": _string_checks,
    "pattern": _string_checks,
    "minimum": _bounds,
    "maximum": _bounds,
    "properties": _object_checks,
    "required": _object_checks,
    "minProperties": _object_checks,
    "items": _array_checks,
    "minItems": _array_checks,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "if": _if_then_else,
    "then": _none,
    "else": _none,
}


@functools.cache
def _fast(version: str, name: str) -> _Check:
    """Compiled validity test for (version, name); jsonschema's is_valid if not compilable."""
    registry = load_registry(version)
    uri = _uri(version, name)
    try:
        return _compile(registry.contents(uri), registry.resolver(base_uri=uri), {})
    except _Unsupported:
        return _validator(version, name).is_valid


@functools.cache
def _kind(version: str, name: str) -> str:
    return str(load_registry(version).contents(_uri(version, name)).get("x-ocpi-kind", ""))


def _is_nullable_wrapper(error: ValidationError) -> bool:
    return error.validator == "anyOf" and {"type": "null"} in error.validator_value


def _flatten(error: ValidationError) -> list[ValidationError]:
    """For ``anyOf: [{$ref: X}, {type: null}]`` report why the value fails X, not the wrapper."""
    if not (_is_nullable_wrapper(error) and error.context):
        return [error]
    null_branch = error.validator_value.index({"type": "null"})
    real = [e for e in error.context if e.relative_schema_path[0] != null_branch]
    if not real:
        return [error]
    return [flat for e in real for flat in _flatten(e)]


def _location(version: str, root: str, schema_path: Iterable[str | int]) -> str:
    """Follow a schema path through ``$ref``s to ``File.json#/pointer/to/keyword``.

    jsonschema leaves ``$ref`` out of schema paths, so a ``$ref`` is followed whenever the next
    segment is not a key of the node that holds it.
    """
    registry = load_registry(version)
    uri = _uri(version, root)
    node: Any = registry.contents(uri)
    pointer: list[str] = []
    for segment in schema_path:
        while isinstance(node, dict) and "$ref" in node and segment not in node:
            uri = urljoin(uri, node["$ref"])
            node = registry.contents(uri)
            pointer = []
        pointer.append(str(segment))
        try:
            node = node[segment]
        except (KeyError, IndexError, TypeError):
            node = None
    file = uri.rsplit("/", 1)[-1]
    return f"{file}#/{'/'.join(pointer)}"


def _cut(value: object) -> object:
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"
    if isinstance(value, str) and len(value) > _MAX_VALUE_CHARS:
        return value[: _MAX_VALUE_CHARS - 1] + "…"
    return value


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: ValidationError) -> str:
    """jsonschema's message, reworded where it would echo a regex or a whole object."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "pattern" and "x-ocpi-format" in schema:
        return f"{_short(error.instance)} is not {schema['x-ocpi-format']}"
    if error.validator == "oneOf" and not error.context:
        return (
            f"must match exactly one of {len(error.validator_value)} alternatives, matches several"
        )
    full = repr(error.instance)
    if len(full) > 80 and error.message.startswith(full):
        return _short(error.instance) + error.message[len(full) :]
    return error.message


def _rank(error: ValidationError) -> tuple[Any, ...]:
    """jsonschema's ``relevance`` as a sort key, with document order as the last tie-breaker:
    shallow errors first (more is wrong there), then strong keywords before weak ones
    (anyOf/oneOf), then jsonschema's type-match preference, then path order."""
    _depth, _path, not_weak, strong, more_relevant_type = relevance(error)
    return (
        len(error.path),
        not not_weak,
        not strong,
        not more_relevant_type,
        tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.path),
    )


def _violations(document: object, version: str, name: str, prefix: str) -> list[SchemaViolation]:
    if _fast(version, name)(document):
        return []
    errors = [f for e in _validator(version, name).iter_errors(document) for f in _flatten(e)]
    out = []
    for error in sorted(errors, key=_rank):
        path = error.json_path
        out.append(
            SchemaViolation(
                json_path=prefix + path[1:],
                message=_message(error),
                keyword=str(error.validator),
                schema_location=_location(version, name, error.absolute_schema_path),
                value=_cut(error.instance),
            )
        )
    return out


def validate(
    document: object, version: str, object_name: str, *, envelope: bool = False
) -> list[SchemaViolation]:
    """Validate ``document`` against the OCPI ``version`` schema ``object_name``.

    With ``envelope=True`` the document is a response envelope: the envelope itself is checked
    against ``Response``, then ``data`` (when present and not null) against ``object_name``,
    item by item if it is a list (paths like ``$.data[3].evses[0].uid``). Returns an empty list
    when valid, else the violations, most relevant first.
    """
    _check_version(version)
    _uri(version, object_name)  # unknown names fail before any validation
    if not envelope:
        return _violations(document, version, object_name, "$")
    found = _violations(document, version, "Response", "$")
    if not isinstance(document, dict) or document.get("data") is None:
        return found
    data = document["data"]
    if isinstance(data, list):
        for i, item in enumerate(data):
            found += _violations(item, version, object_name, f"$.data[{i}]")
    else:
        found += _violations(data, version, object_name, "$.data")
    return found


def _fit(document: object, version: str, name: str) -> float:
    """Share of the document's keys the schema declares (ranks candidates)."""
    if not isinstance(document, dict) or not document:
        return 0.0
    props = load_registry(version).contents(_uri(version, name)).get("properties", {})
    return sum(key in props for key in document) / len(document)


def candidates(document: object, version: str) -> list[str]:
    """Objects and classes of ``version`` the document is valid against, best fit first.

    Vacuous matches are left out: for a JSON object, at least half of its fields must be
    fields of the candidate (a Location is not reported as a TariffRestrictions, whose fields
    are all optional). A list is matched item by item: a name is returned when every item
    is valid against it.
    """
    _check_version(version)
    items = document if isinstance(document, list) and document else [document]
    first = items[0]
    names = [n for n in _index(version) if _kind(version, n) in _CANDIDATE_KINDS]
    valid = [
        n
        for n in names
        if (not isinstance(first, dict) or not first or _fit(first, version, n) >= 0.5)
        and all(_fast(version, n)(item) for item in items)
    ]
    return sorted(valid, key=lambda n: (-_fit(first, version, n), _kind(version, n) != "object", n))
