"""``ocpi-conformance run --fleet FILE``: the command-line side of a fleet run (checks what was
given with it, loads the fleet file, runs it, prints the summary)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from conformance.config import ConfigError
from conformance.fleet import load_fleet
from conformance.fleet_run import FleetOptions, run_fleet

__all__ = ["run_fleet_command"]

EXIT_USAGE = 2


def run_fleet_command(
    fleet_path: str | None,
    jobs: int | None,
    report_dir: str,
    select: str | None,
    verbose: bool,
    given: dict[str, Any],
    bounds: dict[str, float | int | None],
) -> int:
    """Run the fleet file's targets; the exit status (the worst of the runs, or 2)."""
    if not fleet_path:
        raise click.UsageError("--jobs needs --fleet")
    clashing = [f"--{k.replace('_', '-')}" for k, v in given.items() if v]
    if clashing:
        raise click.UsageError(
            f"--fleet takes each target from the fleet file; drop {', '.join(clashing)} "
            "(or put it in the file, in [defaults] or the target's table)"
        )
    try:
        entries = load_fleet(fleet_path)
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        return EXIT_USAGE
    jobs = min(len(entries), jobs or max(2, os.cpu_count() or 2))
    ports: dict[int, str] = {}
    for entry in entries:
        port = entry.counterpart_port
        if port and port in ports and jobs > 1:
            click.secho(
                f"Configuration error: {fleet_path}: targets {ports[port]!r} and {entry.name!r} "
                f"both want counterpart port {port}, and runs in parallel need one each; give "
                "each its own [counterpart] port, or run them one after another with --jobs 1",
                fg="red",
                err=True,
            )
            return EXIT_USAGE
        ports.setdefault(port, entry.name) if port else None
    flags: list[str] = []
    for key, value in bounds.items():
        if value is not None:
            flags.append(f"--{key.replace('_', '-')}={value}")
    directory = Path(report_dir)
    click.echo(
        f"Testing {len(entries)} targets of {fleet_path}, {jobs} at a time; "
        f"reports in {directory}/<name>/"
    )
    options = FleetOptions(fleet_path, directory, jobs, select, tuple(flags), verbose)
    worst = run_fleet(entries, options, click.secho)
    click.echo(f"\nFleet index: {directory / 'report.html'} (exit {worst}, the worst of the runs)")
    return worst
