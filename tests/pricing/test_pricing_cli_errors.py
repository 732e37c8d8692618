"""``ocpi-conformance price`` on malformed files, run as a real process: one error line naming the
file and the JSON path inside it, exit status 1, never a traceback."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pricing_support import D, component, element, periods_cdr, tariff

GOOD = tariff(element(component("ENERGY", "0.30", 21)))


def _cdr() -> dict[str, Any]:
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10})], tariff_id="T1")
    cdr.update(total_energy=D(10), total_time=D(1), total_cost={"excl_vat": D(3)})
    return cdr


def _write(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc, default=str), encoding="utf-8")
    return str(path)


def _price(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "ocpi-conformance"), "price", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _bad_components() -> dict[str, Any]:
    t = copy.deepcopy(GOOD)
    t["elements"][0]["price_components"] = 5
    return t


@pytest.mark.parametrize(
    ("shape", "wrap", "inner"),
    [
        ("bare", lambda t: t, "$"),
        ("list", lambda t: [GOOD, t], "$[1]"),
        ("envelope", lambda t: {"data": [t], "status_code": 1000, "timestamp": "x"}, "$.data[0]"),
    ],
)
def test_a_tariff_error_names_the_path_in_the_users_file(tmp_path, shape, wrap, inner):
    tariffs = _write(tmp_path / "tariffs.json", wrap(_bad_components()))
    done = _price("--tariff", tariffs, "--cdr", _write(tmp_path / "cdr.json", _cdr()))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{tariffs} {inner}.elements[0].price_components: expected a list" in done.stderr
    assert "$.tariffs[" not in done.stderr


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda c: c.update(charging_periods=5), "$.charging_periods"),
        (
            lambda c: c["charging_periods"][0]["dimensions"][0].update(volume=1e308),
            "$.charging_periods[0].dimensions[0].volume",
        ),
        (
            lambda c: c["charging_periods"][0]["dimensions"][0].update(type=["ENERGY"]),
            "$.charging_periods[0].dimensions[0].type",
        ),
    ],
)
def test_a_cdr_error_names_the_cdr_file_and_path(tmp_path, mutate, path):
    cdr = _cdr()
    mutate(cdr)
    cdr_file = _write(tmp_path / "cdr.json", cdr)
    done = _price("--tariff", _write(tmp_path / "t.json", GOOD), "--cdr", cdr_file)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{cdr_file} {path}: " in done.stderr
