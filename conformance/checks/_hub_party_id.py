"""Whether a 2.3.0 Hub's Credentials name it in ``hub_party_id`` (2.3.0 §7.3.1): judged of a
Hub target (credentials.hub_party_id) and of the Hub a CPO or eMSP is reached through
(via_hub.hub_party_id), whose Credentials are the ones the suite exchanges then."""

from __future__ import annotations

from conformance.expect import data_of
from conformance.failures import CheckFailure
from conformance.session import Registration, Run

__all__ = ["expect_hub_party_id"]


def _joined_party_problem(value: object) -> str | None:
    """What is wrong with a ``hub_party_id`` value, or ``None``: five characters, a two-letter
    country code followed by a three-character party id."""
    if value is None:
        return "no hub_party_id"
    if not isinstance(value, str):
        return f"hub_party_id {value!r}, not a string"
    if len(value) != 5 or not value[:2].isalpha() or not value[2:].isalnum():
        return f"hub_party_id {value!r}, not a country code and a party id in five characters"
    return None


def expect_hub_party_id(ocpi: Run, registration: Registration, hub: str) -> None:
    """Fail unless the Credentials of our registration's answer and of a GET give a valid
    ``hub_party_id``; ``hub`` says which Hub in the title (the target, or the one before it)."""
    answers = [("POST", registration.response)]
    answers.append(("GET", ocpi.client().get(registration.credentials_url)))
    for method, response in answers:
        data = data_of(response)
        value = data.get("hub_party_id") if isinstance(data, dict) else None
        problem = _joined_party_problem(value)
        if problem is not None:
            raise CheckFailure(
                f"{method} credentials: {hub} does not say which party it is",
                expected="hub_party_id: the Hub's country code and party id as one "
                "five-character string (e.g. NL and HUB: NLHUB); a platform with Hub "
                "functionality SHALL give it",
                actual=problem,
                exchange=response.exchange if response is not None else None,
            )
