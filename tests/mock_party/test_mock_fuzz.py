"""A bounded fuzz of the mock over real loopback: thousands of generated bad requests over every
OCPI endpoint (junk path values, methods, query parameters, bodies and tokens). No answer the
client caused is an HTTP 5xx, and every answer of the app is an OCPI envelope.

Seeded, so a failure repeats; the request that broke is in the assertion message.
"""

from __future__ import annotations

import json
import random
import re

import httpx
from mock_support import OcpiActions, auth

REQUESTS = 3_000
SEED = 17
METHODS = ("GET", "PUT", "PATCH", "POST", "DELETE")
PATH_VALUES = [
    "x",
    "DE",
    "PRT",
    "2.2.1",
    "0",
    "-1",
    "9" * 30,
    "%00",
    "%FF%FE",
    "%C3%A9t%C3%A9",
    "..",
    "%2e%2e",
    "a" * 300,
    "%20",
    "%22%27",
    "1e9",
    "%EF%BF%BD",
    "%F0%9F%94%8C",
    "null",
]
QUERY_VALUES = [
    "",
    "-1",
    "1e3",
    "\u00b2",
    "\u0661",
    str(2**64),
    "9" * 5000,
    "abc",
    "2024-13-45T99:99:99Z",
    "2024-01-01",
    "%00",
    "%FF",
    "0x10",
    " 5",
    "5 ",
    "1,2",
    "true",
    "null",
]
QUERY_NAMES = ("offset", "limit", "date_from", "date_to", "type", "response_url", "x")


def _bodies(rng: random.Random) -> bytes:
    choices = [
        b"",
        b"{",
        b"[]",
        b"null",
        b"\xff\xfe\x00",
        b'"' + b"a" * 10_000 + b'"',
        b"[" * 5_000 + b"]" * 5_000,
        b'{"a":' * 200 + b"1" + b"}" * 200,
        json.dumps({"id": rng.random(), "last_updated": "later"}).encode(),
        json.dumps({"country_code": 5, "party_id": [], "uid": {}, "type": None}).encode(),
        json.dumps({"token": "x" * 40, "url": "ftp://nowhere", "roles": "CPO"}).encode(),
        json.dumps({"kwh": 1e308, "start_date_time": "2024-01-01T00:00:00Z"}).encode(),
        b'{"x": 1e99999, "y": -0, "z": 123456789012345678901234567890}',
        json.dumps([{"id": "\ud800"}], ensure_ascii=True).encode(),
        json.dumps({"response_url": "http://127.0.0.1:9/x", "token": {}}).encode(),
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))),
    ]
    return rng.choice(choices)


def _paths(app) -> list[str]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/admin", "/static")):
            continue  # not OCPI: the admin API has its own (non-envelope) answers
        rules.append(rule.rule)
    return sorted(set(rules))


def _fill(rule: str, rng: random.Random) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        if name == "version" and rng.random() < 0.8:
            return rng.choice(["2.2.1", "2.1.1", "2.3.0"])
        return rng.choice(PATH_VALUES)

    return re.sub(r"<([^>]+)>", value, rule)


def _is_envelope(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and isinstance(body.get("status_code"), int)
        and isinstance(body.get("timestamp"), str)
    )


def test_thousands_of_bad_requests_get_envelopes_and_no_5xx(make_app, served):
    app = make_app(roles=("CPO", "EMSP"), versions=("2.1.1", "2.2.1", "2.3.0"))
    OcpiActions(app.test_client(), app).register()
    server = served(app)
    rng = random.Random(SEED)
    paths = _paths(app)
    assert len(paths) > 30, paths
    tokens = [
        auth("partner-token-1234"),
        {"Authorization": "Token partner-token-1234"},
        auth(app.config["OCPI_TOKEN_A"]),
        {"Authorization": b"Token \xc3\xa9\xff"},
        {"Authorization": "Bearer x"},
        {},
    ]
    problems: list[str] = []
    statuses: dict[int, int] = {}
    seen_paths: set[str] = set()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for number in range(REQUESTS):
            rule = paths[number % len(paths)]
            seen_paths.add(rule)
            path = _fill(rule, rng)
            query = "&".join(
                f"{rng.choice(QUERY_NAMES)}={rng.choice(QUERY_VALUES)}"
                for _ in range(rng.randrange(4))
            )
            url = path + (f"?{query}" if query else "")
            method = "GET" if rng.random() < 0.3 else rng.choice(METHODS)
            # mostly the partner's own token, so the requests get past authentication
            token = tokens[0] if rng.random() < 0.7 else rng.choice(tokens)
            headers = {**token, "Content-Type": "application/json"}
            body = _bodies(rng) if method in ("PUT", "PATCH", "POST") else None
            response = http.request(method, url, content=body, headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            what = f"#{number} {method} {url[:120]} body {body[:60] if body else b''!r}"
            if response.status_code >= 500:
                problems.append(f"{what} → HTTP {response.status_code}: {response.text[:200]}")
            elif not _is_envelope(response):
                problems.append(f"{what} → not an envelope: {response.text[:200]!r}")
            if len(problems) >= 10:
                break
    assert not problems, "\n".join(problems)
    assert statuses.get(200, 0) + statuses.get(201, 0) > 50, statuses  # many got past the gates
    assert seen_paths == set(paths)
