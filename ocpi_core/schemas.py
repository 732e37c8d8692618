"""OCPI JSON Schema registry and validation with readable errors.

The schemas live in the ``ocpi_schemas`` package (the repository's ``schemas/`` folder), one
folder per OCPI version, one file per object/class/enum, plus ``index.json``. A registry is built
once per version and validators once per (version, object); both are immutable.

Validation has two stages, both maintained JSON Schema implementations (draft 2020-12, ``$ref``
across our files through a registry that refuses to fetch anything else):

- jsonschema-rs answers "valid?" (``is_valid``): about 60,000 Locations/s, where jsonschema
  alone manages about 600 (bench/bench_schemas.py).
- Only when it says no, jsonschema (python) runs to produce the violations. We compared the two
  libraries' reports and keep jsonschema's: jsonschema-rs cuts an ``enum`` message to two allowed
  values and "or N other candidates" (the developer wants the list), echoes objects as key-sorted
  compact JSON instead of what was sent, and has no counterpart to jsonschema's ``relevance``,
  which puts the most telling error first; its paths are as good, not better than ours. The
  messages (Python reprs, as the suite's reports have always shown) stay as they were.

tests/schemas/test_schemas_fastpath.py holds the two libraries in agreement on validity.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema_rs
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


def _refuse(uri: str) -> Any:
    """jsonschema-rs's retriever: the same rule, nothing is ever downloaded."""
    raise ValueError(f"{uri} is not one of the OCPI schema files; nothing is fetched")


@functools.cache
def _index(version: str) -> dict[str, str]:
    _check_version(version)
    text = (_schema_root() / version / "index.json").read_text(encoding="utf-8")
    index: dict[str, str] = json.loads(text)
    return index


@functools.cache
def _documents(version: str) -> tuple[tuple[str, Any], ...]:
    """Every schema file of one OCPI version as (``$id``, contents), in file name order."""
    _check_version(version)
    folder = _schema_root() / version
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json") or entry.name == "index.json":
            continue
        contents = json.loads(entry.read_text(encoding="utf-8"))
        found.append((contents["$id"], contents))
    return tuple(found)


@functools.cache
def load_registry(version: str) -> referencing.Registry[Any]:
    """All schemas of one OCPI version, crawled, under their ``$id``s."""
    resources_ = [(uri, DRAFT202012.create_resource(c)) for uri, c in _documents(version)]
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=_retrieve)
    return registry.with_resources(resources_).crawl()


@functools.cache
def _rs_registry(version: str) -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(
        _documents(version), draft=jsonschema_rs.Draft202012, retriever=_refuse
    )


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


@functools.cache
def _fast(version: str, name: str) -> Callable[[object], bool]:
    """jsonschema-rs's validity test for (version, name)."""
    schema = load_registry(version).contents(_uri(version, name))
    validator = jsonschema_rs.validator_for(
        schema, registry=_rs_registry(version), retriever=_refuse, validate_formats=False
    )
    return validator.is_valid


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
