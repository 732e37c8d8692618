"""What every test of the project shares: one temporary directory for the whole run.

The mock makes a temporary SQLite file for each app built without a database (kept on purpose,
so that a user can inspect it after a run), and the tests build thousands of apps. Left in the
machine's temporary directory they pile up run after run (tens of GB), and every in-process
suite run got slower as pytest listed that ever-growing directory. So the run gets its own
directory, which the processes it starts inherit through TMPDIR, and which is removed at its
end. Under xdist the controller makes it and the workers share it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

ENV = "OCPI_TESTS_TMPDIR"
_OWNED = pytest.StashKey[tuple[str, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    shared = os.environ.get(ENV)
    if shared and os.path.isdir(shared):
        directory = shared
    else:
        directory = tempfile.mkdtemp(prefix="ocpi-tests-")
        os.chmod(directory, 0o755)  # the PostgreSQL tests' clusters run as another user
        config.stash[_OWNED] = (directory, os.environ.get("TMPDIR"))
        os.environ[ENV] = directory
    os.environ["TMPDIR"] = directory
    tempfile.tempdir = directory


def pytest_unconfigure(config: pytest.Config) -> None:
    owned = config.stash.get(_OWNED, None)
    if owned is None:
        return
    directory, before = owned
    tempfile.tempdir = None
    os.environ.pop(ENV, None)
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before
    shutil.rmtree(directory, ignore_errors=True)
