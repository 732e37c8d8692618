"""Fault injection: named ways in which the mock breaks one OCPI rule on purpose.

Each fault names the check ids it must make the suite fail. Faults are switched on in the config
or at run time (``POST /admin/faults``) and act at a few seams that ask :func:`active`. The
faults on are kept in the store, shared by every worker over it (:class:`FaultSet`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context

__all__ = [
    "FAULTS",
    "Fault",
    "FaultSet",
    "active",
    "check_fault_ids",
    "init_app",
    "request_seam",
]


@dataclass(frozen=True)
class Fault:
    id: str
    description: str
    trips: tuple[str, ...]  # the check ids that must fail (or warn) when this fault is on
    # MockConfig settings whose data set has something for the fault to break (the fault
    # matrix runs the fault with them); the default data set serves most faults
    config: tuple[tuple[str, Any], ...] = ()


_OBJECTS_VALID = tuple(
    f"{module}.objects_valid" for module in ("locations", "sessions", "cdrs", "tariffs", "tokens")
) + ("payments.terminals.objects_valid", "payments.confirmations.objects_valid")

# Trips: the checks that must fail (or warn) when the fault is on and they run; checks of a
# module the mock's role does not offer are skipped, not failed. The envelope, transport and
# schema faults act on the functional modules only (locations … hubclientinfo), after the caller
# is authenticated, so versions, credentials and the 401 answers stay intact.
FAULTS: dict[str, Fault] = {
    fault.id: fault
    for fault in (
        Fault(
            "auth.token_a_still_valid",
            "Token A keeps working after the registration that used it.",
            ("credentials.token_a.revoked",),
        ),
        Fault(
            "credentials.repeat_post_accepted",
            "A second credentials POST by a registered party is answered 200 instead of 405.",
            ("credentials.post.already_registered_405",),
        ),
        Fault(
            "auth.any_token_accepted",
            "Any token, or none, is accepted on every module.",
            (
                "auth.missing_token_401",
                "auth.unknown_token_401",
                "auth.unknown_token_module_401",
                "auth.token_a_other_module_401",
                "credentials.token_a.revoked",
                "credentials.put.old_token_revoked",
            ),
        ),
        Fault(
            "auth.forbidden_instead_of_unauthorized",
            "Refused requests (missing, unknown or spent token) get 403 instead of 401.",
            (
                "auth.plain_token_accepted_or_401",
                "auth.missing_token_401",
                "auth.unknown_token_401",
                "auth.unknown_token_module_401",
                "auth.token_a_other_module_401",
                "credentials.token_a.revoked",
                "credentials.put.old_token_revoked",
            ),
        ),
        # the pager (mock_party/pagination.py)
        Fault(
            "pagination.no_link",
            "Sender lists never send a Link header, even when more objects remain.",
            # a walk that follows the Links then misses objects
            (
                "pagination.link_present",
                "pagination.full_walk_unique",
                "payments.sender.pagination",
            ),
        ),
        Fault(
            "pagination.relative_link",
            "The next-page Link holds a path without scheme and host.",
            ("pagination.link_absolute",),
        ),
        Fault(
            "pagination.wrong_total_count",
            "X-Total-Count is one more than the number of matching objects.",
            ("pagination.total_count", "payments.sender.pagination"),
        ),
        Fault(
            "pagination.limit_echoed",
            "X-Limit repeats the limit the client asked for instead of the server maximum "
            "(seen on lists longer than that maximum, as with page_limit 10).",
            ("pagination.limit_capped",),
            config=(("page_limit", 10),),
        ),
        Fault(
            "pagination.limit_ignored",
            "A limit below the server maximum is ignored: pages hold the server maximum.",
            ("pagination.limit_honoured",),
        ),
        Fault(
            "pagination.offset_ignored",
            "offset is ignored: every page starts at the first object (the Link still moves, "
            "so following it never ends: an endless Link).",
            (
                "pagination.offset_applied",
                "pagination.full_walk_unique",
                "pagination.link_absolute",
                "payments.sender.pagination",
            ),
        ),
        Fault(
            "pagination.duplicates_in_page",
            "The first page of every list (read with the server's page size) holds its first "
            "object three times.",
            # the full walk then counts two objects more than X-Total-Count and the small walk
            # returns; delta sync sees an object come twice in a full pull
            (
                "pagination.page_unique",
                "pagination.total_count",
                "pagination.link_present",
                "pagination.delta_sync",
            ),
        ),
        Fault(
            "pagination.date_from_ignored",
            "date_from is ignored: objects updated before it are returned too.",
            ("pagination.date_from_inclusive",),
        ),
        Fault(
            "pagination.date_to_inclusive",
            "date_to is inclusive: objects updated exactly at date_to are returned.",
            ("pagination.date_to_exclusive",),
        ),
        Fault(
            "pagination.delta_drops_changes",
            "An incremental pull (date_from) of the Locations list leaves out the Locations "
            "whose EVSE status the churn changed since date_from, as a stale cache would; the "
            "full list shows them.",
            ("pagination.delta_sync",),
        ),
        # live status: EVSE status PATCHes, as the mock receives them and as it pushes them
        Fault(
            "receiver.evse_status_not_stored",
            "A PATCH of an EVSE is stored without its status: the EVSE keeps the old one.",
            ("locations.receiver.status_read_back",),
        ),
        Fault(
            "receiver.parent_stamped_now",
            "A PATCH of an EVSE or Connector sets the Location's last_updated to the mock's own "
            "clock instead of the PATCH's value.",
            ("locations.receiver.status_parent_follows",),
        ),
        Fault(
            "push.status_last_updated_backdated",
            "EVSE status PATCHes pushed to partners carry a last_updated an hour before the "
            "stored one.",
            ("locations.push.last_updated_monotonic",),
        ),
        Fault(
            "push.available_as_unknown",
            "EVSE status PATCHes pushed to partners say UNKNOWN where the EVSE is AVAILABLE.",
            ("locations.push.sender_agrees",),
        ),
        Fault(
            "pagination.invalid_parameter_accepted",
            "Invalid offset, limit, date_from or date_to are silently ignored instead of 2001.",
            ("pagination.invalid_parameter",),
        ),
        # the response hook (this module), functional modules only
        Fault(
            "envelope.missing_timestamp",
            "Envelopes of the functional modules lack the timestamp field.",
            ("transport.envelope_valid", "transport.timestamp_valid"),
        ),
        Fault(
            "envelope.status_code_mismatch",
            "OCPI status and HTTP status disagree: successes say 2001 with HTTP 200, client "
            "errors say 1000 with their HTTP 4xx.",
            ("transport.status_code_consistent",),
        ),
        Fault(
            "envelope.not_an_envelope",
            "Functional modules answer the bare data (or the message) instead of an envelope.",
            ("transport.envelope_valid", "transport.error_is_envelope"),
        ),
        Fault(
            "transport.truncated_json",
            "Functional-module bodies are cut in half: not valid JSON.",
            ("transport.envelope_valid", "transport.error_is_envelope"),
        ),
        Fault(
            "transport.request_id_not_echoed",
            "Functional-module answers carry a new X-Request-ID instead of the request's.",
            ("transport.request_id_echoed",),
        ),
        Fault(
            "transport.correlation_id_not_echoed",
            "Functional-module answers carry a new X-Correlation-ID instead of the request's.",
            ("transport.correlation_id_echoed",),
        ),
        Fault(
            "transport.content_type_not_json",
            "Functional-module answers say Content-Type: text/plain.",
            ("transport.content_type_json",),
        ),
        # the request hook (request_seam below), functional modules only
        Fault(
            "transport.http_500",
            "Every functional-module request is answered HTTP 500 (status_code 3000).",
            ("transport.no_server_error",),
        ),
        Fault(
            "transport.rate_limited",
            "Every functional-module request is answered HTTP 429 with Retry-After: 1.",
            _OBJECTS_VALID,
        ),
        Fault(
            "transport.slow",
            "Every functional-module answer waits slow_delay seconds (config, 2 s by default). "
            "Trips no check unless the delay exceeds the suite's timeout.",
            (),
        ),
        # the serializer (mock_party/objects.py), our own objects as they go out
        Fault(
            "schema.required_field_dropped",
            "Objects lack a required field (Location.city, Session/CDR.auth_method, "
            "Tariff.currency, Token.issuer).",
            _OBJECTS_VALID,
        ),
        Fault(
            "schema.overlong_string",
            "Objects carry a string longer than its maximum (Location.address, Session/CDR "
            "meter_id, Tariff.tariff_alt_text, Token.visual_number).",
            _OBJECTS_VALID,
        ),
        Fault(
            "schema.datetime_offset",
            "A DateTime is written with +00:00 instead of Z (EVSE.last_updated, Session/CDR "
            "start_date_time, Tariff/Token last_updated).",
            _OBJECTS_VALID,
        ),
        Fault(
            "schema.bad_enum",
            "An enum field holds a value the spec does not list (Location.parking_type, "
            "Session/CDR auth_method, Tariff.type, Token.whitelist).",
            _OBJECTS_VALID,
        ),
        Fault(
            "pricing.cdr_total_mismatch",
            "CDR total_cost is 1.50 (excl. VAT) more than its tariff gives.",
            ("cdrs.pricing_reconciles", "cdrs.pushed_pricing_reconciles"),
        ),
        Fault(
            "cdrs.unsplit_periods",
            "As CPO: CDR charging periods cut where the tariff's price changes (a time of day, "
            "a kWh or duration threshold) are joined again into one across the change (shows "
            "with tariffs that have such restrictions, as seed 1's).",
            ("cdrs.internally_consistent",),
            config=(("seed", 1),),
        ),
        # the Receiver helper (mock_party/modules/_objects.py)
        Fault(
            "receiver.patch_without_last_updated_accepted",
            "Receivers accept a PATCH without last_updated instead of answering 2001.",
            (
                "tokens.receiver.patch_requires_last_updated",
                "locations.receiver.patch_requires_last_updated",
                "sessions.receiver.patch_requires_last_updated",
            ),
        ),
        # demand pricing (mock_party/demand.py, objects.serialize)
        Fault(
            "pricing.tariff_change_ignored",
            "As CPO: charging periods after a price change keep the Tariff in force before it.",
            ("cdrs.period_tariff_in_force", "sessions.period_tariff_in_force"),
        ),
        Fault(
            "tariffs.overlapping_windows",
            "As CPO: a Tariff that ended goes out with its end_date_time a day later.",
            ("tariffs.validity_windows_disjoint",),
        ),
        # ad-hoc tokens (mock_party/modules/tokens.py, objects.serialize)
        Fault(
            "tokens.ad_hoc_whitelisted",
            "As eMSP: AD_HOC_USER and APP_USER tokens are listed with whitelist ALWAYS.",
            ("tokens.ad_hoc_not_whitelisted",),
        ),
        Fault(
            "tokens.authorize_location_widened",
            "As eMSP: an authorization for some EVSEs answers one more EVSE than asked for.",
            ("tokens.authorize.location_references",),
        ),
        # 2.3.0 Payments (mock_party/modules/payments.py, payments_flow.py, objects.serialize)
        Fault(
            "payments.terminal_update_ignored",
            "As PTP: a PUT or PATCH of a Terminal is acknowledged but not applied.",
            ("payments.sender.put_updates", "payments.sender.patch_assigns"),
        ),
        Fault(
            "payments.receiver_confirmation_lost",
            "As CPO: a POSTed Financial Advice Confirmation is acknowledged but not kept.",
            ("payments.receiver.confirmation_post_get",),
        ),
        Fault(
            "payments.capture_amount_wrong",
            "As PTP: the capture of a card-paid CDR is 1.00 more than its total_cost.",
            ("payments.capture_matches_cdr",),
        ),
        Fault(
            "payments.card_cdr_unreferenced",
            "As CPO: CDRs paid at a terminal go out without their authorization_reference.",
            ("payments.card_cdrs_consistent",),
        ),
        # the mock hub (mock_party/hub/): routing, forwarding and its ClientInfo Sender
        Fault(
            "hub.forward_from_missing",
            "As Hub: forwarded requests carry no OCPI-from-* headers.",
            (
                "hub.forward.routing_headers",
                "hub.own_parties.routed",
                "hub.own_parties.broadcast",
                "hub.open_routing.session_by_token",
            ),
        ),
        Fault(
            "hub.forward_from_hub",
            "As Hub: forwarded requests name the hub in OCPI-from-*, not the requesting party.",
            (
                "hub.forward.routing_headers",
                "hub.own_parties.routed",
                "hub.open_routing.session_by_token",
            ),
        ),
        Fault(
            "hub.forward_request_id_copied",
            "As Hub: a forwarded request copies the requester's X-Request-ID instead of a new one.",
            ("hub.forward.ids",),
        ),
        Fault(
            "hub.forward_duplicated",
            "As Hub: every request routed to a party is forwarded to it twice.",
            ("hub.forward.once", "hub.own_parties.broadcast"),
        ),
        Fault(
            "hub.routes_to_wrong_party",
            "As Hub: a request routed to one of the hub's parties goes to another of its role.",
            ("hub.routing.isolation", "hub.routing.answer_headers"),
        ),
        Fault(
            "hub.broadcast_instead_of_routing",
            "As Hub: a Sender list GET routed to one of the hub's parties is answered as a GET "
            "All over every party.",
            ("hub.routing.isolation", "hub.routing.answer_headers"),
        ),
        Fault(
            "hub.response_dropped",
            "As Hub: the answer of the party a request was routed to is dropped; the requester "
            "gets HTTP 200 and status 1000 without data.",
            # the Token broadcast is read back from each CPO by a routed GET, dropped too
            ("hub.routing.forwarded", "hub.broadcast.reaches_parties"),
        ),
        Fault(
            "hub.leaks_other_party",
            "As Hub: a routed Sender list answer also holds the first object of another party "
            "of the same role.",
            ("hub.routing.isolation",),
        ),
        Fault(
            "hub.unknown_party_ok",
            "As Hub: a request routed to an unknown party is answered HTTP 200, status 1000, "
            "with an empty list.",
            ("hub.routing.unknown_party_refused",),
        ),
        Fault(
            "hub.clientinfo_stale",
            "As Hub: hubclientinfo keeps listing the hub's last party as CONNECTED while it is "
            "gone: requests routed to it get 4003.",
            ("hub.routing.forwarded",),
        ),
        Fault(
            "hub.broadcast_partial",
            "As Hub: a Broadcast Push is acknowledged but sent on to the first receiver only.",
            ("hub.broadcast.reaches_parties", "hub.own_parties.broadcast"),
        ),
        Fault(
            "hub.broadcast_per_platform",
            "As Hub: a Broadcast Push goes to one party of each platform, not to every party a "
            "platform hosts.",
            ("hub.own_parties.broadcast",),
        ),
        Fault(
            "hub.forward_to_platform",
            "As Hub: a request forwarded to a platform names the platform's first party in "
            "OCPI-to-*, not the party it was routed to.",
            (
                "hub.own_parties.routed",
                "hub.own_parties.broadcast",
                "hub.open_routing.session_by_token",
            ),
        ),
        Fault(
            "hub.acts_for_platform",
            "As Hub: towards the parties it plays, the hub acts for the requester's whole "
            "platform (all its credentials roles), not for the party in OCPI-from-*.",
            ("hub.own_parties.isolation",),
        ),
        Fault(
            "hub.clientinfo_not_pushed",
            "As Hub: ClientInfo is never pushed to the platforms' Receiver interfaces (only "
            "the Sender list tells).",
            ("hub.clientinfo.pushed",),
        ),
        Fault(
            "hub.clientinfo_push_malformed",
            "As Hub: pushed ClientInfo objects lack their mandatory last_updated.",
            ("hub.clientinfo.push_valid",),
        ),
        Fault(
            "hub.clientinfo_push_stale",
            "As Hub: each ClientInfo push carries an older status than the hub's list "
            "(PLANNED for a CONNECTED party).",
            ("hub.clientinfo.push_current",),
        ),
        Fault(
            "hub.clientinfo_push_routed",
            "As Hub: ClientInfo pushes carry OCPI-to-*/OCPI-from-* headers, on a "
            "configuration module.",
            ("hub.clientinfo.push_unrouted",),
        ),
        Fault(
            "hub.open_routing_refused",
            "As Hub: a GET of one object without OCPI-to-* (an open routing request) is "
            "refused as an unknown receiver (4001) instead of being routed by its content.",
            ("hub.open_routing.get_one",),
        ),
        Fault(
            "hub.open_routing_broadcasts_content",
            "As Hub: a Session, CDR or command without OCPI-to-* is broadcast to every party "
            "of the opposite role instead of going to the party its content names.",
            ("hub.open_routing.session_by_token", "hub.open_routing.command_by_location"),
        ),
        Fault(
            "hub.open_routing_authorize_refused",
            "As Hub: a real-time authorization without OCPI-to-* is refused as an unknown "
            "receiver (4001) instead of being asked of the eMSPs.",
            ("hub.open_routing.authorize_by_token",),
        ),
        Fault(
            "hub.answer_routing_missing",
            "As Hub: answers to routed requests and GET Alls carry no routing headers.",
            (
                "hub.routing.answer_headers",
                "hub.get_all.answer_headers",
                "hub.own_parties.routed",
                "hub.open_routing.answer_headers",
                "hub.open_routing.session_by_token",
                "hub.open_routing.command_by_location",
                "hub.open_routing.authorize_by_token",
            ),
        ),
        Fault(
            "hub.credentials_without_hub_party_id",
            "As Hub (2.3.0): its Credentials leave out hub_party_id, so a platform cannot tell "
            "it is a Hub, nor which party it is (its roles name only the parties behind it).",
            ("credentials.hub_party_id", "via_hub.hub_party_id"),
        ),
        Fault(
            "hub.credentials_lists_only_itself",
            "As Hub (2.3.0): its Credentials roles name only the hub itself (as OTHER), "
            "none of the parties reachable through it.",
            ("hub.credentials.lists_parties",),
        ),
    )
}


def check_fault_ids(ids: Iterable[str]) -> None:
    import difflib

    for fault_id in ids:
        if fault_id not in FAULTS:
            close = difflib.get_close_matches(fault_id, FAULTS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"faults: unknown fault {fault_id!r}.{hint} Known faults: {', '.join(FAULTS)}"
            )


STATE_KEY = "faults"


class FaultSet:
    """The faults switched on in one app, kept in its store (``mock_state``), so every worker
    process over the same database sees the same faults; changed at run time by the admin API.
    Read once per request (cached in ``g``), written through at once."""

    def __init__(self, database: str, ids: Iterable[str] = ()) -> None:
        ids = list(ids)
        check_fault_ids(ids)
        self.database = database
        self.set(ids)

    def _with_store(self, work: Any) -> Any:
        from mock_party.store import Store, get_store

        if has_app_context() and current_app.extensions.get("ocpi_faults") is self:
            return work(get_store())
        store = Store(self.database)
        try:
            return work(store)
        finally:
            store.close()

    def _read(self) -> frozenset[str]:
        if has_app_context() and current_app.extensions.get("ocpi_faults") is self:
            cached = g.get("ocpi_faults_on")
            if cached is not None:
                return cached
        row = self._with_store(
            lambda store: store.db.execute(
                "SELECT value FROM mock_state WHERE key = ?", (STATE_KEY,)
            ).fetchone()
        )
        ids = frozenset(json.loads(row[0])) if row else frozenset()
        if has_app_context() and current_app.extensions.get("ocpi_faults") is self:
            g.ocpi_faults_on = ids
        return ids

    def __contains__(self, fault_id: str) -> bool:
        return fault_id in self._read()

    def set(self, ids: Iterable[str]) -> None:
        ids = sorted(set(ids))
        check_fault_ids(ids)
        self._with_store(
            lambda store: store.db.execute(
                "INSERT INTO mock_state (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (STATE_KEY, json.dumps(ids)),
            )
        )
        if has_app_context() and current_app.extensions.get("ocpi_faults") is self:
            g.ocpi_faults_on = frozenset(ids)

    def ids(self) -> list[str]:
        return sorted(self._read())


def active(fault_id: str) -> bool:
    """Whether ``fault_id`` is on in the current app. A request asks this some forty times:
    after the first, the answer comes from the faults its FaultSet read for it (in ``g``)."""
    if fault_id not in FAULTS:
        raise KeyError(f"unknown fault id {fault_id!r}")
    on = g.get("ocpi_faults_on")
    if on is None:
        return fault_id in current_app.extensions["ocpi_faults"]
    return fault_id in on


def request_seam() -> None:
    """Called by the functional modules once the caller is authenticated: the transport faults
    that answer instead of the view, and the scope of the response faults."""
    from mock_party.ocpi import OcpiError

    g.ocpi_fault_scope = True
    if active("transport.slow"):
        time.sleep(current_app.config["OCPI_MOCK"].slow_delay)
    if active("transport.http_500"):
        raise OcpiError("Injected fault: internal server error", status_code=3000, http_status=500)
    if active("transport.rate_limited"):
        raise OcpiError(
            "Injected fault: too many requests, retry later",
            status_code=2000,
            http_status=429,
            headers={"Retry-After": "1"},
        )


_RESPONSE_FAULTS = (
    "envelope.missing_timestamp",
    "envelope.status_code_mismatch",
    "envelope.not_an_envelope",
    "transport.truncated_json",
    "transport.request_id_not_echoed",
    "transport.correlation_id_not_echoed",
    "transport.content_type_not_json",
)


def _break_envelope(response: Response, on: set[str]) -> None:
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    if "envelope.missing_timestamp" in on:
        body.pop("timestamp", None)
    if "envelope.status_code_mismatch" in on:
        if response.status_code < 300 and body.get("status_code") == 1000:
            body["status_code"] = 2001
        elif 400 <= response.status_code < 500:
            body["status_code"] = 1000
    if "envelope.not_an_envelope" in on:
        body = body.get("data", body.get("status_message"))
    response.set_data(json.dumps(body))


def _response_seam(response: Response) -> Response:
    """The after-request hook where envelope and transport faults change an answer."""
    if not g.get("ocpi_fault_scope"):
        return response
    on = {fault_id for fault_id in _RESPONSE_FAULTS if active(fault_id)}
    if not on:
        return response
    if on & {"envelope.missing_timestamp", "envelope.status_code_mismatch"} or (
        "envelope.not_an_envelope" in on
    ):
        _break_envelope(response, on)
    if "transport.truncated_json" in on:
        data = response.get_data()
        response.set_data(data[: max(1, len(data) // 2)])
    if "transport.request_id_not_echoed" in on:
        response.headers["X-Request-ID"] = str(uuid.uuid4())
    if "transport.correlation_id_not_echoed" in on:
        response.headers["X-Correlation-ID"] = str(uuid.uuid4())
    if "transport.content_type_not_json" in on:
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


def init_app(app: Flask, ids: Iterable[str]) -> None:
    app.extensions["ocpi_faults"] = FaultSet(app.config["OCPI_DATABASE"], ids)
    # registered before the app's own after_request hooks, so it runs after them (Flask runs
    # them in reverse order) and sees the echoed ids
    app.after_request(_response_seam)
