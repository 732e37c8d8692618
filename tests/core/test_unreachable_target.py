"""A target that gives no HTTP answer at all is said once, with its cause (DNS, refused,
connect timeout), and exits 3: no check fails for it, every check is "not run" with that reason."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.cli_runs import run_cli


@contextmanager
def _closed_port() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


@contextmanager
def _full_backlog() -> Iterator[str]:
    """A port whose listen queue is full: a new connection is never accepted (connect
    timeout), as behind a firewall that drops packets."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        waiting = []
        for _ in range(3):
            client = socket.socket()
            client.setblocking(False)
            client.connect_ex(("127.0.0.1", port))
            waiting.append(client)
        time.sleep(0.1)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            for client in waiting:
                client.close()


@contextmanager
def _unknown_host() -> Iterator[str]:
    yield "http://no-such-host.invalid"


@pytest.mark.parametrize(
    ("target", "cause"),
    [
        (_closed_port, "connection refused"),
        (_unknown_host, "DNS lookup failed: no address for no-such-host.invalid"),
        (_full_backlog, "no complete answer within 1.0 s (--timeout)"),
    ],
    ids=["refused", "dns", "timeout"],
)
def test_an_unreachable_target_is_said_once_with_its_cause(tmp_path: Path, target, cause) -> None:
    with target() as base:
        code, output = run_cli(
            tmp_path,
            *["run", "--versions-url", f"{base}/ocpi/versions", "--token", "x"],
            *["--role", "cpo", "--timeout", "1", "--report-dir", "reports"],
            timeout=60,
        )
    assert code == 3, output
    said = [line for line in output.splitlines() if "could not be reached" in line]
    assert said == [f"The target could not be reached: {cause} ({base}/ocpi/versions)"], output
    assert "FAIL" not in output and "unreachable" not in output.lower(), output
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["target_reachable"] is False
    assert results["stopped"].startswith("the target could not be reached: " + cause)
    assert results["summary"]["fail"] == results["summary"]["error"] == 0
    assert {r["outcome"] for r in results["checks"]} == {"skip"}
