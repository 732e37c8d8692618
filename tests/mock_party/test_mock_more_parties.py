"""A mock platform hosting more parties than its own (MockConfig.more_parties): its
credentials name each, and a request addressed to one is answered as that party."""

from __future__ import annotations

import pytest
from mock_support import OcpiActions

from mock_party.config import ConfigError, MockConfig

V = "/ocpi/2.2.1"
MORE = (("EMSP", "NL", "OC1"), ("CPO", "DE", "OC2"))


def test_its_credentials_name_every_party_it_hosts(make_app):
    app = make_app(roles=("EMSP",), country_code="NL", party_id="OCT", more_parties=MORE)
    ocpi = OcpiActions(app.test_client(), app)
    ocpi.register(party=("DE", "CPX"), role="CPO")
    roles = ocpi.get(f"{V}/credentials").get_json()["data"]["roles"]
    assert [(r["role"], r["country_code"], r["party_id"]) for r in roles] == [
        ("EMSP", "NL", "OCT"),
        *MORE,
    ]


@pytest.mark.parametrize(
    ("addressed", "answering"),
    [(("NL", "oc1"), ("NL", "OC1")), (("NL", "OCT"), ("NL", "OCT")), (None, ("NL", "OCT"))],
)
def test_a_request_addressed_to_a_hosted_party_is_answered_as_it(make_app, addressed, answering):
    app = make_app(roles=("EMSP",), country_code="NL", party_id="OCT", more_parties=MORE)
    ocpi = OcpiActions(app.test_client(), app)
    ocpi.register(party=("DE", "CPX"), role="CPO")
    routing = {"OCPI-from-country-code": "DE", "OCPI-from-party-id": "CPX"}
    if addressed:
        routing |= {"OCPI-to-country-code": addressed[0], "OCPI-to-party-id": addressed[1]}
    response = ocpi.client.get(f"{V}/sender/tokens", headers=ocpi.headers(**routing))
    assert response.status_code == 200
    assert (
        response.headers["OCPI-from-country-code"],
        response.headers["OCPI-from-party-id"],
    ) == answering
    assert response.headers["OCPI-to-party-id"] == "CPX"


@pytest.mark.parametrize(
    "more", [(("HUB", "NL", "OC1"),), (("EMSP", "NL", "MCK"),), (MORE[0], MORE[0])]
)
def test_a_hosted_party_has_a_party_role_and_an_identity_of_its_own(more):
    with pytest.raises(ConfigError, match="more_parties"):
        MockConfig(more_parties=more)
