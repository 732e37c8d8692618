"""The three layers: ocpi_core at the bottom, the mock on it, the suite on both.

Every import of every module is read (including imports inside functions), so an arrow that goes
the wrong way fails here rather than in a newcomer's head.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: the one module of the suite allowed to reach into the mock party
SEAM = "conformance/counterpart.py"
#: re-exports kept for one release; nothing of ours may use them
SHIMS = {"conformance.client", "conformance.schemas", "conformance.versions", "conformance.pricing"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def violations(package: str, forbidden: set[str], allowed_files: set[str] = frozenset()) -> list:
    found = []
    for path in _modules(package):
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed_files:
            continue
        for name in imported_modules(path):
            if _top(name) in forbidden:
                found.append(f"{rel} imports {name}")
    return found


def test_imported_modules_reads_nested_and_from_imports(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text("import os\ndef f():\n    from mock_party.store import Store\n")
    assert {"os", "mock_party.store", "mock_party.store.Store"} <= imported_modules(module)


def test_core_imports_neither_program():
    assert violations("ocpi_core", {"conformance", "mock_party"}) == []


def test_mock_never_imports_the_suite():
    assert violations("mock_party", {"conformance"}) == []


def test_suite_reaches_the_mock_only_through_the_counterpart_seam():
    assert violations("conformance", {"mock_party"}, allowed_files={SEAM}) == []


@pytest.mark.parametrize("package", ["ocpi_core", "mock_party", "conformance", "tools", "bench"])
def test_nothing_of_ours_uses_the_deprecated_reexports(package: str):
    used = [
        f"{path.relative_to(ROOT).as_posix()} imports {name}"
        for path in _modules(package)
        if path.relative_to(ROOT).as_posix().removesuffix(".py").replace("/", ".") not in SHIMS
        for name in imported_modules(path)
        if name in SHIMS
    ]
    assert used == []


@pytest.mark.parametrize("name", sorted(SHIMS))
def test_old_public_names_still_work_with_a_deprecation_warning(name: str):
    import importlib
    import sys

    sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match="ocpi_core"):
        module = importlib.import_module(name)
    core = importlib.import_module(name.replace("conformance", "ocpi_core"))
    for public in getattr(core, "__all__", ()):
        assert getattr(module, public) is getattr(core, public)
