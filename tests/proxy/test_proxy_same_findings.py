"""One rule, one owner: a run through the proxy and the proxy itself report the same finding
for the same exchanges, word for word (only the URLs differ: the run saw the proxy's)."""

from __future__ import annotations

import json

import pytest
from suite._runner import suite_args

from conformance.proxy.reports import matrix
from conformance.proxy.session import ProxyOptions, ProxySession
from mock_party.app import create_app
from mock_party.config import MockConfig
from mock_party.server import serve_in_thread

FAULT, CHECK = "transport.content_type_not_json", "transport.content_type_json"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("same")
    app = create_app(MockConfig(roles=("CPO",), faults=(FAULT,), versions=("2.2.1",)))
    with serve_in_thread(app) as mock:
        upstream = f"{mock.url}/ocpi/versions"
        with ProxySession(ProxyOptions(upstream, listen=("127.0.0.1", 0)), lambda _: None) as px:
            results = tmp / "results.json"
            pytest.main(
                [
                    *suite_args(),
                    f"--ocpi-versions-url={px.versions_url}",
                    f"--ocpi-token={app.config['OCPI_TOKEN_A']}",
                    "--ocpi-role=CPO",
                    "--ocpi-mode=sandbox",
                    f"--ocpi-results={results}",
                    "-k",
                    "transport or test_credentials or test_locations",
                ]
            )
        run = json.loads(results.read_text())
    return run, px, mock.url


def test_a_run_through_the_proxy_passes_what_it_passes_directly(graded):
    run, _, _ = graded
    failed = {r["id"] for r in run["checks"] if r["outcome"] in ("fail", "warn", "error")}
    assert failed == {CHECK}
    assert sum(r["outcome"] == "pass" for r in run["checks"]) > 20


def test_the_finding_is_the_same_in_the_run_and_in_the_proxy(graded):
    run, px, mock_url = graded
    ours = next(r for r in run["checks"] if r["id"] == CHECK)
    row = next(row for row in matrix(px.judge) if row.rule.check_id == CHECK)
    assert (row.rule.check_id, row.rule.spec, row.rule.level) == (
        ours["id"],
        ours["spec"],
        ours["level"],
    )
    assert row.outcome == ours["outcome"] == "fail"
    assert {f.side for f in row.findings} == {"B"}
    # the run saw the proxy's URLs and rewritten bodies; the proxy the real ones
    as_run = row.message.replace(mock_url, px.front_base).replace(
        "of the exchanges seen", "of the run's exchanges"
    )
    assert as_run == ours["message"]
    assert "Got: Content-Type 'text/plain; charset=utf-8'" in as_run
