"""Partners of one shared mock are kept apart, over real loopback: nobody registers with the
identity another partner holds, and only a Hub writes ClientInfo."""

from __future__ import annotations

import httpx
import pytest
from mock_support import OcpiActions, assert_envelope, auth

V = "/ocpi/2.2.1"


def _credentials(party: tuple[str, str], role: str = "EMSP") -> dict:
    return {
        "token": "hijacker-token-b-1234",
        "url": "http://127.0.0.1:9/ocpi/versions",  # nobody listens: fetching it fails
        "roles": [
            {
                "role": role,
                "business_details": {"name": "Someone"},
                "country_code": party[0],
                "party_id": party[1],
            }
        ],
    }


@pytest.fixture
def shared(make_app, served):
    app = make_app()
    OcpiActions(app.test_client(), app).register(party=("DE", "PRT"), role="EMSP")
    server = served(app)
    with httpx.Client(base_url=server.url, headers=auth(app.config["OCPI_TOKEN_A"])) as http:
        yield app, http


@pytest.mark.parametrize("party", [("DE", "PRT"), ("de", "prt")])
def test_a_registration_with_anothers_identity_is_refused(shared, party):
    app, http = shared
    response = http.post(f"{V}/credentials", json=_credentials(party))
    assert response.status_code == 409, response.text
    body = assert_envelope(response, 2000)
    assert "DE/PRT" in body["status_message"] and "another partner" in body["status_message"]
    # token A is not spent by the refusal
    from mock_party.store import Store

    store = Store(app.config["OCPI_DATABASE"])
    try:
        assert store.token_a_valid(app.config["OCPI_TOKEN_A"])
        assert len(store.partners()) == 1
    finally:
        store.close()


def test_a_registration_with_its_own_identity_gets_past_that_rule(shared):
    _, http = shared
    response = http.post(f"{V}/credentials", json=_credentials(("DE", "NEW")))
    # refused only because its versions URL cannot be read (3001), not for its identity
    assert assert_envelope(response, 3001)


def test_an_update_to_anothers_identity_is_refused(make_app, served):
    app = make_app()
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=("DE", "PRT"), token="first-partner-1234")
    actions.register(party=("DE", "TWO"), token="second-partner-1234")
    server = served(app)
    with httpx.Client(base_url=server.url, headers=auth("second-partner-1234")) as http:
        response = http.put(f"{V}/credentials", json=_credentials(("DE", "PRT")))
    assert response.status_code == 409, response.text
    assert_envelope(response, 2000)


def _client_info(party: tuple[str, str]) -> dict:
    return {
        "party_id": party[1],
        "country_code": party[0],
        "role": "CPO",
        "status": "CONNECTED",
        "last_updated": "2024-03-01T10:00:00Z",
    }


@pytest.mark.parametrize(("role", "allowed"), [("EMSP", False), ("HUB", True)])
def test_only_a_hub_writes_client_info(make_app, served, role, allowed):
    app = make_app()
    OcpiActions(app.test_client(), app).register(party=("DE", "HUB"), role=role)
    server = served(app)
    path = f"{V}/receiver/hubclientinfo/NL/ABC"
    with httpx.Client(base_url=server.url, headers=auth("partner-token-1234")) as http:
        response = http.put(path, json=_client_info(("NL", "ABC")))
        if allowed:
            assert response.status_code in (200, 201), response.text
            assert_envelope(response, 1000)
        else:
            assert response.status_code == 403, response.text
            assert "Hub" in assert_envelope(response, 2000)["status_message"]
            assert http.get(path).status_code == 404
