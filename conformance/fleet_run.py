"""Running a fleet: one ``ocpi-conformance run`` process per target, ``jobs`` at a time.

Each run is a process of its own with its own counterpart port (a free one unless the target's
``[counterpart]`` names one) and its own report directory ``<report-dir>/<name>/``; its console
output goes to ``console.txt`` there. The token reaches a run through its environment
(``$OCPI_TOKEN``), never its command line. A SIGTERM or SIGINT to the fleet is passed on to every
run, which then writes its reports as a single run does; the targets not started are 'not run'.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from conformance.fleet import FleetEntry, target_file_text
from conformance.fleet_index import fleet_row, write_fleet_index

__all__ = ["EXIT_ORDER", "FleetOptions", "run_fleet", "worst_exit"]

# best to worst: passed, a MUST failed, no module tested, target unreachable, configuration
# error, interrupted
EXIT_ORDER = (0, 1, 5, 3, 2, 4)
_RUN_FILES = ("report.html", "junit.xml", "results.json", "exchanges.har", "console.txt")


def worst_exit(codes: list[int | None]) -> int:
    """The fleet's exit status: the worst of its runs' (a run that ended some other way, or
    never started, counts as a configuration error, or as interrupted when the fleet was)."""
    ranks = [EXIT_ORDER.index(c) if c in EXIT_ORDER else EXIT_ORDER.index(2) for c in codes]
    return EXIT_ORDER[max(ranks, default=0)]


@dataclass(frozen=True)
class FleetOptions:
    """What the command line adds to every run of the fleet."""

    fleet_path: str
    report_dir: Path
    jobs: int
    select: str | None = None
    flags: tuple[str, ...] = ()  # bounds given on the command line; they win over the file
    verbose: bool = False


@dataclass
class _Running:
    entry: FleetEntry
    process: subprocess.Popen[bytes]
    started: float
    log: Any


def _command(entry: FleetEntry, options: FleetOptions, directory: Path) -> list[str]:
    command = [sys.executable, "-m", "conformance", "run", "--report-dir", str(directory)]
    if entry.mock:
        command += ["--mock", entry.mock]
        for fault in entry.mock_faults:
            command += ["--mock-fault", fault]
        target = entry.document.get("target", {})
        for key in ("version", "mode", "timeout", "max_time", "max_body", "role", "party"):
            if key in target:
                command += [f"--{key.replace('_', '-')}", str(target[key])]
        if target.get("via_hub"):
            command.append("--via-hub")
        if "wait" in entry.document.get("churn", {}):
            command += ["--churn-wait", str(entry.document["churn"]["wait"])]
    else:
        target_file = directory / "target.toml"
        target_file.write_text(target_file_text(entry), encoding="utf-8")
        command += ["--config", str(target_file)]
    selects = [s for s in (entry.select, options.select) if s]
    if selects:
        command += ["-k", " and ".join(f"({s})" for s in selects)]
    return command + list(options.flags)


def _start(entry: FleetEntry, options: FleetOptions) -> _Running:
    directory = options.report_dir / entry.name
    directory.mkdir(parents=True, exist_ok=True)
    for name in _RUN_FILES:  # an old run's results must not pass for this one's
        (directory / name).unlink(missing_ok=True)
    environment = dict(os.environ, NO_COLOR="1")
    environment.pop("OCPI_TOKEN", None)
    if entry.token:
        environment["OCPI_TOKEN"] = entry.token
    log = (directory / "console.txt").open("wb")
    process = subprocess.Popen(
        _command(entry, options, directory),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=environment,
        start_new_session=True,  # the fleet passes each signal on once, itself
    )
    return _Running(entry, process, time.monotonic(), log)


def run_fleet(entries: list[FleetEntry], options: FleetOptions, echo: Callable[..., None]) -> int:
    """Run every entry, ``options.jobs`` at a time, print a line as each finishes, write the
    index; the worst exit status of the runs."""
    stopped: list[str] = []
    running: list[_Running] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.append(f"interrupted ({signal.Signals(signum).name})")
        for run in running:
            if run.process.poll() is None:
                run.process.send_signal(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    pending = list(entries)
    rows: dict[str, dict[str, Any]] = {}
    started_at = time.time()
    try:
        while pending or running:
            while pending and len(running) < options.jobs and not stopped:
                running.append(_start(pending.pop(0), options))
            for run in [r for r in running if r.process.poll() is not None]:
                running.remove(run)
                run.log.close()
                row = fleet_row(
                    run.entry,
                    options.report_dir,
                    run.process.returncode,
                    time.monotonic() - run.started,
                )
                rows[run.entry.name] = row
                _echo_row(echo, row, len(rows), len(entries), options)
            if stopped and pending:
                for entry in pending:
                    rows[entry.name] = fleet_row(entry, options.report_dir, None, 0.0)
                pending.clear()
            time.sleep(0.05)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    ordered = [rows[e.name] for e in entries]
    codes = [4 if r["exit_code"] is None else r["exit_code"] for r in ordered]
    worst = worst_exit(codes)
    write_fleet_index(
        options.report_dir,
        ordered,
        fleet=options.fleet_path,
        started_at=started_at,
        exit_code=worst,
        stopped=stopped[0] if stopped else None,
    )
    return worst


def _echo_row(
    echo: Callable[..., None], row: dict[str, Any], done: int, total: int, options: FleetOptions
) -> None:
    colour = {0: "green", 1: "red"}.get(row["exit_code"], "yellow")
    counts = (
        f"{row['passed']} passed, {row['failed']} failed, {row['warned']} warned, "
        f"{row['skipped']} skipped"
        if row["exit_code"] in (0, 1)
        else (row["message"] or "no report")
    )
    echo(
        f"[{done}/{total}] {row['name']}: {row['verdict']} (exit {row['exit_code']}), {counts}, "
        f"{row['duration']:.1f} s -> {options.report_dir / row['name'] / 'report.html'}",
        fg=colour,
    )
    if options.verbose:
        console = options.report_dir / row["name"] / "console.txt"
        if console.exists():
            echo(console.read_text(errors="replace"))
