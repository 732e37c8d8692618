"""The mock hub's application factory: the hub's own versions, credentials, routing and
ClientInfo views over its SQLite store, and the parties it plays in process."""

from __future__ import annotations

import functools
import os
import tempfile
import uuid

from flask import Flask, Response, request

from mock_party import faults, ocpi, store
from mock_party.config import MockConfig
from mock_party.handshake import new_token

__all__ = ["create_hub_app"]


def _echo_ids(response: Response) -> Response:
    for header in ("X-Request-ID", "X-Correlation-ID"):
        response.headers[header] = request.headers.get(header) or str(uuid.uuid4())
    return response


def create_hub_app(config: MockConfig) -> Flask:
    """A hub (``config.roles == ("HUB",)``) holding the parties of ``config.hub_parties``.

    Token A is in ``app.config["OCPI_TOKEN_A"]``, the parties played in process in
    ``app.config["OCPI_HUB_PARTIES"]``; ``app.config["OCPI_REACHABLE_ROLES"]`` gives the
    CredentialsRoles a 2.3.0 Credentials answer lists (see :func:`parties.reachable_roles`).
    """
    from mock_party.hub import admin, clients, content, parties, relay, views
    from mock_party.modules import admin as mock_admin
    from mock_party.modules import credentials, versions

    database = config.database
    if database is None:
        handle, database = tempfile.mkstemp(prefix="ocpi-hub-", suffix=".sqlite")
        os.close(handle)
    app = Flask(__name__)
    app.config.update(OCPI_MOCK=config, OCPI_DATABASE=database, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    ocpi.init_app(app)
    store.init_app(app)
    faults.init_app(app, config.faults)
    local = parties.start(config, database)
    app.config["OCPI_HUB_PARTIES"] = local
    app.config["OCPI_REACHABLE_ROLES"] = functools.partial(parties.reachable_roles, local)
    with app.app_context():
        db = store.get_store()
        clients.ensure_table(db)
        content.ensure_table(db)
        for party in local:
            info = clients.client(db, party.party.country_code, party.party.party_id)
            if info is None:
                clients.set_status(
                    db,
                    party.party.country_code,
                    party.party.party_id,
                    party.party.role,
                    "CONNECTED",
                )
        token_a = config.token_a
        if token_a is None:
            unused = db.unused_tokens_a()
            token_a = unused[0] if unused else new_token()
        db.add_token_a(token_a)
        app.config["OCPI_TOKEN_A"] = token_a

    app.register_blueprint(versions.bp)
    app.register_blueprint(credentials.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(relay.bp)
    app.register_blueprint(mock_admin.bp)
    app.after_request(admin.after_registration)
    app.after_request(_echo_ids)
    return app
