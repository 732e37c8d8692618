"""The parties our counterpart hosts behind a Hub (extra_parties): the suite against a mock Hub
on loopback with the default ones, with parties of the target file's choosing, and with none.
The faults that break each hub.own_parties.* check are in the fault matrix."""

from __future__ import annotations

import pytest

from conformance.config import ConfigError, build_target, load_target
from suite._runner import failed, outcomes, run_suite

OWN = ("hub.own_parties.routed", "hub.own_parties.isolation", "hub.own_parties.broadcast")
URL = "http://127.0.0.1:9/ocpi/versions"  # never reached


def test_parties_of_the_target_files_choosing_play_behind_the_hub(tmp_path):
    target = tmp_path / "target.toml"
    target.write_text(
        f'[target]\nversions_url = "{URL}"\ntoken = "t"\nrole = "hub"\n'
        'extra_parties = ["DE/XAA", "cpo/DE/XAB", "NL/XAC"]\n'
    )
    results = run_suite(
        "HUB", options=[f"--ocpi-config={target}"], select="test_hub_parties or credentials"
    )
    assert failed(results) == {}
    found = outcomes(results)
    # each judged the parties named here: routed to DE/XAA, DE/XAA's Token kept from NL/OCT,
    # DE/XAB's broadcast at NL/OCT, DE/XAA and NL/XAC
    assert {c: found[c] for c in OWN} == dict.fromkeys(OWN, "pass")


def test_no_extra_parties_skips_their_checks_and_the_rest_stays_clean():
    results = run_suite("HUB", options=["--ocpi-extra-parties=none"])
    assert failed(results) == {}
    found = outcomes(results)
    assert {c: found[c] for c in OWN} == dict.fromkeys(OWN, "skip")
    messages = {r["id"]: r["message"] for r in results["checks"]}
    assert "hosts no party besides its own (extra_parties" in messages["hub.own_parties.routed"]
    assert found["hub.forward.routing_headers"] == found["hub.routing.isolation"] == "pass"


def test_extra_parties_in_the_target_file(tmp_path):
    path = tmp_path / "target.toml"
    path.write_text(
        f'[target]\nversions_url = "{URL}"\ntoken = "t"\nrole = "hub"\n'
        'extra_parties = ["nl/xa1", "CPO/be*xa2"]\n'
    )
    assert load_target(path).hosted_parties == (("EMSP", "NL", "XA1"), ("CPO", "BE", "XA2"))
    path.write_text(f'[target]\nversions_url = "{URL}"\ntoken = "t"\nrole = "hub"\n')
    assert load_target(path).hosted_parties == (("EMSP", "NL", "OC1"), ("CPO", "NL", "OC2"))
    path.write_text(
        f'[target]\nversions_url = "{URL}"\ntoken = "t"\nrole = "hub"\nextra_parties = []\n'
    )
    assert load_target(path).hosted_parties == ()
    cpo = build_target(versions_url=URL, token="t", role="cpo")
    assert cpo.hosted_parties == ()  # only a Hub target gets them by default


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("NL/OC1",), "extra_parties are played behind a Hub: they need role hub"),
        (("NL/OCT",), "NL/OCT named twice"),
        (("NL/XA1", "nl/xa1"), "NL/XA1 named twice"),
        (("HUB/NL/XA1",), "the role before the party is CPO or EMSP"),
        (("NL/TOOLONG",), "is not COUNTRY_CODE/PARTY_ID"),
    ],
)
def test_bad_extra_parties_say_what_to_fix(extra, message):
    role = "cpo" if "role hub" in message else "hub"
    with pytest.raises(ConfigError, match=message):
        build_target(versions_url=URL, token="t", role=role, extra_parties=extra)


def test_the_target_file_schema_refuses_a_malformed_extra_party(tmp_path):
    path = tmp_path / "target.toml"
    path.write_text(
        f'[target]\nversions_url = "{URL}"\ntoken = "t"\nrole = "hub"\n'
        'extra_parties = ["Netherlands"]\n'
    )
    with pytest.raises(ConfigError, match="extra_parties"):
        load_target(path)
