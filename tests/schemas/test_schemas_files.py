"""Every committed schema file is a valid draft 2020-12 schema and every $ref resolves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import Draft202012Validator
from referencing.exceptions import Unresolvable

from ocpi_core.schemas import VERSIONS, load_registry, schema_names

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

ID_BASE = "https://ocpi-conformance.dev/schemas"
FILES = [
    pytest.param(path, id=f"{version}/{path.name}")
    for version in VERSIONS
    for path in sorted((SCHEMA_DIR / version).glob("*.json"))
    if path.name != "index.json"
]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_version_has_files() -> None:
    for version in VERSIONS:
        assert len(list((SCHEMA_DIR / version).glob("*.json"))) > 50, version


@pytest.mark.parametrize("path", FILES)
def test_file_is_a_valid_schema_with_id_title_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    version = path.parent.name
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{ID_BASE}/{version}/{path.name}"
    assert schema["title"] == path.stem
    assert schema["description"].startswith(f"OCPI {version}: ")
    assert schema["x-ocpi-kind"] in {
        "object",
        "class",
        "enum",
        "openenum",
        "type",
        "patch",
        "envelope",
    }
    # Policy (schemas/README.md): unknown fields are never rejected.
    assert "additionalProperties" not in json.dumps(schema)


@pytest.mark.parametrize("path", FILES)
def test_every_ref_resolves_through_the_registry(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    resolver = load_registry(path.parent.name).resolver(base_uri=schema["$id"])
    for ref in _refs(schema):
        assert not ref.startswith(("http:", "https:")), f"{ref}: refs stay relative"
        resolved = resolver.lookup(ref)
        assert isinstance(resolved.contents, dict)


@pytest.mark.parametrize("version", VERSIONS)
def test_index_lists_exactly_the_files(version: str) -> None:
    index = json.loads((SCHEMA_DIR / version / "index.json").read_text(encoding="utf-8"))
    files = {p.name for p in (SCHEMA_DIR / version).glob("*.json")} - {"index.json"}
    assert set(index.values()) == files
    for name, file in index.items():
        assert file == f"{name}.json" or (name, file) == ("ResponseEnvelope", "Response.json")
    assert schema_names(version) == sorted(index)


@pytest.mark.parametrize("version", VERSIONS)
def test_registry_refuses_unknown_uris(version: str) -> None:
    resolver = load_registry(version).resolver(base_uri=f"{ID_BASE}/{version}/Location.json")
    with pytest.raises(Unresolvable):
        resolver.lookup("Nope.json")
    with pytest.raises(Unresolvable):
        resolver.lookup("https://example.com/elsewhere.json")


def test_generator_output_is_committed(model_dir: Path) -> None:
    """tools/gen_schemas.py regenerates exactly the committed files (nothing edited by hand)."""
    import importlib.util
    import tempfile

    spec = importlib.util.spec_from_file_location(
        "gen_schemas", SCHEMA_DIR.parent / "tools" / "gen_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with tempfile.TemporaryDirectory() as tmp:
        gen.OUT_DIR = Path(tmp)
        gen.MODEL_DIR = model_dir
        for version in VERSIONS:
            gen.generate(version)
            fresh = {
                p.name: p.read_text(encoding="utf-8") for p in (Path(tmp) / version).glob("*.json")
            }
            committed = {
                p.name: p.read_text(encoding="utf-8") for p in (SCHEMA_DIR / version).glob("*.json")
            }
            assert fresh.keys() == committed.keys(), version
            changed = sorted(n for n in fresh if fresh[n] != committed[n])
            assert not changed, f"{version}: regenerate schemas (tools/gen_schemas.py): {changed}"
