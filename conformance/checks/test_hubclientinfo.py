"""HubClientInfo module (2.2.1 §15): a configuration module, so no routing headers.

A CPO or eMSP implements the Receiver interface, which a Hub fills. We are not a Hub: a target
that only accepts ClientInfo from its Hub refuses our PUT, and the check then skips.
"""

from __future__ import annotations

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    client_for,
    endpoint_or_skip,
    our_party,
    refusal_problem,
    skip_reason,
    utc_now,
)
from conformance.checks._lists import check_objects_valid
from conformance.checks._receiver import PUSHED, expect_stored
from conformance.checks._single import object_url
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable

check = pytest.mark.check
CLIENT_INFO = "2.2.1 §15.4.1 ClientInfo Object"
R_PUT = "2.2.1 §15.3.1.2 Receiver PUT Method"


@check(id="hubclientinfo.objects_valid", spec=CLIENT_INFO, roles=("CPO", "EMSP", "HUB"))
def test_objects_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every ClientInfo of a Hub's Sender list is schema-valid."""
    check_objects_valid(request, ocpi, "hubclientinfo", CLIENT_INFO)


@check(id="hubclientinfo.receiver.put_get", spec=R_PUT, mode="sandbox")
def test_receiver_put_get(ocpi: Run) -> None:
    """A ClientInfo PUT, when accepted, is given back by GET as pushed."""
    base = endpoint_or_skip(ocpi, "hubclientinfo", "RECEIVER")
    client = client_for(ocpi, routed=False)
    country_code, party_id = our_party(ocpi)
    # about a party next to ours: what a Hub would tell about another connected party
    about = (country_code, "OC" + party_id[-1] if party_id[-1] != "X" else "OCY")
    body = {
        "party_id": about[1],
        "country_code": about[0],
        "role": "CPO",
        "status": "PLANNED",
        "last_updated": make.ocpi_time(utc_now()),
    }
    url = object_url(base, *about)
    response = client.put(url, body)
    reason = skip_reason(response)
    if reason is not None:
        skip_could_not_run(reason)
    if refusal_problem(response) is None or response.http_status not in PUSHED:
        skip_not_applicable(
            f"the target does not take ClientInfo from us (HTTP {response.http_status}); "
            "only its Hub may push it"
        )
    expect_stored(client, url, body, "GET of the ClientInfo we pushed", spec=R_PUT)
