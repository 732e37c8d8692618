"""Hostile input over real loopback: odd numbers, deep JSON, huge bodies, a broken database.

Every answer is an OCPI envelope with a 4xx the client caused, and no answer names an
exception class (the mock logs those, with an id the client is given).
"""

from __future__ import annotations

import re

import httpx
import pytest
from mock_support import assert_envelope, auth

V = "/ocpi/2.2.1"


@pytest.fixture
def mock(make_app, served):
    app = make_app()
    from mock_support import OcpiActions

    OcpiActions(app.test_client(), app).register()
    server = served(app)
    with httpx.Client(base_url=server.url, headers=auth("partner-token-1234")) as http:
        yield app, http


@pytest.mark.parametrize(
    "query",
    [
        "limit=\u00b2",  # superscript two: str.isdigit() says yes
        "offset=\u0661\u0662",  # Arabic-Indic 12: int() takes it
        "limit=\uff15",  # fullwidth 5
        "offset=" + str(2**63),
        "offset=" + str(2**62 + 1),
        "offset=" + "9" * 40,
        "limit=" + "9" * 4000,
        "offset=-1",
        "limit=+5",
        "limit= 5",
    ],
)
def test_pagination_parameters_are_ascii_digits_in_a_bound(mock, query):
    _, http = mock
    response = http.get(f"{V}/sender/locations?{query}")
    assert response.status_code == 400, response.text
    body = assert_envelope(response, 2001)
    assert "Error" not in body["status_message"], body


def test_largest_offset_still_answers_an_empty_page(mock):
    _, http = mock
    response = http.get(f"{V}/sender/locations?offset={2**62}")
    assert response.status_code == 200, response.text
    assert assert_envelope(response, 1000)["data"] == []


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deep_json_is_refused_with_2001(mock, depth):
    _, http = mock
    deep = "[" * depth + "]" * depth
    response = http.put(
        f"{V}/receiver/tokens/DE/PRT/T1",
        content=f'{{"uid": {deep}}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    body = assert_envelope(response, 2001)
    assert "deep" in body["status_message"], body


def test_moderate_nesting_is_still_parsed(mock):
    _, http = mock
    nested = "[" * 40 + "]" * 40
    response = http.put(
        f"{V}/receiver/tokens/DE/PRT/T1",
        content=f'{{"uid": {nested}}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "deep" not in assert_envelope(response, 2001)["status_message"]


def test_an_internal_error_names_no_exception_class(mock, caplog):
    app, http = mock
    with open(app.config["OCPI_DATABASE"], "r+b") as handle:  # the database turns to junk
        handle.write(b"\x00junk, not SQLite" * 512)
    response = http.get(f"{V}/sender/locations")
    assert response.status_code == 500
    body = assert_envelope(response, 3000)
    message = body["status_message"]
    assert not re.search(r"[A-Z][a-z]+(Error|Exception)", message), message
    assert "sqlite" not in message.lower()
    log_id = re.search(r"log id ([0-9a-f]{12})", message)
    assert log_id, message
    assert any(log_id.group(1) in record.getMessage() for record in caplog.records)


def test_body_above_max_body_is_refused_and_not_stored(make_app, served):
    app = make_app(max_body=1_000_000)
    from mock_support import OcpiActions, token

    OcpiActions(app.test_client(), app).register()
    server = served(app)
    body = token(("DE", "PRT"), "BIG")
    body["unknown_field"] = "x" * 2_000_000
    with httpx.Client(base_url=server.url, headers=auth("partner-token-1234")) as http:
        response = http.put(f"{V}/receiver/tokens/DE/PRT/BIG", json=body)
        assert response.status_code == 413, response.text
        assert_envelope(response, 2000)
        small = token(("DE", "PRT"), "BIG")
        assert http.put(f"{V}/receiver/tokens/DE/PRT/BIG", json=small).status_code == 201


def test_max_body_default_is_tens_of_megabytes():
    from mock_party.config import MockConfig

    assert 10_000_000 <= MockConfig().max_body <= 100_000_000
