"""Who is calling: the ``Authorization: Token …`` header, decoded per OCPI version.

2.1.1 sends the token as is; 2.2+ sends it Base64-encoded. The mock is strict on 2.2+ unless
``accept_plain_tokens`` is set, in which case it also takes the plain form and remembers which
form each partner used.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, field

from flask import current_app, g, request

from mock_party import faults
from mock_party.config import MockConfig
from mock_party.ocpi import OcpiError
from mock_party.store import Partner, get_store

__all__ = ["Caller", "authenticate", "current_caller"]

log = logging.getLogger(__name__)

# Modules that token A may reach (spec 2.2.1 credentials §"Registration", transport §4.1).
_TOKEN_A_MODULES = frozenset({"versions", "credentials"})


@dataclass(frozen=True)
class Caller:
    kind: str  # "token_a", "partner", or "anonymous" (only with the any-token fault)
    token: str | None = field(repr=False)
    partner: Partner | None = None
    form: str | None = None  # "base64" or "plain"


def _candidates(credential: str, version: str | None, config: MockConfig) -> list[tuple[str, str]]:
    """Possible token values with the form each assumes, in the order to try them."""
    # the versions list (version None) serves every version: the forms of all of them apply
    versions = config.versions if version is None else (version,)
    plain_allowed = config.accept_plain_tokens or any(v.startswith("2.1") for v in versions)
    base64_allowed = any(not v.startswith("2.1") for v in versions)
    found: list[tuple[str, str]] = []
    if base64_allowed:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = None
        if decoded:
            found.append((decoded, "base64"))
    if plain_allowed:
        found.append((credential, "plain"))
    return found


def _unauthorized(message: str) -> OcpiError:
    return OcpiError(message, status_code=2000, http_status=401)


def authenticate(module: str, version: str | None) -> Caller:
    """Identify the caller or raise a 401 OcpiError. ``version`` is None on the versions list.

    The two auth faults act here, on refusals only, so a known caller keeps its identity.
    """
    try:
        return _identify(module, version)
    except OcpiError as refusal:
        if faults.active("auth.any_token_accepted"):
            return Caller(kind="anonymous", token=None)
        if faults.active("auth.forbidden_instead_of_unauthorized"):
            refusal.http_status = 403
        raise


def _identify(module: str, version: str | None) -> Caller:
    config: MockConfig = current_app.config["OCPI_MOCK"]
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("Authorization header missing: expected 'Token <credentials token>'")
    scheme, _, credential = header.partition(" ")
    if scheme != "Token" or not credential:
        raise _unauthorized("Authorization header must be 'Token <credentials token>'")
    store = get_store()
    for token, form in _candidates(credential, version, config):
        partner = store.partner_by_token(token)
        if partner is not None:
            if form != partner.token_form:
                log.info("partner %s sends its token %s-encoded", partner.id, form)
                store.update_partner(partner.id, token_form=form)
            return Caller(kind="partner", token=token, partner=partner, form=form)
        if store.token_a_valid(token) or (
            faults.active("auth.token_a_still_valid") and store.token_a_exists(token)
        ):
            if module not in _TOKEN_A_MODULES:
                raise _unauthorized(
                    f"Token A only gives access to versions and credentials, not to {module}"
                )
            return Caller(kind="token_a", token=token, form=form)
    raise _unauthorized("Unknown token")


def current_caller() -> Caller:
    return g.ocpi_caller
