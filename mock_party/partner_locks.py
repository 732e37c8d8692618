"""One lock per partner of an app, so that sending with a partner's token and replacing that
token take turns.

A push job reads the token a partner gave us and sends with it; a credentials PUT from that
partner replaces the token. Without turns, a push could leave with the old token after the
partner, told that we took its new one, stopped accepting the old one (401). With them, the
push either reaches the partner before our PUT answer (when it still takes both tokens) or
reads the new token. Per process: with several workers the window only narrows.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["partner_lock"]

_KEY = "ocpi_partner_locks"


def partner_lock(app: Any, partner_id: int) -> threading.Lock:
    """The lock of ``partner_id`` in ``app`` (a Flask app), made on first use."""
    locks: dict[int, threading.Lock] = app.extensions.setdefault(_KEY, {})
    return locks.setdefault(partner_id, threading.Lock())
