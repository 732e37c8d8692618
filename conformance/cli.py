"""``ocpi-conformance``: run the suite, list the checks, validate documents, price CDRs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest

from conformance.catalogue import checks_args
from conformance.config import MODES, ConfigError, TargetConfig, build_target, load_target
from conformance.fleet_run import worst_exit
from conformance.progress import ModuleProgress
from conformance.report import UNREACHABLE_STOP, USAGE_STOP
from conformance.tls_options import INSECURE_WARNING, tls_plugin_args, unreachable_hint
from conformance.versions_index import offered_versions, write_index
from ocpi_core.versions import VERSIONS

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4
EXIT_NOTHING_TESTED = 5  # the target answered, but not one module check could judge it


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ocpi-conformance")
def main() -> None:
    """Test an OCPI party (CPO, eMSP or Hub) against the OCPI specification.

    \b
    Start with the embedded demo, the suite against our own mock CPO:
        ocpi-conformance run --mock cpo
    Then point it at your server with its versions URL and token A:
        ocpi-conformance run --versions-url https://you/ocpi/versions \\
            --token TOKEN_A --role cpo --mode sandbox
    A Hub is tested with --role hub (the demo: run --mock hub); a CPO or eMSP behind
    a Hub with --via-hub --party CC/PID. Many targets at once: run --fleet fleet.toml.
    Live traffic between two platforms is judged by: proxy --help.
    """


def _pytest_args(target_args: list[str], report_dir: Path, extra: tuple[str, ...]) -> list[str]:
    return [
        *checks_args(),
        "-p",
        "no:cacheprovider",
        "-o",
        "junit_family=xunit1",
        "-o",
        "junit_suite_name=ocpi-conformance",
        f"--junitxml={report_dir / 'junit.xml'}",
        f"--html={report_dir / 'report.html'}",
        "--self-contained-html",
        f"--ocpi-results={report_dir / 'results.json'}",
        f"--ocpi-har={report_dir / 'exchanges.har'}",
        "-o",
        "initial_sort=result",
        "-p",
        "no:randomly",
        *target_args,
        *extra,
    ]


def _print_summary(results_path: Path, report_dir: Path) -> dict[str, Any] | None:
    if not results_path.exists():
        return None
    results = json.loads(results_path.read_text())
    s = results["summary"]
    click.echo("")
    stopped = results.get("stopped") or ""
    title = "OCPI conformance summary" + (" (INTERRUPTED)" if "interrupted" in stopped else "")
    click.secho(title, bold=True)
    click.echo(
        f"  {s['pass']} passed, {s['fail'] + s['error']} failed, {s['warn']} warned, "
        f"{s['skip']} skipped, {s['xfail']} expected (quirks)"
    )
    for warning in results.get("warnings") or ():
        click.secho(f"  {warning}", fg="red", bold=True)
    if stopped.startswith(USAGE_STOP):
        click.secho(f"  Usage error: {stopped.removeprefix(USAGE_STOP)}", fg="red", bold=True)
    elif stopped.startswith(UNREACHABLE_STOP):
        pass  # said once, with its cause, as the run exits
    elif stopped:
        not_run = sum(1 for r in results["checks"] if r["message"].startswith("not run:"))
        click.secho(f"  Run stopped: {results['stopped']}; {not_run} check(s) not run", fg="red")
    skips = results.get("skips") or {}
    if skips.get("mostly_skipped") and not stopped:
        click.secho(f"  {skips['sentence']}", fg="red", bold=True)
        if skips.get("nothing_tested"):
            click.secho(
                "  No module could be tested: only checks of the connection (versions, "
                "credentials, auth, discovery, transport) ran; the run says nothing about the "
                f"modules' data (exit {EXIT_NOTHING_TESTED}).",
                fg="red",
                bold=True,
            )
    for record in results["checks"]:
        if record["outcome"] in ("fail", "error", "warn"):
            first = (record["message"] or "").splitlines()[0] if record["message"] else ""
            color = "yellow" if record["outcome"] == "warn" else "red"
            click.secho(f"  {record['outcome'].upper():5} {record['id']}: {first}", fg=color)
    click.echo(f"  Report: {report_dir / 'report.html'}")
    return results


def _target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options naming the target and where reports go, shared by run and listen."""
    for option in reversed(_TARGET_OPTIONS):
        command = option(command)
    return command


