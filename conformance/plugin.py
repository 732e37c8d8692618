"""The pytest plugin: options, markers, fixtures and report hooks. No check logic lives here.

Inert in other projects' pytest runs: it does nothing unless ``--ocpi-versions-url`` or
``--ocpi-config`` is given.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from conformance.config import MODES, ConfigError, TargetConfig, build_target, load_target
from conformance.failures import CheckFailure
from conformance.har import HarWriter
from conformance.html_report import HtmlExtras
from conformance.interrupt import RunInterrupted, SignalGuard
from conformance.listen import wait_for_calls
from conformance.masking import mask_report
from conformance.report import (
    UNREACHABLE_STOP,
    USAGE_STOP,
    ResultsJsonWriter,
    check_meta,
    kept_exchanges,
)
from conformance.session import Run
from conformance.skips import (
    COULD_NOT_RUN,
    NOT_APPLICABLE,
    kind_of,
    skip_could_not_run,
)
from conformance.spec_anchors import spec_anchor
from conformance.token_reach import registration_token_only
from ocpi_core.client import TargetUnreachable
from ocpi_core.exchange import ExchangeRecorder
from ocpi_core.versions import not_applicable

CONFIG_KEY = pytest.StashKey[TargetConfig]()
RECORDER_KEY = pytest.StashKey[ExchangeRecorder]()
RESULTS_KEY = pytest.StashKey[ResultsJsonWriter]()
MARK_KEY = pytest.StashKey[int]()
RUN_KEY = pytest.StashKey[Run]()
LISTENED_KEY = pytest.StashKey[bool]()
BUDGET_KEY = pytest.StashKey[float]()  # time.monotonic() when the run's budget ends
STOPPED_KEY = pytest.StashKey[str]()  # why the run ended early
PROBED_KEY = pytest.StashKey[bool]()  # whether the token's reach was probed
GUARD_KEY = pytest.StashKey[SignalGuard]()
SKIP_KIND_KEY = pytest.StashKey[str]()  # the kind of the skip marker the plugin put on a check
EXIT_INTERRUPTED = 4  # pytest's own codes end at 5 (no tests); ours is documented in docs/ci.md

# Checks run in this order of modules: discovery first, registration before the modules that
# need token C, unregistering last.
MODULE_ORDER = (
    "test_versions",
    "test_auth",
    "test_credentials",
    "test_discovery",
    "test_commands",
    "test_chargingprofiles",
    "test_pagination",
    "test_locations",
    "test_sessions",
    "test_cdrs",
    "test_tariffs",
    "test_pricing",
    "test_demand",
    "test_tokens",
    "test_hubclientinfo",
    "test_payments",
    "test_delta",
    "test_via_hub",
    "test_client",
    "test_transport",
    "test_unregister",
)

_HELP = {
    "config": "target file (TOML) describing the OCPI party under test",
    "versions_url": "versions URL of the OCPI party under test",
    "token": "token: A (to register) in sandbox/destructive mode, an existing connection's "
    "token in read-only mode; default $OCPI_TOKEN",
    "role": "role of the target: cpo, emsp or hub",
    "version": "OCPI version to test (default 2.2.1)",
    "mode": "read-only (GETs only), sandbox (handshake and writes), destructive (also deletes)",
    "counterpart_url": "public URL of our counterpart, when the target cannot reach this machine",
    "results": "write results.json to PATH",
    "har": "write every HTTP exchange of the run to PATH as HAR 1.2",
    "listen": "after the handshake, wait N minutes for the target's calls before the checks",
    "timeout": "seconds one request may take in all, connect to last byte (default 10)",
    "churn_wait": "longest wait, in seconds, for the target's data to change in "
    "pagination.delta_sync (0: skip it; default 15)",
    "churn_control": "base URL of an ocpi-mock under test whose status churn the suite may "
    "switch on during pagination.delta_sync (--mock cpo sets it)",
    "max_time": "seconds the whole run may take; the checks left are reported as not run",
    "via_hub": "the target (CPO or eMSP) is reached through a Hub: route every functional "
    "request to --ocpi-party by OCPI-to-* (2.2.1/2.3.0)",
    "party": "the target's own country_code/party_id, e.g. NL/CPA (needed with --ocpi-via-hub)",
    "extra_parties": "role hub: the parties our counterpart hosts besides its own, comma "
    "separated (CC/PID an eMSP, CPO/CC/PID a CPO), or 'none' (default: NL/OC1,CPO/NL/OC2)",
    "max_body": "most bytes of one response body read; a larger one fails its exchange "
    "(default 10000000)",
    "ca_cert": "PEM file of the CA certificate(s) trusted for the target instead of the default "
    "store",
    "insecure": "do not verify the target's TLS certificate (every report says so)",
    "client_cert": "PEM file of our client certificate for mutual TLS (may hold the key too)",
    "client_key": "PEM file of the client certificate's private key",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpi-conformance", "Test an OCPI party for conformance")
    group.addoption("--ocpi-config", metavar="PATH", help=_HELP["config"])
    group.addoption("--ocpi-versions-url", metavar="URL", help=_HELP["versions_url"])
    group.addoption("--ocpi-token", metavar="TOKEN", help=_HELP["token"])
    group.addoption(
        "--ocpi-role", choices=["cpo", "emsp", "hub", "CPO", "EMSP", "HUB"], help=_HELP["role"]
    )
    group.addoption("--ocpi-version", metavar="VERSION", help=_HELP["version"])
    group.addoption("--ocpi-mode", choices=list(MODES), help=_HELP["mode"])
    group.addoption("--ocpi-counterpart-url", metavar="URL", help=_HELP["counterpart_url"])
    group.addoption("--ocpi-results", metavar="PATH", help=_HELP["results"])
    group.addoption("--ocpi-har", metavar="PATH", help=_HELP["har"])
    group.addoption("--ocpi-timeout", type=float, metavar="SECONDS", help=_HELP["timeout"])
    group.addoption("--ocpi-churn-wait", type=float, metavar="SECONDS", help=_HELP["churn_wait"])
    group.addoption("--ocpi-churn-control", metavar="URL", help=_HELP["churn_control"])
    group.addoption("--ocpi-max-time", type=float, metavar="SECONDS", help=_HELP["max_time"])
    group.addoption("--ocpi-max-body", type=int, metavar="BYTES", help=_HELP["max_body"])
    group.addoption("--ocpi-via-hub", action="store_true", default=None, help=_HELP["via_hub"])
    group.addoption("--ocpi-party", metavar="CC/PID", help=_HELP["party"])
    group.addoption("--ocpi-ca-cert", metavar="FILE", help=_HELP["ca_cert"])
    group.addoption("--ocpi-insecure", action="store_true", default=None, help=_HELP["insecure"])
    group.addoption("--ocpi-client-cert", metavar="FILE", help=_HELP["client_cert"])
    group.addoption("--ocpi-client-key", metavar="FILE", help=_HELP["client_key"])
    group.addoption("--ocpi-extra-parties", metavar="LIST", help=_HELP["extra_parties"])
    group.addoption(
        "--ocpi-listen-minutes", type=float, default=0, metavar="N", help=_HELP["listen"]
    )


def _target_from_options(config: pytest.Config) -> TargetConfig | None:
    opt = config.option
    if not (opt.ocpi_config or opt.ocpi_versions_url):
        return None
    overrides = {
        "versions_url": opt.ocpi_versions_url,
        "token": opt.ocpi_token or os.environ.get("OCPI_TOKEN"),
        "role": opt.ocpi_role,
        "version": opt.ocpi_version,
        "mode": opt.ocpi_mode,
        "counterpart_url": opt.ocpi_counterpart_url,
        "timeout": opt.ocpi_timeout,
        "max_time": opt.ocpi_max_time,
        "max_body": opt.ocpi_max_body,
        "churn_wait": opt.ocpi_churn_wait,
        "churn_control": opt.ocpi_churn_control,
        "via_hub": opt.ocpi_via_hub,
        "party": opt.ocpi_party,
        "ca_cert": opt.ocpi_ca_cert,
        "insecure": opt.ocpi_insecure,
        "client_cert": opt.ocpi_client_cert,
        "client_key": opt.ocpi_client_key,
        "extra_parties": _extra_parties(opt.ocpi_extra_parties),
    }
    if opt.ocpi_config:
        return load_target(opt.ocpi_config, **overrides)
    return build_target(source="command line", **overrides)


def _extra_parties(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    if text.strip().lower() in ("", "none"):
        return ()
    return tuple(p.strip() for p in text.split(",") if p.strip())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "check(id, spec, level='MUST', mode='read-only', roles=('CPO', 'EMSP'), versions=None): "
        "an OCPI conformance check: stable id, its 2.2.1 spec section (translated for other "
        "versions), MUST (fails the run) or SHOULD (warns), the least mode it needs, the target "
        "roles and the OCPI versions it applies to (None: every version having its module).",
    )
    try:
        target = _target_from_options(config)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if target is None:
        return
    config.stash[CONFIG_KEY] = target
    if target.max_time is not None:
        config.stash[BUDGET_KEY] = time.monotonic() + target.max_time
    config.stash[RECORDER_KEY] = ExchangeRecorder()
    guard = SignalGuard(lambda reason: config.stash.setdefault(STOPPED_KEY, reason))
    guard.install()
    config.stash[GUARD_KEY] = guard
    if config.option.ocpi_results and not hasattr(config, "workerinput"):
        writer = ResultsJsonWriter(config.option.ocpi_results, target)
        config.stash[RESULTS_KEY] = writer
        config.pluginmanager.register(writer, "ocpi-results")
    if config.option.ocpi_har and not hasattr(config, "workerinput"):
        config.pluginmanager.register(
            HarWriter(config.option.ocpi_har, config.stash[RECORDER_KEY]), "ocpi-har"
        )
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlExtras(target), "ocpi-html")


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(GUARD_KEY, None)
    if guard is not None:
        guard.restore()
    for name in ("ocpi-results", "ocpi-har", "ocpi-html"):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(RUN_KEY, None)
    writer = session.config.stash.get(RESULTS_KEY, None)
    if run is not None and writer is not None and run._discovery is not None:
        writer.target_reachable = run.discovery.versions is not None
    stopped = session.config.stash.get(STOPPED_KEY, None)
    if writer is not None:
        writer.stopped = stopped
    if stopped is not None and stopped.startswith("interrupted"):
        session.exitstatus = EXIT_INTERRUPTED
    if stopped is not None and stopped.startswith(USAGE_STOP):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    if stopped is not None and stopped.startswith(UNREACHABLE_STOP):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # the CLI turns it into exit 3


def _active(config: pytest.Config) -> bool:
    return CONFIG_KEY in config.stash


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if not _active(config):
        return None
    t = config.stash[CONFIG_KEY]
    return [
        f"ocpi target: {t.versions_url} (role {t.role}, version {t.version}, mode {t.mode})",
    ]


def _module_rank(item: pytest.Item) -> int:
    name = (
        getattr(item, "module", None).__name__.rsplit(".", 1)[-1] if hasattr(item, "module") else ""
    )
    if name in MODULE_ORDER[:-1]:
        return MODULE_ORDER.index(name)
    if name == MODULE_ORDER[-1]:
        return 1_000
    return len(MODULE_ORDER)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not _active(config):
        return
    target = config.stash[CONFIG_KEY]
    seen: dict[str, str] = {}
    for item in items:
        meta = check_meta(item)
        if meta is None:
            continue
        if meta["id"] in seen:
            raise pytest.UsageError(
                f"check id {meta['id']!r} is used twice: {seen[meta['id']]} and {item.nodeid}"
            )
        seen[meta["id"]] = item.nodeid
        meta["spec"] = spec_anchor(meta["spec"], target.version)
        for key in ("check_id", "level", "spec"):
            item.user_properties.append((key, meta[key if key != "check_id" else "id"]))
        marker = item.get_closest_marker("check")
        reason = not_applicable(meta["id"], marker.kwargs.get("versions"), target.version)
        if reason is None and not target.allows(meta["mode"]):
            reason = f"needs --mode {meta['mode']} (this run: {target.mode})"
        elif reason is None and target.role not in meta["roles"]:
            reason = f"applies to {'/'.join(meta['roles'])} targets only"
        if reason is not None:
            _mark_skip(item, reason, NOT_APPLICABLE)
        if meta["id"] in target.quirks:
            item.add_marker(
                pytest.mark.xfail(reason=f"quirk: {target.quirks[meta['id']]}", strict=False)
            )
    unknown = set(target.quirks) - set(seen)
    if unknown:
        raise pytest.UsageError(
            f"{target.source}: [quirks] names unknown check id(s): {', '.join(sorted(unknown))}"
        )
    items.sort(key=_module_rank)


def _mark_skip(item: pytest.Item, reason: str, kind: str) -> None:
    """Skip ``item`` by a marker (pytest's own skipping reports it to every sink), its kind
    kept for the report; the first marker wins, and so does its kind."""
    item.add_marker(pytest.mark.skip(reason=reason))
    item.stash.setdefault(SKIP_KIND_KEY, kind)


def _skip_once_stopped(item: pytest.Item) -> None:
    """Once the run was interrupted or its budget (--max-time) spent, the checks left are not
    run."""
    config = item.config
    if BUDGET_KEY in config.stash and time.monotonic() >= config.stash[BUDGET_KEY]:
        target = config.stash[CONFIG_KEY]
        config.stash.setdefault(STOPPED_KEY, f"budget spent (--max-time {target.max_time:g} s)")
    if STOPPED_KEY in config.stash:
        _mark_skip(item, f"not run: {config.stash[STOPPED_KEY]}", COULD_NOT_RUN)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if _active(item.config):
        _skip_once_stopped(item)
        _listen_once_registered(item)
        item.stash[MARK_KEY] = len(item.config.stash[RECORDER_KEY])
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    if _active(item.config):
        _stop_when_untestable(item.config)
    return (yield)


def _stop_when_untestable(config: pytest.Config) -> None:
    """Once, as the first check starts: a target that gives no HTTP answer at all, or a
    read-only run whose token reaches no module (token A), ends the run here, said once, before
    any check judges the target (each check is "not run: …" with the reason)."""
    run = config.stash.get(RUN_KEY, None)
    if run is None or config.stash.get(PROBED_KEY, False):
        return
    config.stash[PROBED_KEY] = True
    reason = None
    if run.discovery.unreachable is not None:
        reason = f"{UNREACHABLE_STOP}{run.discovery.unreachable} ({run.config.versions_url})"
    elif run.config.mode == "read-only":
        misuse = registration_token_only(run)
        reason = None if misuse is None else f"{USAGE_STOP}{misuse}"
    if reason is not None:
        config.stash.setdefault(STOPPED_KEY, reason)
        skip_could_not_run(f"not run: {reason}")


def _listen_once_registered(item: pytest.Item) -> None:
    """With --ocpi-listen-minutes: wait for the target's calls right after the handshake, so
    the module and client checks that follow grade them."""
    config = item.config
    minutes = config.option.ocpi_listen_minutes
    if not minutes or config.stash.get(LISTENED_KEY, False):
        return
    if _module_rank(item) <= MODULE_ORDER.index("test_credentials"):
        return
    config.stash[LISTENED_KEY] = True
    import sys

    def write(line: str) -> None:
        print(line, file=sys.__stderr__, flush=True)

    wait_for_calls(config.stash[RECORDER_KEY], minutes, write)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not _active(item.config):
        return report
    try:
        return _ocpi_report(item, call, report)
    finally:
        mask_report(report, item.config.stash[RECORDER_KEY].masker)


def _ocpi_report(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> pytest.TestReport:
    meta = check_meta(item)
    if meta is None:
        return report
    version = item.config.stash[CONFIG_KEY].version
    meta["spec"] = spec_anchor(meta["spec"], version)
    report.ocpi_check = meta  # type: ignore[attr-defined]
    recorder = item.config.stash[RECORDER_KEY]
    mark = item.stash.get(MARK_KEY, len(recorder))
    made = (
        recorder.since(mark)
        if report.when == "call" or (report.when == "setup" and not report.passed)
        else []
    )
    report.ocpi_exchanges_span = (mark, mark + len(made))  # type: ignore[attr-defined]
    kept, left_out = kept_exchanges(made)
    report.ocpi_exchanges = [e.as_dict() for e in kept]  # type: ignore[attr-defined]
    report.ocpi_exchanges_made = len(made)  # type: ignore[attr-defined]
    report.ocpi_exchanges_left_out = left_out  # type: ignore[attr-defined]
    if call.excinfo is not None and isinstance(call.excinfo.value, CheckFailure):
        failure = call.excinfo.value
        failure.check_id = failure.check_id or meta["id"]
        failure.spec = spec_anchor(failure.spec, version) if failure.spec else meta["spec"]
        failure.level = failure.level or meta["level"]
        if not hasattr(report, "wasxfail"):
            report.longrepr = str(failure)
    elif call.excinfo is not None and isinstance(call.excinfo.value, RunInterrupted):
        report.longrepr = (
            f"{call.excinfo.value.reason} while this check ran: it was stopped before it "
            "could judge the target's answer"
        )
        report.ocpi_interrupted = True  # type: ignore[attr-defined]
        return report
    elif call.excinfo is not None and isinstance(call.excinfo.value, TargetUnreachable):
        report.longrepr = f"Target unreachable\n\n    Got: {call.excinfo.value}"
    if report.skipped and call.excinfo is not None:
        marked = item.stash.get(SKIP_KIND_KEY, None) if report.when == "setup" else None
        kind = marked or kind_of(call.excinfo.value)
        report.ocpi_skip_kind = kind  # type: ignore[attr-defined]
    if report.failed and meta["level"] == "SHOULD" and report.when == "call":
        report.ocpi_warning = str(report.longrepr)  # type: ignore[attr-defined]
        report.sections.append(("OCPI warning (SHOULD)", report.ocpi_warning))
        report.outcome = "passed"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Generator[None, None, None]:
    """While a check runs, a stop signal interrupts it; between checks it only marks the
    run as stopped."""
    guard = item.config.stash.get(GUARD_KEY, None)
    if guard is not None:
        guard.running = True
    try:
        return (yield)
    finally:
        if guard is not None:
            guard.running = False


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    if getattr(report, "ocpi_warning", None) and report.when == "call":
        return "warned", "W", ("WARN", {"yellow": True})
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _active(config):
        return
    warned = terminalreporter.stats.get("warned", [])
    if warned:
        terminalreporter.write_sep("=", f"{len(warned)} SHOULD-level warning(s)", yellow=True)
        for report in warned:
            first = report.ocpi_warning.splitlines()[0]
            terminalreporter.write_line(f"WARN {report.ocpi_check['id']}: {first}")


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ocpi(request: pytest.FixtureRequest) -> Iterator[Run]:
    """The run: target config, working token, discovery, registration, counterpart."""
    if not _active(request.config):
        skip_could_not_run("no OCPI target: give --ocpi-versions-url or --ocpi-config")
    config = request.config
    run = Run.start(
        config.stash[CONFIG_KEY], config.stash[RECORDER_KEY], config.stash.get(BUDGET_KEY, None)
    )
    request.config.stash[RUN_KEY] = run
    yield run
    run.close()


@pytest.fixture(scope="session")
def target(ocpi: Run) -> TargetConfig:
    return ocpi.config
