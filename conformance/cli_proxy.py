"""``ocpi-conformance proxy``: grade the live traffic between two platforms."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from conformance.config import ConfigError, load_target, tls_verify
from conformance.proxy.reports import matrix, matrix_lines, write_reports
from conformance.proxy.session import ProxyOptions, ProxySession
from conformance.tls_options import INSECURE_PROXY_WARNING
from ocpi_core.tls import TlsSettings
from ocpi_core.versions import VERSIONS

__all__ = ["proxy"]


def _address(value: str | None, option: str) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"{value!r} is not HOST:PORT", param_hint=option)
    return host.strip("[]"), int(port)


def _with_flags(from_file: TlsSettings, flags: TlsSettings) -> TlsSettings:
    """The target file's TLS settings, each one a flag gives replaced by the flag's."""
    return TlsSettings(
        flags.ca_cert or from_file.ca_cert,
        flags.insecure or from_file.insecure,
        flags.client_cert or from_file.client_cert,
        flags.client_key or from_file.client_key,
    )


@click.command()
@click.option(
    "--upstream",
    metavar="URL",
    help="Platform B's versions URL (the party the proxy stands in for).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="A target file: its versions_url is the upstream, its role and version are B's.",
)
@click.option(
    "--listen",
    default="127.0.0.1:8090",
    show_default=True,
    metavar="HOST:PORT",
    help="Where platform A reaches the proxy (port 0: any free port).",
)
@click.option(
    "--back-listen",
    metavar="HOST:PORT",
    help="A listener of its own for B's calls to A; without it they go to /_back on --listen.",
)
@click.option(
    "--downstream",
    metavar="URL",
    help="Platform A's versions URL, when known; otherwise learned from A's credentials.",
)
@click.option("--role", type=click.Choice(["cpo", "emsp"], case_sensitive=False), help="B's role.")
@click.option(
    "--version",
    "ocpi_version",
    type=click.Choice(VERSIONS),
    help="OCPI version assumed until the traffic names one. [default: 2.2.1]",
)
@click.option("--minutes", type=float, help="Stop after this many minutes (default: Ctrl-C).")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False),
    default="reports",
    show_default=True,
    help="Where report.html, junit.xml, results.json and exchanges.har go.",
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Read timeout, s.")
@click.option(
    "--ca-cert",
    metavar="FILE",
    help="PEM file of the CA certificate(s) the proxy trusts for HTTPS platforms, instead of "
    "the default store. [or [target] ca_cert of --config]",
)
@click.option(
    "--insecure",
    is_flag=True,
    default=None,
    help="Do not verify the platforms' TLS certificates; the reports say so in red.",
)
@click.option(
    "--client-cert",
    metavar="FILE",
    help="PEM file of the client certificate the proxy presents (mutual TLS); may hold the key.",
)
@click.option("--client-key", metavar="FILE", help="PEM file of --client-cert's private key.")
def proxy(
    upstream: str | None,
    config_path: str | None,
    listen: str,
    back_listen: str | None,
    downstream: str | None,
    role: str | None,
    ocpi_version: str | None,
    minutes: float | None,
    report_dir: str,
    timeout: float,
    ca_cert: str | None,
    insecure: bool | None,
    client_cert: str | None,
    client_key: str | None,
) -> None:
    """Stand between two OCPI platforms, forward every request, grade every exchange.

    \b
    Give platform A the proxy's versions URL instead of B's:
        ocpi-conformance proxy --upstream https://b.example/ocpi/versions
    The proxy rewrites B's URLs in versions, version details and Link headers (and A's URLs
    in the credentials A sends), so all later traffic both ways stays on it. Each exchange
    is printed with the checks it broke; on Ctrl-C or after --minutes the same reports as
    a run are written, with the matrix: each check passed N times, failed N times, or not
    seen. Exit status 1 when a MUST rule was broken. Tokens are masked everywhere.
    """
    import httpx

    from ocpi_core.client import DEFAULT_TIMEOUT

    tls = TlsSettings(ca_cert, bool(insecure), client_cert, client_key)
    try:
        if config_path:
            target = load_target(config_path)
            upstream = upstream or target.versions_url
            role = role or target.role
            ocpi_version = ocpi_version or target.version
            tls = _with_flags(target.tls, tls)
        verify = tls_verify(tls, config_path or "command line")
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        sys.exit(2)
    if not upstream:
        raise click.UsageError("give --upstream (B's versions URL) or --config")
    warnings = (INSECURE_PROXY_WARNING,) if tls.insecure else ()
    options = ProxyOptions(
        upstream=upstream,
        listen=_address(listen, "--listen"),
        back_listen=_address(back_listen, "--back-listen"),
        downstream=downstream,
        version=ocpi_version or "2.2.1",
        role=(role or "cpo").upper(),
        timeout=httpx.Timeout(timeout, connect=DEFAULT_TIMEOUT.connect),
        verify=verify,
        warnings=warnings,
    )
    started = datetime.now(UTC)
    try:
        session = ProxySession(options, console=click.echo).start()
    except OSError as exc:
        click.secho(f"Cannot listen: {exc}", fg="red", err=True)
        sys.exit(2)
    click.echo(f"Proxy for {upstream}")
    for warning in warnings:
        click.secho(f"  {warning}", fg="red", bold=True)
    click.echo(f"  give platform A this versions URL: {session.versions_url}")
    click.echo(f"  B's calls to A go through:         {session.back_base}")
    deadline = time.monotonic() + minutes * 60 if minutes else None
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        session.stop()
    exchanges, findings = session.traffic.snapshot()
    results = write_reports(
        Path(report_dir),
        session.judge,
        exchanges,
        findings,
        upstream=upstream,
        downstream=downstream,
        role=options.role,
        version=options.version,
        started=started,
        warnings=warnings,
    )
    click.echo("")
    click.secho(f"OCPI traffic graded: {len(exchanges)} exchange(s)", bold=True)
    for line in matrix_lines(matrix(session.judge)):
        click.echo(line)
    click.echo(f"  Report: {Path(report_dir) / 'report.html'}")
    sys.exit(1 if results["summary"]["must_failed"] else 0)
