"""Rules about the order of exchanges: a spent token A, the versions read during a POST."""

from __future__ import annotations

import json

from conformance.proxy.judge import Judge, Side
from ocpi_core.exchange import Exchange

A, B = Side("A", "platform A"), Side("B", "platform B")
BASE = "http://b.example/ocpi/2.2.1"
ENVELOPE = {"status_code": 1000, "timestamp": "2026-12-06T12:00:00Z"}


def _exchange(method, url, status, body, *, started, direction="A→B"):
    headers = (("Content-Type", "application/json"),)
    return Exchange(method, url, (), None, status, headers, json.dumps(body), started, 0.01,
                    direction=direction)  # fmt: skip


def _judge() -> Judge:
    judge = Judge()
    details = {
        "version": "2.2.1",
        "endpoints": [{"identifier": "credentials", "role": "RECEIVER", "url": f"{BASE}/cred"}],
    }
    judge.judge(_exchange("GET", BASE, 200, {**ENVELOPE, "data": details},
                          started="2026-12-06T12:00:00Z"), B, A)  # fmt: skip
    return judge


def _post(judge: Judge, started: str) -> list:
    post = _exchange("POST", f"{BASE}/cred", 200, {**ENVELOPE, "data": {}}, started=started)
    return judge.judge(post, B, A, token="token-a")


def test_a_token_spent_by_the_registration_must_not_work_again():
    judge = _judge()
    judge.judge(_exchange("GET", "http://a.example/ocpi/versions", 200, {**ENVELOPE, "data": []},
                          started="2026-12-06T12:00:02Z", direction="B→A"), A, B)  # fmt: skip
    assert _post(judge, "2026-12-06T12:00:01Z") == []
    again = _exchange("GET", f"{BASE}/cred", 200, ENVELOPE, started="2026-12-06T12:00:05Z")
    found = judge.judge(again, B, A, token="token-a")
    assert [(f.check_id, f.side) for f in found] == [("credentials.token_a.revoked", "B")]
    refused = _exchange("GET", f"{BASE}/cred", 401, {**ENVELOPE, "status_code": 2000},
                        started="2026-12-06T12:00:06Z")  # fmt: skip
    assert judge.judge(refused, B, A, token="token-a") == []


def test_a_registration_answered_without_reading_our_versions_is_named():
    judge = _judge()
    found = _post(judge, "2026-12-06T12:00:01Z")
    assert [(f.check_id, f.side) for f in found] == [("credentials.post.fetched_our_versions", "B")]
