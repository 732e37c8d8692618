"""The pager of every Sender list (spec 2.2.1 §4.1.4.1), on the locations list of a mock CPO."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from mock_support import NO_DATA, OcpiActions, assert_envelope, assert_valid, location

from ocpi_core.client import next_link

URL = "/ocpi/2.2.1/sender/locations"
OURS = ("NL", "MCK")
# creation order LOC-0 … LOC-6, last_updated not in that order, two of them equal
STAMPS = [
    "2024-01-05T00:00:00Z",
    "2024-01-01T00:00:00Z",
    "2024-01-03T00:00:00.500Z",
    "2024-01-03T00:00:00Z",
    "2024-01-07T00:00:00",
    "2024-01-03T00:00:00Z",
    "2024-01-02T00:00:00Z",
]


@pytest.fixture
def cpo(make_app) -> OcpiActions:
    app = make_app(page_limit=5)
    client = app.test_client()
    for i, stamp in enumerate(STAMPS):
        body = location(OURS, f"LOC-{i}", stamp)
        assert client.put("/admin/objects/locations", json=body).status_code == 201
    actions = OcpiActions(client, app)
    actions.register()
    return actions


def ids(response) -> list[str]:
    return [o["id"] for o in response.json["data"]]


def link_query(response) -> dict[str, str]:
    url = next_link(response.headers.get("Link"))
    assert url is not None
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost" and parts.path == URL
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def walk(actions: OcpiActions, url: str) -> list[str]:
    found: list[str] = []
    while url:
        response = actions.get(url)
        assert response.status_code == 200
        found += ids(response)
        link = next_link(response.headers.get("Link"))
        url = link.removeprefix("http://localhost") if link else ""
    return found


def test_pages_headers_and_link(cpo):
    first = cpo.get(f"{URL}?limit=3")
    body = assert_envelope(first, 1000)
    assert_valid(body["data"], "Location")
    assert ids(first) == ["LOC-0", "LOC-1", "LOC-2"]
    assert first.headers["X-Total-Count"] == "7"
    assert first.headers["X-Limit"] == "5"
    assert link_query(first) == {"offset": "3", "limit": "3"}
    last = cpo.get(f"{URL}?offset=6&limit=3")
    assert ids(last) == ["LOC-6"]
    assert "Link" not in last.headers
    assert last.headers["X-Limit"] == "5"
    assert walk(cpo, f"{URL}?limit=3") == [f"LOC-{i}" for i in range(7)]


def test_limit_above_the_maximum_is_capped(cpo):
    response = cpo.get(f"{URL}?limit=2000")
    assert len(response.json["data"]) == 5
    assert response.headers["X-Limit"] == "5"
    assert link_query(response) == {"offset": "5", "limit": "5"}
    assert len(cpo.get(URL).json["data"]) == 5  # no limit: the server's maximum
    assert cpo.get(f"{URL}/").status_code == 200  # trailing slash, as in the spec's examples


def test_offset_past_the_end_is_empty(cpo):
    response = cpo.get(f"{URL}?offset=50")
    assert response.json["data"] == []
    assert response.headers["X-Total-Count"] == "7"
    assert "Link" not in response.headers


def test_date_from_inclusive_date_to_exclusive(cpo):
    response = cpo.get(f"{URL}?date_from=2024-01-03T00:00:00Z")
    assert ids(response) == ["LOC-0", "LOC-2", "LOC-3", "LOC-4", "LOC-5"]
    response = cpo.get(f"{URL}?date_to=2024-01-03T00:00:00Z")
    assert ids(response) == ["LOC-1", "LOC-6"]
    # the same instant written without Z, with fractions: still equal
    assert ids(cpo.get(f"{URL}?date_to=2024-01-03T00:00:00.000")) == ["LOC-1", "LOC-6"]
    window = f"{URL}?date_from=2024-01-02T00:00:00Z&date_to=2024-01-05T00:00:00Z&limit=2"
    first = cpo.get(window)
    assert ids(first) == ["LOC-2", "LOC-3"]
    assert first.headers["X-Total-Count"] == "4"
    assert link_query(first) == {
        "offset": "2",
        "limit": "2",
        "date_from": "2024-01-02T00:00:00Z",
        "date_to": "2024-01-05T00:00:00Z",
    }
    assert walk(cpo, window) == ["LOC-2", "LOC-3", "LOC-5", "LOC-6"]


def test_order_is_creation_order_and_survives_updates(cpo):
    before = walk(cpo, f"{URL}?limit=2")
    changed = location(OURS, "LOC-1", "2024-02-01T00:00:00Z")
    assert cpo.client.put("/admin/objects/locations", json=changed).status_code == 200
    assert walk(cpo, f"{URL}?limit=2") == before


@pytest.mark.parametrize(
    "query",
    [
        "offset=-1",
        "offset=x",
        "limit=abc",
        "limit=1.5",
        "limit=-3",
        "date_from=yesterday",
        "date_from=2024-01-01T00:00:00%2B00:00",
        "date_to=2024-13-01T00:00:00Z",
        "date_to=2024-01-01",
    ],
)
def test_invalid_parameters_are_2001(cpo, query):
    response = cpo.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert_envelope(response, 2001)
    assert query.split("=")[0] in response.json["status_message"]


@pytest.mark.parametrize(
    "module",
    ["locations", "sessions", "cdrs", "tariffs"],
)
def test_every_cpo_list_is_paginated(make_app, module):
    app = make_app(page_limit=5)
    actions = OcpiActions(app.test_client(), app)
    actions.register()
    response = actions.get(f"/ocpi/2.2.1/sender/{module}?limit=2")
    assert_envelope(response, 1000)
    for header in ("X-Total-Count", "X-Limit"):
        assert header in response.headers
    assert actions.get(f"/ocpi/2.2.1/sender/{module}?limit=x").status_code == 400


def test_emsp_tokens_list_is_paginated(make_app):
    app = make_app(roles=("EMSP",), page_limit=5)
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="CPO")
    response = actions.get("/ocpi/2.2.1/sender/tokens?offset=0&limit=2")
    assert_envelope(response, 1000)
    assert response.headers["X-Limit"] == "5"


def test_no_data_default_mock(make_app):
    # the fixtures' mocks generate nothing unless asked
    app = make_app()
    assert app.config["OCPI_MOCK"].locations == NO_DATA["locations"]
