"""Mocks of different OCPI versions register with each other on real loopback HTTP (waitress)
on the highest version they share, and then exchange objects in that version's shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_party import MockConfig, create_app
from ocpi_core.schemas import validate

SMALL = {"locations": 3, "tariffs": 3, "tokens": 3, "sessions": 0, "cdrs": 0}


def _mock(tmp_path, name: str, roles: tuple[str, ...], versions: tuple[str, ...]) -> Any:
    return create_app(
        MockConfig(
            roles=roles,
            versions=versions,
            database=str(tmp_path / f"{name}.sqlite"),
            token_a=f"token-A-{name}",
            party_id="CPO" if "CPO" in roles else "EMP",
            command_delay=0,
            **SMALL,
        )
    )


@pytest.mark.parametrize(
    ("cpo_versions", "emsp_versions", "agreed"),
    [
        (("2.1.1",), ("2.1.1", "2.2.1"), "2.1.1"),
        (("2.1.1", "2.2.1"), ("2.2.1", "2.3.0"), "2.2.1"),
        (("2.1.1", "2.2.1", "2.3.0"), ("2.3.0", "2.2.1"), "2.3.0"),
    ],
)
def test_mocks_register_on_the_highest_common_version(
    tmp_path, served, cpo_versions: tuple[str, ...], emsp_versions: tuple[str, ...], agreed: str
) -> None:
    cpo = served(_mock(tmp_path, "cpo", ("CPO",), cpo_versions))
    emsp = served(_mock(tmp_path, "emsp", ("EMSP",), emsp_versions))
    answer = httpx.post(
        f"{emsp.url}/admin/register",
        json={"versions_url": f"{cpo.url}/ocpi/versions", "token_a": "token-A-cpo"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["version"] == agreed
    (at_cpo,) = httpx.get(f"{cpo.url}/admin/partners", timeout=10).json()["data"]
    (at_emsp,) = httpx.get(f"{emsp.url}/admin/partners", timeout=10).json()["data"]
    assert at_cpo["version"] == at_emsp["version"] == agreed
    assert at_cpo["roles"][0]["party_id"] == "EMP" and at_emsp["roles"][0]["party_id"] == "CPO"
    assert at_cpo["token_form"] == ("plain" if agreed == "2.1.1" else "base64")


def test_a_2_1_1_session_reaches_a_2_1_1_emsp_in_its_shape(tmp_path, served) -> None:
    """The CPO also speaks 2.2.1; the eMSP only 2.1.1: a simulated session's pushes (EVSE
    status, Session, CDR) arrive as valid 2.1.1 objects, kept under 2.1.1."""
    cpo = served(_mock(tmp_path, "cpo", ("CPO",), ("2.1.1", "2.2.1")))
    emsp = served(_mock(tmp_path, "emsp", ("EMSP",), ("2.1.1",)))
    registered = httpx.post(
        f"{cpo.url}/admin/register",
        json={"versions_url": f"{emsp.url}/ocpi/versions", "token_a": "token-A-emsp"},
        timeout=30,
    )
    assert registered.json()["data"]["version"] == "2.1.1", registered.text
    result = httpx.post(f"{cpo.url}/admin/simulate", json={"updates": 1}, timeout=60).json()
    assert result["status_code"] == 1000, result
    deliveries = result["data"]["deliveries"]
    # a PATCH of an object the eMSP never got is answered 404 and followed by a PUT of it
    failed = [d for d in deliveries if not d["ok"] and d["http_status"] != 404]
    assert deliveries and not failed, failed
    assert {d["method"] for d in deliveries if d["ok"]} == {"PUT", "PATCH", "POST"}
    for module, name in (("sessions", "Session"), ("cdrs", "CDR"), ("locations", "Location")):
        kept = httpx.get(
            f"{emsp.url}/admin/objects/{module}",
            params={"side": "receiver", "version": "2.1.1"},
            timeout=10,
        ).json()["data"]
        assert kept, module
        for document in kept:
            assert validate(document, "2.1.1", name) == [], (module, document)


def test_real_time_authorization_at_a_2_1_1_emsp(tmp_path, served) -> None:
    """A token the CPO does not know is authorized at the 2.1.1 eMSP (plain token, type as
    2.1.1 names it); its answer has no Token, so the session's token is made from the uid."""
    cpo = served(_mock(tmp_path, "cpo", ("CPO",), ("2.1.1", "2.2.1")))
    emsp = served(_mock(tmp_path, "emsp", ("EMSP",), ("2.1.1",)))
    httpx.post(
        f"{cpo.url}/admin/register",
        json={"versions_url": f"{emsp.url}/ocpi/versions", "token_a": "token-A-emsp"},
        timeout=30,
    ).raise_for_status()
    token = httpx.get(f"{emsp.url}/admin/objects/tokens", timeout=10).json()["data"][0]
    result = httpx.post(
        f"{cpo.url}/admin/simulate",
        json={"token_uid": token["uid"], "token_type": token["type"], "updates": 0},
        timeout=60,
    ).json()
    assert result["status_code"] == 1000, result
    assert result["data"]["allowed"] == "ALLOWED" and result["data"]["auth_method"] == (
        "AUTH_REQUEST"
    )
    (session,) = httpx.get(f"{cpo.url}/admin/objects/sessions", timeout=10).json()["data"]
    assert session["cdr_token"]["uid"] == token["uid"]
    assert session["cdr_token"]["party_id"] == "EMP"
