"""Faker data of the 2.3.0 Payments module: payment terminals and Financial Advice Confirmations.

Two data sets, both deterministic for a seed:

- :func:`ptp_payments`: what a Payment Terminal Provider (the mock as eMSP/PTP) holds: its
  Terminals (some assigned to a CPO's locations or EVSEs, some newly shipped, unassigned) and
  the Financial Advice Confirmations of captures it made.
- :func:`card_payments`: a CPO's side of card payment, made from its own data set. Every EVSE
  where a CDR was paid by card gets a payment terminal capability, the terminals a PTP created
  on the CPO are assigned to those locations/EVSEs, and each card-paid Session and CDR carries
  the ``authorization_reference`` of the payment (the mapping spec 2.3.0 payments "Transaction"
  describes). A CDR is *paid by card* when its token is an ``AD_HOC_USER`` token of the CPO's
  own party: the one-time token a terminal payment gets, no eMSP involved.

Objects are in the 2.3.0 shape (the module exists in 2.3.0 only); Prices of confirmations equal
the 2.3.0 form of the CDR's ``total_cost`` (``before_taxes`` plus the VAT among ``taxes``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker

from mock_party.shapes import ascii_text

__all__ = [
    "CARD_CAPABILITIES",
    "PTP_PARTY",
    "CardPayments",
    "PtpPayments",
    "card_paid",
    "card_payments",
    "confirmation_for",
    "price_230",
    "ptp_payments",
]

Json = dict[str, Any]
# EVSE capabilities that announce a payment terminal (spec 2.3.0 locations, Capability enum)
CARD_CAPABILITIES = (
    "CHIP_CARD_SUPPORT",
    "CONTACTLESS_CARD_SUPPORT",
    "CREDIT_CARD_PAYABLE",
    "DEBIT_CARD_PAYABLE",
    "PED_TERMINAL",
)
PTP_PARTY = ("DE", "PTP")  # the PTP whose terminals a mock CPO holds


def _stamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _digest(*parts: Any) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _faker(seed: int, salt: str) -> Faker:
    fake = Faker("de_DE")
    fake.seed_instance(int(_digest(seed, salt)[:12], 16))
    return fake


def price_230(price: Any) -> Json:
    """A CDR's total_cost in the 2.3.0 Price form, from either shape (2.2.1 excl/incl VAT)."""
    if isinstance(price, Mapping) and "before_taxes" in price:
        return {"before_taxes": price["before_taxes"], "taxes": list(price.get("taxes") or [])}
    if isinstance(price, Mapping):
        excl = Decimal(str(price.get("excl_vat", 0)))
        incl = Decimal(str(price.get("incl_vat", excl)))
        tax = incl - excl
        return {
            "before_taxes": float(excl),
            "taxes": [{"name": "VAT", "amount": float(round(tax, 4))}] if tax else [],
        }
    return {"before_taxes": float(price or 0), "taxes": []}


def card_paid(cdr_or_session: Mapping[str, Any]) -> bool:
    """Paid at a payment terminal: an AD_HOC_USER token of the charge point's own party."""
    token = cdr_or_session.get("cdr_token") or {}
    return (
        token.get("type") == "AD_HOC_USER"
        and str(token.get("country_code", "")).upper()
        == str(cdr_or_session.get("country_code", "")).upper()
        and str(token.get("party_id", "")).upper()
        == str(cdr_or_session.get("party_id", "")).upper()
    )


def _terminal(fake: Faker, terminal_id: str, moment: datetime, **fields: Any) -> Json:
    terminal: Json = {
        "terminal_id": terminal_id,
        "address": ascii_text(fake.street_address())[:45],
        "city": ascii_text(fake.city())[:45],
        "postal_code": fake.postcode()[:10],
        "country": "DEU",
        "coordinates": {
            "latitude": f"{fake.pyfloat(min_value=47.5, max_value=54.5):.6f}",
            "longitude": f"{fake.pyfloat(min_value=6.0, max_value=14.5):.6f}",
        },
        "reference": fake.bothify("SN-########")[:36],
        **fields,
        "last_updated": _stamp(moment),
    }
    return terminal


def confirmation_for(
    fac_id: str,
    authorization_reference: str,
    total_cost: Any,
    currency: str,
    moment: datetime,
    *,
    status: str = "SUCCESS",
) -> Json:
    """The FinancialAdviceConfirmation of one capture of ``total_cost``."""
    fac: Json = {
        "id": fac_id,
        "authorization_reference": authorization_reference,
        "total_costs": price_230(total_cost),
        "currency": currency,
        "eft_data": [
            f"TID {fac_id[:8]}",
            f"AUTH {authorization_reference[:12]}",
            "EMV A0000000041010",
        ],
        "capture_status_code": status,
        "last_updated": _stamp(moment),
    }
    if status != "SUCCESS":
        fac["capture_status_message"] = "Amount partially approved by the card issuer"
    return fac


@dataclass(frozen=True)
class PtpPayments:
    terminals: tuple[Json, ...]
    confirmations: tuple[Json, ...]


