"""Fault injection: named ways in which the mock breaks one OCPI rule on purpose.

Each fault names the check ids it must make the suite fail. Faults are switched on in the config
or at run time (``POST /admin/faults``) and act at a few seams that ask :func:`active`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app

__all__ = ["FAULTS", "Fault", "FaultSet", "active", "check_fault_ids", "init_app"]


@dataclass(frozen=True)
class Fault:
    id: str
    description: str
    trips: tuple[str, ...]  # the check ids that must fail (or warn) when this fault is on


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
            ("auth.missing_token_401", "auth.unknown_token_401"),
        ),
        Fault(
            "auth.forbidden_instead_of_unauthorized",
            "Requests with a missing or unknown token get 403 instead of 401.",
            ("auth.missing_token_401", "auth.unknown_token_401"),
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


class FaultSet:
    """The faults switched on in one app; changed at run time by the admin API."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        check_fault_ids(ids)
        self._ids = set(ids)
        self._lock = threading.Lock()

    def __contains__(self, fault_id: str) -> bool:
        with self._lock:
            return fault_id in self._ids

    def set(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        check_fault_ids(ids)
        with self._lock:
            self._ids = set(ids)

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._ids)


def active(fault_id: str) -> bool:
    """Whether ``fault_id`` is on in the current app."""
    if fault_id not in FAULTS:
        raise KeyError(f"unknown fault id {fault_id!r}")
    return fault_id in current_app.extensions["ocpi_faults"]


def init_app(app: Flask, ids: Iterable[str]) -> None:
    app.extensions["ocpi_faults"] = FaultSet(ids)
