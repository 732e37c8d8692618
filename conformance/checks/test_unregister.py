"""Unregistering (2.2.1 §7.2.4): only in destructive mode, and last of all."""

from __future__ import annotations

import pytest

from conformance.expect import expect_http_status, expect_success
from conformance.session import Run
from conformance.skips import skip_could_not_run

check = pytest.mark.check


@check(
    id="credentials.delete.unregister", spec="2.2.1 §7.2.4 Credentials DELETE", mode="destructive"
)
def test_unregister(ocpi: Run) -> None:
    """DELETE credentials unregisters us; afterwards our token no longer works."""
    registration = ocpi.registration
    if not registration.ok:
        skip_could_not_run(f"not registered: {registration.error}")
    response = ocpi.client().delete(registration.credentials_url)
    expect_success(response, "DELETE credentials: not unregistered")
    after = ocpi.client().get(registration.credentials_url)
    expect_http_status(after, (401, 405), "GET credentials after DELETE: still answered")


@check(
    id="credentials.delete.not_registered_405",
    spec="2.2.1 §7.2.4 Credentials DELETE",
    mode="destructive",
)
def test_delete_when_not_registered(ocpi: Run) -> None:
    """A DELETE by a party that is not registered is answered 405 (or 401 for its token)."""
    registration = ocpi.registration
    if not registration.ok:
        skip_could_not_run(f"not registered: {registration.error}")
    response = ocpi.client().delete(registration.credentials_url)
    expect_http_status(response, (405, 401), "DELETE credentials when not registered")
