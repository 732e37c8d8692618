"""Bad data the hostile target sends, driven from our own schemas in ``schemas/``: every place in
an OCPI answer where a real server can put the wrong JSON type, a null, a list where an object
belongs or an object where a list belongs.

``sites`` walks a document with the schema of the object it should be and yields each field it
holds (nested objects and list items too) with the JSON types the schema allows there;
``mutations`` turns each site into the bad values it can take. ``nulls_everywhere`` puts null
in every optional field, present or not. ``schema_of`` tells, from an answer's URL, which
object the answer's ``data`` should be.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
JSON_TYPES = ("string", "integer", "number", "boolean", "null", "array", "object")
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Site:
    """One field of a document: where it is, its pattern (list indexes as ``[*]``), the JSON
    types the schema allows there (``None``: unknown) and whether the field may be left out."""

    path: Path_
    pattern: str
    allowed: frozenset[str] | None
    optional: bool
    schema: dict[str, Any] | None


@dataclass(frozen=True)
class Mutation:
    """One bad input: ``kind`` put at ``path``; ``key`` tells distinct inputs apart."""

    path: Path_
    pattern: str
    kind: str

    def key(self, schema_name: str) -> tuple[str, str, str]:
        return (schema_name, self.pattern, self.kind)


@functools.cache
def load(version: str, name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / version / f"{name}.json").read_text())


def _resolve(version: str, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = load(version, node["$ref"].removesuffix(".json"))
    return node


def _branches(version: str, node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(version, node)
    if "anyOf" in node or "oneOf" in node:
        out: list[dict[str, Any]] = []
        for branch in node.get("anyOf", []) + node.get("oneOf", []):
            out += _branches(version, branch)
        return out
    return [node]


def allowed_types(version: str, node: dict[str, Any]) -> frozenset[str] | None:
    types: set[str] = set()
    for branch in _branches(version, node):
        declared = branch.get("type")
        if declared is None:
            if "enum" in branch:
                types |= {_json_type(v) for v in branch["enum"]}
                continue
            return None
        types |= {declared} if isinstance(declared, str) else set(declared)
    return frozenset(types)


def _branch_of(version: str, node: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for branch in _branches(version, node):
        declared = branch.get("type")
        if declared == kind or (isinstance(declared, list) and kind in declared):
            return branch
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _pattern(path: Path_) -> str:
    return "$" + "".join("[*]" if isinstance(p, int) else f".{p}" for p in path)


def sites(
    version: str, value: Any, node: dict[str, Any] | None, path: Path_ = ()
) -> Iterator[Site]:
    """Every field inside ``value`` (not ``value`` itself), depth first."""
    if isinstance(value, dict):
        branch = _branch_of(version, node, "object") if node is not None else None
        props = branch.get("properties", {}) if branch else {}
        required = set(branch.get("required", [])) if branch else set()
        for key, item in value.items():
            child = props.get(key) if branch else None
            allowed = allowed_types(version, child) if child is not None else None
            here = (*path, key)
            yield Site(here, _pattern(here), allowed, key not in required, child)
            yield from sites(version, item, child, here)
    elif isinstance(value, list):
        branch = _branch_of(version, node, "array") if node is not None else None
        child = branch.get("items") if branch else None
        allowed = allowed_types(version, child) if child is not None else None
        for index, item in enumerate(value):
            here = (*path, index)
            yield Site(here, _pattern(here), allowed, False, child)
            yield from sites(version, item, child, here)


def mutations(site: Site, value: Any) -> list[Mutation]:
    """The bad inputs at ``site``: each JSON type the schema does not allow there (for an
    unknown field, each type but the one it has), plus a few values real servers got wrong."""
    allowed = site.allowed if site.allowed is not None else frozenset({_json_type(value)})
    # an integer is a number; 2.5 in an integer field is a wrong type
    kinds = [
        k for k in JSON_TYPES if k not in allowed and not (k == "integer" and "number" in allowed)
    ]
    if "string" in allowed and isinstance(value, str):
        kinds += ["empty_string", "long_string"]
    if allowed & {"integer", "number"} and isinstance(value, int | float):
        kinds += ["huge_number", "negative"]
    return [Mutation(site.path, site.pattern, kind) for kind in kinds]


def bad_value(kind: str, original: Any) -> Any:
    """The value ``kind`` puts where ``original`` was: a list wraps the original (a list where an
    object belongs), an object takes a list's first item (an object where a list belongs)."""
    if kind == "array":
        return [original] if original is not None else [1, "x"]
    if kind == "object":
        if isinstance(original, list) and original and isinstance(original[0], dict):
            return original[0]
        return {"value": original}
    return {
        "string": "hostile",
        "integer": 7,
        "number": 2.5,
        "boolean": True,
        "null": None,
        "empty_string": "",
        "long_string": "x" * 5_000,
        "huge_number": 1e308,
        "negative": -1,
    }[kind]


