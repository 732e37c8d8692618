"""A defect a transport check owns is reported once, by its owner, and the module checks still
judge the data: the whole suite against a mock behind middlewares that answer as real servers
did, compared with the clean mock.

Redirects: every module URL answered 307 to its trailing-slash form (FastAPI's habit) is
followed and the modules are judged as on the clean mock, transport.no_redirect warning; a
redirect to another origin is not followed; a redirect loop ends. The module checks skip naming
the one owner of the finding. Envelopes: a timestamp in the wrong format, no timestamp, or
Content-Type text/plain on every answer (versions and credentials too) fail only their owners."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from suite._runner import failed, outcomes, run_suite
from suite._wrappers import run_wrapped

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        jobs = {
            "clean": pool.submit(run_suite, "CPO"),
            "slash": pool.submit(run_wrapped, "CPO", "TrailingSlashRedirect", None),
            "cross": pool.submit(run_wrapped, "CPO", "CrossOriginRedirect", None),
            "loop": pool.submit(run_wrapped, "CPO", "RedirectLoop", None),
            "versions": pool.submit(run_wrapped, "CPO", "VersionsCrossOriginRedirect", None),
            **{
                name: pool.submit(run_wrapped, "CPO", name, None)
                for name in ("TimestampWithSpace", "NoTimestamp", "TextPlainEverywhere")
            },
        }
        return {name: job.result() for name, job in jobs.items()}


def _message(results: dict[str, Any], check_id: str) -> str:
    return next(c["message"] for c in results["checks"] if c["id"] == check_id)


def test_trailing_slash_redirects_are_followed_and_the_modules_judged(runs) -> None:
    clean, slash = outcomes(runs["clean"]), outcomes(runs["slash"])
    assert set(failed(runs["slash"])) == {"transport.no_redirect"}
    assert slash.pop("transport.no_redirect") == "warn"
    assert clean.pop("transport.no_redirect") == "pass"
    assert slash == clean  # every check that passed on the clean mock passed behind redirects
    assert sum(outcome == "pass" for outcome in slash.values()) > 90
    message = _message(runs["slash"], "transport.no_redirect")
    assert "HTTP 307 to http://127.0.0.1:" in message and "/: followed to http://" in message


def test_a_redirect_to_another_origin_is_not_followed(runs) -> None:
    cross = runs["cross"]
    assert set(failed(cross)) == {"transport.no_redirect"}  # no false MUST failure
    assert "is on another origin" in _message(cross, "transport.no_redirect")
    register = _message(cross, "credentials.post.register")
    assert outcomes(cross)["credentials.post.register"] == "skip"
    assert "HTTP 307" in register and "(see transport.no_redirect)" in register


def test_a_versions_url_redirecting_elsewhere_is_no_must_failure(runs) -> None:
    found = runs["versions"]
    assert set(failed(found)) == {"transport.no_redirect"}
    assert outcomes(found)["versions.list.valid"] == "skip"
    assert "(see transport.no_redirect)" in _message(found, "versions.list.valid")
    assert found["skips"]["nothing_tested"]


def test_a_redirect_loop_ends_with_a_finding(runs) -> None:
    loop = runs["loop"]
    assert loop["elapsed"] < 60
    assert set(failed(loop)) == {"transport.no_redirect"}
    assert "more than 5 redirects in a row" in _message(loop, "transport.no_redirect")


@pytest.mark.parametrize(
    ("wrapper", "owners"),
    [
        ("TimestampWithSpace", {"transport.timestamp_valid"}),
        ("NoTimestamp", {"transport.envelope_valid", "transport.timestamp_valid"}),
        ("TextPlainEverywhere", {"transport.content_type_json"}),
    ],
)
def test_an_envelope_defect_fails_only_its_owners(runs, wrapper: str, owners: set[str]) -> None:
    clean, broken = outcomes(runs["clean"]), outcomes(runs[wrapper])
    changed = {check_id for check_id in clean if broken[check_id] != clean[check_id]}
    assert changed == owners, {c: (clean[c], broken[c]) for c in changed}
    assert all(broken[owner] == "fail" for owner in owners)
