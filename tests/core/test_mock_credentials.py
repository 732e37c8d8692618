"""The mock's versions and credentials modules: Flask test client, then real loopback HTTP."""

from __future__ import annotations

import base64

import pytest

from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread
from mock_party.store import Store


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@pytest.fixture
def app(tmp_path):
    return create_app(MockConfig(database=str(tmp_path / "mock.sqlite"), token_a="token-A-1234"))


@pytest.fixture
def client(app):
    return app.test_client()


def test_factory_honours_config(tmp_path):
    config = MockConfig(roles=("EMSP",), database=str(tmp_path / "x.sqlite"), token_a="abcdefgh")
    app = create_app(config)
    assert app.config["OCPI_MOCK"] is config
    assert app.config["OCPI_TOKEN_A"] == "abcdefgh"
    assert Store(str(tmp_path / "x.sqlite")).token_a_valid("abcdefgh")


def test_generated_token_a_survives_restart(tmp_path):
    database = str(tmp_path / "m.sqlite")
    first = create_app(MockConfig(database=database)).config["OCPI_TOKEN_A"]
    second = create_app(MockConfig(database=database)).config["OCPI_TOKEN_A"]
    assert first == second and len(first) > 20


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer x"}, auth("unknown"), {"Authorization": "Token token-A-1234"}],
    ids=["missing", "wrong-scheme", "unknown", "plain-on-2.2.1"],
)
def test_refused_with_401_envelope(client, headers):
    response = client.get("/ocpi/versions", headers=headers)
    assert response.status_code == 401
    assert response.json["status_code"] == 2000
    assert response.json["timestamp"].endswith("Z")


def test_plain_tokens_accepted_with_compatibility_switch(tmp_path):
    app = create_app(
        MockConfig(
            database=str(tmp_path / "m.sqlite"), token_a="tokA-xyz", accept_plain_tokens=True
        )
    )
    response = app.test_client().get("/ocpi/versions", headers={"Authorization": "Token tokA-xyz"})
    assert response.status_code == 200


def test_versions_and_details(client):
    versions = client.get("/ocpi/versions", headers=auth("token-A-1234"))
    assert versions.json["data"] == [{"version": "2.2.1", "url": "http://localhost/ocpi/2.2.1"}]
    details = client.get("/ocpi/2.2.1", headers=auth("token-A-1234")).json["data"]
    assert details["version"] == "2.2.1"
    assert details["endpoints"][0] == {
        "identifier": "credentials",
        "role": "SENDER",
        "url": "http://localhost/ocpi/2.2.1/credentials",
    }


def test_request_and_correlation_ids_echoed(client):
    response = client.get(
        "/ocpi/versions",
        headers={**auth("token-A-1234"), "X-Request-ID": "r-1", "X-Correlation-ID": "c-1"},
    )
    assert response.headers["X-Request-ID"] == "r-1"
    assert response.headers["X-Correlation-ID"] == "c-1"


def test_unknown_route_and_method_answer_envelopes(client):
    missing = client.get("/nope", headers=auth("token-A-1234"))
    assert missing.status_code == 404 and missing.json["status_code"] == 2000
    wrong = client.patch("/ocpi/2.2.1/credentials", headers=auth("token-A-1234"))
    assert wrong.status_code == 405 and "Allow" in wrong.headers
    assert wrong.json["status_code"] == 2000


def test_put_and_delete_before_registration_are_405(client):
    body = {"token": "b", "url": "http://x/versions", "roles": []}
    assert (
        client.put("/ocpi/2.2.1/credentials", json=body, headers=auth("token-A-1234")).status_code
        == 405
    )
    assert client.delete("/ocpi/2.2.1/credentials", headers=auth("token-A-1234")).status_code == 405


