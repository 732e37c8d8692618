"""``ocpi-mock``: serve a mock OCPI party, register it with another party, list its faults."""

from __future__ import annotations

import logging
import secrets
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import httpx

from mock_party.admin_auth import is_loopback
from mock_party.config import ConfigError, MockConfig
from mock_party.db import masked_url
from mock_party.faults import FAULTS

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ocpi-conformance")
def main() -> None:
    """A mock OCPI party (CPO, eMSP, both, or a Hub) to develop and test against.

    \b
    Serve a mock CPO on port 8080 and note the versions URL and token A it prints:
        ocpi-mock serve --role cpo
    Your platform then registers with it (credentials POST with token A).
    A Hub with its own CPOs and eMSPs behind it:
        ocpi-mock serve --role hub
    A shared mock for a team (PostgreSQL, several workers, inspector at /admin/ui):
        ocpi-mock serve --database postgresql://user@host/db --workers 4 --host 0.0.0.0
    """


def _load_file(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise click.BadParameter(f"file not found: {path}", param_hint="--config") from None
    except tomllib.TOMLDecodeError as exc:
        raise click.BadParameter(f"{path}: not valid TOML: {exc}", param_hint="--config") from None
    mock = document.get("mock", {})
    known = set(MockConfig.__dataclass_fields__) - {"extra"}
    unknown = set(mock) - known
    if unknown:
        raise click.BadParameter(
            f"{path}: unknown key(s) in [mock]: {', '.join(sorted(unknown))}; "
            f"known keys: {', '.join(sorted(known))}",
            param_hint="--config",
        )
    for key in ("roles", "versions", "faults", "hub_parties"):
        if isinstance(mock.get(key), list):
            mock[key] = tuple(mock[key])
    return mock


def _rate(value: str | None) -> float | None:
    from mock_party.churn import parse_rate

    if value is None:
        return None
    try:
        return parse_rate(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    parts = tuple(p.strip() for v in values for p in v.split(",") if p.strip())
    return parts or None


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="TOML file with a [mock] table (keys as the options below, in snake_case).",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    envvar="OCPI_MOCK_ROLE",
    help="Role(s) to play: cpo, emsp, or cpo,emsp for both; or hub (2.2.1/2.3.0), a Hub "
    "holding the parties of --hub-party. [default: cpo]",
)
@click.option(
    "--hub-party",
    "hub_parties",
    multiple=True,
    metavar="ROLE/CC/PID",
    help="With --role hub: a party the hub plays itself, e.g. CPO/NL/CPA (repeatable). "
    "[default: CPO/NL/CPA, CPO/DE/CPB, EMSP/NL/EMA, EMSP/BE/EMB]",
)
@click.option(
    "--version",
    "versions",
    multiple=True,
    envvar="OCPI_MOCK_VERSION",
    help="OCPI version(s) to serve: 2.1.1, 2.2.1, 2.3.0, or several, e.g. 2.1.1,2.2.1. "
    "[default: 2.2.1]",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="OCPI_MOCK_HOST",
    help="Address to listen on.",
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=int,
    envvar="OCPI_MOCK_PORT",
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--database",
    envvar="OCPI_MOCK_DATABASE",
    metavar="FILE|DSN",
    help="Where partners, data and run-time state are kept across restarts: a SQLite file, "
    "or a PostgreSQL DSN (postgresql://user@host/db) for a mock shared by several workers. "
    "[default: a temp SQLite file]",
)
@click.option(
    "--base-url",
    envvar="OCPI_MOCK_BASE_URL",
    help="Public base URL put into versions and endpoints (behind a proxy or tunnel).",
)
@click.option(
    "--token-a",
    envvar="OCPI_MOCK_TOKEN_A",
    help="Registration token A to hand out. [default: generated, or the unused one "
    "in the database]",
)
@click.option("--country-code", envvar="OCPI_MOCK_COUNTRY_CODE", help="[default: NL]")
@click.option("--party-id", envvar="OCPI_MOCK_PARTY_ID", help="[default: MCK]")
@click.option("--seed", type=int, envvar="OCPI_MOCK_SEED", help="Faker seed of the data set.")
@click.option(
    "--page-limit",
    type=int,
    envvar="OCPI_MOCK_PAGE_LIMIT",
    help="Server maximum page size (X-Limit). [default: 50]",
)
@click.option(
    "--accept-plain-tokens/--strict-tokens",
    default=None,
    help="On 2.2+, also accept un-encoded tokens (2.2.1-d2 compatibility). [default: strict]",
)
@click.option(
    "--locations",
    type=int,
    envvar="OCPI_MOCK_LOCATIONS",
    help="Locations in the data set made on first start. [default: 24]",
)
@click.option("--tariffs", type=int, envvar="OCPI_MOCK_TARIFFS", help="Tariffs. [default: 6]")
@click.option("--tokens", type=int, envvar="OCPI_MOCK_TOKENS", help="Tokens. [default: 24]")
@click.option("--sessions", type=int, envvar="OCPI_MOCK_SESSIONS", help="Sessions. [default: 24]")
@click.option("--cdrs", type=int, envvar="OCPI_MOCK_CDRS", help="CDRs. [default: 24]")
@click.option(
    "--command-delay",
    type=float,
    envvar="OCPI_MOCK_COMMAND_DELAY",
    help="Seconds between a command's response and its CommandResult. [default: 0.2]",
)
@click.option(
    "--command-result",
    envvar="OCPI_MOCK_COMMAND_RESULT",
    help="CommandResultType sent for accepted commands. [default: ACCEPTED]",
)
@click.option(
    "--slow-delay",
    type=float,
    envvar="OCPI_MOCK_SLOW_DELAY",
    help="Seconds each answer waits with the transport.slow fault. [default: 2.0]",
)
@click.option(
    "--push/--no-push",
    default=None,
    help="Push changes of our objects to registered partners. [default: push]",
)
@click.option(
    "--status-churn",
    metavar="RATE",
    callback=lambda ctx, param, value: _rate(value),
    envvar="OCPI_MOCK_STATUS_CHURN",
    help="As CPO, change EVSE statuses by itself at RATE (6/min, 0.5/s, 30/h) and push each "
    "change to partners, so the data changes as a live network's. [default: off]",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    envvar="OCPI_MOCK_MAX_BODY",
    metavar="BYTES",
    help="Largest request body accepted; larger ones get HTTP 413 and are not stored. "
    "[default: 32000000]",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    help="Switch on an injected fault (repeatable); see 'ocpi-mock faults'.",
)
@click.option(
    "--ui/--no-ui",
    default=None,
    help="Serve the inspector at /admin/ui (exchanges, partners, faults, objects, simulator) "
    "and record exchanges for it. [default: ui]",
)
@click.option(
    "--keep-exchanges",
    "exchanges_kept",
    type=click.IntRange(min=0, max=1_000_000),
    envvar="OCPI_MOCK_KEEP_EXCHANGES",
    metavar="N",
    help="How many of the latest exchanges the database keeps for the inspector (0: record "
    "none). [default: 1000]",
)
@click.option(
    "--admin-token",
    envvar="OCPI_MOCK_ADMIN_TOKEN",
    metavar="TOKEN",
    help="The token /admin/... requests must carry (X-Admin-Token header; the inspector asks "
    "for it once). [default: none on loopback; generated and printed on any other --host]",
)
@click.option(
    "--register-to",
    metavar="VERSIONS_URL",
    help="Once serving, register with the party at this versions URL …",
)
@click.option("--peer-token-a", metavar="TOKEN", help="… using the token A it gave you.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="OCPI_MOCK_WORKERS",
    help="Worker processes (gunicorn, pre-fork). More than one needs a PostgreSQL --database: "
    "every state (partners, objects, faults, churn, pending results) is shared through it.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
def serve(
    config_path: str | None,
    workers: int,
    roles: tuple[str, ...],
    versions: tuple[str, ...],
    host: str,
    port: int,
    register_to: str | None,
    peer_token_a: str | None,
    verbose: bool,
    **options: Any,
) -> None:
    """Serve a mock OCPI party with waitress until interrupted.

    Options override the --config file; environment variables OCPI_MOCK_<OPTION> set
    options too.

    \b
    A mock shared by a team, on PostgreSQL with four worker processes (gunicorn):
        ocpi-mock serve --database postgresql://mock@db/ocpi_mock --workers 4 --host 0.0.0.0

    The admin API (/admin/..., the inspector at /admin/ui included) steers the mock: on a
    loopback --host (127.0.0.1, ::1, localhost) it is open to whoever reaches the port; on any
    other --host (0.0.0.0, a LAN address, a host name) every admin request needs the admin
    token printed at start, sent as the X-Admin-Token header (the inspector's page asks for
    it once and keeps it in a cookie). --admin-token sets it and requires it everywhere.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    values = _load_file(config_path)
    given = {k: v for k, v in options.items() if v not in (None, ())}
    for key in ("faults", "hub_parties"):
        if key in given:
            given[key] = _split(given[key])
    if _split(roles):
        given["roles"] = tuple(r.upper() for r in _split(roles) or ())
    if _split(versions):
        given["versions"] = _split(versions)
    values.update(given)
    if not is_loopback(host) and not values.get("admin_token"):
        values["admin_token"] = secrets.token_urlsafe(24)
    if bool(register_to) != bool(peer_token_a):
        raise click.UsageError("--register-to and --peer-token-a go together")
    try:
        config = MockConfig(**values)
    except (ConfigError, ValueError, TypeError) as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        sys.exit(2)

    from mock_party.app import create_app
    from mock_party.limits import waitress_body_limit
    from mock_party.server import create_ocpi_server
    from mock_party.workers import WorkersError, check_workers

    try:
        check_workers(workers, config.database, tuple(config.roles))
    except WorkersError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        sys.exit(2)
    app = create_app(config, background=workers == 1)
    server = None
    if workers == 1:
        server = create_ocpi_server(
            app,
            host=host,
            port=port,
            threads=8,
            max_request_body_size=waitress_body_limit(config.max_body),
        )
        port = server.effective_port
    elif port == 0:
        port = _free_port(host)
    base = config.base_url or f"http://{host}:{port}"
    click.echo(f"OCPI mock {'+'.join(config.roles)} serving {', '.join(config.versions)}")
    click.echo(f"  versions URL: {base}/ocpi/versions")
    click.echo(f"  token A:      {app.config['OCPI_TOKEN_A']}")
    click.echo(f"  database:     {masked_url(app.config['OCPI_DATABASE'])}")
    click.echo(f"  seed:         {config.seed}")
    if workers > 1:
        click.echo(f"  workers:      {workers} (gunicorn)")
    if config.faults:
        click.echo(f"  faults:       {', '.join(config.faults)}")
    if config.status_churn:
        click.echo(f"  status churn: {config.status_churn:g} EVSE change(s) a minute")
    for local in app.config.get("OCPI_HUB_PARTIES", []):
        party = local.party
        click.echo(f"  hub party:    {party.role} {party.country_code}/{party.party_id}")
    click.echo("  admin API:    " + f"{base}/admin/faults, /admin/partners, /admin/register")
    if config.ui:
        click.echo(f"  inspector:    {base}/admin/ui")
    if config.admin_token:
        click.echo(f"  admin token:  {config.admin_token} (X-Admin-Token; the inspector asks once)")
    if register_to:
        import threading

        threading.Timer(
            0.2, _register, args=(base, register_to, peer_token_a, config.admin_token)
        ).start()
    if server is None:
        from mock_party.workers import serve_workers

        serve_workers(app, host, port, workers, verbose=verbose)
        return
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")


def _free_port(host: str) -> int:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _register(
    admin_base: str, versions_url: str, token_a: str | None, admin_token: str | None
) -> None:
    from mock_party.admin_auth import ADMIN_HEADER

    try:
        response = httpx.post(
            f"{admin_base}/admin/register",
            json={"versions_url": versions_url, "token_a": token_a},
            headers={ADMIN_HEADER: admin_token} if admin_token else {},
            timeout=60,
        )
        click.echo(f"registration with {versions_url}: {response.json().get('status_message')}")
    except httpx.HTTPError as exc:
        click.secho(f"registration with {versions_url} failed: {exc}", fg="red", err=True)


@main.command()
@click.option(
    "--mock",
    "mock_url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Base URL of the running mock whose admin API starts the registration.",
)
@click.option("--to", "versions_url", required=True, help="Versions URL of the party to join.")
@click.option("--token-a", required=True, help="The token A that party gave you.")
def register(mock_url: str, versions_url: str, token_a: str) -> None:
    """Make a running mock register with another party (the mock is the Sender)."""
    try:
        response = httpx.post(
            f"{mock_url.rstrip('/')}/admin/register",
            json={"versions_url": versions_url, "token_a": token_a},
            timeout=60,
        )
    except httpx.HTTPError as exc:
        click.secho(
            f"Network error: cannot reach the mock at {mock_url}: {exc}", fg="red", err=True
        )
        sys.exit(3)
    body = (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if response.status_code != 200:
        click.secho(
            f"Registration failed: {body.get('status_message', response.text)}", fg="red", err=True
        )
        sys.exit(1)
    data = body.get("data", {})
    click.echo(
        f"Registered on OCPI {data.get('version')} ({len(data.get('endpoints', []))} endpoints)"
    )


@main.command()
@click.option(
    "--mock",
    "mock_url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Base URL of the running mock (a CPO) that runs the session.",
)
@click.option("--token-uid", help="Token to charge with. [default: one of the mock's]")
@click.option("--token-type", default="RFID", show_default=True)
@click.option("--location-id", help="[default: a location with a free connector]")
@click.option("--evse-uid")
@click.option("--connector-id")
@click.option(
    "--updates",
    type=int,
    default=2,
    show_default=True,
    help="Session PATCHes between start and stop.",
)
@click.option(
    "--minutes",
    type=float,
    default=60.0,
    show_default=True,
    help="Length of the simulated session.",
)
@click.option(
    "--step-delay",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds between pushes, to watch them arrive.",
)
@click.option(
    "--power-kw",
    help="Charging power of each stretch between pushes, in turn, e.g. 11,22,7.4 (the periods "
    "report it and power-based tariff elements price it). [default: a steady 11 kW]",
)
@click.option(
    "--status-churn",
    metavar="RATE",
    callback=lambda ctx, param, value: _rate(value),
    help="Instead of a session: make the mock change EVSE statuses by itself at RATE (6/min, "
    "0.5/s; 0 or off stops it), each change PATCHed to partners.",
)
@click.option(
    "--churn-minutes",
    type=click.FloatRange(min=0, min_open=True),
    help="With --status-churn: stop by itself after this many minutes. [default: never]",
)
def simulate(
    mock_url: str,
    power_kw: str | None,
    status_churn: float | None,
    churn_minutes: float | None,
    **options: Any,
) -> None:
    """Run a charging session on a running mock CPO: authorize the token (real-time at the
    eMSP when it is not whitelisted), start, send updates, stop and send the CDR, pushing each
    step to registered partners. Each charging period is priced by the Tariff in force when it
    starts, and a price change on the way starts a new period (see `ocpi-mock tariff-change`).

    \b
    ocpi-mock simulate --minutes 90 --updates 3 --power-kw 22,11,3.7

    Or keep its data changing by itself (live status): 12 EVSE status changes a minute, each
    PATCHed to the partners, for 10 minutes:

    \b
    ocpi-mock simulate --status-churn 12/min --churn-minutes 10
    """
    if churn_minutes is not None and status_churn is None:
        raise click.UsageError("--churn-minutes goes with --status-churn")
    if status_churn is not None:
        _switch_churn(mock_url, status_churn, churn_minutes)
        return
    from mock_party.simulate import SimulationError, request_simulation

    given = {k: v for k, v in options.items() if v is not None}
    if power_kw:
        try:
            given["power_kw"] = [float(p) for p in power_kw.split(",")]
        except ValueError:
            raise click.BadParameter(
                f"{power_kw!r}: give kW values separated by commas, e.g. 11,22,7.4",
                param_hint="--power-kw",
            ) from None
    try:
        result = request_simulation(mock_url, **given)
    except SimulationError as exc:
        click.secho(f"Simulation failed: {exc}", fg="red", err=True)
        sys.exit(1)
    for key, value in result.items():
        click.echo(f"{key}: {value}")


@main.command("tariff-change")
@click.argument("tariff_id")
@click.option(
    "--mock",
    "mock_url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Base URL of the running mock (a CPO).",
)
@click.option("--factor", type=float, required=True, help="Multiply every price by this, e.g. 1.5.")
@click.option(
    "--at",
    help="When the new price starts: an OCPI DateTime in UTC (2026-01-31T17:00:00Z). "
    "[default: now]",
)
def tariff_change(tariff_id: str, mock_url: str, factor: float, at: str | None) -> None:
    """Change a Tariff's prices from now or from a given moment (demand pricing).

    The Tariff gets an end_date_time, a successor with the new prices starts then, every
    connector of the old one lists the successor, and both Tariffs and the Locations are
    pushed to the registered eMSPs. Sessions running across the change are priced by the
    Tariff in force in each charging period.

    \b
    ocpi-mock tariff-change T001-REGULAR --factor 1.5                  # peak price from now
    ocpi-mock tariff-change T001-REGULAR --factor 1.2 --at 2026-01-31T17:00:00Z
    """
    body: dict[str, Any] = {"factor": factor}
    if at:
        body["at"] = at
    try:
        response = httpx.post(
            f"{mock_url.rstrip('/')}/admin/tariffs/{tariff_id}/change", json=body, timeout=30
        )
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        click.secho(f"Tariff change failed: {exc} ({mock_url})", fg="red", err=True)
        sys.exit(1)
    if response.status_code != 200:
        click.secho(f"Tariff change failed: {answer.get('status_message')}", fg="red", err=True)
        sys.exit(1)
    data = answer["data"]
    click.echo(
        f"{data['old']['id']} ends at {data['old']['end_date_time']}; "
        f"{data['new']['id']} starts then; {len(data['locations'])} location(s) changed; "
        f"{len(data['deliveries'])} push(es)"
    )


def _switch_churn(mock_url: str, per_minute: float, minutes: float | None) -> None:
    from mock_party.churn import request_churn

    try:
        settings = request_churn(mock_url, per_minute, minutes)
    except ValueError as exc:
        click.secho(f"Status churn failed: {exc}", fg="red", err=True)
        sys.exit(1)
    if not settings.get("active"):
        click.echo(f"status churn off ({settings.get('changes', 0)} change(s) made so far)")
        return
    until = f" until {settings['until']}" if settings.get("until") else " until stopped"
    click.echo(f"status churn: {settings['per_minute']:g} change(s) a minute{until}")


@main.command("faults")
def list_faults() -> None:
    """List the faults the mock can inject, and the checks each must trip."""
    for fault in FAULTS.values():
        click.echo(f"{fault.id}\n    {fault.description}\n    trips: {', '.join(fault.trips)}")
