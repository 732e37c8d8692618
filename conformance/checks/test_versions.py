"""Versions module: the versions list and the version details (2.2.1 §6)."""

from __future__ import annotations

import pytest

from conformance.expect import data_of, expect_success, expect_valid, skip_unfollowed_redirect
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run

check = pytest.mark.check(roles=("CPO", "EMSP", "HUB"))


def _discovered(ocpi: Run):
    discovery = ocpi.discovery
    if discovery.versions is not None:
        skip_unfollowed_redirect(discovery.versions)
    if discovery.versions is None:
        raise CheckFailure(
            "Versions endpoint unreachable",
            expected=f"an answer from {ocpi.config.versions_url}",
            actual=discovery.error,
            spec="2.2.1 §6.1 Version information endpoint",
        )
    return discovery


@check(id="versions.list.valid", spec="2.2.1 §6.1.3 Version information GET")
def test_versions_list_valid(ocpi: Run) -> None:
    """GET versions answers a valid envelope listing Version objects."""
    versions = _discovered(ocpi).versions
    title = "GET versions: not a valid list of versions"
    expect_success(versions, title, spec="2.2.1 §6.1.3 Version information GET")
    # The list is shared by every version the target speaks, so it may name versions newer than
    # ours; 2.3.0's open VersionNumber judges the entries' shape without refusing those.
    expect_valid(versions, "2.3.0", "Version", title, spec="2.2.1 §6.1.2 Version class", many=True)
    if not isinstance(data_of(versions), list) or not data_of(versions):
        raise CheckFailure(
            title,
            expected="data: a non-empty array of Version objects",
            actual=f"data: {data_of(versions)!r}",
            spec="2.2.1 §6.1.1 Data",
            exchange=versions.exchange,
        )


@check(id="versions.list.offers_version", spec="2.2.1 §6.1.1 Data")
def test_versions_list_offers_version(ocpi: Run) -> None:
    """The versions list offers the version under test."""
    versions = _discovered(ocpi).versions
    data = data_of(versions)  # of a wrong type: versions.list.valid's finding
    offered = (
        [v.get("version") for v in data if isinstance(v, dict)] if isinstance(data, list) else []
    )
    if ocpi.config.version not in offered:
        raise CheckFailure(
            f"GET versions: version {ocpi.config.version} not offered",
            expected=f"a Version entry with version {ocpi.config.version!r}",
            actual=f"versions offered: {offered}",
            exchange=versions.exchange,
        )


@check(id="versions.details.valid", spec="2.2.1 §6.2.6 Version details GET")
def test_version_details_valid(ocpi: Run) -> None:
    """GET version details answers a valid VersionDetails for the version asked for."""
    discovery = _discovered(ocpi)
    if discovery.details is None and discovery.details_url and discovery.error:
        # asked and not answered (a body cut short, a reset, a timeout): before, every check
        # of the run skipped and the run looked clean
        raise CheckFailure(
            "GET version details: no complete answer",
            expected=f"an answer from {discovery.details_url}",
            actual=discovery.error,
            spec="2.2.1 §6.2 Version details endpoint",
        )
    if discovery.details is None:
        skip_could_not_run(f"no version details to check: {discovery.error}")
    details = discovery.details
    title = "GET version details: not valid version details"
    expect_success(details, title)
    expect_valid(details, ocpi.config.version, "VersionDetails", title, spec="2.2.1 §6.2.1 Data")
    if data_of(details).get("version") != ocpi.config.version:
        raise CheckFailure(
            title,
            expected=f"version {ocpi.config.version!r}",
            actual=f"version {data_of(details).get('version')!r}",
            exchange=details.exchange,
        )


@check(id="versions.details.credentials_endpoint", spec="2.2.1 §7 Credentials module")
def test_details_list_credentials(ocpi: Run) -> None:
    """The version details list a credentials endpoint (every party implements it)."""
    discovery = _discovered(ocpi)
    if discovery.details is None:
        skip_could_not_run(f"no version details to check: {discovery.error}")
    if discovery.endpoint("credentials") is None:
        raise CheckFailure(
            "Version details: no credentials endpoint",
            expected="an Endpoint with identifier 'credentials'",
            actual="identifiers: "
            + ", ".join(str(e.get("identifier")) for e in discovery.endpoints),
            exchange=discovery.details.exchange,
        )


@check(id="versions.details.urls_absolute", spec="2.2.1 §6.2.2 Endpoint class")
def test_endpoint_urls_absolute(ocpi: Run) -> None:
    """Every endpoint URL is an absolute http(s) URL."""
    discovery = _discovered(ocpi)
    if discovery.details is None:
        skip_could_not_run(f"no version details to check: {discovery.error}")
    relative = [
        f"{e.get('identifier')}: {e.get('url')!r}"
        for e in discovery.endpoints
        if not str(e.get("url", "")).startswith(("https://", "http://"))
    ]
    if relative:
        raise CheckFailure(
            "Version details: endpoint URLs that are not absolute",
            expected="absolute URLs (https://…)",
            actual="; ".join(relative),
            exchange=discovery.details.exchange,
        )