_TARGET_OPTIONS = [
    click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help="Target file (TOML) with [target], [counterpart], [quirks].",
    ),
    click.option("--versions-url", metavar="URL", help="The target's versions endpoint."),
    click.option(
        "--token",
        envvar="OCPI_TOKEN",
        metavar="TOKEN",
        help="Token A (sandbox/destructive: we register) or an existing connection's "
        "token (read-only). Default: $OCPI_TOKEN.",
    ),
    click.option(
        "--role",
        type=click.Choice(["cpo", "emsp", "hub"], case_sensitive=False),
        help="The target's role; hub (OCPI 2.2.1/2.3.0): a Hub, which our counterpart "
        "joins as an eMSP and reaches the parties behind it through.",
    ),
    click.option(
        "--via-hub",
        is_flag=True,
        default=None,
        help="The target (a CPO or eMSP) is reached through a Hub at --versions-url: every "
        "functional request names it in OCPI-to-* (needs --party; OCPI 2.2.1/2.3.0). Also "
        "on when the credentials name a Hub (2.2.1: role HUB; 2.3.0: hub_party_id). "
        "[or [target] via_hub]",
    ),
    click.option(
        "--party",
        metavar="CC/PID",
        help="The target's own country_code/party_id, e.g. NL/CPA: where requests are routed "
        "with --via-hub. [or [target] party]",
    ),
    click.option(
        "--counterpart-url",
        metavar="URL",
        help="Public URL of our counterpart when the target cannot reach this machine.",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help="Seconds one request may take in all, connect to last body byte; a target "
        "trickling its answer is cut there. [default: 10, or [target] timeout]",
    ),
    click.option(
        "--max-time",
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help="Seconds the whole run may take; the checks left then are reported as "
        "'not run: budget spent'. [default: no limit, or [target] max_time]",
    ),
    click.option(
        "--max-body",
        type=click.IntRange(min=1),
        metavar="BYTES",
        help="Most bytes of one response body read; a larger answer fails its exchange and "
        "the run goes on. [default: 10000000, or [target] max_body]",
    ),
    click.option(
        "--churn-wait",
        type=click.FloatRange(min=0, max=3600),
        metavar="SECONDS",
        help="Longest wait for the target's data to change in pagination.delta_sync (full "
        "pull, incremental pull, full pull while it changes); 0 skips that check. "
        "[default: 15, or [churn] wait; 3 with --mock cpo, whose status churn it switches on]",
    ),
    click.option(
        "--report-dir",
        type=click.Path(file_okay=False),
        default="reports",
        show_default=True,
        help="Where report.html, junit.xml and results.json go.",
    ),
    click.option(
        "--ca-cert",
        metavar="FILE",
        help="PEM file of the CA certificate(s) to trust for an HTTPS target with its own CA "
        "or a self-signed certificate, INSTEAD of the default store (as curl --cacert). "
        "[or [target] ca_cert]",
    ),
    click.option(
        "--insecure",
        is_flag=True,
        default=None,
        help="Do not verify the target's TLS certificate at all (nor its host name); every "
        "report says so in red. Prefer --ca-cert. [or [target] insecure]",
    ),
    click.option(
        "--client-cert",
        metavar="FILE",
        help="PEM file of our client certificate, for a target that asks for one (mutual "
        "TLS); it may hold the key too. [or [target] client_cert]",
    ),
    click.option(
        "--client-key",
        metavar="FILE",
        help="PEM file of the --client-cert's private key (unencrypted), when kept apart. "
        "[or [target] client_key]",
    ),
]


