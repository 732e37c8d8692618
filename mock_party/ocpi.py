"""OCPI envelopes and errors, answered by one set of app-level handlers."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

__all__ = ["OcpiError", "envelope", "init_app", "ocpi_timestamp"]

log = logging.getLogger(__name__)


def ocpi_timestamp(moment: datetime | None = None) -> str:
    """An OCPI DateTime in UTC with ``Z``: ``2026-11-23T20:37:08Z``."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    data: Any = None,
    *,
    status_code: int = 1000,
    message: str | None = "Success",
    http_status: int = 200,
    include_data: bool = True,
) -> tuple[Response, int]:
    body: dict[str, Any] = {}
    if include_data and data is not None:
        body["data"] = data
    body["status_code"] = status_code
    if message:
        body["status_message"] = message
    body["timestamp"] = ocpi_timestamp()
    return jsonify(body), http_status


class OcpiError(Exception):
    """Raised by views; becomes an envelope with the given HTTP and OCPI status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 2000,
        http_status: int = 400,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.http_status = http_status
        self.data = data
        self.headers = headers or {}


def _ocpi_error(error: OcpiError) -> Response:
    response, status = envelope(
        error.data,
        status_code=error.status_code,
        message=error.message,
        http_status=error.http_status,
    )
    response.status_code = status
    response.headers.update(error.headers)
    return response


def _http_error(error: HTTPException) -> Response:
    response = error.get_response()
    body, _ = envelope(
        status_code=2000 if (error.code or 500) < 500 else 3000,
        message=f"{error.name}: {error.description}",
    )
    response.data = body.get_data()
    response.content_type = "application/json"
    return response


def _unexpected_error(error: Exception) -> Response:
    # The client learns only that it was our fault and an id to quote; the log has the rest.
    log_id = secrets.token_hex(6)
    log.exception("unexpected error in the mock party (log id %s)", log_id)
    response, _ = envelope(
        status_code=3000, message=f"Internal error in the mock party (log id {log_id})"
    )
    response.status_code = 500
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(OcpiError, _ocpi_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