def apply(document: Any, mutation: Mutation) -> Any:
    """A copy of ``document`` with ``mutation`` made."""
    out = copy.deepcopy(document)
    holder = out
    for step in mutation.path[:-1]:
        holder = holder[step]
    last = mutation.path[-1]
    holder[last] = bad_value(mutation.kind, holder[last])
    return out


def nulls_everywhere(version: str, value: Any, node: dict[str, Any] | None) -> Any:
    """``value`` with every optional field the schema names set to null, at every depth."""
    if isinstance(value, list):
        branch = _branch_of(version, node, "array") if node is not None else None
        child = branch.get("items") if branch else None
        return [nulls_everywhere(version, item, child) for item in value]
    if not isinstance(value, dict) or node is None:
        return value
    branch = _branch_of(version, node, "object")
    if branch is None:
        return value
    required = set(branch.get("required", []))
    out = {}
    for key, child in branch.get("properties", {}).items():
        if key not in required and "null" in (allowed_types(version, child) or ()):
            out[key] = None
        elif key in value:
            out[key] = nulls_everywhere(version, value[key], child)
    for key, item in value.items():
        out.setdefault(key, item)
    return out


# (compiled URL pattern after /ocpi/<version>, method or None, schema name, whether data is a list)
_ANSWERS = [
    (r"^$", None, "VersionDetails", False),
    (r"^/credentials/?$", None, "Credentials", False),
    (r"^/sender/locations/?$", "GET", "Location", True),
    (r"^/sender/locations/[^/]+/?$", "GET", "Location", False),
    (r"^/sender/locations/[^/]+/[^/]+/?$", "GET", "EVSE", False),
    (r"^/sender/locations/[^/]+/[^/]+/[^/]+/?$", "GET", "Connector", False),
    (r"^/sender/tariffs/?$", "GET", "Tariff", True),
    (r"^/sender/sessions/?$", "GET", "Session", True),
    (r"^/sender/cdrs/?$", "GET", "CDR", True),
    (r"^/sender/tokens/?$", "GET", "Token", True),
    (r"^/sender/tokens/[^/]+/authorize/?$", "POST", "AuthorizationInfo", False),
    (r"^/sender/hubclientinfo/?$", "GET", "ClientInfo", True),
    (r"^/receiver/commands/[^/]+/?$", "POST", "CommandResponse", False),
    (r"^/receiver/chargingprofiles/[^/]+/?$", None, "ChargingProfileResponse", False),
    (r"^/receiver/locations/[^/]+/[^/]+/[^/]+/?$", "GET", "Location", False),
    (r"^/receiver/sessions/[^/]+/[^/]+/[^/]+/?$", "GET", "Session", False),
    (r"^/receiver/tariffs/[^/]+/[^/]+/[^/]+/?$", "GET", "Tariff", False),
    (r"^/receiver/cdrs/[^/]+/[^/]+/[^/]+/?$", "GET", "CDR", False),
    (r"^/receiver/tokens/[^/]+/[^/]+/[^/]+/?$", "GET", "Token", False),
    (r"^/receiver/hubclientinfo/[^/]+/[^/]+/?$", "GET", "ClientInfo", False),
]
_VERSIONED = re.compile(r"^/ocpi/(?P<version>\d\.\d(?:\.\d)?)(?P<rest>.*)$")


def schema_of(method: str, path: str) -> tuple[str, str, bool] | None:
    """(version, schema name, is a list) of the ``data`` answered to ``method path``; None for
    an answer we cannot name (then its fields are judged by their own types)."""
    path = path.split("?", 1)[0]
    if path.rstrip("/") == "/ocpi/versions":
        return ("2.2.1", "Version", True)
    match = _VERSIONED.match(path)
    if not match:
        return None
    version, rest = match["version"], match["rest"]
    if not (SCHEMAS / version).is_dir():
        return None
    # 2.1.1 URLs carry no sender/receiver part: read them as a Sender's
    if version == "2.1.1" and not rest.startswith(("/sender", "/receiver", "/credentials")):
        rest = "/sender" + rest if rest else rest
    for pattern, wanted, name, is_list in _ANSWERS:
        found = re.match(pattern, rest) and wanted in (None, method)
        if found and (SCHEMAS / version / f"{name}.json").exists():
            return (version, name, is_list)
    return None
