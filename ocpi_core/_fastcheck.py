"""A fast "is this valid?" test: the JSON Schema keywords our schemas use, compiled to Python.

jsonschema stays the source of truth: it runs whenever this says "not valid", and produces every
error message. This only makes the common case (a valid document) cheap, which is what the
benchmark asks of validating 10,000 Locations. A differential test in tests/schemas holds the
two in agreement.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from typing import Any

__all__ = ["Check", "Unsupported", "compile_schema"]

Check = Callable[[Any], bool]
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


class Unsupported(Exception):
    """A keyword the fast checker does not implement: use jsonschema alone for that schema."""


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def _is_integer(v: Any) -> bool:
    if isinstance(v, float):
        return v.is_integer()
    return isinstance(v, int) and not isinstance(v, bool)


_TYPE_TESTS: dict[str, Check] = {
    "string": lambda v: type(v) is str or isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _compile(schema: Any, resolver: Any, memo: dict[str, Check]) -> Check:
    """Compile the keyword subset our schemas use into one predicate (valid -> True).

    Same semantics as jsonschema's Draft 2020-12 validator for these keywords; a differential
    test (tests/schemas) holds the two together. Only ever used to say "valid": errors always
    come from jsonschema.
    """
    if schema is True:
        return lambda v: True
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS.keys() if isinstance(schema, dict) else {0}
    if unknown:
        raise Unsupported(f"keywords {sorted(map(str, unknown))}")
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


def _specialized(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check | None:
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


def _ref(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    resolved = resolver.lookup(schema["$ref"])
    key = str(id(resolved.contents))
    if key not in memo:
        slot: list[Check] = []
        memo[key] = lambda v: slot[0](v)  # a recursive schema reaches itself through this
        slot.append(_compile(resolved.contents, resolved.resolver, memo))
        memo[key] = slot[0]
    return memo[key]


def _type(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    tests = [_TYPE_TESTS[n] for n in names]
    if names == ["string"]:
        return lambda v: isinstance(v, str)
    if names == ["string", "null"]:
        return lambda v: v is None or isinstance(v, str)
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _string_checks(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
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


def _enum(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    values = schema["enum"]
    if not all(isinstance(x, str) for x in values):
        raise Unsupported("enum with non-string values")
    allowed = frozenset(values)
    return lambda v: isinstance(v, str) and v in allowed


def _const(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    value = schema["const"]
    if isinstance(value, bool) or value is None:
        return lambda v: v is value
    if isinstance(value, str):
        return lambda v: isinstance(v, str) and v == value
    raise Unsupported("const")


def _bounds(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    low, high = schema.get("minimum"), schema.get("maximum")
    return lambda v: (
        not _is_number(v) or ((low is None or v >= low) and (high is None or v <= high))
    )


def _object_checks(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
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


def _array_checks(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    items = _compile(schema["items"], resolver, memo) if "items" in schema else None
    min_items = schema.get("minItems", 0)

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        if len(v) < min_items:
            return False
        return items is None or all(items(x) for x in v)

    return check


def _any_of(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    subs = [_compile(s, resolver, memo) for s in schema["anyOf"]]
    return lambda v: any(sub(v) for sub in subs)


def _one_of(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    subs = [_compile(s, resolver, memo) for s in schema["oneOf"]]
    return lambda v: sum(1 for sub in subs if sub(v)) == 1


def _if_then_else(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    condition = _compile(schema["if"], resolver, memo)
    then = _compile(schema.get("then", True), resolver, memo)
    otherwise = _compile(schema.get("else", True), resolver, memo)
    return lambda v: then(v) if condition(v) else otherwise(v)


def _none(schema: dict[str, Any], resolver: Any, memo: dict[str, Check]) -> Check:
    return lambda v: True


# Keyword -> builder; keywords that share a builder are compiled together, once.
_KEYWORDS: dict[str, Callable[[dict[str, Any], Any, dict[str, Check]], Check]] = {
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


def compile_schema(schema: Any, resolver: Any) -> Check:
    """One predicate for ``schema``; raises Unsupported for a keyword it does not know."""
    return _compile(schema, resolver, {})