@main.command()
@_target_options
@click.option(
    "--version",
    "ocpi_version",
    type=click.Choice([*VERSIONS, "all"]),
    help="OCPI version to test, or 'all': every version the target offers, one run each, "
    "reports in <report-dir>/<version>/ and an index. [default: 2.2.1]",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    help="read-only: only GETs, safe against production (the default for a real "
    "target); sandbox: also the handshake and writes; destructive: also unregister.",
)
@click.option(
    "--mock",
    type=click.Choice(["cpo", "emsp", "hub"], case_sensitive=False),
    help="Test our bundled mock party of this role instead of a real target (hub: a mock "
    "Hub holding two CPOs and two eMSPs, or the parties of --mock-hub-party; OCPI "
    "2.2.1/2.3.0) "
    "(starts it on a free local port; mode sandbox unless --mode says otherwise).",
)
@click.option(
    "--mock-fault",
    "mock_faults",
    multiple=True,
    metavar="FAULT_ID",
    help="With --mock: switch on an injected fault (repeatable); 'ocpi-mock faults' lists them.",
)
@click.option(
    "--mock-hub-party",
    "mock_hub_parties",
    multiple=True,
    metavar="ROLE/CC/PID",
    help="With --mock hub: a party the mock Hub plays itself, its role (CPO or EMSP), "
    "country_code and party_id, e.g. CPO/FR/CPX (repeatable; the ones given replace the "
    "default CPO/NL/CPA, CPO/DE/CPB, EMSP/NL/EMA, EMSP/BE/EMB). The same as ocpi-mock "
    "serve --role hub --hub-party.",
)
@click.option(
    "-k", "select", metavar="EXPR", help="Only checks matching this pytest -k expression."
)
@click.option(
    "--fleet",
    "fleet_path",
    type=click.Path(dir_okay=False),
    help="Fleet file (TOML) of many targets, [targets.<name>] each: run them in parallel, "
    "reports in <report-dir>/<name>/ and an index; see docs/ci.md.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="With --fleet: how many runs at once. [default: the number of CPUs, at least 2]",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Show pytest's own output (each check, tracebacks) instead of one line per module.",
)
def run(
    config_path: str | None,
    versions_url: str | None,
    token: str | None,
    role: str | None,
    ocpi_version: str | None,
    mode: str | None,
    mock: str | None,
    mock_faults: tuple[str, ...],
    mock_hub_parties: tuple[str, ...],
    via_hub: bool | None,
    party: str | None,
    counterpart_url: str | None,
    timeout: float | None,
    max_time: float | None,
    max_body: int | None,
    churn_wait: float | None,
    report_dir: str,
    ca_cert: str | None,
    insecure: bool | None,
    client_cert: str | None,
    client_key: str | None,
    select: str | None,
    fleet_path: str | None,
    jobs: int | None,
    verbose: bool,
) -> None:
    """Run the conformance checks against a target and write the reports.

    Exit status: 0 when no MUST check failed, 1 when one did (or --max-time was spent), 2 for
    a usage or configuration error, 3 when the target could not be reached at all, 4 when the
    run was interrupted (SIGTERM, SIGINT), 5 when the target answered but no module could be
    tested (every module check could not run: no registration, unreadable lists, redirects
    not followed); every report is written in each case. A run where most checks that apply
    could not run says so, with the main causes, in the summary and the report.
    """
    if mock_hub_parties and (mock or "").lower() != "hub":
        raise click.UsageError("--mock-hub-party needs --mock hub")
    if fleet_path or jobs:
        from conformance.cli_fleet import run_fleet_command

        if mock_hub_parties:
            raise click.UsageError("--mock-hub-party is for one run, not --fleet")

        given = dict(config=config_path, versions_url=versions_url, role=role)
        given.update(version=ocpi_version, mode=mode, mock=mock, mock_fault=mock_faults)
        given.update(via_hub=via_hub, party=party)
        given.update(ca_cert=ca_cert, insecure=insecure)
        given.update(client_cert=client_cert, client_key=client_key)
        bounds = dict(timeout=timeout, max_time=max_time, max_body=max_body)
        bounds["churn_wait"] = churn_wait
        sys.exit(run_fleet_command(fleet_path, jobs, report_dir, select, verbose, given, bounds))
    if mock and (versions_url or config_path):
        raise click.UsageError("--mock tests our own mock; drop --versions-url/--config")
    if mock_faults and not mock:
        raise click.UsageError("--mock-fault needs --mock")
    options = _RunOptions(
        config_path,
        versions_url,
        token,
        role,
        mode,
        mock,
        mock_faults,
        counterpart_url,
        select,
        verbose,
        bounds=(timeout, max_time, max_body),
        churn_wait=churn_wait,
        routing=(via_hub, party),
        tls=(ca_cert, insecure, client_cert, client_key),
        mock_hub_parties=mock_hub_parties,
    )
    if ocpi_version != "all":
        code, results = _run_version(options, ocpi_version, Path(report_dir))
        sys.exit(_exit_status(code, results))
    offered = _offered_versions(options)
    click.echo(f"Testing every version offered, one after another: {', '.join(offered)}")
    outcomes = {
        v: _run_version(options, v, Path(report_dir) / v, every_version=True) for v in offered
    }
    write_index(Path(report_dir), {v: results for v, (_, results) in outcomes.items()})
    click.echo(f"\nIndex of the {len(offered)} version reports: {Path(report_dir) / 'report.html'}")
    sys.exit(worst_exit([_exit_status(code, results) for code, results in outcomes.values()]))