def ptp_payments(
    *, seed: int, now: datetime, terminals: int = 8, confirmations: int = 12
) -> PtpPayments:
    """A PTP's terminals and confirmations; all ``last_updated`` before ``now``, oldest first."""
    fake = _faker(seed, "ptp")
    made: list[Json] = []
    for i in range(terminals):
        moment = now - timedelta(days=40 - i, minutes=fake.random_int(0, 600))
        fields: Json = {"invoice_creator": "PTP" if i % 3 else "CPO"}
        if i % 4 != 3:  # the fourth of each four: newly shipped, not assigned yet
            fields["customer_reference"] = fake.bothify("CUST-####")
            fields["location_ids"] = [f"LOC{_digest(seed, 'loc', i)[:8].upper()}"]
            if i % 2:
                fields["evse_uids"] = [f"EVSE{_digest(seed, 'evse', i)[:8].upper()}"]
        if fields["invoice_creator"] == "CPO":
            fields["invoice_base_url"] = f"https://invoices.example.com/{_digest(seed, i)[:6]}/"
        made.append(_terminal(fake, str(fake.uuid4()), moment, **fields))
    facs = []
    for j in range(confirmations):
        moment = now - timedelta(days=20 - j % 20, minutes=fake.random_int(0, 600))
        amount = Decimal(fake.random_int(150, 9000)) / 100
        total = {"excl_vat": float(amount), "incl_vat": float(round(amount * Decimal("1.19"), 2))}
        status = "PARTIAL_SUCCESS" if j % 7 == 6 else "SUCCESS"
        facs.append(
            confirmation_for(
                str(fake.uuid4()),
                fake.bothify("AUTH-??########").upper(),
                total,
                "EUR",
                moment,
                status=status,
            )  # fmt: skip
        )
    facs.sort(key=lambda f: f["last_updated"])
    return PtpPayments(terminals=tuple(made), confirmations=tuple(facs))


@dataclass(frozen=True)
class CardPayments:
    """A CPO's card payments: its data set, changed where card payment happened, and the
    terminals and confirmations its PTP created on it."""

    locations: tuple[Json, ...]
    sessions: tuple[Json, ...]
    cdrs: tuple[Json, ...]
    terminals: tuple[Json, ...]
    confirmations: tuple[Json, ...]


def _reference(seed: int, item: Mapping[str, Any]) -> str:
    return "PAY" + _digest(seed, "ref", item.get("id"))[:20].upper()


def card_payments(
    *,
    seed: int,
    now: datetime,
    locations: Iterable[Json],
    sessions: Iterable[Json],
    cdrs: Iterable[Json],
) -> CardPayments:
    """Make a CPO data set (2.2.1 shape) consistent for card payment, and add its terminals.

    Card-paid Sessions and CDRs get an ``authorization_reference`` (kept when they have one;
    a CDR takes its Session's); the EVSEs they were at get ``CREDIT_CARD_PAYABLE``; one terminal
    per such location is assigned to it and to those EVSEs; a CDR at a terminal whose invoices
    the CPO makes gets an ``invoice_reference_id`` and a Financial Advice Confirmation of its
    total_cost.
    """
    locations = [dict(loc) for loc in locations]
    sessions = [dict(s) for s in sessions]
    cdrs = [dict(c) for c in cdrs]
    references: dict[str, str] = {}
    for session in sessions:
        if card_paid(session):
            session.setdefault("authorization_reference", _reference(seed, session))
            references[str(session["id"])] = session["authorization_reference"]
    paid_at: dict[str, set[str]] = {}
    for cdr in cdrs:
        if not card_paid(cdr) or cdr.get("credit"):
            continue
        cdr.setdefault(
            "authorization_reference",
            references.get(str(cdr.get("session_id")), _reference(seed, cdr)),
        )
        where = cdr.get("cdr_location") or {}
        paid_at.setdefault(str(where.get("id")), set()).add(str(where.get("evse_uid")))
    for session in sessions:
        if "authorization_reference" in session and card_paid(session):
            paid_at.setdefault(str(session.get("location_id")), set()).add(
                str(session.get("evse_uid"))
            )
    fake = _faker(seed, "cpo")
    terminals: list[Json] = []
    by_location: dict[str, Json] = {}
    for location in locations:
        evses = paid_at.get(str(location.get("id")))
        if not evses:
            continue
        location["evses"] = [
            {**e, "capabilities": sorted({*(e.get("capabilities") or ()), "CREDIT_CARD_PAYABLE"})}
            if e.get("uid") in evses
            else e
            for e in location.get("evses") or []
        ]
        index = len(terminals)
        creator = "CPO" if index % 2 == 0 else "PTP"
        fields: Json = {
            "country_code": location["country_code"],
            "party_id": location["party_id"],
            "invoice_creator": creator,
            "location_ids": [location["id"]],
            "evse_uids": sorted(evses),
        }
        if creator == "CPO":
            fields["invoice_base_url"] = f"https://invoices.example.com/{location['party_id']}/"
        moment = now - timedelta(days=90 - index % 60)
        terminal = _terminal(fake, str(fake.uuid4()), moment, **fields)
        terminals.append(terminal)
        by_location[str(location["id"])] = terminal
    confirmations = []
    for cdr in cdrs:
        terminal = by_location.get(str((cdr.get("cdr_location") or {}).get("id")))
        if terminal is None or "authorization_reference" not in cdr or cdr.get("credit"):
            continue
        if terminal["invoice_creator"] == "CPO":
            cdr.setdefault("invoice_reference_id", "INV" + _digest(seed, "inv", cdr["id"])[:16])
            fac_id = str(fake.uuid4())
            moment = min(now, datetime.fromisoformat(cdr["last_updated"].replace("Z", "+00:00")))
            confirmations.append(
                confirmation_for(
                    fac_id,
                    cdr["authorization_reference"],
                    cdr["total_cost"],
                    cdr["currency"],
                    moment,
                )  # fmt: skip
            )
    confirmations.sort(key=lambda f: f["last_updated"])
    return CardPayments(
        locations=tuple(locations),
        sessions=tuple(sessions),
        cdrs=tuple(cdrs),
        terminals=tuple(terminals),
        confirmations=tuple(confirmations),
    )
