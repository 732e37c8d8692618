"""The load generators of bench/bench_workers.py: the same keep-alive GETs sent by wrk (a C
program, Debian's ``wrk`` package) when it is on PATH, else by thin Python client processes.

Both send the same prepared requests in turn over ``connections`` keep-alive connections and
say how many answers came, how many were not HTTP 2xx/3xx or failed, over how long, and how
much CPU the load generator itself used: on a machine where it shares the cores with the
server under test, that CPU is taken from the server, so the bench prints it.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Load", "python_load", "wrk_load", "wrk_path"]


@dataclass(frozen=True)
class Load:
    requests: int  # answers received in the window
    errors: int  # answers other than 2xx/3xx, and socket errors
    seconds: float  # the window's length
    cpu_seconds: float  # the load generator's own CPU (user + system) over the window

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


# A connection is closed (Connection: close) and opened again every RECONNECT_EVERY requests:
# gunicorn's workers each accept connections as they come, and a few keep-alive connections
# kept for a whole run may all sit on one worker (seen: 2 workers answering as 1, round after
# round), which measures where the connections landed, not the workers.
RECONNECT_EVERY = 25

# Requests prepared once (wrk.format in init); request() only hands the next one out.
_WRK_SCRIPT = """
local prepared = {}
local closing = {}
local n = 0
init = function(args)
  wrk.headers["Authorization"] = args[1]
  for i = 2, #args do
    prepared[#prepared + 1] = wrk.format("GET", args[i])
    closing[#closing + 1] = wrk.format(
      "GET", args[i], {["Authorization"] = args[1], ["Connection"] = "close"})
  end
end
request = function()
  n = n + 1
  if n % RECONNECT_EVERY == 0 then
    return closing[(n % #closing) + 1]
  end
  return prepared[(n % #prepared) + 1]
end
""".replace("RECONNECT_EVERY", str(RECONNECT_EVERY))

_DONE = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk_errors(output: str) -> int:
    """Answers other than 2xx/3xx, and failed connects, writes and timeouts. wrk counts the
    connections we close on purpose (RECONNECT_EVERY) as read errors: those are left out (a
    wrong answer still shows in the status count and in the pages judged after each run)."""
    errors = 0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        found = dict(re.findall(r"(\w+) (\d+)", socket_errors.group(1)))
        errors += sum(int(found.get(kind, 0)) for kind in ("connect", "write", "timeout"))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return errors


def wrk_load(
    port: int,
    paths: list[str],
    authorization: str,
    connections: int,
    seconds: float,
    warmup: float,
    probe: Callable[[], Any],
) -> tuple[Load, Any, Any]:
    """A warm-up run of wrk for ``warmup`` seconds, then the measured one for ``seconds``
    (one thread, ``connections`` connections, against 127.0.0.1:``port``); ``probe()`` is
    called right before and right after the measured run and both results are returned."""
    if warmup > 0:
        _wrk(port, paths, authorization, connections, warmup)
    first = probe()
    load = _wrk(port, paths, authorization, connections, seconds)
    return load, first, probe()


def _wrk(port: int, paths: list[str], authorization: str, connections: int, seconds: float) -> Load:
    """One wrk run; its CPU is read from its own resource usage when it ends."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not on PATH (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    try:
        command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s"]
        command += ["-s", script.name, f"http://127.0.0.1:{port}", "--", authorization, *paths]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert process.stdout is not None
        output = process.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        Path(script.name).unlink()
    done = _DONE.search(output)
    if process.returncode != 0 or done is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output.strip()}")
    return Load(
        requests=int(done.group(1)),
        errors=_wrk_errors(output),
        seconds=float(done.group(2)) * _UNIT[done.group(3)],
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


# ---- the Python fallback ---------------------------------------------------------------------


def _read_response(sock: socket.socket, buffer: bytearray) -> int:
    """Read one response from ``sock`` into ``buffer`` (which may hold the start of it and
    keeps what follows it); its HTTP status. Only Content-Length framing is understood."""
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    lines = bytes(buffer[:end]).split(b"\r\n")
    status = int(lines[0][9:12])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    need = end + 4 + length
    while len(buffer) < need:
        chunk = sock.recv(max(need - len(buffer), 65536))
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    del buffer[:need]
    return status


def _client(
    port: int,
    requests: list[bytes],
    start: float,
    stop: float,
    results: multiprocessing.Queue,
) -> None:
    """One keep-alive connection; counts the answers in [start, stop) and its CPU there."""
    ok = errors = i = 0
    sock: socket.socket | None = None
    buffer = bytearray()
    cpu_start: float | None = None
    while (now := time.time()) < stop:
        if cpu_start is None and now >= start:
            times = os.times()
            cpu_start = times.user + times.system
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                buffer = bytearray()
            sock.sendall(requests[i % len(requests)])
            status = _read_response(sock, buffer)
            if (i + 1) % RECONNECT_EVERY == 0:  # see RECONNECT_EVERY
                sock.close()
                sock = None
        except OSError:
            errors += time.time() >= start
            if sock is not None:
                sock.close()
            sock = None
            continue
        i += 1
        if time.time() >= start:
            if 200 <= status < 400:
                ok += 1
            else:
                errors += 1
    times = os.times()
    if sock is not None:
        sock.close()
    results.put((ok, errors, times.user + times.system - (cpu_start or 0.0)))


def python_load(
    port: int,
    paths: list[str],
    authorization: str,
    connections: int,
    seconds: float,
    warmup: float,
    probe: Callable[[], Any],
) -> tuple[Load, Any, Any]:
    """``connections`` client processes, each one keep-alive connection with the requests
    built once, for ``warmup`` + ``seconds``; only the last ``seconds`` are counted, and
    ``probe()`` is called when they start and when they end."""
    requests = [
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {authorization}"
            "\r\n\r\n"
        ).encode()
        for path in paths
    ]
    start = time.time() + warmup
    stop = start + seconds
    results: multiprocessing.Queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_client, args=(port, requests, start, stop, results))
        for _ in range(connections)
    ]
    for process in processes:
        process.start()
    time.sleep(max(start - time.time(), 0))
    first = probe()
    time.sleep(max(stop - time.time(), 0))
    last = probe()
    counts = [results.get(timeout=seconds + warmup + 60) for _ in processes]
    for process in processes:
        process.join()
    load = Load(
        requests=sum(ok for ok, _, _ in counts),
        errors=sum(err for _, err, _ in counts),
        seconds=seconds,
        cpu_seconds=sum(cpu for _, _, cpu in counts),
    )
    return load, first, last
