"""Every module of the three packages is small and says what it owns.

The style rules (no file over about 800 lines; each module's opening docstring says what it
owns) are checked here on the source files, so a module that grows past the limit is split when
it happens, not in a clean-up later.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ocpi_core", "mock_party", "conformance")
MAX_LINES = 800


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_packages_are_found() -> None:
    found = {p.relative_to(ROOT).parts[0] for p in _modules()}
    assert found == set(PACKAGES)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_small_and_opens_with_what_it_owns(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring and len(docstring.split()) >= 4, (
        f"{path.relative_to(ROOT)} needs an opening docstring saying what the module owns"
    )