@dataclass(frozen=True)
class _RunOptions:
    config_path: str | None
    versions_url: str | None
    token: str | None = field(repr=False)
    role: str | None
    mode: str | None
    mock: str | None
    mock_faults: tuple[str, ...]
    counterpart_url: str | None
    select: str | None
    verbose: bool
    listen_minutes: float = 0
    bounds: tuple[float | None, float | None, int | None] = (None, None, None)
    churn_wait: float | None = None
    routing: tuple[bool | None, str | None] = (None, None)  # --via-hub, --party
    # --ca-cert, --insecure, --client-cert, --client-key
    tls: tuple[str | None, bool | None, str | None, str | None] = (None, None, None, None)
    mock_hub_parties: tuple[str, ...] = ()  # --mock-hub-party

    def tls_overrides(self) -> dict[str, Any]:
        keys = ("ca_cert", "insecure", "client_cert", "client_key")
        return dict(zip(keys, self.tls, strict=True))


@main.command()
@_target_options
@click.option(
    "--version",
    "ocpi_version",
    type=click.Choice(list(VERSIONS)),
    help="OCPI version. [default: 2.2.1]",
)
@click.option(
    "--minutes",
    type=float,
    default=5.0,
    show_default=True,
    help="How long to keep our counterpart up after the handshake.",
)
def listen(
    config_path: str | None,
    versions_url: str | None,
    token: str | None,
    role: str | None,
    ocpi_version: str | None,
    minutes: float,
    via_hub: bool | None,
    party: str | None,
    counterpart_url: str | None,
    timeout: float | None,
    max_time: float | None,
    max_body: int | None,
    churn_wait: float | None,
    report_dir: str,
    ca_cert: str | None,
    insecure: bool | None,
    client_cert: str | None,
    client_key: str | None,
) -> None:
    """Register with the target, then keep our counterpart up for --minutes while you make
    your platform push locations, sessions and CDRs, send command results or ask for
    authorizations; then grade every call it made (client.* and <module>.objects_valid) along
    with the rest of the suite, in sandbox mode."""
    if minutes <= 0:
        raise click.UsageError("--minutes must be more than 0")
    options = _RunOptions(
        config_path,
        versions_url,
        token,
        role,
        "sandbox",
        None,
        (),
        counterpart_url,
        None,
        False,
        minutes,
        (timeout, max_time, max_body),
        churn_wait,
        (via_hub, party),
        (ca_cert, insecure, client_cert, client_key),
    )
    code, results = _run_version(options, ocpi_version, Path(report_dir))
    sys.exit(_exit_status(code, results))


