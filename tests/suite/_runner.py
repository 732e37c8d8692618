"""Run the whole suite in this process against a fresh mock party, and return results.json.

Used by the fault matrix (one run per fault and role, in worker processes) and by the tests of
single checks. The mock is served on a loopback port by a real server thread, as the CLI does.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

WsgiApp = Callable[..., Any]
FAILED = ("fail", "error", "warn")


def suite_args() -> list[str]:
    """pytest's arguments for an in-process run of the checks, before the ``--ocpi-*`` ones:
    the CLI's (conformance.catalogue.checks_args), no cache, no randomised order, no terminal
    output."""
    from conformance.catalogue import checks_args

    return [*checks_args(), "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:terminal"]


def run_suite(
    role: str,
    faults: Iterable[str] = (),
    *,
    mode: str = "sandbox",
    select: str | None = None,
    wrap: Callable[[WsgiApp], WsgiApp] | None = None,
    mock: dict[str, Any] | None = None,
    version: str = "2.2.1",
    churn: tuple[float | None, bool] = (None, True),
    options: Iterable[str] = (),
    front: Callable[[str], AbstractContextManager[str]] | None = None,
    extra: Sequence[str] = (),
    mock_role: str | None = None,
) -> dict[str, Any]:
    """The suite against a mock of ``role`` with ``faults`` on; results.json plus ``elapsed``.

    ``wrap`` puts a WSGI middleware around the mock (to break one rule the mock has no fault
    for); ``mock`` overrides MockConfig fields; ``version`` is the OCPI version tested (the mock
    serves that version only, as the CLI's does). ``churn`` is (churn wait, whether the suite
    may switch the mock's status churn on), by default the demo's. ``front(mock_url)`` is a
    server before the mock that the suite is pointed at instead (it yields its own base URL);
    ``extra`` are more pytest arguments, ``options`` more ``--ocpi-*`` options of the run.
    ``mock_role`` is the mock's role when it is not the tested one (a Hub before the target:
    see :func:`run_via_hub`). The result has pytest's ``exit_code`` too.
    """
    from mock_party.app import create_app
    from mock_party.config import MockConfig
    from mock_party.server import serve_in_thread

    settings = {"slow_delay": 0.01, "versions": (version,), **(mock or {})}
    # a hub's parties may still write their SQLite journals as the folder goes (their last
    # jobs end after the run): the folder is scratch, its removal must not fail the test
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        if mock_role == "HUB":  # the hub keeps its parties' databases next to its own: in tmp
            settings.setdefault("database", str(Path(tmp) / "hub.sqlite"))
        mock_roles = ((mock_role or role).upper(),)
        app = create_app(MockConfig(roles=mock_roles, faults=tuple(faults), **settings))
        served = wrap(app.wsgi_app) if wrap else app
        with serve_in_thread(served) as server, (front or nullcontext)(server.url) as front_url:
            target_url = front_url if front else server.url
            results = Path(tmp) / "results.json"
            args = [
                *suite_args(),
                f"--ocpi-versions-url={target_url}/ocpi/versions",
                f"--ocpi-token={app.config['OCPI_TOKEN_A']}",
                f"--ocpi-role={role.upper()}",
                f"--ocpi-mode={mode}",
                f"--ocpi-version={version}",
                f"--ocpi-results={results}",
            ]
            from conformance.counterpart import demo_churn

            churn_wait, churn_control = demo_churn(role, server.url)
            churn_wait = churn_wait if churn[0] is None else churn[0]
            churn_control = churn_control if churn[1] else None
            args.append(f"--ocpi-churn-wait={churn_wait}")
            if churn_control:
                args.append(f"--ocpi-churn-control={churn_control}")
            args += list(options)
            if select:
                args += ["-k", select]
            args += list(extra)
            plugins = [HubWorkDone(app)] if mock_role == "HUB" else []
            started = time.perf_counter()
            code = pytest.main(args, plugins=plugins)
            elapsed = time.perf_counter() - started
            from mock_party.churn import set_churn

            set_churn(app, 0)  # a mock churning by itself (mock={"status_churn": …}) stops here
            if not results.exists():
                raise RuntimeError(f"the suite wrote no results (pytest exit code {code})")
            found = json.loads(results.read_text())
    found["elapsed"] = elapsed
    found["exit_code"] = int(code)
    return found


class HubWorkDone:
    """pytest plugin of a run against a mock Hub: before the run ends (its counterpart stops
    and the HAR is written), wait until the hub and the parties it plays have carried out
    every job they scheduled, above all the ClientInfo pushes that follow our registration.

    Those pushes are asynchronous (after the hub's answer, which gives the platform its
    token); nothing in a run of a CPO or eMSP behind the hub waits for them, so under load the
    run could end first and a test reading them off the HAR would miss some. A job is deleted
    once carried out, and our counterpart records a request before it answers it: with no job
    left, every push the hub made is in the recorder."""

    def __init__(self, app: WsgiApp, timeout: float = 60.0) -> None:
        self.apps = [app, *(p.app for p in app.config.get("OCPI_HUB_PARTIES", ()))]
        self.timeout = timeout

    @pytest.fixture(scope="session", autouse=True)
    def _hub_work_done(self, ocpi: Any) -> Any:
        yield
        from mock_party.jobs import pending

        deadline = time.monotonic() + self.timeout
        while any(pending(a) for a in self.apps) and time.monotonic() < deadline:
            time.sleep(0.05)


#: the mock Hub of a via-hub run: no command delay; no CDRs, whose pricing checks would judge
#: the Faker CDRs of the hub's parties (other seeds than the demo's)
VIA_HUB_MOCK: dict[str, Any] = {"party_id": "HUB", "command_delay": 0, "cdrs": 0}


def run_via_hub(
    role: str,
    party: str,
    faults: Iterable[str] = (),
    *,
    version: str = "2.2.1",
    declared: bool = True,
    options: Iterable[str] = (),
    **kwargs: Any,
) -> dict[str, Any]:
    """The suite against ``party`` (a ``CC/PID`` of the hub's, of ``role``) behind a fresh mock
    Hub with ``faults`` on, named by ``--ocpi-via-hub`` when ``declared`` (else the suite
    tells from the Hub's credentials); ``kwargs`` as :func:`run_suite`'s."""
    mock = {**VIA_HUB_MOCK, **kwargs.pop("mock", {})}
    via = ["--ocpi-via-hub"] if declared else []
    return run_suite(
        role,
        faults,
        version=version,
        mock=mock,
        mock_role="HUB",
        churn=(0, False),
        options=[*via, f"--ocpi-party={party}", *options],
        **kwargs,
    )


def outcomes(results: dict[str, Any]) -> dict[str, str]:
    return {record["id"]: record["outcome"] for record in results["checks"]}


def failed(results: dict[str, Any]) -> dict[str, str]:
    """Check id → first line of the message, for every check that failed or warned."""
    return {
        record["id"]: (record["message"] or "").splitlines()[0] if record["message"] else ""
        for record in results["checks"]
        if record["outcome"] in FAILED
    }
