"""A throwaway PostgreSQL cluster in a directory, for the tests and for ``.ci/run``.

``python tests/pg_cluster.py start DIR`` makes a cluster in DIR (initdb), starts it on a free
loopback port with its socket in DIR, creates the database ``ocpi`` and prints its DSN;
``python tests/pg_cluster.py stop DIR`` stops it. Only the standard library is used, so it runs
before any virtualenv exists. As root the server runs as the ``postgres`` user (initdb refuses
root). Durability is switched off (fsync, synchronous_commit): a throwaway cluster for tests
trades crash safety of the *server* for speed; the mock's own crash (a killed worker) is what
the tests exercise, and committed data survives that either way.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["find_bin", "start", "start_again", "stop"]

DATABASE = "ocpi"


def find_bin(name: str) -> str | None:
    """The PostgreSQL server program ``name`` (initdb, pg_ctl), on PATH or in Debian's
    versioned folders (the newest version)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root needs runuser to start PostgreSQL as 'postgres'")
    return [runuser, "-u", "postgres", "--", *command]


def start(directory: str | Path) -> str:
    """Create and start a cluster in ``directory`` (made if missing); its DSN."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) not found")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_owner([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    _launch(root, port)
    (root / "port").write_text(str(port))
    dsn = f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"
    for _ in range(50):
        done = subprocess.run(
            _as_owner(
                [
                    str(Path(os.path.realpath(initdb)).with_name("createdb")),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    DATABASE,
                ]
            ),
            capture_output=True,
        )
        if done.returncode == 0:
            return dsn
        time.sleep(0.1)
    raise RuntimeError(f"createdb failed: {done.stderr.decode(errors='replace')}")


def _launch(root: Path, port: int) -> None:
    pg_ctl = find_bin("pg_ctl")
    assert pg_ctl is not None
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    data = root / "data"
    subprocess.run(
        _as_owner([pg_ctl, "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_again(directory: str | Path) -> None:
    """Start a cluster made by :func:`start` and stopped since, on the same port (a server
    that went away and came back)."""
    root = Path(directory)
    _launch(root, int((root / "port").read_text()))


def stop(directory: str | Path) -> None:
    """Stop the cluster in ``directory`` (immediately: it is thrown away)."""
    pg_ctl = find_bin("pg_ctl")
    data = Path(directory) / "data"
    if pg_ctl is None or not data.exists():
        return
    subprocess.run(
        _as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: pg_cluster.py start|stop DIR")
    if sys.argv[1] == "start":
        print(start(sys.argv[2]))
    else:
        stop(sys.argv[2])
