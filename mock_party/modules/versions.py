"""Versions module: the versions list and each version's details (spec 2.2.1 versions §1);
2.1.1 endpoints carry no role."""

from __future__ import annotations

from flask import Blueprint, current_app, g

from mock_party.auth import authenticate
from mock_party.config import MockConfig
from mock_party.modules import offers
from mock_party.ocpi import OcpiError, envelope
from mock_party.urls import details_url, module_url
from mock_party.versions import profile

bp = Blueprint("versions", __name__)


@bp.get("/ocpi/versions")
def versions_list():
    g.ocpi_caller = authenticate("versions", None)
    config: MockConfig = current_app.config["OCPI_MOCK"]
    return envelope([{"version": v, "url": details_url(v)} for v in config.versions])


@bp.get("/ocpi/<version>")
def version_details(version: str):
    config: MockConfig = current_app.config["OCPI_MOCK"]
    if version not in config.versions:
        raise OcpiError(
            f"Version {version} is not served here; served: {', '.join(config.versions)}",
            status_code=3002,
            http_status=404,
        )
    g.ocpi_caller = authenticate("versions", version)
    with_role = profile(version).endpoint_role
    endpoints = [
        {
            "identifier": o.identifier,
            **({"role": o.role} if with_role else {}),
            "url": module_url(version, o.identifier, o.interface),
        }
        for o in offers(config, version)
    ]
    return envelope({"version": version, "endpoints": endpoints})
