"""Request bodies checked against the schemas; a bad body becomes an OCPI 2001 envelope."""

from __future__ import annotations

from typing import Any

from flask import request

from mock_party.ocpi import OcpiError
from ocpi_core.schemas import validate

__all__ = ["validated_body"]

_SHOWN = 5


def validated_body(version: str, object_name: str) -> Any:
    """The JSON body of the request, valid against ``object_name``, or an OcpiError 2001."""
    body = request.get_json(silent=True)
    if body is None:
        raise OcpiError("Invalid or missing JSON body", status_code=2001, http_status=400)
    violations = validate(body, version, object_name)
    if violations:
        shown = "; ".join(str(v) for v in violations[:_SHOWN])
        more = f" (and {len(violations) - _SHOWN} more)" if len(violations) > _SHOWN else ""
        raise OcpiError(f"Invalid {object_name}: {shown}{more}", status_code=2001, http_status=400)
    return body
