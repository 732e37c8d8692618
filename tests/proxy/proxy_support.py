"""Real processes for the proxy tests: two ``ocpi-mock serve`` parties and the proxy between
them, each on a free loopback port, read from their own console output."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


@dataclass
class Process:
    """A child process whose output lines are collected as they come."""

    popen: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        for line in list(self.lines):
            if match := compiled.search(line):
                return match
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self.popen.poll() is not None:
                    break
                continue
            if match := compiled.search(line):
                return match
        raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(self.lines))

    def interrupt(self, timeout: float = 30.0) -> int:
        self.popen.send_signal(signal.SIGINT)
        return self.popen.wait(timeout=timeout)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def start(args: list[str], cwd: Path) -> Process:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    popen = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Process(popen)


@dataclass
class Mock:
    process: Process
    versions_url: str
    token_a: str

    @property
    def base(self) -> str:
        return self.versions_url.removesuffix("/ocpi/versions")

    def admin(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.base}/admin/{path}", timeout=60, **kwargs)


def start_mock(role: str, party_id: str, cwd: Path, faults: tuple[str, ...] = ()) -> Mock:
    args = [str(BIN / "ocpi-mock"), "serve", "--role", role, "--port", "0"]
    args += ["--database", str(cwd / f"{role}.db"), "--party-id", party_id]
    for fault in faults:
        args += ["--fault", fault]
    process = start(args, cwd)
    url = process.wait_for(r"versions URL: (\S+)").group(1)
    token = process.wait_for(r"token A:\s+(\S+)").group(1)
    return Mock(process, url, token)


def start_proxy(upstream: str, cwd: Path, *extra: str) -> tuple[Process, str]:
    args = [str(BIN / "ocpi-conformance"), "proxy", "--upstream", upstream]
    args += ["--listen", "127.0.0.1:0", "--report-dir", str(cwd / "reports"), *extra]
    process = start(args, cwd)
    url = process.wait_for(r"give platform A this versions URL: (\S+)").group(1)
    return process, url
