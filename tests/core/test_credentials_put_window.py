"""Our counterpart's token B while the suite's credentials PUT is under way, over loopback.

A target may call us while it handles our PUT (a hub pushes ClientInfo right after a
registration): until it answers, it still holds the old token B, so both tokens let it in;
once it has answered, only the new one does, or only the old one when it refused the PUT.
The target here is a real mock CPO behind a WSGI middleware that, on the PUT, first calls our
versions URL with the token B it holds, as such a target would.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest

from conformance.config import TargetConfig
from conformance.session import Run
from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread
from mock_party.store import Store


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


class CallsBackDuringPut:
    """On a credentials PUT, GET the caller's versions URL with the token B the mock holds for
    it (the old one) and note the status, then let the mock answer, or refuse the PUT."""

    def __init__(self, app: Any, *, refuse: bool) -> None:
        self.app = app
        self.refuse = refuse
        self.during: list[int] = []
        self.old_token_b: str | None = None
        self.new_token_b: str | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "PUT" and environ["PATH_INFO"].endswith("/credentials"):
            token_c = base64.b64decode(environ["HTTP_AUTHORIZATION"].split(" ", 1)[1]).decode()
            store = Store(self.app.config["OCPI_DATABASE"])
            try:
                partner = store.partner_by_token(token_c)
            finally:
                store.close()
            assert partner is not None and partner.token_out
            self.old_token_b = partner.token_out
            answer = httpx.get(partner.versions_url, headers=_auth(partner.token_out), timeout=5)
            self.during.append(answer.status_code)
            sent = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(sent)
            self.new_token_b = json.loads(sent)["token"]
            if self.refuse:
                refusal = {"status_code": 2001, "timestamp": "2026-01-01T00:00:00Z"}
                body = json.dumps(refusal).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [body]
        return self.app(environ, start_response)


@pytest.fixture
def target(tmp_path, request):
    app = create_app(MockConfig(roles=("CPO",), database=str(tmp_path / "cpo.sqlite")))
    wrapped = CallsBackDuringPut(app, refuse=request.param)
    with serve_in_thread(wrapped) as server:
        config = TargetConfig(
            versions_url=f"{server.url}/ocpi/versions",
            token=app.config["OCPI_TOKEN_A"],
            role="cpo",
            mode="sandbox",
        )
        run = Run.start(config)
        try:
            yield run, wrapped
        finally:
            run.close()


def _status_with(run: Run, token: str) -> int:
    return httpx.get(run.counterpart.versions_url, headers=_auth(token), timeout=5).status_code


@pytest.mark.parametrize("target", [False], indirect=True)
def test_both_tokens_b_work_until_the_put_is_answered_then_only_the_new_one(target):
    run, wrapped = target
    assert run.registration.ok, run.registration.error
    response, _ = run.update_credentials()
    assert response.http_status == 200
    assert wrapped.during == [200]  # the old token B, while the PUT was being handled
    assert wrapped.new_token_b and wrapped.old_token_b
    assert wrapped.new_token_b != wrapped.old_token_b
    assert _status_with(run, wrapped.new_token_b) == 200
    assert _status_with(run, wrapped.old_token_b) == 401


@pytest.mark.parametrize("target", [True], indirect=True)
def test_a_refused_put_leaves_only_the_old_token_b(target):
    run, wrapped = target
    assert run.registration.ok, run.registration.error
    partner_id = run.registration.partner_id
    response, _ = run.update_credentials()
    assert response.http_status == 400
    assert wrapped.during == [200]
    assert wrapped.new_token_b and wrapped.old_token_b
    assert _status_with(run, wrapped.old_token_b) == 200
    assert _status_with(run, wrapped.new_token_b) == 401
    store = Store(run.counterpart.app.config["OCPI_DATABASE"])
    try:
        partner = store.partner(partner_id)
    finally:
        store.close()
    assert partner is not None and partner.token_in == wrapped.old_token_b
    assert partner.token_in_previous is None
