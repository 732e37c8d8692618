"""The mock's public URLs: ``/ocpi/versions``, ``/ocpi/<version>``, ``/ocpi/<version>/…``."""

from __future__ import annotations

from flask import current_app, request

from mock_party.config import MockConfig

__all__ = ["base_url", "details_url", "module_url", "versions_url"]


def base_url() -> str:
    config: MockConfig = current_app.config["OCPI_MOCK"]
    if config.base_url:
        return config.base_url.rstrip("/")
    return request.host_url.rstrip("/")


def versions_url() -> str:
    return f"{base_url()}/ocpi/versions"


def details_url(version: str) -> str:
    return f"{base_url()}/ocpi/{version}"


def module_url(version: str, module: str, interface: str | None = None) -> str:
    if interface is None:
        return f"{base_url()}/ocpi/{version}/{module}"
    return f"{base_url()}/ocpi/{version}/{interface.lower()}/{module}"
