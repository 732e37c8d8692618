"""The mock party's application factory."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid

from flask import Flask, Response, request

from mock_party import admin_auth, faults, limits, ocpi, recording, store
from mock_party.config import MockConfig
from mock_party.handshake import new_token
from mock_party.page_cache import PageCache

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _echo_ids(response: Response) -> Response:
    """Echo X-Request-ID and X-Correlation-ID (spec 2.2.1 transport §4.1.3)."""
    for header in ("X-Request-ID", "X-Correlation-ID"):
        response.headers[header] = request.headers.get(header) or str(uuid.uuid4())
    return response


def create_app(config: MockConfig | None = None, *, background: bool = True) -> Flask:
    """Build a mock party from ``config``.

    Without a database file a temporary one is made (and removed at exit by the OS's tmp
    cleaning, not by us: it may be inspected after a run). Without token A one is generated;
    either way it is in ``app.config["OCPI_TOKEN_A"]``. ``background=False`` leaves this
    process's threads (churn ticker, job sweeper) to :func:`start_background`, which a pre-fork
    server calls in each worker after the fork.
    """
    config = config or MockConfig()
    if "HUB" in config.roles:
        from mock_party.hub import create_hub_app

        return create_hub_app(config)
    database = config.database
    if database is None:
        handle, database = tempfile.mkstemp(prefix="ocpi-mock-", suffix=".sqlite")
        os.close(handle)
    app = Flask(__name__)
    app.config.update(OCPI_MOCK=config, OCPI_DATABASE=database, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    ocpi.init_app(app)
    limits.init_app(app, config.max_body)
    store.init_app(app)
    app.extensions["ocpi_pages"] = PageCache()
    admin_auth.init_app(app)
    recording.init_app(app)  # before the faults: it then records the answer they changed
    faults.init_app(app, config.faults)

    with app.app_context():
        db = store.get_store()
        token_a = config.token_a
        if token_a is None:
            unused = db.unused_tokens_a()
            token_a = unused[0] if unused else new_token()
        db.add_token_a(token_a)
        app.config["OCPI_TOKEN_A"] = token_a

    from mock_party.modules import (
        admin,
        admin_churn,
        cdrs,
        chargingprofiles,
        commands,
        credentials,
        hubclientinfo,
        locations,
        payments,
        sessions,
        tariffs,
        tokens,
        versions,
    )

    app.register_blueprint(versions.bp)
    app.register_blueprint(credentials.bp)
    for module in (
        locations,
        sessions,
        cdrs,
        tariffs,
        tokens,
        commands,
        chargingprofiles,
        hubclientinfo,
        payments,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_churn.bp)
    if config.ui:
        from mock_party.modules import inspector

        app.register_blueprint(inspector.bp)
    from mock_party.seed import seed_if_fresh

    if seed_if_fresh(app):
        from mock_party.demand import seed_change

        seed_change(app)
    app.after_request(_echo_ids)
    if config.status_churn and "CPO" in config.roles:
        from mock_party.churn import set_churn

        set_churn(app, config.status_churn, start=background)
    if background:
        start_background(app)
    return app


def start_background(app: Flask, *, worker: bool = False) -> None:
    """This process's background threads: the status churn's ticker when the stored churn is
    on, and the sweeper of jobs left over (always in a ``worker`` of a shared mock, which may
    have to take over a killed worker's jobs; elsewhere only while some wait)."""
    from mock_party.churn import resume_churn
    from mock_party.jobs import pending, start_sweeper

    resume_churn(app, forever=worker)
    if worker or pending(app):
        start_sweeper(app, forever=worker)
