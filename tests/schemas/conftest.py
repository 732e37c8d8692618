"""Shared fixtures for the schema tests: where the spec's tables and examples are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO))

SCHEMA_DIR = REPO / "schemas"


def _spec_dir(env: str, default: str) -> Path:
    return (REPO / os.environ.get(env, default)).resolve()


MODEL_DIR = _spec_dir("OCPI_SPEC_MODEL", "../shared/ocpi-spec/model")
EXAMPLES_DIR = _spec_dir("OCPI_SPEC_EXAMPLES", "../shared/ocpi-spec/examples")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    if not MODEL_DIR.is_dir():
        pytest.skip(f"spec field tables not found at {MODEL_DIR}; set OCPI_SPEC_MODEL")
    return MODEL_DIR


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    if not EXAMPLES_DIR.is_dir():
        pytest.skip(f"spec examples not found at {EXAMPLES_DIR}; set OCPI_SPEC_EXAMPLES")
    return EXAMPLES_DIR
