"""Authentication verdicts on answers real servers gave: a 403 named as a 403, an un-encoded token
answered with a server error, module URLs that let an unknown token in."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from suite._runner import failed
from suite._wrappers import run_faulty, run_wrapped

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        jobs = {
            "forbidden": pool.submit(
                run_faulty, "CPO", ("auth.forbidden_instead_of_unauthorized",), "test_auth"
            ),
            "plain_3000": pool.submit(run_wrapped, "CPO", "PlainTokenServerError", "test_auth"),
            "modules_open": pool.submit(
                run_wrapped, "CPO", "ModulesAcceptUnknownTokens", "test_auth", mode="read-only"
            ),
        }
        return {name: job.result() for name, job in jobs.items()}


def test_a_403_is_named_as_such(runs: dict[str, dict[str, Any]]) -> None:
    bad = failed(runs["forbidden"])
    assert bad["auth.unknown_token_401"] == (
        "GET versions with an unknown token: refused with 403, the spec asks 401"
    )
    assert bad["auth.missing_token_401"].endswith("refused with 403, the spec asks 401")
    assert bad["auth.unknown_token_module_401"].endswith("refused with 403, the spec asks 401")


def test_an_unencoded_token_answered_with_a_server_error_fails(runs) -> None:
    bad = failed(runs["plain_3000"])
    assert set(bad) == {"auth.plain_token_accepted_or_401"}, bad
    check = next(c for c in runs["plain_3000"]["checks"] if c["id"] in bad)
    assert "HTTP 200, status_code 3000" in check["message"]


def test_module_urls_must_refuse_an_unknown_token(runs) -> None:
    assert runs["modules_open"]["stopped"] is None  # the token reaches a module: no usage stop
    bad = failed(runs["modules_open"])
    assert set(bad) == {"auth.unknown_token_module_401"}, bad
    assert bad["auth.unknown_token_module_401"].startswith("GET ")
    assert "with an unknown token: not refused with 401" in bad["auth.unknown_token_module_401"]