def _offered_versions(options: _RunOptions) -> list[str]:
    """The versions to test with ``--version all``: those the target offers that we know."""
    if options.mock:
        from conformance import counterpart

        return [v for v in VERSIONS if v in counterpart.mock_versions(options.mock)]
    try:
        overrides = dict(versions_url=options.versions_url, token=options.token, role=options.role)
        overrides.update(options.tls_overrides())
        target = (
            load_target(options.config_path, **overrides)
            if options.config_path
            else build_target(**overrides)
        )
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        sys.exit(EXIT_USAGE)
    offered = offered_versions(
        target.versions_url, target.token, timeout=target.timeout, verify=target.ssl_verify()
    )
    if offered is None:
        click.secho(
            f"The target could not be reached: no versions list from {target.versions_url}",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_UNREACHABLE)
    known = [v for v in VERSIONS if v in offered]
    if not known:
        click.secho(
            f"The target offers no version this suite tests ({', '.join(offered) or 'none'}); "
            f"it tests {', '.join(VERSIONS)}",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    return known


def _run_version(
    options: _RunOptions, ocpi_version: str | None, directory: Path, every_version: bool = False
) -> tuple[int, dict[str, Any] | None]:
    """One run of the suite for one version; the pytest exit code and results.json."""
    versions_url, token, role, mode = (
        options.versions_url,
        options.token,
        options.role,
        options.mode,
    )
    churn_wait, churn_control = options.churn_wait, None
    with ExitStack() as stack:
        if options.mock:
            from conformance import counterpart

            versions_url, token = _start_mock(
                stack,
                options.mock,
                options.mock_faults,
                ocpi_version,
                every_version,
                hub_parties=options.mock_hub_parties,
            )
            role = role or options.mock
            mode = mode or "sandbox"
            demo_wait, churn_control = counterpart.demo_churn(
                options.mock, versions_url.removesuffix("/ocpi/versions")
            )
            churn_wait = demo_wait if churn_wait is None else churn_wait
        overrides = dict(
            versions_url=versions_url,
            token=token,
            role=role,
            version=ocpi_version,
            mode=mode,
            counterpart_url=options.counterpart_url,
            timeout=options.bounds[0],
            max_time=options.bounds[1],
            max_body=options.bounds[2],
            churn_wait=churn_wait,
            churn_control=churn_control,
            via_hub=options.routing[0],
            party=options.routing[1],
            **options.tls_overrides(),
        )
        try:
            target = (
                load_target(options.config_path, **overrides)
                if options.config_path
                else build_target(**overrides)
            )
        except ConfigError as exc:
            click.secho(f"Configuration error: {exc}", fg="red", err=True)
            sys.exit(EXIT_USAGE)
        directory.mkdir(parents=True, exist_ok=True)
        click.echo(
            f"Testing {target.versions_url} as {target.role}, OCPI {target.version}, "
            f"mode {target.mode}"
        )
        if target.via_hub and target.party:
            click.echo(
                f"  through a Hub: every functional request routed to {'/'.join(target.party)}"
            )
        _echo_tls(target)
        if target.mode == "read-only":
            click.echo(
                "  read-only: the handshake and writes are skipped; "
                "use --mode sandbox with token A to test them"
            )
        target_args = [
            "--ocpi-versions-url",
            target.versions_url,
            "--ocpi-role",
            target.role,
            "--ocpi-version",
            target.version,
            "--ocpi-mode",
            target.mode,
            # one argument, so a token starting with "-" is not read as an option; pytest runs
            # in this process, so the token never shows in the process list
            f"--ocpi-token={target.token}",
            f"--ocpi-timeout={target.timeout}",
            f"--ocpi-max-body={target.max_body}",
        ]
        if target.max_time is not None:
            target_args.append(f"--ocpi-max-time={target.max_time}")
        target_args.append(f"--ocpi-churn-wait={target.churn_wait}")
        if target.churn_control:
            target_args.append(f"--ocpi-churn-control={target.churn_control}")
        if target.via_hub:
            target_args.append("--ocpi-via-hub")
        if target.party:
            target_args.append(f"--ocpi-party={'/'.join(target.party)}")
        target_args += tls_plugin_args(target)
        if options.config_path:
            target_args += ["--ocpi-config", options.config_path]
        if target.counterpart_url:
            target_args += ["--ocpi-counterpart-url", target.counterpart_url]
        if options.listen_minutes:
            target_args.append(f"--ocpi-listen-minutes={options.listen_minutes}")
        extra: tuple[str, ...] = ("-k", options.select) if options.select else ()
        plugins = []
        if options.verbose:
            extra += ("-v",)
        else:
            extra += ("-p", "no:terminal")
            plugins.append(ModuleProgress(click.secho))
        code = pytest.main(_pytest_args(target_args, directory, extra), plugins=plugins)
    return int(code), _print_summary(directory / "results.json", directory)


def _echo_tls(target: TargetConfig) -> None:
    if target.insecure:
        click.secho(f"  {INSECURE_WARNING}", fg="red", bold=True)
    if target.ca_cert:
        click.echo(f"  TLS: trusting only the CA certificate(s) in {target.ca_cert}")
    if target.client_cert:
        click.echo(f"  TLS: presenting the client certificate {target.client_cert}")


def _exit_status(code: int, results: dict[str, Any] | None) -> int:
    if results is not None and str(results.get("stopped") or "").startswith("interrupted"):
        return EXIT_INTERRUPTED
    if code in (
        pytest.ExitCode.USAGE_ERROR,
        pytest.ExitCode.INTERNAL_ERROR,
        pytest.ExitCode.NO_TESTS_COLLECTED,
        pytest.ExitCode.INTERRUPTED,
    ):
        return EXIT_USAGE
    stopped = str(results.get("stopped") or "") if results is not None else ""
    if stopped.startswith(UNREACHABLE_STOP):
        click.secho(
            "The target could not be reached: "
            + unreachable_hint(stopped.removeprefix(UNREACHABLE_STOP)),
            fg="red",
            bold=True,
            err=True,
        )
        return EXIT_UNREACHABLE
    if results is not None and results.get("target_reachable") is False:
        reason = next(
            (
                line.strip().removeprefix("Got: ")
                for r in results["checks"]
                for line in r["message"].splitlines()
                if "Network error" in line
            ),
            "no answer from its versions endpoint",
        )
        click.secho(
            f"The target could not be reached: {unreachable_hint(reason)}", fg="red", err=True
        )
        return EXIT_UNREACHABLE
    if results is not None and (results["summary"]["must_failed"] or results.get("stopped")):
        return EXIT_FAILED
    if results is not None and (results.get("skips") or {}).get("nothing_tested"):
        return EXIT_NOTHING_TESTED
    return EXIT_OK if code == pytest.ExitCode.OK else EXIT_FAILED


def _start_mock(
    stack: ExitStack,
    role: str,
    faults: tuple[str, ...],
    version: str | None,
    every_version: bool = False,
    hub_parties: tuple[str, ...] = (),
) -> tuple[str, str]:
    """A fresh mock (its token A unspent) serving ``version``, or with ``every_version`` all
    the versions it can (so the version switch is tested too); a hub plays ``hub_parties``
    (ROLE/CC/PID each; none: the mock's default parties)."""
    from conformance import counterpart

    SUPPORTED_VERSIONS = counterpart.MOCK_VERSIONS
    version = version or "2.2.1"
    versions = counterpart.mock_versions(role) if every_version else (version,)
    if version not in SUPPORTED_VERSIONS:
        click.secho(
            f"Configuration error: the mock does not serve OCPI {version} yet "
            f"(it serves {', '.join(SUPPORTED_VERSIONS)})",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    try:
        serving, token_a, _ = counterpart.start_demo_mock(role, faults, versions, hub_parties)
    except ValueError as exc:
        # the mock names its own setting; the user gave it as --mock-hub-party
        message = str(exc).replace("hub_parties:", "--mock-hub-party:")
        click.secho(f"Configuration error: {message}", fg="red", err=True)
        sys.exit(EXIT_USAGE)
    server = stack.enter_context(serving)
    versions_url = f"{server.url}/ocpi/versions"
    click.echo(
        f"Started mock {role.upper()} at {versions_url}"
        + (f" holding {', '.join(p.upper() for p in hub_parties)}" if hub_parties else "")
        + (f" with faults: {', '.join(faults)}" if faults else "")
    )
    return versions_url, token_a


@main.command("checks")
@click.option("--markdown", is_flag=True, help="Print the catalogue as a Markdown table.")
def list_checks(markdown: bool) -> None:
    """List every check: id, level, least mode, target roles, OCPI versions, spec section."""
    from conformance.catalogue import collect_checks, render_markdown

    checks = collect_checks()
    if markdown:
        click.echo(render_markdown(checks))
        return
    width = max(len(c["id"]) for c in checks)
    for c in checks:
        click.echo(
            f"{c['id']:<{width}}  {c['level']:<6}  {c['mode']:<11}  "
            f"{'/'.join(c['roles']):<8}  {','.join(c['versions']):<17}  {c['spec']}"
        )
    click.echo(f"\n{len(checks)} checks")


@main.command("compare")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
def compare(old: str, new: str) -> None:
    """Compare two results.json files: fixed, regressed, still failing, new checks.

    Exit status 1 when a check regressed, so CI can gate on it.
    """
    from conformance.compare import compare_results, load_results

    try:
        comparison = compare_results(load_results(old), load_results(new))
    except ValueError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(EXIT_USAGE)
    for line in comparison.lines():
        click.echo(line)
    sys.exit(EXIT_FAILED if comparison.regressed else EXIT_OK)


from conformance.cli_price import price  # noqa: E402  (commands of their own modules)
from conformance.cli_validate import validate  # noqa: E402

main.add_command(validate)
main.add_command(price)
from conformance.cli_proxy import proxy  # noqa: E402

main.add_command(proxy)
