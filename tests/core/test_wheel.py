"""The wheel ships the schemas: install it into a temporary venv and validate from outside."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_and_validates_outside_the_checkout(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("ocpi_conformance-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # the dependencies come from the test venv, but not our packages (no editable finder there)
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = (
        "import conformance, ocpi_schemas\n"
        "from ocpi_core.schemas import validate\n"
        "print(conformance.__file__)\n"
        "print(ocpi_schemas.__file__)\n"
        "good = {'version': '2.2.1', 'url': 'https://example.com/ocpi/2.2.1'}\n"
        "assert validate(good, '2.2.1', 'Version') == []\n"
        "bad = validate({'version': '9.9'}, '2.2.1', 'Version')\n"
        "print(len(bad), bad[0])\n"
    )
    out = subprocess.run(
        [str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(str(venv)) and lines[1].startswith(str(venv))
    assert int(lines[2].split()[0]) >= 1
    cli = subprocess.run(
        [str(venv / "bin" / "ocpi-conformance"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0 and "run" in cli.stdout


def test_every_package_is_listed_for_the_wheel():
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("conformance", "mock_party")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
