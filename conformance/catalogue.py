"""The catalogue of checks, read from their markers by pytest's own collection."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from conformance.report import check_meta

__all__ = ["collect_checks", "render_markdown"]


class _Collector:
    def __init__(self) -> None:
        self.checks: list[dict[str, Any]] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            meta = check_meta(item)
            if meta is not None:
                self.checks.append(meta)


def checks_dir() -> Path:
    """The folder of the checks (a pytest test directory inside the package)."""
    return Path(str(resources.files("conformance.checks")))


def checks_args() -> list[str]:
    """pytest's first arguments for a run (or a collection) of the checks and nothing else: the
    checks folder, as rootdir and as conftest boundary (else pytest lists every folder above it
    at collection: all of /tmp for a checkout there), no ini file, no cache."""
    directory = str(checks_dir())
    return [directory, "--rootdir", directory, "--confcutdir", directory, "-c", os.devnull]


def collect_checks() -> list[dict[str, Any]]:
    """Every check's id, spec, level, mode, roles, versions and title, in file order."""
    collector = _Collector()
    code = pytest.main(
        [*checks_args(), "--collect-only", "-p", "no:cacheprovider", "-p", "no:terminal"],
        plugins=[collector],
    )
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise RuntimeError(f"collecting the checks failed (pytest exit code {code})")
    return collector.checks


def render_markdown(checks: list[dict[str, Any]]) -> str:
    lines = [
        "| Check id | Level | Spec (2.2.1) | Mode | Roles | Versions | What it checks |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        lines.append(
            f"| `{c['id']}` | {c['level']} | {c['spec']} | {c['mode']} | "
            f"{', '.join(c['roles'])} | {', '.join(c['versions'])} | {c['title']} |"
        )
    return "\n".join(lines)
