"""The mock's data set, made once: on the first start with a fresh database.

The objects come from ``mock_party.fake`` (schema-valid and consistent by construction) for the
modules the mock's roles own: a CPO gets locations, tariffs, sessions and CDRs, an eMSP tokens.
How many of each comes from the config; the seed and volumes used are kept in the database, so a
restart on the same file changes nothing. Objects are inserted oldest first, so the creation
order of the lists follows ``last_updated``.

Seeded eMSP tokens answer real-time authorization by their ``valid`` flag (ALLOWED or BLOCKED),
except that of every six tokens (in list order) the second, third and fourth answer EXPIRED,
NO_CREDIT and NOT_ALLOWED (the admin API changes any token's answer).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from mock_party.config import MockConfig
from mock_party.objects import RECEIVER, SENDER, ObjectKey, Objects, sort_key
from mock_party.store import Store

__all__ = ["SEEDED", "seed_if_fresh", "token_states"]

log = logging.getLogger(__name__)
SEEDED = "seeded"
_MODULES_BY_ROLE = {"CPO": ("locations", "tariffs", "sessions", "cdrs"), "EMSP": ("tokens",)}
_TOKEN_STATES = {1: "EXPIRED", 2: "NO_CREDIT", 3: "NOT_ALLOWED"}


def token_states(count: int) -> dict[int, str]:
    """Index → AllowedType for the seeded tokens that do not follow their valid flag."""
    return {i: _TOKEN_STATES[i % 6] for i in range(count) if i % 6 in _TOKEN_STATES}


def _volumes(config: MockConfig) -> dict[str, int]:
    wanted = {m for role in config.roles for m in _MODULES_BY_ROLE[role]}
    return {
        module: getattr(config, module) if module in wanted else 0
        for module in ("locations", "tariffs", "tokens", "sessions", "cdrs")
    }


def _key(module: str, body: dict[str, Any]) -> ObjectKey:
    if module == "tokens":
        return ObjectKey(
            module, SENDER, body["country_code"], body["party_id"], body["uid"], body["type"]
        )
    return ObjectKey(module, SENDER, body["country_code"], body["party_id"], body["id"])


def _rows(
    module: str, bodies: tuple[dict[str, Any], ...]
) -> list[tuple[ObjectKey, dict[str, Any], dict[str, Any]]]:
    ordered = sorted(bodies, key=lambda b: sort_key(b["last_updated"]))
    states = token_states(len(ordered)) if module == "tokens" else {}
    return [
        (_key(module, body), body, {"allowed": states[i]} if i in states else {})
        for i, body in enumerate(ordered)
    ]


def _payments(config: MockConfig, dataset: Any, moment: datetime) -> Any:
    """A CPO's data set made consistent for card payment (see mock_party.fake.payments)."""
    if "CPO" not in config.roles:
        return None
    from mock_party.fake.payments import card_payments

    return card_payments(
        seed=config.seed,
        now=moment,
        locations=dataset.locations,
        sessions=dataset.sessions,
        cdrs=dataset.cdrs,
    )


def _put_payments(objects: Objects, config: MockConfig, card: Any, moment: datetime) -> None:
    """The 2.3.0 Payments objects: a CPO's Terminals and confirmations from its PTP, an
    eMSP's own (it plays the PTP)."""
    from mock_party.fake.payments import PTP_PARTY, ptp_payments
    from mock_party.payments_flow import FACS, RECEIVED, TERMINALS

    if card is not None:
        for kind, bodies, id_field in (
            ("terminal", card.terminals, "terminal_id"),
            ("confirmation", card.confirmations, "id"),
        ):
            objects.put_many(
                [
                    (ObjectKey(RECEIVED, RECEIVER, *PTP_PARTY, b[id_field], kind), b, {})
                    for b in bodies
                ]
            )
    if "EMSP" in config.roles:
        own = ptp_payments(seed=config.seed, now=moment)
        for module, bodies, id_field in (
            (TERMINALS, own.terminals, "terminal_id"),
            (FACS, own.confirmations, "id"),
        ):
            rows = [
                (
                    ObjectKey(module, SENDER, config.country_code, config.party_id, b[id_field]),
                    b,
                    {},
                )
                for b in sorted(bodies, key=lambda b: sort_key(b["last_updated"]))
            ]
            objects.put_many(rows)


def seed_if_fresh(app: Flask, now: datetime | None = None) -> bool:
    """Generate and store the data set unless this database has one; True when it seeded."""
    config: MockConfig = app.config["OCPI_MOCK"]
    store = Store(app.config["OCPI_DATABASE"])
    try:
        objects = Objects(store.db)
        with store.transaction():
            if objects.state(SEEDED) is not None:
                return False
            volumes = _volumes(config)
            if any(volumes.values()):
                from mock_party.fake import generate_dataset

                moment = now or datetime.now(UTC)
                dataset = generate_dataset(
                    seed=config.seed,
                    now=moment,
                    country_code=config.country_code,
                    party_id=config.party_id,
                    version="2.2.1",  # our data is kept in the 2.2.1 shape (see shapes.py)
                    **volumes,
                )
                payments = _payments(config, dataset, moment)
                for module, count in volumes.items():
                    if count:
                        bodies = getattr(payments, module, None) or getattr(dataset, module)
                        objects.put_many(_rows(module, tuple(bodies)))
                _put_payments(objects, config, payments, moment)
            objects.set_state(
                SEEDED,
                json.dumps(
                    {"seed": config.seed, "volumes": volumes, "at": datetime.now(UTC).isoformat()}
                ),
            )
        log.info("seeded the mock's data set (seed %s): %s", config.seed, volumes)
        return True
    finally:
        store.close()