def test_invalid_credentials_body_is_2001(client):
    response = client.post(
        "/ocpi/2.2.1/credentials", json={"token": "b"}, headers=auth("token-A-1234")
    )
    assert response.status_code == 400
    assert response.json["status_code"] == 2001
    assert "url" in response.json["status_message"]
    not_json = client.post(
        "/ocpi/2.2.1/credentials",
        data="{",
        headers={**auth("token-A-1234"), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400 and not_json.json["status_code"] == 2001


def test_unreachable_partner_is_3001(client):
    body = {
        "token": "token-B-5678",
        "url": "http://127.0.0.1:9/ocpi/versions",
        "roles": [
            {
                "role": "EMSP",
                "party_id": "ABC",
                "country_code": "NL",
                "business_details": {"name": "x"},
            }
        ],
    }
    response = client.post("/ocpi/2.2.1/credentials", json=body, headers=auth("token-A-1234"))
    assert response.json["status_code"] == 3001
    assert "Network error" in response.json["status_message"]
    # a failed registration does not use up token A
    assert client.get("/ocpi/versions", headers=auth("token-A-1234")).status_code == 200


@pytest.fixture
def two_mocks(tmp_path):
    cpo_app = create_app(
        MockConfig(
            roles=("CPO",),
            database=str(tmp_path / "cpo.sqlite"),
            token_a="cpo-token-A-0001",
            party_id="CPO",
        )
    )
    emsp_app = create_app(
        MockConfig(roles=("EMSP",), database=str(tmp_path / "emsp.sqlite"), party_id="MSP")
    )
    with serve_in_thread(cpo_app) as cpo, serve_in_thread(emsp_app) as emsp:
        yield cpo_app, cpo, emsp_app, emsp


def test_two_mocks_register_over_loopback(two_mocks, tmp_path):
    import httpx

    cpo_app, cpo, emsp_app, emsp = two_mocks
    response = httpx.post(
        f"{emsp.url}/admin/register",
        json={"versions_url": f"{cpo.url}/ocpi/versions", "token_a": "cpo-token-A-0001"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["version"] == "2.2.1"

    cpo_side = Store(str(tmp_path / "cpo.sqlite")).partners()
    emsp_side = Store(str(tmp_path / "emsp.sqlite")).partners()
    assert len(cpo_side) == 1 and len(emsp_side) == 1
    # each side calls the other with the token the other issued
    assert cpo_side[0].token_out == emsp_side[0].token_in  # token B
    assert emsp_side[0].token_out == cpo_side[0].token_in  # token C
    assert cpo_side[0].registered and emsp_side[0].registered
    assert cpo_side[0].roles[0]["party_id"] == "MSP"
    assert cpo_side[0].endpoint("credentials") == f"{emsp.url}/ocpi/2.2.1/credentials"

    # token A is spent; token C works; a second POST is refused
    token_c = emsp_side[0].token_out
    versions = f"{cpo.url}/ocpi/versions"
    assert httpx.get(versions, headers=auth("cpo-token-A-0001")).status_code == 401
    assert httpx.get(versions, headers=auth(token_c)).status_code == 200
    again = httpx.post(
        f"{cpo.url}/ocpi/2.2.1/credentials",
        headers=auth(token_c),
        json={"token": "x", "url": f"{emsp.url}/ocpi/versions", "roles": []},
    )
    assert again.status_code == 405


def test_registration_state_survives_a_restart(two_mocks, tmp_path):
    import httpx

    cpo_app, cpo, emsp_app, emsp = two_mocks
    httpx.post(
        f"{emsp.url}/admin/register",
        json={"versions_url": f"{cpo.url}/ocpi/versions", "token_a": "cpo-token-A-0001"},
        timeout=30,
    ).raise_for_status()
    token_c = Store(str(tmp_path / "emsp.sqlite")).partners()[0].token_out
    restarted = create_app(MockConfig(database=str(tmp_path / "cpo.sqlite")))
    client = restarted.test_client()
    assert client.get("/ocpi/2.2.1/credentials", headers=auth(token_c)).status_code == 200
    assert client.get("/ocpi/versions", headers=auth("cpo-token-A-0001")).status_code == 401
    # the restarted app issues a fresh token A, since the old one is spent
    assert restarted.config["OCPI_TOKEN_A"] != "cpo-token-A-0001"
