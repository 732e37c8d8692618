"""The data set made on first start: per role, once, oldest first, schema-valid on the wire."""

from __future__ import annotations

from datetime import UTC, datetime

from mock_support import OcpiActions, assert_envelope, assert_valid

from mock_party.objects import SENDER, Objects, sort_key
from mock_party.seed import token_states
from mock_party.store import Store

SMALL = {"locations": 5, "tariffs": 2, "tokens": 8, "sessions": 3, "cdrs": 3}


def counts(app) -> dict[str, int]:
    store = Store(app.config["OCPI_DATABASE"])
    try:
        objects = Objects(store.db)
        return {m: objects.count(m, SENDER) for m in SMALL}
    finally:
        store.close()


def test_a_cpo_gets_its_modules_in_time_order(make_app):
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000")
    app = make_app(**SMALL)
    # the data set's price change adds a Tariff, and a Session and CDR across it
    demand = {"tariffs": 3, "sessions": 4, "cdrs": 4}
    assert counts(app) == {**SMALL, "tokens": 0, **demand}
    actions = OcpiActions(app.test_client(), app)
    actions.register()
    for module, name in (
        ("locations", "Location"),
        ("tariffs", "Tariff"),
        ("sessions", "Session"),
        ("cdrs", "CDR"),
    ):
        response = actions.get(f"/ocpi/2.2.1/sender/{module}")
        data = assert_envelope(response, 1000)["data"]
        assert len(data) == demand.get(module, SMALL[module])
        assert_valid(data, name)
        # the price change updated a Tariff and a Location in place (they keep their position)
        stamps = [sort_key(o["last_updated"]) for o in data]
        stamps = [stamp for stamp in stamps if stamp < started or module in ("sessions", "cdrs")]
        assert stamps == sorted(stamps)


def test_an_emsp_gets_tokens_with_authorization_states(make_app):
    app = make_app(roles=("EMSP",), **SMALL)
    assert counts(app) == {"locations": 0, "tariffs": 0, "tokens": 8, "sessions": 0, "cdrs": 0}
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="CPO")
    tokens = actions.get("/ocpi/2.2.1/sender/tokens").json["data"]
    assert_valid(tokens, "Token")
    states = token_states(len(tokens))
    assert states == {1: "EXPIRED", 2: "NO_CREDIT", 3: "NOT_ALLOWED", 7: "EXPIRED"}
    for index, token in enumerate(tokens):
        answer = actions.post(
            f"/ocpi/2.2.1/sender/tokens/{token['uid']}/authorize?type={token['type']}"
        )
        expected = states.get(index, "ALLOWED" if token["valid"] else "BLOCKED")
        assert answer.json["data"]["allowed"] == expected, token


def test_seeding_happens_once(make_app):
    before = counts(make_app(**SMALL))
    again = make_app(**{**SMALL, "locations": 9, "seed": 7})
    assert counts(again) == before
